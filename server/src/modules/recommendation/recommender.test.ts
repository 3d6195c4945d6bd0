// The bounded search against brute force: on seeded towns and fleets, the recommender (which looks only as far
// as it must, and reads only the units it finds) answers exactly what ranking every unit of the fleet answers.
// The GEO set is an in-memory stand-in that measures like Redis does (its own Earth radius); the search's
// correctness against a real Redis is the integration test's business.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DISPATCH_POLICY, DEFAULT_REACH_OPTIONS, DEFAULT_RESPONSE_TARGETS, EtaModel, INCIDENT_TYPES, MOVING_KINDS, UNIT_KINDS,
  UNIT_STATUSES, buildRoadGraph, haversineMeters, rankCandidates, TEAM_OF_KIND,
  type LiveUnit, type LngLat, type MovingKind, type PlacedUnit, type PolicyIncident, type Priority, type RoadCollection, type RoadFeature,
} from '@ccr/shared';
import { createRng, type Rng } from '@ccr/shared/demo';
import { Recommender, type EtaFactors, type UnitSearch } from './recommender.js';

const NOW = 1_764_000_000_000;
const CENTRE: LngLat = [116.69, 39.07];
const REDIS_EARTH_M = 6_372_797.560856;
const OUR_EARTH_M = 6_371_008.8;

const near = (rng: Rng, spanM: number, from: LngLat = CENTRE): LngLat => [
  from[0] + rng.float(-spanM, spanM) / (111_320 * Math.cos((from[1] * Math.PI) / 180)),
  from[1] + rng.float(-spanM, spanM) / 111_320,
];

/** A town of `n`×`n` streets 400 m apart, some missing, every road class. */
function town(rng: Rng, n: number): RoadCollection {
  const at = (i: number, j: number): LngLat => [CENTRE[0] + ((i - n / 2) * 400) / 86_500, CENTRE[1] + ((j - n / 2) * 400) / 111_320];
  const features: RoadFeature[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const cls = rng.pick(['primary', 'secondary', 'local'] as const);
      if (i + 1 < n && rng.chance(0.85)) features.push({ type: 'Feature', properties: { id: `h${i}-${j}`, class: cls }, geometry: { type: 'LineString', coordinates: [at(i, j), at(i + 1, j)] } });
      if (j + 1 < n && rng.chance(0.85)) features.push({ type: 'Feature', properties: { id: `v${i}-${j}`, class: cls }, geometry: { type: 'LineString', coordinates: [at(i, j), at(i, j + 1)] } });
    }
  }
  return { type: 'FeatureCollection', features };
}

function fleet(rng: Rng, n: number, spanM: number): LiveUnit[] {
  return Array.from({ length: n }, (_, i): LiveUnit => {
    const kind = rng.pick(UNIT_KINDS);
    const [lng, lat] = near(rng, spanM);
    const r = rng.next();
    const grid = ['community_officer', 'combat_unit', 'volunteer_team'].includes(kind) ? `G${rng.int(1, 4)}` : undefined;
    return {
      id: `U-${String(i).padStart(5, '0')}`, kind, name: `U${i}`, team: TEAM_OF_KIND[kind], statusSince: 0,
      status: rng.chance(0.6) ? 'available' : rng.pick(UNIT_STATUSES), stale: kind !== 'emergency_unit' && r < 0.05,
      position: r < 0.08 ? null : { lng, lat, ts: r < 0.12 ? NOW - 60_000 : NOW - rng.int(0, 20_000) },
      ...(grid ? { gridId: grid } : {}),
    };
  });
}

/** A GEO set measured the way Redis measures it, counting what is read. */
function geoSet(units: readonly LiveUnit[]): UnitSearch & { read: number } {
  const byId = new Map(units.map((u) => [u.id, u]));
  const search = {
    read: 0,
    async nearby(lng: number, lat: number, radiusMeters: number, count: number) {
      return units.filter((u) => u.position)
        .map((u) => ({ unitId: u.id, redisMeters: (haversineMeters([u.position!.lng, u.position!.lat], [lng, lat]) * REDIS_EARTH_M) / OUR_EARTH_M }))
        .filter((h) => h.redisMeters <= radiusMeters)
        .sort((a, b) => a.redisMeters - b.redisMeters || (a.unitId < b.unitId ? -1 : 1))
        .slice(0, count);
    },
    async units(ids: readonly string[]) {
      search.read += ids.length;
      return ids.map((id) => byId.get(id)!).filter(Boolean);
    },

  };
  return search;
}

