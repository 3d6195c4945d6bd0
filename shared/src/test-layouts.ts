// Seeded random layouts for the shared tests (never imported by the packages themselves): a failing layout is
// reproduced from its seed.
import { TEAM_OF_KIND, UNIT_KINDS, UNIT_STATUSES, type LiveUnit, type LngLat, type UnitKind } from './domain.js';
import type { RoadCollection, RoadFeature } from './jurisdiction.js';
import type { RoadClass } from './road-graph.js';

/** mulberry32: a small seeded PRNG. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const NOW = 1_764_000_000_000;
export const CENTRE: LngLat = [116.69, 39.07];

export function unit(over: Partial<LiveUnit> & { id: string; kind: UnitKind }): LiveUnit {
  return {
    name: over.id, team: TEAM_OF_KIND[over.kind], status: 'available', statusSince: 0, stale: false,
    position: { lng: CENTRE[0], lat: CENTRE[1], ts: NOW }, ...over,
  };
}

/** A point up to `spanM` metres from `from` (default the centre) in each direction. */
export function near(rand: () => number, spanM: number, from: LngLat = CENTRE): LngLat {
  const dLat = ((rand() * 2 - 1) * spanM) / 111_320;
  const dLng = ((rand() * 2 - 1) * spanM) / (111_320 * Math.cos((from[1] * Math.PI) / 180));
  return [from[0] + dLng, from[1] + dLat];
}

/** `metres` north of `from`. */
export const north = (metres: number, from: LngLat = CENTRE): LngLat => [from[0], from[1] + metres / 111_195];

/** Every kind and status, some stale, silent or never placed; `grids` of them (G1…) for kinds that have one. */
export function randomFleet(rand: () => number, n: number, opts: { spanM?: number; grids?: number; kinds?: readonly UnitKind[] } = {}): LiveUnit[] {
  const kinds = opts.kinds ?? UNIT_KINDS;
  return Array.from({ length: n }, (_, i) => {
    const kind = kinds[Math.floor(rand() * kinds.length)]!;
    const [lng, lat] = near(rand, opts.spanM ?? 4_000);
    const r = rand();
    const grid = opts.grids && ['community_officer', 'combat_unit', 'volunteer_team', 'emergency_unit'].includes(kind) ? `G${1 + Math.floor(rand() * opts.grids)}` : undefined;
    return unit({
      id: `U-${String(i).padStart(4, '0')}`, kind,
      ...(grid ? { gridId: grid } : {}),
      status: rand() < 0.6 ? 'available' : UNIT_STATUSES[Math.floor(rand() * UNIT_STATUSES.length)]!,
      stale: kind !== 'emergency_unit' && r < 0.1,
      // some have never reported, some reported too long ago, some a moment ago
      position: r < 0.15 ? null : { lng, lat, ts: kind === 'emergency_unit' ? 0 : r < 0.25 ? NOW - 60_000 : NOW - Math.floor(rand() * 20_000) },
      members: kind === 'emergency_unit' ? 1 + Math.floor(rand() * 20) : undefined,
      placeKind: kind === 'emergency_unit' ? 'shop' : undefined,
    });
  });
}

/**
 * A small random town around the centre: a jittered `cols`×`rows` lattice of streets ~330 m apart with some
 * missing, a few diagonals, every road class, and now and then a loose street that joins nothing.
 */
export function randomTown(rand: () => number, cols = 5, rows = 4): RoadCollection {
  const jitter = (): number => (rand() * 2 - 1) * 0.0006;
  const pts: LngLat[][] = [];
  for (let i = 0; i < cols; i++) {
    pts.push([]);
    for (let j = 0; j < rows; j++) pts[i]!.push([CENTRE[0] - 0.008 + i * 0.004 + jitter(), CENTRE[1] - 0.005 + j * 0.003 + jitter()]);
  }
  const classes: RoadClass[] = ['primary', 'secondary', 'local'];
  const features: RoadFeature[] = [];
  const road = (cls: RoadClass, coords: LngLat[]): void => {
    features.push({ type: 'Feature', properties: { id: `r${features.length}`, class: cls }, geometry: { type: 'LineString', coordinates: coords } });
  };
  for (let i = 0; i < cols; i++) {
    for (let j = 0; j < rows; j++) {
      const cls = classes[Math.floor(rand() * 3)]!;
      if (i + 1 < cols && rand() < 0.8) road(cls, [pts[i]![j]!, pts[i + 1]![j]!]);
      if (j + 1 < rows && rand() < 0.8) road(cls, [pts[i]![j]!, pts[i]![j + 1]!]);
      if (i + 1 < cols && j + 1 < rows && rand() < 0.2) road('local', [pts[i]![j]!, pts[i + 1]![j + 1]!]);
    }
  }
  if (rand() < 0.5) road('local', [near(rand, 1_500), near(rand, 1_500)]);
  return { type: 'FeatureCollection', features };
}
