import { describe, expect, it } from 'vitest';
import type { LngLat } from './domain.js';
import { EtaModel, type EtaModelLimits } from './eta.js';
import { haversineMeters } from './geo.js';
import { DEFAULT_REACH_OPTIONS, MOVING_KINDS, type MovingKind, type ReachOptions } from './reach.js';
import { buildRoadGraph, type RoadGraph } from './road-graph.js';
import { CENTRE, near, prng, randomTown } from './test-layouts.js';

/** Every pair's cheapest cost by Floyd–Warshall, junctions (three roads or more) charged when passed through,
 *  with the next node of a cheapest path from i to j. */
function allPairs(g: RoadGraph, kind: MovingKind, opts: ReachOptions): { d: number[][]; next: number[][] } {
  const n = g.nodes.length;
  const d = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 0 : Infinity)));
  const next = Array.from({ length: n }, () => Array.from({ length: n }, () => -1));
  g.edges.forEach((out, i) => {
    for (const e of out) {
      const c = e.lengthM / opts.speedMps[kind][e.roadClass];
      if (c < d[i]![e.to]!) [d[i]![e.to], next[i]![e.to]] = [c, e.to];
    }
  });
  for (let k = 0; k < n; k++) {
    const through = g.edges[k]!.length >= 3 ? opts.junctionDelayS[kind] : 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === k || j === k || i === j) continue;
        const via = d[i]![k]! + through + d[k]![j]!;
        if (via < d[i]![j]!) [d[i]![j], next[i]![j]] = [via, next[i]![k]!];
      }
    }
  }
  return { d, next };
}

/** The ETA the model should give, from brute force: every node, every edge, every pair of nodes, and the
 *  arrival circle found by walking the path in 1-metre steps. */
function bruteEta(g: RoadGraph, all: { d: number[][]; next: number[][] }, kind: MovingKind, from: LngLat, scene: LngLat, opts: ReachOptions, limits: EtaModelLimits): { seconds: number; basis: string } {
  const direct = haversineMeters(from, scene);
  const R = limits.arriveWithinM;
  const straight = { seconds: direct <= R ? 0 : opts.turnoutS[kind] + ((direct - R) * opts.detourFactor) / opts.speedMps[kind].secondary, basis: 'straight_line' };
  let s = -1;
  let sD = Infinity;
  g.nodes.forEach((q, i) => {
    const d = haversineMeters(scene, q);
    if (g.component[i] === 0 && d < sD) [s, sD] = [i, d];
  });
  if (s < 0 || sD > limits.maxSnapM) return straight;
  if (R > 0 && direct <= R) return { seconds: 0, basis: 'road' };
  const cosLat = Math.cos((from[1] * Math.PI) / 180);
  const local = (q: LngLat): [number, number] => [(q[0] - from[0]) * 111_195 * cosLat, (q[1] - from[1]) * 111_195];
  let best = { d: Infinity, a: -1, b: -1, t: 0, len: 0, cls: 'local' as 'primary' | 'secondary' | 'local' };
  g.edges.forEach((out, a) => {
    if (g.component[a] !== 0) return;
    for (const e of out) {
      if (e.to < a) continue;
      const [ax, ay] = local(g.nodes[a]!);
      const [bx, by] = local(g.nodes[e.to]!);
      const [dx, dy] = [bx - ax, by - ay];
      const t = Math.min(1, Math.max(0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)));
      const d = Math.hypot(ax + t * dx, ay + t * dy);
      if (d < best.d) best = { d, a, b: e.to, t, len: e.lengthM, cls: e.roadClass };
    }
  });
  if (best.a < 0 || best.d > limits.maxSnapM) return straight;
  const speed = opts.speedMps[kind];
  const through = (x: number): number => (x !== s && g.edges[x]!.length >= 3 ? opts.junctionDelayS[kind] : 0);
  const to = (x: number): number => (x === s ? 0 : all.d[x]![s]!);
  const viaA = (best.t * best.len) / speed[best.cls] + through(best.a) + to(best.a);
  const viaB = ((1 - best.t) * best.len) / speed[best.cls] + through(best.b) + to(best.b);
  if (!Number.isFinite(Math.min(viaA, viaB))) return straight; // not connected (the horizon is set beyond reach here)
  // The trip as a polyline with a pace per piece: foot of the perpendicular → start → … → scene node → scene.
  const [start, leg] = viaA <= viaB ? [best.a, best.t * best.len] : [best.b, (1 - best.t) * best.len];
  const foot: LngLat = [g.nodes[best.a]![0] + (g.nodes[best.b]![0] - g.nodes[best.a]![0]) * best.t, g.nodes[best.a]![1] + (g.nodes[best.b]![1] - g.nodes[best.a]![1]) * best.t];
  const pieces: { p: LngLat; q: LngLat; seconds: number; pause: number }[] = [{ p: foot, q: g.nodes[start]!, seconds: leg / speed[best.cls], pause: through(start) }];
  for (let u = start; u !== s; u = all.next[u]![s]!) {
    const w = all.next[u]![s]!;
    const e = g.edge(u, w)!;
    pieces.push({ p: g.nodes[u]!, q: g.nodes[w]!, seconds: e.lengthM / speed[e.roadClass], pause: through(w) });
  }
  pieces.push({ p: g.nodes[s]!, q: scene, seconds: sD / opts.walkSpeedMps, pause: 0 });
  let t = opts.turnoutS[kind] + best.d / opts.walkSpeedMps;
  for (const piece of pieces) {
    const steps = Math.max(1, Math.ceil(haversineMeters(piece.p, piece.q)));
    for (let k = 0; k <= steps; k++) {
      const f = k / steps;
      const at: LngLat = [piece.p[0] + (piece.q[0] - piece.p[0]) * f, piece.p[1] + (piece.q[1] - piece.p[1]) * f];
      if (R > 0 && haversineMeters(at, scene) <= R) return { seconds: t + f * piece.seconds, basis: 'road' };
    }
    t += piece.seconds + piece.pause;
  }
  return { seconds: t, basis: 'road' };
}

