import { describe, expect, it } from 'vitest';
import {
  DEFAULT_REACH_OPTIONS, MOVING_KINDS, parseReachOptions, radiusForEta, rankCandidates, rankingIsFinal, reachRings,
  ringRadiusMeters, unitsWithinRing, type RankOptions,
} from './reach.js';
import { haversineMeters } from './geo.js';
import { TEAM_OF_KIND, UNIT_KINDS, UNIT_STATUSES, type LiveUnit, type LngLat, type UnitKind } from './domain.js';

/** mulberry32: a small seeded PRNG, so a failing layout can be reproduced from its seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NOW = 1_764_000_000_000;
const CENTRE: LngLat = [116.69, 39.07];
const OPTS: RankOptions = { ...DEFAULT_REACH_OPTIONS, staleAfterMs: 30_000 };

function unit(over: Partial<LiveUnit> & { id: string; kind: UnitKind }): LiveUnit {
  return {
    name: over.id, team: TEAM_OF_KIND[over.kind], status: 'available', statusSince: 0, stale: false,
    position: { lng: CENTRE[0], lat: CENTRE[1], ts: NOW }, ...over,
  };
}

/** A point up to `spanM` metres from the centre in each direction. */
function near(rand: () => number, spanM: number): LngLat {
  const dLat = ((rand() * 2 - 1) * spanM) / 111_320;
  const dLng = ((rand() * 2 - 1) * spanM) / (111_320 * Math.cos((CENTRE[1] * Math.PI) / 180));
  return [CENTRE[0] + dLng, CENTRE[1] + dLat];
}

function randomFleet(rand: () => number, n: number): LiveUnit[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = UNIT_KINDS[Math.floor(rand() * UNIT_KINDS.length)]!;
    const [lng, lat] = near(rand, 4_000);
    const r = rand();
    return unit({
      id: `U-${String(i).padStart(4, '0')}`, kind,
      status: rand() < 0.6 ? 'available' : UNIT_STATUSES[Math.floor(rand() * UNIT_STATUSES.length)]!,
      stale: kind !== 'emergency_unit' && r < 0.1,
      // some have never reported, some reported too long ago, some a moment ago
      position: r < 0.15 ? null : { lng, lat, ts: kind === 'emergency_unit' ? 0 : r < 0.25 ? NOW - 60_000 : NOW - Math.floor(rand() * 20_000) },
      members: kind === 'emergency_unit' ? 1 + Math.floor(rand() * 20) : undefined,
      placeKind: kind === 'emergency_unit' ? 'shop' : undefined,
    });
  });
}

