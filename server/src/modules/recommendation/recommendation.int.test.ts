// GET /api/incidents/:id/recommendations against a real Redis: live positions in, ranked units and rings out.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REACH_OPTIONS, haversineMeters, ringRadiusMeters, type LngLat, type Recommendation,
} from '@ccr/shared';
import { fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';
import { emergencyUnitsWithin } from './index.js';

const bed = useTestbed('rec');
/** E-0001 (12 members, a school) stands at the centre of grid G1. */
const SCHOOL = fixtureGridCentre(0, 0);
const M_PER_DEG_LAT = 111_195;
const offset = (p: LngLat, eastM: number, northM: number): LngLat =>
  [p[0] + eastM / (M_PER_DEG_LAT * Math.cos((p[1] * Math.PI) / 180)), p[1] + northM / M_PER_DEG_LAT];

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 5_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function report(s: TestServer & { prefix: string }, id: string, at: LngLat, priority = 1): Promise<void> {
  await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', {
    data: JSON.stringify({ id, type: 'fight', priority, lng: at[0], lat: at[1], reportedAt: Date.now(), source: '110' }),
  });
  await until(() => bed.fetch(s, `/api/incidents/${id}`), (r) => r.status === 200, `incident ${id}`);
}

async function setStatus(s: TestServer, unitId: string, status: 'busy' | 'off_duty'): Promise<void> {
  const res = await bed.fetch(s, `/api/units/${unitId}/status`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ commandId: `status-${unitId}-${status}`, status }),
  }, 'dispatcher');
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('GET /api/incidents/:id/recommendations', () => {
  it('ranks available, fresh units by ETA from live positions and finds the emergency units in each ring', async () => {
    const s = await bed.server({ staleAfterMs: 30_000 });
    const scene = offset(SCHOOL, 0, 100); // the school is 100 m away: beyond 1 minute's walk, within 3
    await report(s, 'JQ-REC-1', scene);

    const now = Date.now();
    const at: Record<string, [LngLat, number]> = {
      'C-1': [offset(scene, 300, 0), now], // e-bike, 300 m: ~123 s (G1's own officer)
      'P-01': [offset(scene, -1_500, 0), now], // car, 1.5 km: ~221 s
      'C-2': [offset(scene, 0, -1_000), now], // e-bike, 1 km: ~340 s
      'C-4': [offset(scene, 5_000, 3_000), now], // e-bike, ~5.8 km: beyond the first search radius
      'P-02': [offset(scene, 800, 0), now], // would be second, but is made busy
      'C-3': [offset(scene, 0, 200), now], // would be first, but goes off duty
      'P-03': [offset(scene, 0, 150), now - 60_000], // its newest position is older than STALE_AFTER_MS
      // P-04 never reports: stale since the roster was loaded
    };
    await bed.producer.publish(`${s.prefix}in:positions`, JSON.stringify(
      Object.entries(at).map(([unitId, [[lng, lat], ts]]) => ({ unitId, lng, lat, ts })),
    ));
    await until(() => bed.fetch(s, '/api/units/C-3').then((r) => r.json() as Promise<{ position: unknown }>), (u) => u.position !== null, 'positions');
    await setStatus(s, 'P-02', 'busy');
    await setStatus(s, 'C-3', 'off_duty');

    const res = await bed.fetch(s, '/api/incidents/JQ-REC-1/recommendations', {}, 'dispatcher');
    expect(res.status).toBe(200);
    const rec = (await res.json()) as Recommendation;
    expect(rec.incidentId).toBe('JQ-REC-1');
    expect(rec.candidates.map((c) => c.unitId)).toEqual(['C-1', 'P-01', 'C-2', 'C-4']);
    // The fixture's two roads are kilometres away: every ETA is the straight line (turnout + the distance to the
    // arrival circle × detour factor ÷ the kind's secondary-road speed), uncalibrated, and says so.
    for (const c of rec.candidates) {
      const d = haversineMeters(at[c.unitId]![0], scene);
      expect(c.distanceMeters).toBeCloseTo(d, 6);
      const kind = c.kind as 'patrol_car' | 'community_officer';
      const o = DEFAULT_REACH_OPTIONS;
      expect(c.etaSeconds).toBeCloseTo(o.turnoutS[kind] + ((d - s.config.arrivalRadiusM) * o.detourFactor) / o.speedMps[kind].secondary, 6);
      expect(c.reasons[0]).toEqual({ code: 'eta', params: { seconds: Math.round(c.etaSeconds), basis: 'straight_line', calibration: 1 } });
      expect(c.status).toBe('available');
    }
    // C-1 is G1's own officer; C-2 (another grid's) cannot make the 5 minutes of a P1 and comes after the patrol car.
    expect(rec.candidates.map((c) => c.reasons.slice(1).map((r) => r.code))).toEqual([
      ['in_time', 'role_preferred', 'grid_officer'], ['in_time', 'role_preferred'], ['late', 'role_fallback'], ['late', 'role_fallback'],
    ]);
    expect(rec.candidates[1]).toMatchObject({ unitId: 'P-01', kind: 'patrol_car', team: 'patrol', name: '巡逻车1' });

    expect(rec.rings.map((r) => [r.minutes, r.units.map((u) => u.unitId), r.people])).toEqual([[1, [], 0], [3, ['E-0001'], 12], [5, [], 0]]);
    expect(rec.rings[1]!.radiusMeters).toBeCloseTo(ringRadiusMeters(3, DEFAULT_REACH_OPTIONS), 9);
    expect(rec.rings[1]!.units[0]).toMatchObject({ placeKind: 'school', members: 12 });
    expect(rec.rings[1]!.units[0]!.distanceMeters).toBeCloseTo(100, 0);

    // the best two only
    const top = (await (await bed.fetch(s, '/api/incidents/JQ-REC-1/recommendations?limit=2', {}, 'leader')).json()) as Recommendation;
    expect(top.candidates.map((c) => c.unitId)).toEqual(['C-1', 'P-01']);

    // what the tiered call-out alerts
    const incident = (await s.app.live.repo.getIncident('JQ-REC-1'))!;
    expect(await emergencyUnitsWithin(s.app, incident, 1)).toEqual([]);
    expect((await emergencyUnitsWithin(s.app, incident, 3)).map((u) => [u.unitId, u.ring])).toEqual([['E-0001', 3]]);

    // the unit comes back: it is offered again
    const back = await bed.fetch(s, '/api/units/P-02/status', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ commandId: 'status-P-02-back', status: 'available' }),
    }, 'dispatcher');
    expect(back.status).toBe(200);
    const again = (await (await bed.fetch(s, '/api/incidents/JQ-REC-1/recommendations', {}, 'dispatcher')).json()) as Recommendation;
    expect(again.candidates.map((c) => c.unitId)).toEqual(['C-1', 'P-02', 'P-01', 'C-2', 'C-4']);
  });

  it('answers 404 for an unknown incident and 400 for a bad limit; only dispatchers and leaders may ask', async () => {
    const s = await bed.server();
    await report(s, 'JQ-REC-2', SCHOOL, 2);
    const missing = await bed.fetch(s, '/api/incidents/JQ-NOPE/recommendations', {}, 'dispatcher');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: 'not_found', params: { subject: 'incident', id: 'JQ-NOPE' } });
    const bad = await bed.fetch(s, '/api/incidents/JQ-REC-2/recommendations?limit=0', {}, 'dispatcher');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request', params: { path: '/querystring/limit' }, message: expect.stringMatching(/^invalid request: .*limit/) });
    const metrics = await (await bed.fetch(s, '/metrics')).text();
    expect(metrics).toMatch(/ccr_recommendation_rejected_total\{reason="invalid_request"\} 1/);
    expect(metrics).toMatch(/ccr_recommendation_rejected_total\{reason="unknown_incident"\} 1/);
    expect((await bed.fetch(s, '/api/incidents/JQ-REC-2/recommendations', {}, 'operator')).status).toBe(403);
    expect((await fetch(`${s.url}/api/incidents/JQ-REC-2/recommendations`)).status).toBe(401);
    // the school is where the incident is: first ring
    const rec = (await (await bed.fetch(s, '/api/incidents/JQ-REC-2/recommendations', {}, 'leader')).json()) as Recommendation;
    expect(rec.rings[0]!.units.map((u) => u.unitId)).toEqual(['E-0001']);
    expect(rec.candidates).toEqual([]); // nobody has reported a position yet
  });

  it('answers 429, not 500, when the client is over its rate limit', async () => {
    const s = await bed.server({ auth: { rateLimitPerMinute: 10 } });
    const headers = await bed.headers(s, 'dispatcher');
    const statuses: number[] = [];
    const bodies: { error?: string }[] = [];
    for (let k = 0; k < 12; k++) {
      for (const path of ['/api/incidents/JQ-NONE/recommendations', '/api/stats/eta-accuracy']) {
        const res = await fetch(`${s.url}${path}`, { headers });
        statuses.push(res.status);
        bodies.push((await res.json()) as { error?: string });
      }
    }
    expect(statuses).not.toContain(500);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThan(5);
    expect(bodies.find((_, i) => statuses[i] === 429)).toMatchObject({ error: 'rate_limited' });
  });
});
