// The demo town's road network, in the local metric frame. Roads are drawn freely (arterials across town,
// a ring road, a street grid in the old town, village streets), then "noded": wherever two roads cross
// or one ends on another, both get the same vertex, so a routing graph can be built from the lines alone.
// Finally every island of roads is tied to the main network, so every street is reachable.
import { type Rng, ROAD_NAMES, nameStem } from '@ccr/shared/demo';
import {
  clipPolylineToRing, dist, lerp, pointInRingXY, polylineLength, projectOnSegment, segmentIntersection, type XY,
} from './local-geometry.js';
import type { GridCell, TownShape } from './town-grids.js';

export type RoadClass = 'primary' | 'secondary' | 'local';

export interface DraftRoad {
  name: string;
  roadClass: RoadClass;
  /** Indices into the network's point table. */
  points: number[];
}

/** Roads share vertices by index into one point table: equal index, equal coordinates, one graph node. */
export class RoadNetwork {
  readonly points: XY[] = [];
  readonly roads: DraftRoad[] = [];
  private readonly buckets = new Map<string, number[]>();

  /** Index of the point at p, reusing one within `snapM` metres (so near-misses become junctions). */
  addPoint(p: XY, snapM = 1): number {
    const bx = Math.floor(p[0] / 10);
    const by = Math.floor(p[1] / 10);
    let best = -1;
    let bestD = snapM;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (const idx of this.buckets.get(`${bx + dx},${by + dy}`) ?? []) {
          const d = dist(p, this.points[idx]!);
          if (d <= bestD) {
            bestD = d;
            best = idx;
          }
        }
      }
    }
    if (best >= 0) return best;
    const idx = this.points.length;
    this.points.push(p);
    const k = `${bx},${by}`;
    const list = this.buckets.get(k);
    if (list) list.push(idx);
    else this.buckets.set(k, [idx]);
    return idx;
  }

  addRoad(name: string, roadClass: RoadClass, line: readonly XY[]): void {
    const points: number[] = [];
    for (const p of line) {
      const idx = this.addPoint(p);
      if (points[points.length - 1] !== idx) points.push(idx);
    }
    if (points.length >= 2) this.roads.push({ name, roadClass, points });
  }

  /** Inserts a vertex wherever two road segments cross or touch. Quadratic, which is fine for a town. */
  node(): void {
    interface Seg { road: number; k: number; a: number; b: number; minX: number; maxX: number; minY: number; maxY: number }
    const segs: Seg[] = [];
    this.roads.forEach((r, road) => {
      for (let k = 0; k + 1 < r.points.length; k++) {
        const a = r.points[k]!;
        const b = r.points[k + 1]!;
        const pa = this.points[a]!;
        const pb = this.points[b]!;
        segs.push({
          road, k, a, b,
          minX: Math.min(pa[0], pb[0]) - 1, maxX: Math.max(pa[0], pb[0]) + 1,
          minY: Math.min(pa[1], pb[1]) - 1, maxY: Math.max(pa[1], pb[1]) + 1,
        });
      }
    });
    segs.sort((s, t) => s.minX - t.minX);
    // Per road and segment, the points to insert with their fraction along the segment.
    const inserts = new Map<string, { t: number; idx: number }[]>();
    const addInsert = (s: Seg, t: number, idx: number): void => {
      if (idx === s.a || idx === s.b) return;
      const key = `${s.road}:${s.k}`;
      const list = inserts.get(key) ?? [];
      list.push({ t, idx });
      inserts.set(key, list);
    };
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i]!;
      for (let j = i + 1; j < segs.length; j++) {
        const o = segs[j]!;
        if (o.minX > s.maxX) break;
        if (o.minY > s.maxY || o.maxY < s.minY) continue;
        if (o.a === s.a || o.a === s.b || o.b === s.a || o.b === s.b) continue;
        const p0 = this.points[s.a]!;
        const p1 = this.points[s.b]!;
        const q0 = this.points[o.a]!;
        const q1 = this.points[o.b]!;
        const hit = segmentIntersection(p0, p1, q0, q1);
        if (!hit) continue;
        // One metre of tolerance at the ends turns a street that stops on another road into a T-junction.
        const tolS = 1 / Math.max(dist(p0, p1), 1e-9);
        const tolO = 1 / Math.max(dist(q0, q1), 1e-9);
        if (hit.t < -tolS || hit.t > 1 + tolS || hit.u < -tolO || hit.u > 1 + tolO) continue;
        const at = lerp(p0, p1, Math.min(1, Math.max(0, hit.t)));
        let idx: number;
        if (hit.t <= tolS) idx = s.a;
        else if (hit.t >= 1 - tolS) idx = s.b;
        else if (hit.u <= tolO) idx = o.a;
        else if (hit.u >= 1 - tolO) idx = o.b;
        else idx = this.addPoint(at);
        addInsert(s, hit.t, idx);
        addInsert(o, hit.u, idx);
      }
    }
    this.roads.forEach((r, road) => {
      const next: number[] = [];
      const push = (idx: number): void => {
        if (next[next.length - 1] !== idx) next.push(idx);
      };
      for (let k = 0; k < r.points.length; k++) {
        push(r.points[k]!);
        const extra = inserts.get(`${road}:${k}`);
        if (extra) for (const e of extra.sort((x, y) => x.t - y.t)) push(e.idx);
      }
      r.points = next;
    });
  }

  /** Connected components of the road graph, largest first; each a list of point indices. */
  components(): number[][] {
    const parent = this.points.map((_, i) => i);
    const find = (i: number): number => {
      while (parent[i] !== i) {
        parent[i] = parent[parent[i]!]!;
        i = parent[i]!;
      }
      return i;
    };
    const used = new Set<number>();
    for (const r of this.roads) {
      for (let k = 0; k < r.points.length; k++) {
        used.add(r.points[k]!);
        if (k > 0) {
          const a = find(r.points[k - 1]!);
          const b = find(r.points[k]!);
          if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
        }
      }
    }
    const groups = new Map<number, number[]>();
    for (const i of [...used].sort((a, b) => a - b)) {
      const root = find(i);
      const g = groups.get(root) ?? [];
      g.push(i);
      groups.set(root, g);
    }
    return [...groups.values()].sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  }

  /** Ties every island to the largest network with a short local road, until all are one. */
  connectIslands(nameFor: (p: XY) => string): void {
    for (let round = 0; round < 20; round++) {
      this.node();
      const comps = this.components();
      if (comps.length <= 1) return;
      const main = comps[0]!;
      for (const island of comps.slice(1)) {
        let best: [number, number] = [island[0]!, main[0]!];
        let bestD = Infinity;
        for (const a of island) {
          for (const b of main) {
            const d = dist(this.points[a]!, this.points[b]!);
            if (d < bestD) {
              bestD = d;
              best = [a, b];
            }
          }
        }
        this.roads.push({ name: nameFor(this.points[best[0]]!), roadClass: 'local', points: best });
      }
    }
    throw new Error('road network: islands remain after 20 rounds');
  }

  /** Closest point on any road (optionally only some classes) to p. */
  nearestOnRoads(p: XY, accept: (r: DraftRoad) => boolean = () => true): XY | null {
    let best: XY | null = null;
    let bestD = Infinity;
    for (const r of this.roads) {
      if (!accept(r)) continue;
      for (let k = 0; k + 1 < r.points.length; k++) {
        const hit = projectOnSegment(p, this.points[r.points[k]!]!, this.points[r.points[k + 1]!]!);
        if (hit.distance < bestD) {
          bestD = hit.distance;
          best = hit.point;
        }
      }
    }
    return best;
  }
}

