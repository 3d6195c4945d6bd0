// The people around the police, simulated, against a real server and Redis through the public contracts only: an
// emergency unit's terminal answers a call-out and arrives; the demo duty leader calls the roll and the units
// answer; the duty leader broadcasts a search for a missing person, a simulated volunteer acknowledges it and
// reports a sighting, and the search is marked found; a search reaching a unit's terminal is acknowledged there once.
import { describe, expect, it } from 'vitest';
import type { AuditPage, CallOut, IncidentReport, Readiness, Search } from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '@ccr/server/testing';
import { createRng } from '@ccr/shared/demo';
import { startDeviceFleet } from './devices.js';
import { startAutoResponders } from './auto-responders.js';
import { startVolunteerFleet } from './volunteer-fleet.js';

const bed = useTestbed('simp');
const [lng, lat] = fixtureGridCentre(0, 0); // the school emergency unit E-0001 and volunteer V-1-01 are here

async function incident(s: TestServer & { prefix: string }, id: string, type: IncidentReport['type']): Promise<void> {
  const r: IncidentReport = { id, type, priority: 1, lng, lat, address: '中心小学门口', reportedAt: new Date().toISOString(), source: '110', summary: '一名老人走失，穿灰色外套' };
  const m = bed.mirror(s);
  await m.ready();
  await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(r) });
  await m.waitFor(() => m.incidents.has(id), 5_000, 'incident ingested');
  m.close();
}
const get = async <T>(s: TestServer, path: string): Promise<T> => (await (await bed.fetch(s, path, {}, 'dispatcher')).json()) as T;

