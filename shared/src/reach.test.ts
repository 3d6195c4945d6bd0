import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REACH_OPTIONS, MOVING_KINDS, UNIT_SPEEDS, UNIT_TURNOUT_S, isRecommendable, parseReachOptions, reachRings,
  ringRadiusMeters, unitsWithinRing,
} from './reach.js';
import { haversineMeters } from './geo.js';
import { CENTRE, NOW, near, prng, randomFleet, unit } from './test-layouts.js';

describe('isRecommendable', () => {
  it('never offers a busy, off-duty, dispatched, stale, silent or unplaced unit, nor an emergency unit', () => {
    const units = [
      unit({ id: 'OK', kind: 'patrol_car' }),
      ...(['dispatched', 'en_route', 'on_scene', 'busy', 'off_duty'] as const).map((status) => unit({ id: status, kind: 'patrol_car', status })),
      unit({ id: 'STALE', kind: 'patrol_car', stale: true }),
      unit({ id: 'OLD', kind: 'patrol_car', position: { lng: CENTRE[0], lat: CENTRE[1], ts: NOW - 30_001 } }),
      unit({ id: 'NOWHERE', kind: 'patrol_car', position: null }),
      unit({ id: 'PLACE', kind: 'emergency_unit', position: { lng: CENTRE[0], lat: CENTRE[1], ts: 0 } }),
    ];
    expect(units.filter((u) => isRecommendable(u, NOW, 30_000)).map((u) => u.id)).toEqual(['OK']);
  });
});


describe('reachRings', () => {
  it('puts each emergency unit in the smallest ring its members can walk from, and counts people', () => {
    const r1 = ringRadiusMeters(1, DEFAULT_REACH_OPTIONS);
    expect(r1).toBeCloseTo((1.4 * 60) / 1.3, 9);
    const north = (m: number) => ({ lng: CENTRE[0], lat: CENTRE[1] + m / 111_195, ts: 0 });
    const rings = reachRings([
      unit({ id: 'E1', kind: 'emergency_unit', members: 5, position: north(50) }),
      unit({ id: 'E3', kind: 'emergency_unit', members: 7, position: north(150) }),
      unit({ id: 'E5', kind: 'emergency_unit', position: north(300) }),
      unit({ id: 'FAR', kind: 'emergency_unit', members: 9, position: north(400) }),
      unit({ id: 'SHUT', kind: 'emergency_unit', status: 'off_duty', members: 9, position: north(10) }),
      unit({ id: 'CAR', kind: 'patrol_car', position: north(10) }),
    ], CENTRE, DEFAULT_REACH_OPTIONS);
    expect(rings.map((r) => [r.minutes, r.units.map((u) => u.unitId), r.people])).toEqual([[1, ['E1'], 5], [3, ['E3'], 7], [5, ['E5'], 1]]);
    expect(rings[0]!.units[0]!.etaSeconds).toBeCloseTo((rings[0]!.units[0]!.distanceMeters * 1.3) / 1.4, 9);
    expect(unitsWithinRing(rings, 3).map((u) => [u.unitId, u.ring])).toEqual([['E1', 1], ['E3', 3]]);
  });

  it('equals a brute-force haversine computation on random layouts', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rand = prng(10_000 + seed);
      const opts = { detourFactor: 1 + rand(), walkSpeedMps: 0.8 + rand(), speedMps: DEFAULT_REACH_OPTIONS.speedMps };
      // dense enough that every ring has members: a few hundred places within ~600 m
      const places = Array.from({ length: 50 + Math.floor(rand() * 400) }, (_, i) => {
        const [lng, lat] = near(rand, 600);
        return unit({
          id: `E-${i}`, kind: 'emergency_unit', members: 1 + Math.floor(rand() * 30), position: { lng, lat, ts: 0 },
          status: rand() < 0.1 ? 'off_duty' : 'available',
        });
      });
      const point = near(rand, 200);
      // other kinds mixed in, and emergency units among them (some without a position)
      const all = [...places, ...randomFleet(rand, 30)];
      const rings = reachRings(all, point, opts);

      const seen = new Set<string>();
      for (const minutes of [1, 3, 5] as const) {
        const radius = (opts.walkSpeedMps * 60 * minutes) / opts.detourFactor;
        const smaller = minutes === 1 ? -Infinity : (opts.walkSpeedMps * 60 * (minutes === 3 ? 1 : 3)) / opts.detourFactor;
        const expected = all
          .filter((u) => u.kind === 'emergency_unit' && u.position && u.status !== 'off_duty')
          .map((u) => ({ u, d: haversineMeters([u.position!.lng, u.position!.lat], point) }))
          .filter(({ d }) => d <= radius && d > smaller)
          .sort((a, b) => a.d - b.d || (a.u.id < b.u.id ? -1 : 1));
        const ring = rings.find((r) => r.minutes === minutes)!;
        expect(ring.radiusMeters).toBe(radius);
        expect(ring.units.map((x) => x.unitId), `seed ${seed} ring ${minutes}`).toEqual(expected.map((e) => e.u.id));
        expect(ring.units.map((x) => x.distanceMeters)).toEqual(expected.map((e) => e.d));
        expect(ring.people).toBe(expected.reduce((s, e) => s + (e.u.members ?? 1), 0));
        for (const x of ring.units) {
          expect(seen.has(x.unitId)).toBe(false); // exactly one ring each
          seen.add(x.unitId);
        }
      }
      const kinds = new Map(all.map((u) => [u.id, u.kind]));
      expect(rings.every((r) => r.units.every((x) => kinds.get(x.unitId) === 'emergency_unit'))).toBe(true);
    }
  });
});