/** A gently wavy line from a to b with a vertex every `step` metres (roads are never ruler-straight). */
function wavyLine(rng: Rng, a: XY, b: XY, step: number, wobbleM: number): XY[] {
  const len = dist(a, b);
  const n = Math.max(1, Math.round(len / step));
  const nx = -(b[1] - a[1]) / len;
  const ny = (b[0] - a[0]) / len;
  const phase = rng.float(0, 2 * Math.PI);
  const waves = rng.float(0.6, 1.6);
  const line: XY[] = [];
  for (let i = 0; i <= n; i++) {
    const t = i / n;
    const base = lerp(a, b, t);
    const off = i === 0 || i === n ? 0 : wobbleM * Math.sin(phase + t * waves * Math.PI * 2) + rng.float(-wobbleM, wobbleM) * 0.2;
    line.push([base[0] + nx * off, base[1] + ny * off]);
  }
  return line;
}

/** The ring road: a wobbly ellipse around the old town, closed (last vertex = first). */
function ringRoad(rng: Rng, rx: number, ry: number, vertices: number): XY[] {
  const phase = rng.float(0, 2 * Math.PI);
  const ring: XY[] = [];
  for (let i = 0; i < vertices; i++) {
    const th = (2 * Math.PI * i) / vertices;
    const w = 1 + 0.05 * Math.sin(3 * th + phase) + rng.float(-0.01, 0.01);
    ring.push([rx * w * Math.cos(th), ry * w * Math.sin(th)]);
  }
  ring.push(ring[0]!);
  return ring;
}

