// The live picture end to end against a real redis-server and real Socket.IO clients.
import { describe, expect, it } from 'vitest';
import type { IncidentReport } from '@ccr/shared';
import { fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('t');
const server = (overrides: Record<string, unknown> = {}) => bed.server(overrides);
const mirror = (s: TestServer) => bed.mirror(s);
const [lng, lat] = fixtureGridCentre(1, 0); // inside grid G2
function incident(id: string, extra: Partial<IncidentReport> = {}): IncidentReport {
  return { id, type: 'theft', priority: 1, lng, lat, address: '测试路1号', reportedAt: new Date().toISOString(), source: '110', summary: '电动车被盗', reporter: '王先生', ...extra };
}
const addIncident = (prefix: string, body: unknown) => bed.producer.xAdd(`${prefix}in:incidents`, '*', { data: typeof body === 'string' ? body : JSON.stringify(body) });
const publishPositions = (prefix: string, body: unknown) => bed.producer.publish(`${prefix}in:positions`, typeof body === 'string' ? body : JSON.stringify(body));
async function metric(s: TestServer, name: string, labels: string): Promise<number> {
  const text = await (await bed.fetch(s, '/metrics')).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('live picture', () => {
  it('a published position reaches a connected client within a second', async () => {
    const s = await server();
    const m = mirror(s);
    await m.ready();
    expect(m.units.get('P-01')?.stale).toBe(true); // never reported yet
    const sent = Date.now();
    await publishPositions(s.prefix, { unitId: 'P-01', lng, lat, ts: sent, speed: 8.2, heading: 90 });
    await m.waitFor(() => m.units.get('P-01')?.position?.ts === sent, 1_000, 'position in a frame');
    expect(Date.now() - sent).toBeLessThan(1_000);
    expect(m.units.get('P-01')?.position).toMatchObject({ lng, lat, speed: 8.2, heading: 90 });
    // The unit is no longer stale: a delta said so.
    await m.waitFor(() => m.units.get('P-01')?.stale === false, 1_000, 'unit fresh');
  });

  it('an incident added to the stream appears as a delta to a connected client and in a new client\'s snapshot', async () => {
    const s = await server();
    const before = mirror(s);
    await before.ready();
    await addIncident(s.prefix, incident('JQ-1'));
    await before.waitFor(() => before.incidents.has('JQ-1'), 3_000, 'incident delta');
    const got = before.incidents.get('JQ-1')!;
    expect(got).toMatchObject({ status: 'received', gridId: 'G2', priority: 1, type: 'theft' });
    expect(before.deltas.some((d) => d.event.type === 'incident:reported')).toBe(true);
    await before.waitFor(() => before.today?.total === 1, 1_000, 'today stats');
    expect(before.today?.byType.theft).toBe(1);

    const after = mirror(s);
    await after.ready();
    expect(after.subscriptions).toEqual(['snapshot']);
    expect(after.incidents.get('JQ-1')).toEqual(got);
    expect(after.today?.total).toBe(1);
    const res = await bed.fetch(s, `/api/incidents/JQ-1`);
    expect(await res.json()).toEqual(got);
  });

  it('the same incident id twice is one incident; a changed resend is an update', async () => {
    const s = await server();
    const m = mirror(s);
    await m.ready();
    const first = incident('JQ-2');
    await addIncident(s.prefix, first);
    await addIncident(s.prefix, first);
    await addIncident(s.prefix, { ...first, priority: 2, summary: '电动车被盗（补充：车牌已记录）' });
    await m.waitFor(() => m.incidents.get('JQ-2')?.revision === 2, 3_000, 'update');
    const list = await (await bed.fetch(s, `/api/incidents?status=all`)).json() as { total: number; items: { id: string }[] };
    expect(list.total).toBe(1);
    expect(m.incidents.get('JQ-2')).toMatchObject({ priority: 2, revision: 2 });
    expect(m.deltas.filter((d) => d.event.type === 'incident:reported')).toHaveLength(1);
    expect(m.deltas.filter((d) => d.event.type === 'incident:updated')).toHaveLength(1);
    await m.waitFor(() => m.today?.byPriority['2'] === 1, 1_000, 'priority counts moved');
    expect(m.today).toMatchObject({ total: 1, byPriority: { '1': 0, '2': 1, '3': 0 } });
  });

  it('an older position does not overwrite a newer one', async () => {
    const s = await server();
    const now = Date.now();
    await publishPositions(s.prefix, { unitId: 'P-02', lng, lat, ts: now });
    await publishPositions(s.prefix, { unitId: 'P-02', lng: lng + 0.01, lat, ts: now - 5_000 });
    await new Promise((r) => setTimeout(r, 300));
    const unit = await (await bed.fetch(s, `/api/units/P-02`)).json() as { position: { lng: number; ts: number }; positionAgeMs: number };
    expect(unit.position).toMatchObject({ lng, ts: now });
    expect(unit.positionAgeMs).toBeGreaterThanOrEqual(0);
    expect(await metric(s, 'ccr_ingest_rejected_total', 'reason="stale_position"')).toBe(1);
  });

  it('units that go silent are marked stale and every client is told', async () => {
    const s = await server({ staleAfterMs: 1_000 });
    const m = mirror(s);
    await m.ready();
    await publishPositions(s.prefix, { unitId: 'P-03', lng, lat, ts: Date.now() });
    await m.waitFor(() => m.units.get('P-03')?.stale === false, 2_000, 'fresh');
    await m.waitFor(() => m.units.get('P-03')?.stale === true, 4_000, 'stale after silence');
    // Fixed places never go stale.
    expect(m.units.get('E-0001')).toMatchObject({ stale: false, position: { lng: fixtureGridCentre(0, 0)[0] } });
  });

  it('a client that disconnects and reconnects ends with exactly the server\'s state', async () => {
    const s = await server();
    const m = mirror(s);
    await m.ready();
    await addIncident(s.prefix, incident('JQ-3'));
    await m.waitFor(() => m.incidents.has('JQ-3'));
    m.socket.io.engine.close(); // a dropped connection, not a deliberate disconnect: the client reconnects
    await addIncident(s.prefix, incident('JQ-4', { type: 'fraud' }));
    await addIncident(s.prefix, incident('JQ-3', { summary: '电动车被盗，已找到' }));
    await publishPositions(s.prefix, { unitId: 'P-04', lng, lat, ts: Date.now() });
    await m.waitFor(() => m.subscriptions.length === 2, 5_000, 'resubscribe');
    expect(m.subscriptions[1]).toBe('replay');
    const fresh = mirror(s);
    await fresh.ready();
    await m.waitFor(() => m.incidents.size === 2 && m.units.get('P-04')?.position !== null, 3_000, 'caught up');
    await fresh.waitFor(() => fresh.units.get('P-04')?.position !== null, 3_000);
    expect(Object.fromEntries(m.incidents)).toEqual(Object.fromEntries(fresh.incidents));
    expect(Object.fromEntries(m.units)).toEqual(Object.fromEntries(fresh.units));
    expect(m.today).toEqual(fresh.today);
    expect(m.seq).toBe(fresh.seq);
  });

  it('a client that missed more than the stream keeps gets a snapshot and still ends exactly right', async () => {
    const s = await server({ eventStreamMaxLen: 10 });
    const m = mirror(s);
    await m.ready();
    await addIncident(s.prefix, incident('JQ-T0'));
    await m.waitFor(() => m.incidents.has('JQ-T0'));
    m.socket.disconnect(); // stays away until told, keeping its last sequence
    // Enough events that `MAXLEN ~ 10` trims whole stream nodes past what the client saw.
    const pipeline = bed.producer.multi();
    for (let i = 1; i <= 400; i++) pipeline.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(incident(`JQ-T${i}`, { priority: 3 })) });
    await pipeline.exec();
    for (let i = 0; i < 100; i++) {
      const { total } = (await (await bed.fetch(s, `/api/incidents?limit=1`)).json()) as { total: number };
      if (total === 401) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    m.socket.connect();
    await m.waitFor(() => m.subscriptions.length === 2, 5_000, 'resubscribe');
    await m.waitFor(() => m.incidents.size === 401, 10_000, 'all incidents');
    expect(m.subscriptions).toEqual(['snapshot', 'snapshot']);
    const fresh = mirror(s);
    await fresh.ready();
    await m.waitFor(() => m.seq === fresh.seq, 3_000, 'same sequence');
    expect(Object.fromEntries(m.incidents)).toEqual(Object.fromEntries(fresh.incidents));
    expect(m.today).toEqual(fresh.today);
  });

  it('a client whose sequence is unknown to the server gets a snapshot instead of a replay', async () => {
    const s = await server();
    const m = mirror(s);
    await m.ready();
    const res = await m.socket.emitWithAck('live:subscribe', { since: '99999999999999-0' });
    expect(res.ok && res.data.mode).toBe('snapshot');
    const bad = await m.socket.emitWithAck('live:subscribe', { since: 'not-a-seq', extra: 1 } as never);
    expect(bad.ok).toBe(false);
    expect(await metric(s, 'ccr_socket_rejected_total', 'reason="schema"')).toBe(1);
  });
});