describe('simulated responders', () => {
  it('an emergency unit\'s terminal answers a call-out coming with its people, arrives and reports what was done', async () => {
    const s = await bed.server();
    await incident(s, 'JQ-S1', 'fight');
    const fleet = startDeviceFleet({
      serverUrl: s.url, secret: s.config.auth.deviceSecret!, unitIds: ['E-0001'], onOrder: () => [],
      onCallOut: () => ({ answer: 'coming', afterMs: 100, people: 4, arriveAfterMs: 400, doneAfterMs: 700, note: '协助疏散围观群众' }),
    });
    bed.onCleanup(() => fleet.close());
    await fleet.whenConnected(10_000);
    const alert = await postJson(`${s.url}/api/incidents/JQ-S1/alert-emergency-units`, { commandId: `simp-alert-${Date.now()}`, ring: 1 }, await bed.token(s, 'dispatcher'));
    expect(alert.status).toBe(200);
    await expect.poll(async () => (await get<CallOut>(s, '/api/incidents/JQ-S1/call-out')).units[0]?.doneAt, { timeout: 10_000 }).toBeGreaterThan(0);
    const c = await get<CallOut>(s, '/api/incidents/JQ-S1/call-out');
    expect(c.units[0]).toMatchObject({ unitId: 'E-0001', answer: 'coming', people: 4, note: '协助疏散围观群众' });
    expect(c.tiers[0]).toMatchObject({ ring: 1, coming: 1, people: 4, arrived: 1, arrivedPeople: 4, kept: true });
    expect(fleet.stats()).toMatchObject({ callOutsComing: 1, callOutArrivals: 1, refused: 0 });
  }, 30_000);

  it('the duty leader calls the roll and the units\' terminals answer in time', async () => {
    const s = await bed.server({ rollCall: { answerMs: 3_000, missesToFlag: 3, closeEveryMs: 1_000 } });
    const fleet = startDeviceFleet({
      serverUrl: s.url, secret: s.config.auth.deviceSecret!, unitIds: ['E-0001'], onOrder: () => [],
      onRollCall: () => ({ afterMs: 200, people: 10 }),
    });
    bed.onCleanup(() => fleet.close());
    await fleet.whenConnected(10_000);
    const leader = startAutoResponders({ serverUrl: s.url, password: s.config.auth.demoPassword!, rng: createRng(3), timeScale: 1, pollMs: 200, firstRollCallMs: 0 });
    bed.onCleanup(() => leader.close());
    await expect.poll(() => fleet.stats().rollCallsAnswered, { timeout: 10_000 }).toBe(1);
    expect(leader.stats().rollCalls).toBe(1);
    const r = await get<Readiness>(s, '/api/roll-calls/readiness');
    expect(r).toMatchObject({ registered: 12, acknowledged: 10, share: 83.3 });
    expect(r.grids).toEqual([expect.objectContaining({ gridId: 'G1', units: 1, answeredUnits: 1 })]);
  }, 30_000);

  it('a missing person is broadcast to nearby volunteer teams; a volunteer acknowledges and reports a sighting; it is found', async () => {
    const s = await bed.server();
    const volunteers = startVolunteerFleet({
      serverUrl: s.url, secret: s.config.auth.deviceSecret!, rng: createRng(5), timeScale: 1,
      volunteers: [{ id: 'V-1-01', name: '张快递', teamId: 'V-1', home: [lng, lat] }, { id: 'V-1-02', name: '李快递', teamId: 'V-1' }],
      answer: (n) => ({ ackAfterMs: 100, sighting: { afterMs: 300, lng: n.lng + 0.002, lat: n.lat, text: '超市门口有人符合描述' } }),
    });
    bed.onCleanup(() => volunteers.close());
    await volunteers.whenConnected(10_000);
    const leader = startAutoResponders({
      serverUrl: s.url, password: s.config.auth.demoPassword!, rng: createRng(3), timeScale: 1, pollMs: 200, firstRollCallMs: 3_600_000, foundAfter: [3_000, 0.01],
    });
    bed.onCleanup(() => leader.close());
    await incident(s, 'JQ-S2', 'missing_person');
    await expect.poll(async () => (await get<Search[]>(s, '/api/searches'))[0]?.sightings.length ?? 0, { timeout: 10_000 }).toBe(1);
    const search = (await get<Search[]>(s, '/api/searches'))[0]!;
    // Only V-1-01 is within 3 km (V-1-02 lives about 7 km away): told, acknowledged, reported. The school's emergency
    // unit there is told too (it has no terminal here); grid officer C-1, whose whereabouts are unknown, is not.
    expect(search).toMatchObject({ incidentId: 'JQ-S2', kind: 'missing_person', radiusM: 3_000, recipients: ['u:E-0001', 'v:V-1-01'], status: 'active', gridOfficers: true, emergencyUnits: true });
    expect(Object.keys(search.acks)).toEqual(['v:V-1-01']);
    expect(search.sightings[0]).toMatchObject({ recipient: 'v:V-1-01', text: '超市门口有人符合描述' });
    await expect.poll(() => leader.stats().found, { timeout: 10_000 }).toBe(1);
    expect(await get<Search[]>(s, '/api/searches')).toEqual([]);
    expect(volunteers.stats()).toMatchObject({ searchesReceived: 1, acknowledged: 1, sightings: 1, refused: 0 });
  }, 30_000);

  it('a search reaching an emergency unit\'s terminal is acknowledged there exactly once, reminders or not, and its sighting shows', async () => {
    const s = await bed.server();
    // The leader answers after 9 s: past the server's first reminder (5–7.5 s unacknowledged), which must not make the
    // terminal acknowledge early or twice.
    const fleet = startDeviceFleet({
      serverUrl: s.url, secret: s.config.auth.deviceSecret!, unitIds: ['E-0001', 'C-1'], onOrder: () => [],
      onSearch: (_u, n) => ({ ackAfterMs: 9_000, sighting: { afterMs: 9_500, lng: n.lng, lat: n.lat + 0.003, text: '学校门口见到相似的老人' } }),
    });
    bed.onCleanup(() => fleet.close());
    await fleet.whenConnected(10_000);
    const leader = startAutoResponders({
      serverUrl: s.url, password: s.config.auth.demoPassword!, rng: createRng(3), timeScale: 1, pollMs: 200, firstRollCallMs: 3_600_000, foundAfter: [3_600_000, 0.01],
    });
    bed.onCleanup(() => leader.close());
    await incident(s, 'JQ-S3', 'missing_person');
    await expect.poll(async () => (await get<Search[]>(s, '/api/searches'))[0]?.sightings.length ?? 0, { timeout: 20_000 }).toBe(1);
    const search = (await get<Search[]>(s, '/api/searches'))[0]!;
    expect(search.recipients).toEqual(['u:E-0001', 'v:V-1-01']);
    expect(Object.keys(search.acks)).toEqual(['u:E-0001']);
    expect(search.acks['u:E-0001']! - search.startedAt).toBeGreaterThanOrEqual(8_500);
    expect(search.sightings[0]).toMatchObject({ recipient: 'u:E-0001', name: '中心小学应急单元', text: '学校门口见到相似的老人' });
    expect(fleet.stats()).toMatchObject({ searchesReceived: 1, searchesAcknowledged: 1, searchSightings: 1, refused: 0 });
    expect(fleet.stats().searchesRepeated).toBeGreaterThan(0);
    const audit = await (await bed.fetch(s, '/api/audit?action=search.acknowledge')).json() as AuditPage;
    expect(audit.items.map((e) => [e.user, e.target, e.outcome])).toEqual([['device:E-0001', `search:${search.id}`, 'ok']]);
  }, 40_000);
});