describe('parseReachOptions', () => {
  it('uses the defaults, reads overrides and refuses nonsense with a clear message', () => {
    expect(parseReachOptions({})).toEqual(DEFAULT_REACH_OPTIONS);
    expect(DEFAULT_REACH_OPTIONS.speedMps).toEqual(UNIT_SPEEDS);
    expect(DEFAULT_REACH_OPTIONS.turnoutS).toEqual(UNIT_TURNOUT_S);
    const o = parseReachOptions({
      DETOUR_FACTOR: '1.5', WALK_SPEED_MPS: '1.2', UNIT_SPEEDS: '{"patrol_car":{"primary":14},"foot_patrol":1.5}', UNIT_TURNOUT: '{"case_officer":90}',
    });
    expect(o).toEqual({
      ...DEFAULT_REACH_OPTIONS, detourFactor: 1.5, walkSpeedMps: 1.2,
      speedMps: { ...DEFAULT_REACH_OPTIONS.speedMps, patrol_car: { ...UNIT_SPEEDS.patrol_car, primary: 14 }, foot_patrol: { primary: 1.5, secondary: 1.5, local: 1.5 } },
      turnoutS: { ...DEFAULT_REACH_OPTIONS.turnoutS, case_officer: 90 },
    });
    // the defaults are not shared with what was read
    expect(DEFAULT_REACH_OPTIONS.speedMps.patrol_car.primary).toBe(UNIT_SPEEDS.patrol_car.primary);
    expect(MOVING_KINDS).not.toContain('emergency_unit');
    expect(() => parseReachOptions({ DETOUR_FACTOR: '0.5' })).toThrow(/DETOUR_FACTOR/);
    expect(() => parseReachOptions({ WALK_SPEED_MPS: 'fast' })).toThrow(/WALK_SPEED_MPS/);
    expect(() => parseReachOptions({ UNIT_SPEEDS: '{"tank":3}' })).toThrow(/unknown kind "tank"/);
    expect(() => parseReachOptions({ UNIT_SPEEDS: '{"patrol_car":-1}' })).toThrow(/UNIT_SPEEDS/);
    expect(() => parseReachOptions({ UNIT_SPEEDS: '{"patrol_car":{"motorway":30}}' })).toThrow(/unknown road class "motorway"/);
    expect(() => parseReachOptions({ UNIT_SPEEDS: 'nope' })).toThrow(/not JSON/);
    expect(() => parseReachOptions({ UNIT_TURNOUT: '{"case_officer":-5}' })).toThrow(/UNIT_TURNOUT: case_officer must be seconds/);
  });
});
