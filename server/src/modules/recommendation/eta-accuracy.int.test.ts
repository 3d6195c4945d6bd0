// Predicted against actual travel times against a real Redis: the ETA stored when a unit is sent, the arrival
// counted once whoever reports it (geofence, terminal, both at once, a report delivered twice), the calibration
// made from it, and GET /api/stats/eta-accuracy.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  DEFAULT_REACH_OPTIONS, DEVICE_NAMESPACE, addDays, haversineMeters, localDayOf,
  type DeviceClientToServerEvents, type DeviceServerToClientEvents, type EtaAccuracyResponse, type IncidentReport, type LngLat,
  type Recommendation, type UnitReport,
} from '@ccr/shared';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';
import { CALIBRATION_MIN } from './eta-accuracy.js';

const bed = useTestbed('eta');
const TZ = 'Asia/Shanghai';
const SCENE = fixtureGridCentre(1, 0); // grid G2, kilometres from the fixture's two roads: straight-line ETAs
let seq = 0;
const cmd = (): string => `eta-${Date.now().toString(36)}-${++seq}`;
const east = (metres: number, from: LngLat = SCENE): LngLat => [from[0] + metres / (111_195 * Math.cos((from[1] * Math.PI) / 180)), from[1]];

type S = TestServer & { prefix: string };
type DeviceSocket = Socket<DeviceServerToClientEvents, DeviceClientToServerEvents>;

async function until<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, what: string, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function incident(s: S, id: string, at: LngLat = SCENE): Promise<void> {
  const r: IncidentReport = { id, type: 'fight', priority: 1, lng: at[0], lat: at[1], reportedAt: new Date().toISOString(), source: '110', address: '测试路1号' };
  await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify(r) });
  await until(() => bed.fetch(s, `/api/incidents/${id}`), (res) => res.status === 200, `incident ${id}`);
}

async function place(s: S, unitId: string, at: LngLat): Promise<void> {
  const ts = Date.now();
  await bed.producer.publish(`${s.prefix}in:positions`, JSON.stringify({ unitId, lng: at[0], lat: at[1], ts }));
  await until(() => bed.fetch(s, `/api/units/${unitId}`).then((r) => r.json() as Promise<{ position: { ts: number } | null }>), (u) => u.position?.ts === ts, `${unitId}'s position`);
}

async function dispatch(s: S, incidentId: string, unitId: string): Promise<void> {
  const res = await postJson(`${s.url}/api/incidents/${incidentId}/dispatch`, { unitIds: [unitId], commandId: cmd() }, await bed.token(s, 'dispatcher'));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

async function device(s: S, unitId: string): Promise<DeviceSocket> {
  const socket: DeviceSocket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token: await bed.token(s, 'device', unitId) }, reconnection: false });
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  return socket;
}

const report = (socket: DeviceSocket, r: UnitReport) => socket.timeout(15_000).emitWithAck('unit:report', r);

async function assignment(s: S, unitId: string): Promise<{ at: number; eta?: { kind: string; s: number; raw: number; basis: string }; arrivedAt?: number } | null> {
  const raw = await bed.producer.hGet(`${s.prefix}dispatch:assignments`, unitId);
  return raw ? JSON.parse(raw) : null;
}

const counters = async (s: S): Promise<Record<string, string>> => bed.producer.hGetAll(`${s.prefix}eta:day:${localDayOf(Date.now(), TZ)}`);

async function accuracy(s: S, query = '', role: 'operator' | 'leader' = 'operator'): Promise<EtaAccuracyResponse> {
  const res = await bed.fetch(s, `/api/stats/eta-accuracy${query}`, {}, role);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as EtaAccuracyResponse;
}

