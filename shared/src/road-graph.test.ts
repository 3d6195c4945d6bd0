import { describe, expect, it } from 'vitest';
import { haversineMeters } from './geo.js';
import type { LngLat } from './domain.js';
import type { RoadCollection, RoadFeature } from './jurisdiction.js';
import { buildRoadGraph, routeBetween, shortestPath, travelCostsFrom, travelTreeFrom, type RoadClass, type RoadGraph, type TravelCost } from './road-graph.js';

/** mulberry32 with the few draws these tests need, so a failing layout can be reproduced from its seed. */
function createRng(seed: number) {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    float: (min: number, max: number): number => min + (max - min) * next(),
    chance: (p: number): boolean => next() < p,
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}

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

/** All-pairs costs by Floyd–Warshall, a node's pass-through cost paid when a path goes through it. */
function floydWarshall(g: RoadGraph, cost: TravelCost): number[][] {
  const n = g.nodes.length;
  const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)));
  g.edges.forEach((out, i) => {
    for (const e of out) d[i]![e.to] = Math.min(d[i]![e.to]!, cost.edge(e));
  });
  for (let k = 0; k < n; k++) {
    const through = cost.through?.(k) ?? 0;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      for (let j = 0; j < n; j++) {
        if (j === k || j === i) continue;
        const via = d[i]![k]! + through + d[k]![j]!;
        if (via < d[i]![j]!) d[i]![j] = via;
      }
    }
  }
  return d;
}

describe('travelCostsFrom', () => {
  it('equals Floyd–Warshall on small random towns, with junction costs and a horizon', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rng = createRng(1_000 + seed);
      const g = buildRoadGraph(randomLattice(seed));
      const speeds: Record<RoadClass, number> = { primary: rng.float(5, 15), secondary: rng.float(3, 10), local: rng.float(1, 7) };
      const junction = rng.float(0, 8);
      const costs: TravelCost[] = [
        { edge: (e) => e.lengthM },
        { edge: (e) => e.lengthM / speeds[e.roadClass], through: (node) => (g.edges[node]!.length >= 3 ? junction : 0) },
      ];
      for (const cost of costs) {
        const all = floydWarshall(g, cost);
        for (let s = 0; s < g.nodes.length; s++) {
          const got = travelCostsFrom(g, s, cost);
          const tree = travelTreeFrom(g, s, cost);
          for (let t = 0; t < g.nodes.length; t++) {
            const want = all[s]![t]!;
            // following `next` from t walks a cheapest path to s
            if (want !== Infinity && t !== s) {
              let walked = 0;
              for (let u = t, steps = 0; u !== s; steps++) {
                const w = tree.next[u]!;
                expect(steps).toBeLessThan(g.nodes.length);
                walked += cost.edge(g.edge(u, w)!) + (w !== s && cost.through ? cost.through(w) : 0);
                u = w;
              }
              expect(walked, `seed ${seed} path ${t}→${s}`).toBeCloseTo(want, 6);
            }
            if (want === Infinity || t === s) expect(tree.next[t]).toBe(-1);
            if (want === Infinity) expect(got[t], `seed ${seed} ${s}→${t}`).toBe(Infinity);
            else expect(got[t], `seed ${seed} ${s}→${t}`).toBeCloseTo(want, 6);
            // symmetric: the cost to the source is the cost from it
            if (want !== Infinity) expect(all[t]![s]).toBeCloseTo(want, 6);
          }
          const finite = [...got].filter((x) => x !== Infinity).sort((a, b) => a - b);
          const horizon = finite[Math.floor(finite.length / 2)] ?? 0;
          const bounded = travelCostsFrom(g, s, cost, horizon);
          for (let t = 0; t < g.nodes.length; t++) {
            expect(bounded[t], `seed ${seed} ${s}→${t} within ${horizon}`).toBe(got[t]! <= horizon ? got[t] : Infinity);
          }
        }
      }
    }
  }, 60_000);
});

describe('snapToRoad', () => {
  it('finds the nearest point on a road of the main component like a scan of every edge does', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const g = buildRoadGraph(randomLattice(seed));
      const rng = createRng(50 + seed);
      for (let n = 0; n < 100; n++) {
        const p: LngLat = [rng.float(116.675, 116.697), rng.float(39.055, 39.07)];
        // brute force: every edge, in metres around p
        const cosLat = Math.cos((p[1] * Math.PI) / 180);
        const local = (q: LngLat): [number, number] => [(q[0] - p[0]) * 111_195 * cosLat, (q[1] - p[1]) * 111_195];
        let best = Infinity;
        g.edges.forEach((out, a) => {
          if (g.component[a] !== 0) return;
          for (const e of out) {
            const [ax, ay] = local(g.nodes[a]!);
            const [bx, by] = local(g.nodes[e.to]!);
            const dx = bx - ax;
            const dy = by - ay;
            const t = Math.min(1, Math.max(0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
            best = Math.min(best, Math.hypot(ax + t * dx, ay + t * dy));
          }
        });
        const maxM = rng.float(20, 600);
        const snap = g.snapToRoad(p, maxM);
        if (best > maxM) {
          expect(snap, `seed ${seed} point ${n}`).toBeNull();
          continue;
        }
        expect(snap, `seed ${seed} point ${n}`).not.toBeNull();
        expect(snap!.offsetM).toBeCloseTo(best, 6);
        const e = g.edge(snap!.a, snap!.b)!;
        expect(snap!.fromA + snap!.toB).toBeCloseTo(e.lengthM, 6);
        expect(snap!.roadClass).toBe(e.roadClass);
        // the foot of the perpendicular is that far from p, and within a metre of where fromA says it is
        const foot: LngLat = [
          g.nodes[snap!.a]![0] + ((g.nodes[snap!.b]![0] - g.nodes[snap!.a]![0]) * snap!.fromA) / e.lengthM,
          g.nodes[snap!.a]![1] + ((g.nodes[snap!.b]![1] - g.nodes[snap!.a]![1]) * snap!.fromA) / e.lengthM,
        ];
        expect(Math.abs(haversineMeters(p, foot) - snap!.offsetM)).toBeLessThan(0.5);
      }
    }
  });

  it('is null for a graph without roads or a point far from every road', () => {
    expect(buildRoadGraph(collection([])).snapToRoad([116.7, 39.07], 1_000)).toBeNull();
    const g = buildRoadGraph(collection([road('a', 'local', [[116.0, 39.0], [116.01, 39.0]])]));
    expect(g.snapToRoad([116.005, 39.05], 1_000)).toBeNull(); // 5.6 km north
    expect(g.snapToRoad([116.005, 39.0001], 100)).toMatchObject({ roadClass: 'local' });
  });
});
