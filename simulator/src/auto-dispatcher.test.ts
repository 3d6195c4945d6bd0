// The demo's dispatcher: its decisions as pure functions, then the whole lifecycle against a real server —
// real Redis, the real app, the simulator's producer and unit terminals in-process (as in devices.test.ts).
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESPONSE_TARGETS, INCIDENT_TYPES, OUTCOMES, PRIORITIES, type Candidate, type Incident, type IncidentReport } from '@ccr/shared';
import { loadJurisdiction } from './jurisdiction.js';
import { freePort, useTestbed, type TestServer } from '@ccr/server/testing';
import {
  OUTCOME_WEIGHTS, autoDispatchTimings, chooseOutcome, dueWork, graceMs, pickCandidate, sinceStatus, startAutoDispatcher,
} from './auto-dispatcher.js';
import { obeyOrders, type DeviceFleet } from './devices.js';
import { parseSimulatorOptions } from './options.js';
import { createRng } from '@ccr/shared/demo';
import { runProducer } from './producer.js';
import { createSimulation } from './simulation.js';

function incident(id: string, over: Partial<Incident> = {}): Incident {
  const receivedAt = over.receivedAt ?? 1_000_000;
  return {
    id, type: 'theft', priority: 2, lng: 116.6, lat: 39.0, address: '', reportedAt: receivedAt, source: '110', summary: '', reporter: '',
    status: 'received', gridId: 'G1', receivedAt, updatedAt: receivedAt, revision: 1, assignedUnitIds: [],
    timeline: [{ status: 'received', at: receivedAt }], ...over,
  };
}
const candidate = (unitId: string, status: Candidate['status'] = 'available'): Candidate => ({
  unitId, name: unitId, kind: 'patrol_car', team: 'patrol', status, distanceMeters: 1000, etaSeconds: 120, positionAgeMs: 500, reasons: [],
});