describe('rankCandidates', () => {
  it('ranks by ETA from the kind\'s speed and the detour factor', () => {
    const at = { lng: CENTRE[0], lat: CENTRE[1] };
    const from = (metresNorth: number): LiveUnit['position'] => ({ lng: CENTRE[0], lat: CENTRE[1] + metresNorth / 111_195, ts: NOW });
    const ranked = rankCandidates([
      unit({ id: 'CAR', kind: 'patrol_car', position: from(1_000) }), // 1000 × 1.3 / 8.3 ≈ 157 s
      unit({ id: 'FOOT', kind: 'foot_patrol', position: from(300) }), // 300 × 1.3 / 1.4 ≈ 279 s
      unit({ id: 'BIKE', kind: 'community_officer', position: from(400) }), // 400 × 1.3 / 4 ≈ 130 s
    ], at, NOW, OPTS);
    expect(ranked.map((c) => c.unitId)).toEqual(['BIKE', 'CAR', 'FOOT']);
    const bike = ranked[0]!;
    expect(bike.distanceMeters).toBeCloseTo(400, 0);
    expect(bike.etaSeconds).toBeCloseTo((bike.distanceMeters * 1.3) / 4, 9);
    expect(bike).toMatchObject({ kind: 'community_officer', team: 'community', status: 'available', positionAgeMs: 0 });
  });

  it('never offers a busy, off-duty, dispatched, stale, silent or unplaced unit, nor an emergency unit', () => {
    const ranked = rankCandidates([
      unit({ id: 'OK', kind: 'patrol_car' }),
      ...(['dispatched', 'en_route', 'on_scene', 'busy', 'off_duty'] as const).map((status) => unit({ id: status, kind: 'patrol_car', status })),
      unit({ id: 'STALE', kind: 'patrol_car', stale: true }),
      unit({ id: 'OLD', kind: 'patrol_car', position: { lng: CENTRE[0], lat: CENTRE[1], ts: NOW - 30_001 } }),
      unit({ id: 'NOWHERE', kind: 'patrol_car', position: null }),
      unit({ id: 'PLACE', kind: 'emergency_unit', position: { lng: CENTRE[0], lat: CENTRE[1], ts: 0 } }),
    ], { lng: CENTRE[0], lat: CENTRE[1] }, NOW, OPTS);
    expect(ranked.map((c) => c.unitId)).toEqual(['OK']);
  });

  it('breaks ties by distance, then by id', () => {
    const p = { lng: CENTRE[0] + 0.001, lat: CENTRE[1], ts: NOW };
    const ranked = rankCandidates([
      unit({ id: 'B', kind: 'patrol_car', position: p }),
      unit({ id: 'A', kind: 'patrol_car', position: p }),
    ], { lng: CENTRE[0], lat: CENTRE[1] }, NOW, OPTS);
    expect(ranked.map((c) => c.unitId)).toEqual(['A', 'B']);
  });

  it('equals a brute-force sort on random layouts', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const rand = prng(seed);
      const fleet = randomFleet(rand, 20 + Math.floor(rand() * 200));
      const [lng, lat] = near(rand, 3_000);
      const ranked = rankCandidates(fleet, { lng, lat }, NOW, OPTS);

      const expected = fleet
        .filter((u) => u.status === 'available' && !u.stale && u.position && u.kind !== 'emergency_unit' && NOW - u.position.ts <= OPTS.staleAfterMs)
        .map((u) => {
          const d = haversineMeters([u.position!.lng, u.position!.lat], [lng, lat]);
          return { id: u.id, d, eta: (d * OPTS.detourFactor) / OPTS.speedMps[u.kind as keyof typeof OPTS.speedMps] };
        })
        .sort((a, b) => a.eta - b.eta || a.d - b.d || (a.id < b.id ? -1 : 1));
      expect(ranked.map((c) => c.unitId), `seed ${seed}`).toEqual(expected.map((e) => e.id));
      expect(ranked.map((c) => c.etaSeconds), `seed ${seed}`).toEqual(expected.map((e) => e.eta));
      const byId = new Map(fleet.map((u) => [u.id, u]));
      for (const c of ranked) {
        const u = byId.get(c.unitId)!;
        expect(u.status).toBe('available');
        expect(u.stale).toBe(false);
      }
    }
  });
});

describe('rankingIsFinal', () => {
  it('is final only when nobody beyond the searched radius could beat the last of the best', () => {
    const ranked = rankCandidates(
      [unit({ id: 'A', kind: 'foot_patrol', position: { lng: CENTRE[0], lat: CENTRE[1] + 0.001, ts: NOW } })],
      { lng: CENTRE[0], lat: CENTRE[1] }, NOW, OPTS,
    );
    const eta = ranked[0]!.etaSeconds;
    const needed = radiusForEta(eta, OPTS);
    expect(rankingIsFinal(ranked, 1, needed, OPTS)).toBe(true);
    expect(rankingIsFinal(ranked, 1, needed * 0.99, OPTS)).toBe(false);
    expect(rankingIsFinal(ranked, 2, 1e9, OPTS)).toBe(false); // too few found yet
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
    const o = parseReachOptions({ DETOUR_FACTOR: '1.5', WALK_SPEED_MPS: '1.2', UNIT_SPEEDS: '{"patrol_car":10}' });
    expect(o).toEqual({ ...DEFAULT_REACH_OPTIONS, detourFactor: 1.5, walkSpeedMps: 1.2, speedMps: { ...DEFAULT_REACH_OPTIONS.speedMps, patrol_car: 10 } });
    expect(MOVING_KINDS).not.toContain('emergency_unit');
    expect(() => parseReachOptions({ DETOUR_FACTOR: '0.5' })).toThrow(/DETOUR_FACTOR/);
    expect(() => parseReachOptions({ WALK_SPEED_MPS: 'fast' })).toThrow(/WALK_SPEED_MPS/);
    expect(() => parseReachOptions({ UNIT_SPEEDS: '{"tank":3}' })).toThrow(/unknown kind "tank"/);
    expect(() => parseReachOptions({ UNIT_SPEEDS: '{"patrol_car":-1}' })).toThrow(/UNIT_SPEEDS/);
    expect(() => parseReachOptions({ UNIT_SPEEDS: 'nope' })).toThrow(/not JSON/);
  });
});