describe('ETA accuracy', () => {
  it('stores the ETA shown when a unit is sent, and counts its arrival once though the terminal reports it twice', async () => {
    const s = await bed.server();
    await incident(s, 'JQ-ETA-1');
    await place(s, 'P-01', east(800));
    const before = (await (await bed.fetch(s, '/api/incidents/JQ-ETA-1/recommendations', {}, 'dispatcher')).json()) as Recommendation;
    const shown = before.candidates.find((c) => c.unitId === 'P-01')!;
    await dispatch(s, 'JQ-ETA-1', 'P-01');

    const sent = (await assignment(s, 'P-01'))!;
    const o = DEFAULT_REACH_OPTIONS;
    const straight = o.turnoutS.patrol_car + ((haversineMeters(east(800), SCENE) - s.config.arrivalRadiusM) * o.detourFactor) / o.speedMps.patrol_car.secondary;
    expect(sent.eta).toEqual({ kind: 'patrol_car', s: straight, raw: straight, basis: 'straight_line' });
    expect(sent.eta!.s).toBeCloseTo(shown.etaSeconds, 9);
    expect(sent.arrivedAt).toBeUndefined();

    const dev = await device(s, 'P-01');
    expect(await report(dev, { status: 'en_route', incidentId: 'JQ-ETA-1' })).toMatchObject({ ok: true });
    await new Promise((r) => setTimeout(r, 1_200));
    const first = await report(dev, { status: 'on_scene', incidentId: 'JQ-ETA-1' });
    expect(first).toMatchObject({ ok: true });
    // The same report again (its answer lost, say): refused, and nothing counted twice.
    const again = await report(dev, { status: 'on_scene', incidentId: 'JQ-ETA-1' });
    expect(again).toMatchObject({ ok: false, error: { code: 'illegal_transition', params: { subject: 'unit', id: 'P-01', from: 'on_scene', to: 'on_scene' } } });

    const landed = (await assignment(s, 'P-01'))!;
    expect(landed.arrivedAt).toBeGreaterThanOrEqual(sent.at + 1_200);
    const actualMs = landed.arrivedAt! - sent.at;
    const c = await counters(s);
    expect(c['patrol_car|n']).toBe('1');
    expect(Number(c['patrol_car|ams'])).toBe(actualMs);
    expect(Number(c['patrol_car|pms'])).toBe(Math.round(straight * 1000));
    const errorBin = Math.min(500, Math.floor((Math.abs(straight - actualMs / 1000) / (actualMs / 1000)) * 100));
    expect(c[`patrol_car|e:${errorBin}`]).toBe('1');

    const r = await accuracy(s);
    expect(r.to).toBe(localDayOf(Date.now(), TZ));
    expect(r.byKind).toEqual([{
      kind: 'patrol_car', arrivals: 1, errorP50Percent: errorBin + 1, errorP90Percent: errorBin + 1, laterThanPredictedPercent: 0,
      meanPredictedSeconds: Math.round(straight * 10) / 10, meanActualSeconds: Math.round(actualMs / 100) / 10,
    }]);
    expect(r.all.arrivals).toBe(1);
  });

  it('counts an arrival once when the geofence and the terminal report it at the same moment', async () => {
    const s = await bed.server();
    const units = ['P-01', 'P-02', 'P-03', 'P-04', 'C-1', 'C-2', 'C-3', 'C-4'];
    for (const [k, unitId] of units.entries()) {
      const scene = east(k * 300, fixtureGridCentre(0, 1));
      await incident(s, `JQ-RACE-${k}`, scene);
      // Outside the 50 m fence, and near enough to stand at the scene a second later (a longer move that fast is
      // refused as a GPS jump).
      await place(s, unitId, east(150, scene));
      await dispatch(s, `JQ-RACE-${k}`, unitId);
    }
    await new Promise((r) => setTimeout(r, 1_100));
    const sockets = await Promise.all(units.map((u) => device(s, u)));
    // Everyone stands at the scene; the geofence and each terminal say so at once.
    await Promise.all(units.map((u, k) => place(s, u, east(k * 300, fixtureGridCentre(0, 1)))));
    const answers = await Promise.all([
      s.app.dispatch.arrivals.tick(),
      ...sockets.map((socket, k) => report(socket, { status: 'on_scene', incidentId: `JQ-RACE-${k}` })),
    ]);
    await until(() => Promise.all(units.map((u) => assignment(s, u))), (as) => as.every((a) => a?.arrivedAt !== undefined), 'every arrival');
    const c = await counters(s);
    expect([c['patrol_car|n'], c['community_officer|n']]).toEqual(['4', '4']);
    // Each arrival came from one path, the others found the unit already there. (The node's own geofence watch
    // also ticks on its timer; on a loaded machine it can take some arrivals before the two racers do.)
    const byGeofence = answers[0] as string[];
    const byTerminal = (answers.slice(1) as { ok: boolean }[]).filter((a) => a.ok).length;
    expect(byGeofence.length + byTerminal).toBeLessThanOrEqual(units.length);
  });

  it('calibrates a kind from its arrivals, and the ranking applies the factor', async () => {
    const s = await bed.server({ etaCalibration: { windowDays: 14, minSamples: 1, recomputeEveryMs: 3_600_000 } });
    await incident(s, 'JQ-CAL-1');
    await place(s, 'P-01', east(1_500));
    await dispatch(s, 'JQ-CAL-1', 'P-01');
    const dev = await device(s, 'P-01');
    // On scene a second after being sent with an ETA of minutes: far sooner than predicted.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await report(dev, { status: 'on_scene', incidentId: 'JQ-CAL-1' })).toMatchObject({ ok: true });
    const cal = await s.app.etaCalibration.recompute(Date.now());
    expect(cal.byKind).toEqual({ patrol_car: { factor: CALIBRATION_MIN, samples: 1 } });

    await incident(s, 'JQ-CAL-2', east(-400));
    await place(s, 'P-02', east(400));
    const rec = (await (await bed.fetch(s, '/api/incidents/JQ-CAL-2/recommendations', {}, 'dispatcher')).json()) as Recommendation;
    const p2 = rec.candidates.find((c) => c.unitId === 'P-02')!;
    const o = DEFAULT_REACH_OPTIONS;
    const raw = o.turnoutS.patrol_car + ((haversineMeters(east(400), east(-400)) - s.config.arrivalRadiusM) * o.detourFactor) / o.speedMps.patrol_car.secondary;
    expect(p2.etaSeconds).toBeCloseTo(raw * CALIBRATION_MIN, 9);
    expect(p2.reasons[0]).toEqual({ code: 'eta', params: { seconds: Math.round(raw * CALIBRATION_MIN), basis: 'straight_line', calibration: CALIBRATION_MIN } });
    // what is stored with the next dispatch is what was shown, and what the model said before calibration
    await dispatch(s, 'JQ-CAL-2', 'P-02');
    expect((await assignment(s, 'P-02'))!.eta).toMatchObject({ s: raw * CALIBRATION_MIN, raw });
    const r = await accuracy(s, '', 'leader');
    expect(r.calibration).toMatchObject({ windowDays: 14, minSamples: 1, byKind: { patrol_car: { factor: CALIBRATION_MIN, samples: 1 } } });
  });

  it('measures a demo running faster than real time in field seconds (SIM_TIME_SCALE)', async () => {
    const s = await bed.server({ fieldTimeScale: 30 });
    await incident(s, 'JQ-FAST-1');
    await place(s, 'C-2', east(300));
    await dispatch(s, 'JQ-FAST-1', 'C-2');
    const dev = await device(s, 'C-2');
    await new Promise((r) => setTimeout(r, 500));
    expect(await report(dev, { status: 'on_scene', incidentId: 'JQ-FAST-1' })).toMatchObject({ ok: true });
    const a = (await assignment(s, 'C-2'))!;
    expect(Number((await counters(s))['community_officer|ams'])).toBe((a.arrivedAt! - a.at) * 30);
  });

  it('refuses a bad range with a clear 400, and is for people who may view', async () => {
    const s = await bed.server();
    const today = localDayOf(Date.now(), TZ);
    const empty = await accuracy(s, `?from=${today}&to=${today}`);
    expect(empty).toMatchObject({ from: today, to: today, byKind: [], all: { arrivals: 0, errorP50Percent: null } });
    for (const [q, error, params, why] of [
      ['?from=2026-02-30', 'bad_day', { name: 'from', value: '2026-02-30' }, /from="2026-02-30"/],
      ['?from=2026-12-05&to=2026-12-01', 'days_reversed', {}, /from must not be after to/],
      ['?from=2020-01-01', 'range_too_early', { months: 13 }, /beyond 13 months/],
      ['?to=2999-01-01', 'bad_day', { name: 'to', value: '2999-01-01' }, /to="2999-01-01".*2000–2099/],
      [`?to=${addDays(today, 3)}`, 'range_too_late', { latest: addDays(today, 1) }, /later than tomorrow/],
      ['?from=yesterday', 'invalid_request', { path: '/querystring/from' }, /invalid request/],
      ['?limit=3', 'invalid_request', { path: '/querystring/limit' }, /invalid request/],
    ] as const) {
      const res = await bed.fetch(s, `/api/stats/eta-accuracy${q}`, {}, 'operator');
      expect(res.status, q).toBe(400);
      expect(await res.json(), q).toMatchObject({ error, params, message: expect.stringMatching(why) });
    }
    const long = await bed.fetch(s, `/api/stats/eta-accuracy?from=${localDayOf(Date.now() - 120 * 86_400_000, TZ)}&to=${today}`, {}, 'operator');
    expect(await long.json()).toMatchObject({ error: 'range_too_long', params: { days: 92 }, message: expect.stringMatching(/at most 92 days/) });
    expect((await fetch(`${s.url}/api/stats/eta-accuracy`)).status).toBe(401);
    expect((await bed.fetch(s, '/api/stats/eta-accuracy', {}, 'device')).status).toBe(403);
  });
});