describe('auto-dispatch decisions', () => {
  it('gives people a share of each priority\'s dispatch target first, never the whole target', () => {
    // 40 % of 1 / 3 / 10 minutes: a P1 left unattended is dispatched well inside its 60 s target.
    expect(graceMs(undefined, 1)).toEqual({ 1: 24_000, 2: 72_000, 3: 240_000 });
    for (const p of PRIORITIES) expect(graceMs(undefined, 1)[p]).toBeLessThan(DEFAULT_RESPONSE_TARGETS[p].dispatchMs * 0.5);
    expect(graceMs(undefined, 10)).toEqual({ 1: 2_400, 2: 7_200, 3: 24_000 });
    // A grace asked for is kept where it fits and cut to the share where it would not.
    expect(graceMs(15, 10)).toEqual({ 1: 2_400, 2: 7_200, 3: 15_000 });
    expect(graceMs(0, 60)).toEqual({ 1: 0, 2: 0, 3: 0 });
    // Targets configured otherwise (RESPONSE_TARGETS) move the grace with them.
    const slow = { ...DEFAULT_RESPONSE_TARGETS, 1: { ...DEFAULT_RESPONSE_TARGETS[1], dispatchMs: 120_000 } };
    expect(graceMs(undefined, 1, slow)[1]).toBe(48_000);
    expect(autoDispatchTimings(undefined, 10)).toEqual({ graceMs: { 1: 2_400, 2: 7_200, 3: 24_000 }, closeAfterMs: 12_000, pollMs: 480 });
    expect(autoDispatchTimings(undefined, 1).pollMs).toBe(3_000);
    expect(autoDispatchTimings(0, 3600).pollMs).toBe(250);
  });

  it('leaves each priority its own grace', () => {
    const now = 2_000_000;
    const grace = graceMs(undefined, 1);
    const list = [
      incident('JQ-P1', { receivedAt: now - 25_000, priority: 1 }),
      incident('JQ-P2', { receivedAt: now - 25_000, priority: 2 }),
    ];
    expect(dueWork(list, now, { graceMs: grace, closeAfterMs: 0 }).dispatch.map((i) => i.id)).toEqual(['JQ-P1']);
  });

  it('acts on received incidents after the grace period, most urgent and longest waiting first; closes resolved ones after a delay', () => {
    const now = 2_000_000;
    const s = { graceMs: 60_000, closeAfterMs: 30_000 };
    const list = [
      incident('JQ-1', { receivedAt: now - 90_000, priority: 3 }),
      incident('JQ-2', { receivedAt: now - 61_000, priority: 1 }),
      incident('JQ-3', { receivedAt: now - 59_000, priority: 1 }), // still a person's
      incident('JQ-4', { receivedAt: now - 120_000, priority: 1 }),
      incident('JQ-5', { receivedAt: now - 600_000, status: 'dispatched', timeline: [{ status: 'received', at: now - 600_000 }, { status: 'dispatched', at: now - 500_000 }] }),
      incident('JQ-6', { receivedAt: now - 600_000, status: 'resolved', timeline: [{ status: 'received', at: now - 600_000 }, { status: 'resolved', at: now - 31_000 }] }),
      incident('JQ-7', { receivedAt: now - 600_000, status: 'resolved', timeline: [{ status: 'received', at: now - 600_000 }, { status: 'resolved', at: now - 10_000 }] }),
      incident('JQ-8', { receivedAt: now - 900_000, status: 'resolved', timeline: [{ status: 'received', at: now - 900_000 }, { status: 'resolved', at: now - 300_000 }] }),
    ];
    const work = dueWork(list, now, s);
    expect(work.dispatch.map((i) => i.id)).toEqual(['JQ-4', 'JQ-2', 'JQ-1']);
    expect(work.close.map((i) => i.id)).toEqual(['JQ-8', 'JQ-6']);
    expect(dueWork(list, now, { graceMs: 0, closeAfterMs: 0 }).dispatch.map((i) => i.id)).toEqual(['JQ-4', 'JQ-2', 'JQ-3', 'JQ-1']);
  });

  it('never dispatches a suspected duplicate (疑似重复): after the grace it is merged instead; once dismissed it is dispatched', () => {
    const now = 2_000_000;
    const s = { graceMs: 60_000, closeAfterMs: 30_000 };
    const flag = { of: 'JQ-1', distanceMeters: 12, seconds: 9, flaggedAt: now - 80_000 };
    const list = [
      incident('JQ-1', { receivedAt: now - 90_000, priority: 1 }),
      incident('JQ-2', { receivedAt: now - 81_000, priority: 1, suspectedDuplicate: flag }),
      incident('JQ-3', { receivedAt: now - 30_000, priority: 1, suspectedDuplicate: flag }), // still a person's
      incident('JQ-4', { receivedAt: now - 70_000, priority: 1, suspectedDuplicate: flag, duplicateDismissed: { of: 'JQ-1', by: 'duty', at: now - 1_000 } }),
    ];
    const work = dueWork(list, now, s);
    expect(work.dispatch.map((i) => i.id)).toEqual(['JQ-1', 'JQ-4']);
    expect(work.merge.map((i) => i.id)).toEqual(['JQ-2']);
  });

  it('reads when an incident entered a status from its timeline', () => {
    const i = incident('JQ-9', {
      receivedAt: 100, updatedAt: 900, status: 'resolved',
      timeline: [{ status: 'received', at: 100 }, { status: 'on_scene', at: 300 }, { status: 'resolved', at: 400 }, { status: 'on_scene', at: 500 }, { status: 'resolved', at: 600 }],
    });
    expect(sinceStatus(i, 'received')).toBe(100);
    expect(sinceStatus(i, 'resolved')).toBe(600);
    expect(sinceStatus(incident('JQ-10', { receivedAt: 50, timeline: [] }), 'received')).toBe(50);
    expect(sinceStatus(incident('JQ-11', { updatedAt: 70, timeline: [] }), 'resolved')).toBe(70);
  });

  it('takes the best candidate that has not been refused for this incident', () => {
    const list = [candidate('P-01'), candidate('P-02'), candidate('P-03')];
    expect(pickCandidate(list, new Set())?.unitId).toBe('P-01');
    expect(pickCandidate(list, new Set(['P-01']))?.unitId).toBe('P-02');
    expect(pickCandidate(list, new Set(['P-01', 'P-02', 'P-03']))).toBeUndefined();
    expect(pickCandidate([candidate('P-04', 'busy'), candidate('P-05')], new Set())?.unitId).toBe('P-05');
    expect(pickCandidate([], new Set())).toBeUndefined();
  });

  it('closes with an outcome plausible for the type: disputes mostly mediated, thefts and frauds filed, the rest handled on scene', () => {
    for (const type of INCIDENT_TYPES) {
      const table = OUTCOME_WEIGHTS[type];
      expect(table.reduce((s, [, w]) => s + w, 0)).toBeCloseTo(1, 9);
      for (const [o] of table) expect(OUTCOMES).toContain(o);
      // Every draw in [0, 1) gives an outcome of the table, the last edge included.
      for (const u of [0, 0.25, 0.5, 0.75, 0.999999]) expect(table.map(([o]) => o)).toContain(chooseOutcome(type, u));
    }
    const counts = (type: (typeof INCIDENT_TYPES)[number]) => {
      const rng = createRng(7);
      const c: Record<string, number> = {};
      for (let k = 0; k < 2_000; k++) {
        const o = chooseOutcome(type, rng.next());
        c[o] = (c[o] ?? 0) + 1;
      }
      return c;
    };
    const dispute = counts('dispute');
    expect(dispute.mediated!).toBeGreaterThan(1_300);
    expect(dispute.mediation_failed!).toBeGreaterThan(150);
    expect(counts('theft').case_filed!).toBeGreaterThan(1_500);
    expect(counts('fraud').case_filed!).toBeGreaterThan(1_600);
    for (const type of ['traffic', 'hazard', 'help'] as const) expect(counts(type).handled_on_scene!).toBeGreaterThan(1_400);
    expect(counts('theft').false_alarm ?? 0).toBeGreaterThan(0);
    expect(counts('theft').mediated).toBeUndefined();
  });

  it('is a simulator flag: off by default, on with --auto-dispatch or SIM_AUTO_DISPATCH', () => {
    expect(parseSimulatorOptions([], {})).toMatchObject({ ok: true, options: { autoDispatch: undefined } });
    expect(parseSimulatorOptions([], { SIM_AUTO_DISPATCH: 'off' })).toMatchObject({ ok: true, options: { autoDispatch: undefined } });
    expect(parseSimulatorOptions(['--auto-dispatch'], {})).toMatchObject({ ok: true, options: { autoDispatch: { afterS: undefined, password: 'ccr-demo-2026' } } });
    expect(parseSimulatorOptions([], { SIM_AUTO_DISPATCH: 'on', SIM_AUTO_DISPATCH_AFTER: '20', CCR_DEMO_PASSWORD: 'pw' }))
      .toMatchObject({ ok: true, options: { autoDispatch: { afterS: 20, password: 'pw' } } });
    expect(parseSimulatorOptions(['--auto-dispatch', '--auto-dispatch-after', '5'], { SIM_AUTO_DISPATCH_AFTER: '20' }))
      .toMatchObject({ ok: true, options: { autoDispatch: { afterS: 5 } } });
    const bad = parseSimulatorOptions(['--auto-dispatch-after=-1'], { SIM_AUTO_DISPATCH: 'perhaps' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error).toContain('SIM_AUTO_DISPATCH must be on or off');
      expect(bad.error).toContain('--auto-dispatch-after');
    }
    const alone = parseSimulatorOptions(['--auto-dispatch-after', '5'], {});
    expect(alone).toMatchObject({ ok: false, error: expect.stringContaining('needs --auto-dispatch') });
  });
});