describe('EtaModel', () => {
  it('equals brute-force shortest paths (Floyd–Warshall) plus the walks and the turnout, on seeded towns', () => {
    let road = 0;
    let straight = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const rand = prng(seed);
      // half the towns with an arrival circle (the geofence), of every size against the walks
      const limits: EtaModelLimits = { arriveWithinM: rand() < 0.5 ? 0 : rand() * 120, maxSnapM: 250, horizonS: 1e9, cacheSize: 4 };
      const g = buildRoadGraph(randomTown(rand));
      // speeds and junction delays of their own, so nothing depends on the defaults
      const opts: ReachOptions = {
        ...DEFAULT_REACH_OPTIONS,
        speedMps: Object.fromEntries(MOVING_KINDS.map((k) => [k, { primary: 3 + rand() * 12, secondary: 2 + rand() * 9, local: 1 + rand() * 6 }])) as ReachOptions['speedMps'],
        junctionDelayS: Object.fromEntries(MOVING_KINDS.map((k) => [k, rand() < 0.5 ? 0 : rand() * 6])) as ReachOptions['junctionDelayS'],
        turnoutS: Object.fromEntries(MOVING_KINDS.map((k) => [k, rand() * 100])) as ReachOptions['turnoutS'],
      };
      const model = new EtaModel(g, opts, limits);
      const pairs = new Map(MOVING_KINDS.map((k) => [k, allPairs(g, k, opts)]));
      for (let q = 0; q < 8; q++) {
        const scene = near(rand, 700);
        const at = model.forScene(scene);
        for (let n = 0; n < 12; n++) {
          const kind = MOVING_KINDS[Math.floor(rand() * MOVING_KINDS.length)]!;
          const from = near(rand, 1_000);
          const want = bruteEta(g, pairs.get(kind)!, kind, from, scene, opts, limits);
          const got = at.eta(kind, from);
          expect(got.basis, `seed ${seed} scene ${q} unit ${n}`).toBe(want.basis);
          // within the time of the brute force's 1-metre steps
          expect(Math.abs(got.seconds - want.seconds), `seed ${seed} scene ${q} unit ${n}: ${got.seconds} vs ${want.seconds}`).toBeLessThan(limits.arriveWithinM > 0 ? 1.2 / Math.min(opts.walkSpeedMps, ...Object.values(opts.speedMps[kind])) : 1e-6);
          if (got.basis === 'road') road++;
          else straight++;
        }
      }
    }
    // both branches were exercised, mostly the road
    expect(road).toBeGreaterThan(2_500);
    expect(straight).toBeGreaterThan(100);
  });

  it('never estimates less than minSecondsBeyond(kind, the straight-line distance), which radiusForSeconds inverts', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rand = prng(500 + seed);
      const g = buildRoadGraph(randomTown(rand));
      const model = new EtaModel(g, DEFAULT_REACH_OPTIONS, { arriveWithinM: seed % 2 === 0 ? 0 : 50 });
      for (let q = 0; q < 10; q++) {
        const scene = near(rand, 1_500);
        const at = model.forScene(scene);
        for (const kind of MOVING_KINDS) {
          const from = near(rand, 2_500);
          expect(at.eta(kind, from).seconds).toBeGreaterThanOrEqual(model.minSecondsBeyond(kind, haversineMeters(from, scene)));
        }
      }
    }
    for (const within of [0, 50]) {
      const model = new EtaModel(null, DEFAULT_REACH_OPTIONS, { arriveWithinM: within });
      for (const kind of MOVING_KINDS) {
        const t = DEFAULT_REACH_OPTIONS.turnoutS[kind];
        for (const s of [1, 10, 100, 1_000]) expect(model.minSecondsBeyond(kind, model.radiusForSeconds(kind, s + t))).toBeCloseTo(s + t, 9);
        expect(model.radiusForSeconds(kind, 0)).toBe(within);
        expect(model.minSecondsBeyond(kind, within)).toBe(0);
      }
    }
  });

  it('falls back to the straight line without roads, and for a scene or unit far from them', () => {
    const o = DEFAULT_REACH_OPTIONS;
    const scene = CENTRE;
    const from: LngLat = [CENTRE[0] + 0.01, CENTRE[1]];
    const d = haversineMeters(from, scene);
    const expected = o.turnoutS.patrol_car + (d * o.detourFactor) / o.speedMps.patrol_car.secondary;
    expect(new EtaModel(null, o).forScene(scene).eta('patrol_car', from)).toEqual({ seconds: expected, basis: 'straight_line' });
    expect(new EtaModel(buildRoadGraph({ type: 'FeatureCollection', features: [] }), o).forScene(scene).eta('patrol_car', from).basis).toBe('straight_line');
    const far = buildRoadGraph({ type: 'FeatureCollection', features: [{ type: 'Feature', properties: { id: 'r', class: 'local' }, geometry: { type: 'LineString', coordinates: [[116.0, 39.0], [116.01, 39.0]] } }] });
    expect(new EtaModel(far, o).forScene(scene).eta('patrol_car', from).basis).toBe('straight_line');
  });

  it('answers the same from its cache of trees as when it computes them afresh', () => {
    const rand = prng(77);
    const g = buildRoadGraph(randomTown(rand));
    const small = new EtaModel(g, DEFAULT_REACH_OPTIONS, { cacheSize: 1 });
    const big = new EtaModel(g, DEFAULT_REACH_OPTIONS);
    const scenes = [near(rand, 800), near(rand, 800), near(rand, 800)];
    for (let n = 0; n < 60; n++) {
      const scene = scenes[n % 3]!;
      const from = near(rand, 1_000);
      const kind = MOVING_KINDS[n % MOVING_KINDS.length]!;
      expect(small.forScene(scene).eta(kind, from)).toEqual(big.forScene(scene).eta(kind, from));
    }
  });
});
