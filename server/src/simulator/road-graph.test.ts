import { describe, expect, it } from 'vitest';
import { haversineMeters, type LngLat, type RoadCollection, type RoadFeature } from '@ccr/shared';
import { createRng } from './prng.js';
import { buildRoadGraph, routeBetween, shortestPath, type RoadClass, type RoadGraph } from './road-graph.js';

const road = (id: string, cls: RoadClass, coords: LngLat[], name?: string): RoadFeature => ({
  type: 'Feature',
  properties: { id, class: cls, ...(name ? { name } : {}) },
  geometry: { type: 'LineString', coordinates: coords },
});
const collection = (features: RoadFeature[]): RoadCollection => ({ type: 'FeatureCollection', features });

/** Every simple path from a to b by depth-first search: the brute force the router must agree with. */
function bruteForceShortest(g: RoadGraph, a: number, b: number, cost: (len: number, cls: RoadClass) => number): number {
  let best = Infinity;
  const seen = new Set<number>([a]);
  const walk = (n: number, acc: number): void => {
    if (acc >= best) return;
    if (n === b) {
      best = acc;
      return;
    }
    for (const e of g.edges[n]!) {
      if (seen.has(e.to)) continue;
      seen.add(e.to);
      walk(e.to, acc + cost(e.lengthM, e.roadClass));
      seen.delete(e.to);
    }
  };
  walk(a, 0);
  return best;
}

/** A small random town: a jittered 4×3 lattice with some streets missing and a couple of diagonals. */
function randomLattice(seed: number): RoadCollection {
  const rng = createRng(seed);
  const at = (i: number, j: number): LngLat => [116.68 + i * 0.004 + rng.float(-0.0008, 0.0008), 39.06 + j * 0.003 + rng.float(-0.0008, 0.0008)];
  const pts: LngLat[][] = [];
  for (let i = 0; i < 4; i++) {
    pts.push([]);
    for (let j = 0; j < 3; j++) pts[i]!.push(at(i, j));
  }
  const features: RoadFeature[] = [];
  let k = 0;
  const classes: RoadClass[] = ['primary', 'secondary', 'local'];
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 3; j++) {
      if (i + 1 < 4 && rng.chance(0.8)) features.push(road(`r${k++}`, rng.pick(classes), [pts[i]![j]!, pts[i + 1]![j]!]));
      if (j + 1 < 3 && rng.chance(0.8)) features.push(road(`r${k++}`, rng.pick(classes), [pts[i]![j]!, pts[i]![j + 1]!]));
      if (i + 1 < 4 && j + 1 < 3 && rng.chance(0.2)) features.push(road(`r${k++}`, 'local', [pts[i]![j]!, pts[i + 1]![j + 1]!]));
    }
  }
  return collection(features);
}

describe('buildRoadGraph', () => {
  it('joins lines at shared vertices and keeps roads two-way', () => {
    const g = buildRoadGraph(collection([
      road('a', 'primary', [[116.0, 39.0], [116.01, 39.0], [116.02, 39.0]], '胜芳大道'),
      road('b', 'local', [[116.01, 38.99], [116.01, 39.0], [116.01, 39.01]], '中山大街'),
    ]));
    expect(g.nodes).toHaveLength(5);
    const junction = g.nodes.findIndex((p) => p[0] === 116.01 && p[1] === 39.0);
    expect(g.edges[junction]).toHaveLength(4);
    const e = g.edge(0, junction)!;
    expect(e.roadName).toBe('胜芳大道');
    expect(e.lengthM).toBeCloseTo(haversineMeters([116.0, 39.0], [116.01, 39.0]), 6);
    expect(g.edge(junction, 0)?.lengthM).toBe(e.lengthM);
    expect(new Set(g.component)).toEqual(new Set([0]));
  });

  it('numbers components largest first and snaps to the main one by default', () => {
    const g = buildRoadGraph(collection([
      road('main', 'primary', [[116.0, 39.0], [116.01, 39.0], [116.02, 39.0]]),
      road('island', 'local', [[116.05, 39.05], [116.051, 39.05]]),
    ]));
    const island = g.nodes.findIndex((p) => p[0] === 116.05);
    expect(g.component[island]).toBe(1);
    expect(g.nearestNode([116.0501, 39.0501], { anyComponent: true })).toBe(island);
    expect(g.component[g.nearestNode([116.0501, 39.0501])]).toBe(0);
  });

  it('finds the nearest node like a linear scan does', () => {
    const g = buildRoadGraph(randomLattice(3));
    const rng = createRng(11);
    for (let n = 0; n < 300; n++) {
      const p: LngLat = [rng.float(116.67, 116.71), rng.float(39.05, 39.07)];
      let best = -1;
      let bestD = Infinity;
      g.nodes.forEach((q, i) => {
        const d = haversineMeters(p, q);
        if (g.component[i] === 0 && d < bestD) {
          bestD = d;
          best = i;
        }
      });
      expect(haversineMeters(p, g.nodes[g.nearestNode(p)]!)).toBeCloseTo(bestD, 6);
      expect(best).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('shortestPath', () => {
  it('agrees with brute force over all simple paths, by distance and by time', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const g = buildRoadGraph(randomLattice(seed));
      for (let a = 0; a < g.nodes.length; a++) {
        for (let b = 0; b < g.nodes.length; b++) {
          const expected = bruteForceShortest(g, a, b, (len) => len);
          const path = shortestPath(g, a, b, 'distance');
          if (expected === Infinity) {
            expect(path).toBeNull();
            continue;
          }
          expect(path!.lengthM).toBeCloseTo(expected, 6);
          expect(path!.nodes[0]).toBe(a);
          expect(path!.nodes.at(-1)).toBe(b);
          for (let k = 1; k < path!.nodes.length; k++) expect(g.edge(path!.nodes[k - 1]!, path!.nodes[k]!)).toBeDefined();
          const speeds: Record<RoadClass, number> = { primary: 12.5, secondary: 9.7, local: 6.9 };
          const fastest = bruteForceShortest(g, a, b, (len, cls) => len / speeds[cls]);
          expect(shortestPath(g, a, b, 'time')!.durationS).toBeCloseTo(fastest, 6);
        }
      }
    }
  });

  it('prefers the arterial when routing by time', () => {
    // A direct local street versus a slightly longer primary road around it.
    const g = buildRoadGraph(collection([
      road('local', 'local', [[116.0, 39.0], [116.01, 39.0]]),
      road('primary', 'primary', [[116.0, 39.0], [116.005, 39.001], [116.01, 39.0]]),
    ]));
    const a = g.nearestNode([116.0, 39.0]);
    const b = g.nearestNode([116.01, 39.0]);
    expect(shortestPath(g, a, b, 'distance')!.nodes).toHaveLength(2);
    expect(shortestPath(g, a, b, 'time')!.nodes).toHaveLength(3);
  });

  it('routes between arbitrary points through the nearest nodes', () => {
    const g = buildRoadGraph(randomLattice(5));
    const route = routeBetween(g, [116.6801, 39.0601], [116.6925, 39.0661]);
    expect(route).not.toBeNull();
    expect(route!.lengthM).toBeGreaterThan(0);
    expect(route!.accessM).toBeGreaterThanOrEqual(0);
  });
});