describe('Recommender.candidates (bounded search)', () => {
  it('equals ranking the whole fleet, for every type and priority, with calibration, on seeded towns', async () => {
    let readTotal = 0;
    let fleetTotal = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rng = createRng(seed);
      const model = new EtaModel(buildRoadGraph(town(rng, 25)), DEFAULT_REACH_OPTIONS);
      const factors = Object.fromEntries(MOVING_KINDS.map((k) => [k, rng.chance(0.5) ? 1 : rng.float(0.6, 1.8)])) as Record<MovingKind, number>;
      const calibration: EtaFactors = { factor: (k) => factors[k] };
      const units = fleet(rng, rng.int(50, 1_500), rng.pick([3_000, 6_000, 12_000]));
      const gridOfficers = new Map(units.filter((u) => u.kind === 'community_officer' && rng.chance(0.3)).map((u) => [u.gridId!, u.id]));
      const opts = { model, calibration, policy: DEFAULT_DISPATCH_POLICY, targets: DEFAULT_RESPONSE_TARGETS, gridOfficers, staleAfterMs: 30_000, roster: new Map(units.map((u) => [u.id, u.kind])) };
      for (let q = 0; q < 5; q++) {
        const search = geoSet(units);
        const recommender = new Recommender(search, opts);
        const [lng, lat] = near(rng, 3_000);
        const incident: PolicyIncident = {
          lng, lat, type: rng.pick(INCIDENT_TYPES), priority: rng.pick([1, 1, 1, 2, 3] as Priority[]),
          gridId: rng.chance(0.9) ? `G${rng.int(1, 4)}` : null, reportedAt: NOW - rng.int(0, 900_000),
        };
        const limit = rng.pick([1, 3, 10, 25]);
        const got = await recommender.candidates(incident, limit, NOW);
        const scene = model.forScene([lng, lat]);
        const brute = rankCandidates(units, incident, NOW, {
          ...opts,
          eta: (u: PlacedUnit) => {
            const e = scene.eta(u.kind, [u.position.lng, u.position.lat]);
            return { seconds: e.seconds * factors[u.kind], basis: e.basis, calibration: factors[u.kind] };
          },
        }).candidates.slice(0, limit);
        expect(got.map((c) => c.unitId), `seed ${seed} query ${q} (${incident.type} P${incident.priority}, limit ${limit})`).toEqual(brute.map((c) => c.unitId));
        expect(got).toEqual(brute);
        // an urgent incident in a large fleet reads a small part of it
        if (incident.priority === 1 && limit <= 10 && units.length >= 500) {
          readTotal += search.read;
          fleetTotal += units.length;
        }
      }
    }
    // bounded: for urgent incidents in large fleets it reads a small part of the fleet, not all of it
    expect(fleetTotal).toBeGreaterThan(10_000);
    expect(readTotal / fleetTotal).toBeLessThan(0.6);
  }, 120_000);

  it('looks past its first radius for a car that beats the last of ten walkers', async () => {
    // One straight arterial through the scene, a node every 100 m: ten foot patrols 200–255 m away (ETAs
    // 153–192 s) and a patrol car 2.1 km away (188 s), beyond the first 2 km searched.
    const scene = CENTRE;
    const m = 111_195 * Math.cos((scene[1] * Math.PI) / 180);
    const east = (metres: number): LngLat => [scene[0] + metres / m, scene[1]];
    const coords = Array.from({ length: 101 }, (_, k) => east((k - 50) * 100));
    const model = new EtaModel(buildRoadGraph({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'a', class: 'primary' }, geometry: { type: 'LineString', coordinates: coords } }] }), DEFAULT_REACH_OPTIONS);
    const placed = (id: string, kind: 'foot_patrol' | 'patrol_car', metres: number): LiveUnit => ({
      id, kind, name: id, team: 'patrol', status: 'available', statusSince: 0, stale: false, position: { lng: east(metres)[0], lat: scene[1], ts: NOW },
    });
    const units = [
      ...[200, 206, 212, 218, 224, 230, 236, 242, 248, 255].map((d, i) => placed(`F-${i}`, 'foot_patrol', -d)),
      placed('P-01', 'patrol_car', 2_100),
    ];
    const recommender = new Recommender(geoSet(units), {
      model, calibration: { factor: () => 1 }, policy: DEFAULT_DISPATCH_POLICY, targets: DEFAULT_RESPONSE_TARGETS, gridOfficers: new Map(), staleAfterMs: 30_000, roster: new Map(units.map((u) => [u.id, u.kind])),
    });
    const got = await recommender.candidates({ lng: scene[0], lat: scene[1], type: 'fight', priority: 1, gridId: null, reportedAt: NOW }, 10, NOW);
    expect(got.map((c) => [c.unitId, Math.round(c.etaSeconds)])).toEqual([
      ['F-0', 153], ['F-1', 157], ['F-2', 161], ['F-3', 166], ['F-4', 170], ['F-5', 174], ['F-6', 179], ['F-7', 183], ['F-8', 187], ['P-01', 188],
    ]);
  });

  it('still equals brute force where the search bound is tight: straight primary roads out from the scene', async () => {
    for (let seed = 1; seed <= 100; seed++) {
      const rng = createRng(500 + seed);
      const scene = near(rng, 500);
      // Eight straight arterials from the scene, vertices every ~250 m and no junction but the scene: a car on
      // one drives straight in at full speed, exactly as fast as the search's lower bound allows.
      const features: RoadFeature[] = Array.from({ length: 8 }, (_, r) => {
        const a = (r * Math.PI) / 4 + rng.float(0, 0.3);
        const coords: LngLat[] = Array.from({ length: 40 }, (_, k) => [
          scene[0] + (k * 250 * Math.sin(a)) / (111_195 * Math.cos((scene[1] * Math.PI) / 180)), scene[1] + (k * 250 * Math.cos(a)) / 111_195,
        ]);
        return { type: 'Feature', properties: { id: `a${r}`, class: 'primary' }, geometry: { type: 'LineString', coordinates: coords } };
      });
      const model = new EtaModel(buildRoadGraph({ type: 'FeatureCollection', features }), DEFAULT_REACH_OPTIONS);
      const units: LiveUnit[] = Array.from({ length: rng.int(30, 400) }, (_, i) => {
        const f = rng.pick(features).geometry.coordinates;
        const k = rng.int(0, f.length - 2);
        const t = rng.next();
        const kind = rng.chance(0.7) ? 'patrol_car' : rng.pick(MOVING_KINDS);
        return {
          id: `R-${String(i).padStart(4, '0')}`, kind, name: `R${i}`, team: TEAM_OF_KIND[kind], status: 'available', statusSince: 0, stale: false,
          position: { lng: f[k]![0]! + t * (f[k + 1]![0]! - f[k]![0]!), lat: f[k]![1]! + t * (f[k + 1]![1]! - f[k]![1]!), ts: NOW },
          ...(kind === 'community_officer' || kind === 'combat_unit' ? { gridId: 'G1' } : {}),
        };
      });
      const opts = { model, calibration: { factor: () => 1 }, policy: DEFAULT_DISPATCH_POLICY, targets: DEFAULT_RESPONSE_TARGETS, gridOfficers: new Map<string, string>(), staleAfterMs: 30_000, roster: new Map(units.map((u) => [u.id, u.kind])) };
      for (const priority of [1, 2, 3] as const) {
        const incident: PolicyIncident = { lng: scene[0], lat: scene[1], type: 'fight', priority, gridId: 'G1', reportedAt: NOW - rng.int(0, 600_000) };
        const limit = rng.pick([1, 5, 10, 25, 50]);
        const got = await new Recommender(geoSet(units), opts).candidates(incident, limit, NOW);
        const at = model.forScene(scene);
        const brute = rankCandidates(units, incident, NOW, {
          ...opts, eta: (u: PlacedUnit) => ({ ...at.eta(u.kind, [u.position.lng, u.position.lat]), calibration: 1 }),
        }).candidates.slice(0, limit);
        expect(got.map((c) => c.unitId), `seed ${seed} P${priority} limit ${limit}`).toEqual(brute.map((c) => c.unitId));
      }
    }
  }, 60_000);
});
