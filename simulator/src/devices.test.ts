// The simulator's units obeying a real server: a real Redis, the real app, the simulator's producer and
// device terminals in-process. Arrival is the server's geofence working on the positions the producer sends.
import { describe, expect, it } from 'vitest';
import type { Incident, IncidentReport, LiveUnit } from '@ccr/shared';
import { loadJurisdiction } from './jurisdiction.js';
import { freePort, useTestbed, writeFixtureJurisdiction, type TestServer } from '@ccr/server/testing';
import { obeyOrders, startDeviceFleet, type DeviceFleet } from './devices.js';
import { runProducer } from './producer.js';
import { createSimulation, type Simulation } from './simulation.js';

const bed = useTestbed('simdev');

async function until<T>(read: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getJson<T>(url: string, token: string): Promise<T | undefined> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return res.status === 200 ? ((await res.json()) as T) : undefined;
}

async function postJson(url: string, token: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

/** Runs the simulator against the testbed: positions and incidents through Redis, terminals on the server. */
async function runSimulator(server: TestServer & { prefix: string }, opts: { timeScale: number; serviceMinutes: [number, number] }) {
  const jurisdiction = await loadJurisdiction(bed.jurisdictionDir);
  const stop = new AbortController();
  const lines: string[] = [];
  let fleet: DeviceFleet | undefined;
  let simulation: Simulation | undefined;
  const running = runProducer({
    redisUrl: bed.redis.url,
    prefix: server.prefix,
    rateHz: 2,
    signal: stop.signal,
    connectWaitMs: 2_000,
    simulation: (startMs) => {
      const sim = createSimulation({
        jurisdiction, seed: 1, startMs, rateHz: 2, timeScale: opts.timeScale, serviceMinutes: opts.serviceMinutes,
        incidentsPerHour: 0, // only the incidents the tests inject
      });
      const fixed = jurisdiction.units.filter((u) => u.kind === 'emergency_unit').map((u) => u.id);
      const obeying = obeyOrders(sim, {
        serverUrl: server.url, secret: server.config.auth.deviceSecret!, unitIds: [...sim.units.map((u) => u.id), ...fixed],
        log: (l) => lines.push(l), retryMinMs: 100, retryMaxMs: 1_000,
      });
      fleet = obeying.fleet;
      simulation = obeying.simulation;
      return simulation;
    },
  });
  bed.onCleanup(async () => {
    stop.abort();
    await running;
    fleet?.close();
  });
  await until(async () => fleet, 'the simulation to start');
  return { fleet: fleet!, sim: simulation!, lines };
}

describe('simulated units obey the server', () => {
  it('a dispatched unit drives to the scene, is detected there by the geofence, and reports it resolved', async () => {
    const server = await bed.server();
    const { fleet, lines } = await runSimulator(server, { timeScale: 60, serviceMinutes: [2, 2] });
    await fleet.whenConnected(15_000);
    const token = await bed.token(server, 'dispatcher');

    // P-01 starts at the west end of the fixture's east–west road; the scene is 8.6 km east, 40 m off the road.
    const id = 'JQ-20261201-0901';
    const report: IncidentReport = {
      id, type: 'theft', priority: 1, lng: 116.6996, lat: 39.0502, address: '东西大街东口', reportedAt: new Date().toISOString(),
      source: '110', summary: '电动车被盗',
    };
    await bed.producer.xAdd(`${server.prefix}in:incidents`, '*', { data: JSON.stringify(report) });
    await until(() => getJson<Incident>(`${server.url}/api/incidents/${id}`, token), 'the incident to be ingested');
    const sent = await postJson(`${server.url}/api/incidents/${id}/dispatch`, token, { unitIds: ['P-01'], commandId: 'sim-dispatch-0001' });
    expect(sent.status).toBe(200);

    const unit = (): Promise<LiveUnit | undefined> => getJson<LiveUnit>(`${server.url}/api/units/P-01`, token);
    await until(async () => ((await unit())?.status === 'en_route' ? true : undefined), 'P-01 to report en route');
    const resolved = await until(async () => {
      const i = await getJson<Incident>(`${server.url}/api/incidents/${id}`, token);
      return i?.status === 'resolved' ? i : undefined;
    }, 'the incident to be resolved by the unit', 60_000);

    // On scene by 'system': the geofence saw it arrive; the unit never claimed it.
    const steps = resolved.timeline.map((e) => `${e.status}:${e.by ?? ''}`);
    expect(steps).toEqual(['received:', 'dispatched:dispatcher', 'en_route:device:P-01', 'on_scene:system', 'resolved:device:P-01']);
    const after = (await unit())!;
    expect(after.status).toBe('available');
    expect(after.incidentId).toBeUndefined();
    expect(Math.abs(after.position!.lng - report.lng)).toBeLessThan(0.01);

    const s = fleet.stats();
    expect(s.acksSent).toBe(1);
    expect(s.reportsSent).toBe(2);
    expect(s.refused).toBe(0);
    expect(lines.some((l) => l.startsWith('P-01: dispatch → JQ-20261201-0901'))).toBe(true);
  }, 90_000);

  it('a cancelled unit returns to patrol; an emergency unit acknowledges its call-out', async () => {
    const server = await bed.server();
    const { fleet, sim, lines } = await runSimulator(server, { timeScale: 5, serviceMinutes: [30, 30] });
    await fleet.whenConnected(15_000);
    const token = await bed.token(server, 'dispatcher');
    // 100 m from the fixture school's emergency unit E-0001, in grid G1 where community officer C-1 walks.
    const id = 'JQ-20261201-0903';
    await bed.producer.xAdd(`${server.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type: 'missing_person', priority: 1, lng: 116.6262, lat: 39.0254, address: '中心小学门口', reportedAt: new Date().toISOString(), source: '110', summary: '老人走失' }),
    });
    await until(() => getJson<Incident>(`${server.url}/api/incidents/${id}`, token), 'the incident to be ingested');
    expect((await postJson(`${server.url}/api/incidents/${id}/dispatch`, token, { unitIds: ['C-1'], commandId: 'sim-dispatch-0003' })).status).toBe(200);
    expect((await postJson(`${server.url}/api/incidents/${id}/alert-emergency-units`, token, { ring: 3, commandId: 'sim-alert-0003' })).status).toBe(200);
    await until(async () => (sim.duty('C-1')?.state === 'responding' ? true : undefined), 'C-1 to set off');
    await until(async () => (lines.some((l) => l.startsWith(`E-0001: alert ${id}`)) ? true : undefined), 'E-0001 to be alerted');

    expect((await postJson(`${server.url}/api/incidents/${id}/cancel`, token, { commandId: 'sim-cancel-0003', reason: '报警人已找到老人' })).status).toBe(200);
    await until(async () => (sim.duty('C-1')?.state === 'patrol' ? true : undefined), 'C-1 to return to patrol');
    await until(async () => (fleet.stats().acksSent === 3 ? true : undefined), 'three acknowledgements');
    expect(fleet.stats()).toMatchObject({ acksSent: 3, reportsSent: 1, refused: 0, ordersRejected: 0 });
    expect((await getJson<LiveUnit>(`${server.url}/api/units/C-1`, token))?.status).toBe('available');
  });

  it('an order sent while the unit is offline is delivered on connect and acknowledged once', async () => {
    const server = await bed.server();
    const token = await bed.token(server, 'dispatcher');
    const id = 'JQ-20261201-0902';
    await bed.producer.xAdd(`${server.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type: 'fight', priority: 2, lng: 116.6004, lat: 39.0503, address: '东西大街西口', reportedAt: new Date().toISOString(), source: '110', summary: '打架' }),
    });
    await until(() => getJson<Incident>(`${server.url}/api/incidents/${id}`, token), 'the incident to be ingested');
    expect((await postJson(`${server.url}/api/incidents/${id}/dispatch`, token, { unitIds: ['P-02'], commandId: 'sim-dispatch-0002' })).status).toBe(200);

    const orders: string[] = [];
    const fleet = startDeviceFleet({
      serverUrl: server.url, secret: server.config.auth.deviceSecret!, unitIds: ['P-02'], retryMinMs: 100, retryMaxMs: 1_000,
      onOrder: (o) => {
        orders.push(`${o.kind} ${o.incident.id}`);
        return [{ status: 'en_route', incidentId: o.incident.id }];
      },
    });
    bed.onCleanup(() => fleet.close());
    await until(async () => ((await getJson<LiveUnit>(`${server.url}/api/units/P-02`, token))?.status === 'en_route' ? true : undefined), 'P-02 en route');
    // The server sends unacknowledged orders again every few seconds: give it the chance to, then check
    // nothing was acted on or acknowledged twice.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(orders).toEqual([`dispatch ${id}`]);
    expect(fleet.stats()).toMatchObject({ acksSent: 1, reportsSent: 1, refused: 0 });
  });

  it('keeps trying while the server is away and connects when it comes up; logs in again when the session ends', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const fleet = startDeviceFleet({
      serverUrl: `http://127.0.0.1:${port}`, secret: 'demo-device-secret', unitIds: ['P-01', 'C-1', 'E-0001'],
      onOrder: () => [], log: (l) => lines.push(l), retryMinMs: 100, retryMaxMs: 500,
    });
    bed.onCleanup(() => fleet.close());
    await until(async () => (lines.some((l) => l.includes('not available')) ? true : undefined), 'the outage to be noted');
    expect(fleet.stats().connected).toBe(0);

    const first = await bed.server({ port });
    await fleet.whenConnected(15_000);
    expect(fleet.stats().logins).toBe(3);

    // A restarted server (same Redis, same prefix) still knows the sessions: the terminals reconnect with their tokens.
    const dropped = async (): Promise<void> => { await until(async () => (fleet.stats().connected === 0 ? true : undefined), 'the terminals to notice'); };
    await first.close();
    await dropped();
    const second = await bed.server({ port, keyPrefix: first.prefix });
    await fleet.whenConnected(15_000);
    expect(fleet.stats().logins).toBe(3);

    // A server that does not know them (another deployment's keys) refuses the tokens: each terminal logs in
    // again. Its sessions end after 3 s: the server drops the sockets, and the terminals log in once more.
    await second.close();
    await dropped();
    await bed.server({ port, auth: { sessionTtlMs: 3_000, socketCheckMs: 200 } });
    await until(async () => {
      const s = fleet.stats();
      return s.logins >= 6 && s.connected === 3 ? true : undefined;
    }, 'the terminals to log in to the new server');
    await until(async () => {
      const s = fleet.stats();
      return s.logins >= 9 && s.connected === 3 ? true : undefined;
    }, 'the terminals to log in again after their sessions ended');
  });

  // One line per kind of trouble, never one per unit. On a loaded machine a login can also time out, which is
  // another kind (server not available) and its own line: what must hold is one refusal line, naming no unit.
  it('says once, not once per unit, that the device secret is wrong', async () => {
    const server = await bed.server();
    const lines: string[] = [];
    const fleet = startDeviceFleet({
      serverUrl: server.url, secret: 'not-the-secret', unitIds: ['P-01', 'P-02', 'C-1', 'E-0001'],
      onOrder: () => [], log: (l) => lines.push(l), retryMinMs: 400, retryMaxMs: 1_500,
    });
    bed.onCleanup(() => fleet.close());
    await until(async () => (fleet.stats().logins === 0 && lines.length > 0 ? true : undefined), 'the refusal to be noted');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(lines.filter((l) => l.includes('login refused'))).toEqual([expect.stringMatching(/^devices: login refused \(HTTP 401 .*DEVICE_SECRET/)]);
    expect(lines.filter((l) => /P-01|P-02|C-1|E-0001/.test(l))).toEqual([]);
    expect(fleet.stats()).toMatchObject({ connected: 0, logins: 0 });
  });

  it('logs in a roster larger than the per-address login cap from one address, without waiting out a 429', async () => {
    const dir = await writeFixtureJurisdiction({ loadUnits: 80 });
    const server = await bed.server({ jurisdictionDir: dir });
    const unitIds = Array.from({ length: 80 }, (_, k) => `L-${String(k + 1).padStart(5, '0')}`);
    const fleet = startDeviceFleet({ serverUrl: server.url, secret: server.config.auth.deviceSecret!, unitIds, onOrder: () => [] });
    bed.onCleanup(() => fleet.close());
    // A 429 would pause every login for the rest of the minute, far longer than this wait.
    await fleet.whenConnected(20_000);
    expect(fleet.stats()).toMatchObject({ logins: 80, connected: 80 });
  });
});
