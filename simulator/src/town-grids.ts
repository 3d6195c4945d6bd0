// The town outline and its police grids (警格), in the local metric frame.
// Grids are the Voronoi cells of jittered seeds, clipped to the outline: together they tile the town with
// no gap and no overlap, and neighbouring grids share their border vertices exactly.
import type { Rng } from '@ccr/shared/demo';
import { centroid, clipRingByHalfPlane, dist, pointInRingXY, signedArea, type XY } from './local-geometry.js';

export interface TownShape {
  /** Counter-clockwise open ring (first point not repeated). */
  outline: XY[];
  /** Semi-axes of the ellipse the outline wobbles around, metres. */
  radiusX: number;
  radiusY: number;
}

export interface GridCell {
  /** The Voronoi seed: for a village it is where the houses cluster. */
  seed: XY;
  /** Counter-clockwise open ring. */
  ring: XY[];
  centroid: XY;
  areaM2: number;
}

/**
 * An irregular outline around an ellipse of about 10.4 × 8.2 km: a few low harmonics give it bays and
 * bulges like an administrative boundary without ever folding back on itself (it stays star-shaped).
 */
export function buildTownOutline(rng: Rng, vertices = 72): TownShape {
  const radiusX = 5200;
  const radiusY = 4100;
  const harmonics = [2, 3, 4, 5, 7].map((k) => ({ k, amp: rng.float(0.02, 0.08) / Math.sqrt(k / 2), phase: rng.float(0, 2 * Math.PI) }));
  const outline: XY[] = [];
  for (let i = 0; i < vertices; i++) {
    const theta = (2 * Math.PI * i) / vertices;
    let wobble = 1 + rng.float(-0.012, 0.012);
    for (const h of harmonics) wobble += h.amp * Math.cos(h.k * theta + h.phase);
    outline.push([radiusX * wobble * Math.cos(theta), radiusY * wobble * Math.sin(theta)]);
  }
  return { outline, radiusX, radiusY };
}

/** The Voronoi cell of seeds[i] inside the outline: the outline clipped by every perpendicular bisector. */
function voronoiCell(seeds: readonly XY[], i: number, outline: readonly XY[]): XY[] {
  const s = seeds[i]!;
  let ring: XY[] = [...outline];
  for (let j = 0; j < seeds.length && ring.length > 0; j++) {
    if (j === i) continue;
    const o = seeds[j]!;
    // Points closer to s than to o: (o − s)·p ≤ (|o|² − |s|²) / 2
    ring = clipRingByHalfPlane(ring, o[0] - s[0], o[1] - s[1], (o[0] ** 2 + o[1] ** 2 - s[0] ** 2 - s[1] ** 2) / 2);
  }
  return ring;
}

/**
 * Seeds by best-candidate sampling, closer together near the centre (the old town's grids are smaller
 * than the villages'), then two Lloyd steps so no grid is a sliver.
 */
function placeSeeds(rng: Rng, town: TownShape, count: number): XY[] {
  const { outline, radiusX, radiusY } = town;
  const density = (p: XY): number => 0.55 + 0.45 * Math.min(1, Math.hypot(p[0] / radiusX, p[1] / radiusY));
  const randomInside = (): XY => {
    for (;;) {
      const p: XY = [rng.float(-radiusX * 1.2, radiusX * 1.2), rng.float(-radiusY * 1.2, radiusY * 1.2)];
      if (pointInRingXY(p, outline)) return p;
    }
  };
  const seeds: XY[] = [[rng.float(-150, 150), rng.float(-150, 150)]];
  while (seeds.length < count) {
    let best: XY | undefined;
    let bestScore = -1;
    for (let c = 0; c < 24; c++) {
      const p = randomInside();
      let nearest = Infinity;
      for (const s of seeds) nearest = Math.min(nearest, dist(p, s));
      const score = nearest / density(p);
      if (score > bestScore) {
        bestScore = score;
        best = p;
      }
    }
    seeds.push(best!);
  }
  let relaxed = seeds;
  for (let step = 0; step < 2; step++) {
    relaxed = relaxed.map((s, i) => {
      const ring = voronoiCell(relaxed, i, outline);
      if (ring.length < 3) return s;
      const c = centroid(ring);
      // Half a Lloyd step keeps some of the central density.
      return [(s[0] + c[0]) / 2, (s[1] + c[1]) / 2];
    });
  }
  return relaxed;
}

/**
 * Makes vertices that two cells computed separately (the same bisector met from either side) the very
 * same coordinates, so shared borders are identical and no sliver gap or overlap survives rounding.
 */
function snapShared(rings: XY[][], toleranceM = 0.05): XY[][] {
  const buckets = new Map<string, XY[]>();
  const key = (x: number, y: number): string => `${Math.floor(x)},${Math.floor(y)}`;
  const canonical = (p: XY): XY => {
    const bx = Math.floor(p[0]);
    const by = Math.floor(p[1]);
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const q of buckets.get(`${bx + dx},${by + dy}`) ?? []) if (dist(p, q) <= toleranceM) return q;
      }
    }
    const k = key(p[0], p[1]);
    const list = buckets.get(k) ?? [];
    list.push(p);
    buckets.set(k, list);
    return p;
  };
  return rings.map((ring) => {
    const out: XY[] = [];
    for (const p of ring) {
      const q = canonical(p);
      if (out.length === 0 || out[out.length - 1] !== q) out.push(q);
    }
    while (out.length > 1 && out[0] === out[out.length - 1]) out.pop();
    return out;
  });
}

export function buildGridCells(rng: Rng, town: TownShape, count: number): GridCell[] {
  const seeds = placeSeeds(rng, town, count);
  const rings = snapShared(seeds.map((_, i) => voronoiCell(seeds, i, town.outline)));
  return seeds.map((seed, i) => {
    const ring = rings[i]!;
    if (ring.length < 3) throw new Error(`grid cell ${i} is empty`);
    return { seed, ring, centroid: centroid(ring), areaM2: Math.abs(signedArea(ring)) };
  });
}