export interface RoadPlan {
  network: RoadNetwork;
  /** The closed ring road, also the edge of the old town's street grid. */
  ringRoad: XY[];
}

/**
 * Draws the network. `villageCells` get a main street through their seed, a cross street and a road out
 * to the nearest bigger road; the old town inside the ring gets a street grid.
 */
export function buildRoadNetwork(rng: Rng, town: TownShape, villageCells: readonly { cell: GridCell; name: string }[]): RoadPlan {
  const net = new RoadNetwork();
  // Roads stop just inside the boundary so their ends belong to a grid.
  const inner = town.outline.map(([x, y]): XY => [x * 0.985, y * 0.985]);
  const addClipped = (name: string, cls: RoadClass, line: XY[]): void => {
    for (const piece of clipPolylineToRing(line, inner)) if (polylineLength(piece) > 60) net.addRoad(name, cls, piece);
  };
  const W = town.radiusX * 1.3;
  const H = town.radiusY * 1.3;

  // Arterials.
  const P = ROAD_NAMES.primary;
  addClipped(P.eastWest, 'primary', wavyLine(rng, [-W, rng.float(-250, -100)], [W, rng.float(-250, -100)], 250, 90));
  addClipped(P.northSouth, 'primary', wavyLine(rng, [rng.float(80, 220), -H], [rng.float(80, 220), H], 250, 80));
  const ringRx = town.radiusX * 0.44;
  const ringRy = town.radiusY * 0.44;
  const ring = ringRoad(rng, ringRx, ringRy, 44);
  net.addRoad(P.ring, 'primary', ring);
  // 迎宾大道 leaves the ring road to the south-west and runs out of town to the north-east (the expressway).
  addClipped(P.diagonal, 'primary', wavyLine(rng, ring[26]!, [W * 0.9, H * 0.85], 250, 120));

  // Secondary roads: a coarse, irregular grid; some cross the whole town, some stop at the ring.
  const S = ROAD_NAMES;
  const ewYs = [-2900, -1450, 1350, 2800];
  ewYs.forEach((y0, i) => {
    const y = y0 + rng.float(-200, 200);
    const fromRing = rng.chance(0.35);
    const x0 = fromRing ? (rng.chance(0.5) ? -ringRx * 0.8 : 0) : -W;
    addClipped(S.secondaryEastWest[i]!, 'secondary', wavyLine(rng, [x0, y], [W, y + rng.float(-300, 300)], 220, 110));
  });
  const nsXs = [-4200, -2900, -1500, 1600, 3000, 4300];
  nsXs.forEach((x0, i) => {
    const x = x0 + rng.float(-220, 220);
    const partial = rng.chance(0.4);
    const yTop = partial ? rng.float(0, H * 0.5) : H;
    addClipped(S.secondaryNorthSouth[i]!, 'secondary', wavyLine(rng, [x, -H], [x + rng.float(-300, 300), yTop], 220, 110));
  });

  // The old town inside the ring: local streets every ~350–450 m, slightly bent, some ending early.
  const ringInterior = ring.slice(0, -1);
  const localEW = [...S.localEastWest];
  const localNS = [...S.localNorthSouth];
  const streets = (horizontal: boolean, names: string[]): void => {
    const span = horizontal ? ringRy : ringRx;
    const spacing = horizontal ? 360 : 420;
    for (let v = -span + spacing * 0.7; v < span - spacing * 0.3; v += spacing + rng.float(-60, 60)) {
      const name = names.shift();
      if (!name) break;
      const far = horizontal ? ringRx * 1.2 : ringRy * 1.2;
      const a: XY = horizontal ? [-far, v] : [v, -far];
      const b: XY = horizontal ? [far, v + rng.float(-80, 80)] : [v + rng.float(-80, 80), far];
      for (const piece of clipPolylineToRing(wavyLine(rng, a, b, 120, 18), ringInterior)) {
        let line = piece;
        if (rng.chance(0.3) && line.length > 4) {
          // A street that stops partway (a dead end or a courtyard gate) makes the blocks irregular.
          const cut = Math.floor(line.length * rng.float(0.35, 0.7));
          line = rng.chance(0.5) ? line.slice(0, cut + 1) : line.slice(cut);
        }
        if (polylineLength(line) > 80) net.addRoad(name, 'local', line);
      }
    }
  };
  streets(true, localEW);
  streets(false, localNS);

  // Villages: a main street through the village centre, a cross street, and a road out to the network.
  for (const { cell, name } of villageCells) {
    const stem = nameStem(name);
    const c = cell.seed;
    const angle = rng.float(0, Math.PI);
    const half = rng.float(300, 450);
    const main: XY[] = [
      [c[0] - Math.cos(angle) * half, c[1] - Math.sin(angle) * half],
      c,
      [c[0] + Math.cos(angle) * half, c[1] + Math.sin(angle) * half],
    ];
    addClipped(`${stem}大街`, 'local', main);
    const crossHalf = rng.float(150, 260);
    const off = rng.float(-120, 120);
    const cc: XY = [c[0] + Math.cos(angle) * off, c[1] + Math.sin(angle) * off];
    addClipped(`${stem}后街`, 'local', [
      [cc[0] + Math.sin(angle) * crossHalf, cc[1] - Math.cos(angle) * crossHalf],
      [cc[0] - Math.sin(angle) * crossHalf, cc[1] + Math.cos(angle) * crossHalf],
    ]);
  }
  for (const { cell, name } of villageCells) {
    const target = net.nearestOnRoads(cell.seed, (r) => r.roadClass !== 'local');
    if (target && dist(target, cell.seed) > 30) addClipped(`${nameStem(name)}路`, 'local', wavyLine(rng, cell.seed, target, 200, 40));
  }
  return { network: net, ringRoad: ring };
}

/** Adds a spur from a grid's seed to the nearest road for every grid that has no road vertex inside it. */
export function reachEveryGrid(net: RoadNetwork, cells: readonly { cell: GridCell; name: string }[]): void {
  const onRoad = new Set(net.roads.flatMap((r) => r.points));
  for (const { cell, name } of cells) {
    const has = [...onRoad].some((idx) => pointInRingXY(net.points[idx]!, cell.ring));
    if (has) continue;
    const target = net.nearestOnRoads(cell.seed);
    if (target) net.addRoad(`${nameStem(name)}路`, 'local', [cell.seed, target]);
  }
}