// --- against a real server -------------------------------------------------------------------------

const bed = useTestbed('autodisp');

async function until<T>(read: () => Promise<T | undefined> | T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await read();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function getIncident(server: TestServer, id: string): Promise<Incident | undefined> {
  const res = await bed.fetch(server, `/api/incidents/${id}`, {}, 'leader');
  return res.status === 200 ? ((await res.json()) as Incident) : undefined;
}

/** The simulator's producer and unit terminals against the testbed (only the incidents a test injects). */
async function runSimulator(server: TestServer & { prefix: string }, timeScale: number): Promise<DeviceFleet> {
  const jurisdiction = await loadJurisdiction(bed.jurisdictionDir);
  const stop = new AbortController();
  let fleet: DeviceFleet | undefined;
  const running = runProducer({
    redisUrl: bed.redis.url, prefix: server.prefix, rateHz: 2, signal: stop.signal, connectWaitMs: 2_000,
    simulation: (startMs) => {
      const sim = createSimulation({ jurisdiction, seed: 1, startMs, rateHz: 2, timeScale, serviceMinutes: [1, 1], incidentsPerHour: 0 });
      const fixed = jurisdiction.units.filter((u) => u.kind === 'emergency_unit').map((u) => u.id);
      const obeying = obeyOrders(sim, {
        serverUrl: server.url, secret: server.config.auth.deviceSecret!, unitIds: [...sim.units.map((u) => u.id), ...fixed], retryMinMs: 100, retryMaxMs: 1_000,
      });
      fleet = obeying.fleet;
      return obeying.simulation;
    },
  });
  bed.onCleanup(async () => {
    stop.abort();
    await running;
    fleet?.close();
  });
  return until(() => fleet, 'the simulation to start');
}

describe('the auto-dispatcher against a real server', () => {
  it('dispatches an injected incident after the grace period and closes it once the unit has resolved it', async () => {
    const server = await bed.server();
    const fleet = await runSimulator(server, 60);
    await fleet.whenConnected(15_000);
    const lines: string[] = [];
    const dispatcher = startAutoDispatcher({
      serverUrl: server.url, password: server.config.auth.demoPassword!, graceMs: 2_000, closeAfterMs: 500, pollMs: 200,
      rng: createRng(3), log: (l) => lines.push(l), retryMinMs: 100, retryMaxMs: 500,
    });
    bed.onCleanup(() => dispatcher.close());

    // On the fixture's east–west road, 1 km east of where P-01 starts (no emergency unit within 1 minute's walk).
    const id = 'JQ-20261201-0951';
    const report: IncidentReport = {
      id, type: 'dispute', priority: 1, lng: 116.6102, lat: 39.0502, address: '东西大街西段', reportedAt: new Date().toISOString(), source: '110', summary: '邻里纠纷',
    };
    await bed.producer.xAdd(`${server.prefix}in:incidents`, '*', { data: JSON.stringify(report) });
    const received = await until(() => getIncident(server, id), 'the incident to be ingested');
    // A person gets the first go: nothing happens within the grace period.
    await new Promise((r) => setTimeout(r, Math.max(0, received.receivedAt + 1_000 - Date.now())));
    expect((await getIncident(server, id))?.status).toBe('received');

    const dispatched = await until(async () => {
      const i = await getIncident(server, id);
      return i && i.status !== 'received' ? i : undefined;
    }, 'the auto-dispatcher to dispatch');
    const sent = dispatched.timeline.find((e) => e.status === 'dispatched')!;
    expect(sent.by).toBe('dispatcher');
    expect(sent.at - received.receivedAt).toBeGreaterThanOrEqual(2_000);
    expect(dispatched.assignedUnitIds).toHaveLength(1);

    const done = await until(async () => {
      const i = await getIncident(server, id);
      return i?.status === 'closed' ? i : undefined;
    }, 'the incident to be closed', 60_000);
    const steps = done.timeline.map((e) => `${e.status}:${e.by ?? ''}`);
    expect(steps).toEqual(['received:', 'dispatched:dispatcher', `en_route:device:${dispatched.assignedUnitIds[0]}`, 'on_scene:system', `resolved:device:${dispatched.assignedUnitIds[0]}`, 'closed:dispatcher']);
    expect(OUTCOME_WEIGHTS.dispute.map(([o]) => o)).toContain(done.outcome);
    const resolvedAt = done.timeline.find((e) => e.status === 'resolved')!.at;
    expect(done.timeline.at(-1)!.at - resolvedAt).toBeGreaterThanOrEqual(500);

    const s = dispatcher.stats();
    expect(s).toMatchObject({ logins: 1, dispatched: 1, alerted: 0, closed: 1, conflicts: 0, stopped: false });
    expect(lines).toContain(`auto-dispatch: ${id} P1: no emergency unit within 1 minute's walk; no call-out`);
    expect(lines.some((l) => l.startsWith(`auto-dispatch: ${id} P1 dispute 派警 → ${dispatched.assignedUnitIds[0]}`))).toBe(true);
    expect(lines.some((l) => l.startsWith(`auto-dispatch: ${id} dispute 办结: ${done.outcome}`))).toBe(true);
  }, 90_000);

  it('calls out the emergency units within 1 minute of a P1 incident at once, even when no unit is free', async () => {
    const server = await bed.server(); // no simulator: no unit has reported a position, so none is recommended
    const lines: string[] = [];
    const dispatcher = startAutoDispatcher({
      serverUrl: server.url, password: server.config.auth.demoPassword!, graceMs: 0, closeAfterMs: 500, pollMs: 200, rng: createRng(3), log: (l) => lines.push(l),
    });
    bed.onCleanup(() => dispatcher.close());
    // 25 m from the fixture school's emergency unit E-0001.
    const id = 'JQ-20261201-0953';
    await bed.producer.xAdd(`${server.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type: 'missing_person', priority: 1, lng: 116.6252, lat: 39.0252, address: '中心小学门口', reportedAt: new Date().toISOString(), source: '110', summary: '儿童走失' }),
    });
    await until(() => (dispatcher.stats().alerted === 1 ? true : undefined), 'the call-out');
    await until(() => (dispatcher.stats().rounds >= 5 ? true : undefined), 'five more rounds');
    expect(lines.slice(1)).toEqual([
      `auto-dispatch: ${id} P1 missing_person: no unit available; waiting`,
      `auto-dispatch: ${id} P1 1-minute emergency call-out: E-0001`,
    ]);
    expect(dispatcher.stats()).toMatchObject({ dispatched: 0, alerted: 1 });
    expect((await getIncident(server, id))?.status).toBe('received');
  }, 30_000);

  it('merges a suspected duplicate into what it repeats instead of dispatching it', async () => {
    const server = await bed.server(); // no simulator: no unit is recommended, so nothing is dispatched either way
    const lines: string[] = [];
    const dispatcher = startAutoDispatcher({
      serverUrl: server.url, password: server.config.auth.demoPassword!, graceMs: 0, closeAfterMs: 500, pollMs: 200, rng: createRng(3), log: (l) => lines.push(l),
    });
    bed.onCleanup(() => dispatcher.close());
    const at = Date.now();
    const add = (id: string, lat: number, t: number) => bed.producer.xAdd(`${server.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type: 'fight', priority: 1, lng: 116.66, lat, address: '中山街12号', reportedAt: t, source: '110', summary: '打架' }),
    });
    await add('JQ-DUP-1', 39.05, at - 5_000);
    await add('JQ-DUP-2', 39.05, at);
    const merged = await until(async () => {
      const i = await getIncident(server, 'JQ-DUP-2');
      return i?.status === 'merged' ? i : undefined;
    }, 'the duplicate to be merged');
    expect(merged.mergedInto).toBe('JQ-DUP-1');
    expect(merged.timeline.map((e) => `${e.status}:${e.by ?? ''}`)).toEqual(['received:', 'merged:dispatcher']);
    expect(lines).toContain('auto-dispatch: JQ-DUP-2 疑似重复 合并 → JQ-DUP-1');

    expect(dispatcher.stats()).toMatchObject({ merged: 1, dispatched: 0 });
  }, 30_000);

  it('dismisses the flag when the merge is refused because the original was withdrawn meanwhile', async () => {
    const server = await bed.server();
    const lines: string[] = [];
    const dispatcher = startAutoDispatcher({
      serverUrl: server.url, password: server.config.auth.demoPassword!, graceMs: 3_000, closeAfterMs: 500, pollMs: 200, rng: createRng(3), log: (l) => lines.push(l),
    });
    bed.onCleanup(() => dispatcher.close());
    const at = Date.now();
    for (const [id, t] of [['JQ-DUP-5', at - 5_000], ['JQ-DUP-6', at]] as const) {
      await bed.producer.xAdd(`${server.prefix}in:incidents`, '*', {
        data: JSON.stringify({ id, type: 'fight', priority: 1, lng: 116.66, lat: 39.05, address: '中山街12号', reportedAt: t, source: '110', summary: '打架' }),
      });
    }
    const flagged = await until(async () => (await getIncident(server, 'JQ-DUP-6'))?.suspectedDuplicate, 'the flag');
    expect(flagged.of).toBe('JQ-DUP-5');
    const cancel = await bed.fetch(server, '/api/incidents/JQ-DUP-5/cancel', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commandId: 'person-cancel-0001', reason: '撤回' }),
    }, 'leader');
    expect(cancel.status).toBe(200);
    const dismissed = await until(async () => (await getIncident(server, 'JQ-DUP-6'))?.duplicateDismissed, 'the flag to be dismissed');
    expect(dismissed).toMatchObject({ of: 'JQ-DUP-5', by: 'dispatcher' });
    expect((await getIncident(server, 'JQ-DUP-6'))!).toMatchObject({ status: 'received' });
    expect(dispatcher.stats()).toMatchObject({ merged: 0, dismissed: 1 });
    expect(lines.some((l) => l.startsWith('auto-dispatch: JQ-DUP-6: merge into JQ-DUP-5 refused'))).toBe(true);
  }, 30_000);

  it('leaves an incident a person dispatched alone', async () => {
    const server = await bed.server();
    const dispatcher = startAutoDispatcher({
      serverUrl: server.url, password: server.config.auth.demoPassword!, graceMs: 1_500, closeAfterMs: 500, pollMs: 200, rng: createRng(3),
    });
    bed.onCleanup(() => dispatcher.close());
    const id = 'JQ-20261201-0952';
    await bed.producer.xAdd(`${server.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id, type: 'theft', priority: 2, lng: 116.66, lat: 39.05, address: '东西大街', reportedAt: new Date().toISOString(), source: '110', summary: '电动车被盗' }),
    });
    await until(() => getIncident(server, id), 'the incident to be ingested');
    const res = await bed.fetch(server, `/api/incidents/${id}/dispatch`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ unitIds: ['P-02'], commandId: 'person-dispatch-0001' }),
    }, 'leader');
    expect(res.status).toBe(200);
    await until(() => (dispatcher.stats().rounds >= 10 ? true : undefined), 'ten rounds');
    const i = (await getIncident(server, id))!;
    expect(i.timeline.map((e) => `${e.status}:${e.by ?? ''}`)).toEqual(['received:', 'dispatched:leader']);
    expect(dispatcher.stats()).toMatchObject({ dispatched: 0, alerted: 0, conflicts: 0 });
  }, 30_000);

  it('keeps trying while the server is away, says so once, and starts when it comes up', async () => {
    const port = await freePort();
    const lines: string[] = [];
    const dispatcher = startAutoDispatcher({
      serverUrl: `http://127.0.0.1:${port}`, password: 'ccr-demo-2026', graceMs: 1_000, closeAfterMs: 500, pollMs: 200, rng: createRng(3),
      log: (l) => lines.push(l), retryMinMs: 100, retryMaxMs: 300,
    });
    bed.onCleanup(() => dispatcher.close());
    await until(() => (lines.length > 0 ? true : undefined), 'the outage to be noted');
    await new Promise((r) => setTimeout(r, 1_000));
    expect(lines).toEqual([expect.stringMatching(/^auto-dispatch: server http:\/\/127\.0\.0\.1:\d+ not available \(ECONNREFUSED\)/)]);

    await bed.server({ port });
    await until(() => (dispatcher.stats().rounds > 0 ? true : undefined), 'the first round');
    expect(dispatcher.stats().logins).toBe(1);
    expect(lines[1]).toMatch(/^auto-dispatch: logged in as dispatcher/);
  }, 30_000);

  it('renews its session before it expires, and logs in again when the session is ended', async () => {
    const server = await bed.server({ auth: { sessionTtlMs: 3_000 } });
    const dispatcher = startAutoDispatcher({
      serverUrl: server.url, password: server.config.auth.demoPassword!, graceMs: 1_000, closeAfterMs: 500, pollMs: 200, rng: createRng(3),
    });
    bed.onCleanup(() => dispatcher.close());
    await until(() => (dispatcher.stats().renewals >= 2 ? true : undefined), 'two renewals');
    expect(dispatcher.stats().logins).toBe(1);
    // A new password (the same one) ends the account's sessions: the next call is a 401, and it logs in again.
    const res = await bed.fetch(server, '/api/accounts/dispatcher/password', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ password: server.config.auth.demoPassword }),
    });
    expect(res.status).toBe(200);
    await until(() => (dispatcher.stats().logins === 2 ? true : undefined), 'a new login');
    const rounds = dispatcher.stats().rounds;
    await until(() => (dispatcher.stats().rounds > rounds + 2 ? true : undefined), 'rounds to go on');
    expect(dispatcher.stats().stopped).toBe(false);
  }, 30_000);

  it('gives up at once on a wrong password, so that it never locks the account people use', async () => {
    const server = await bed.server();
    const lines: string[] = [];
    const dispatcher = startAutoDispatcher({
      serverUrl: server.url, password: 'not-the-password', graceMs: 1_000, closeAfterMs: 500, pollMs: 100, rng: createRng(3),
      log: (l) => lines.push(l), retryMinMs: 50, retryMaxMs: 100,
    });
    bed.onCleanup(() => dispatcher.close());
    await until(() => (dispatcher.stats().stopped ? true : undefined), 'the dispatcher to stop');
    await new Promise((r) => setTimeout(r, 500));
    expect(lines).toEqual([expect.stringMatching(/^auto-dispatch: login as dispatcher refused \(HTTP 401 .*CCR_DEMO_PASSWORD/)]);
    // One failure, not five: the dispatcher can still log in.
    expect((await bed.login(server, 'dispatcher', server.config.auth.demoPassword!)).user.role).toBe('dispatcher');
  }, 20_000);
});
