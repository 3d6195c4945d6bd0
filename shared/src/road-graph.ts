// A routable graph from a jurisdiction's roads.geojson: every vertex of every LineString is a node, and
// lines that share a vertex (same coordinates) meet there. Pure, no I/O: the simulator drives units on it, and
// the server builds it once at start to estimate travel times to an incident scene (eta.ts).
import type { LngLat } from './domain.js';
import { haversineMeters } from './geo.js';
import type { ROAD_CLASSES, RoadCollection } from './jurisdiction.js';

export type RoadClass = (typeof ROAD_CLASSES)[number];

/** Typical free-flow speeds of a car in town, m/s (primary 45 km/h, secondary 35, local 25): the simulator's
 *  route choice by time, and the car speeds of the ETA model (reach.ts UNIT_SPEEDS). */
export const ROAD_CLASS_SPEED_MPS: Readonly<Record<RoadClass, number>> = { primary: 12.5, secondary: 9.7, local: 6.9 };
const MAX_SPEED_MPS = 12.5;
const CLASS_RANK: Record<RoadClass, number> = { primary: 3, secondary: 2, local: 1 };

export interface RoadEdge {
  to: number;
  lengthM: number;
  roadClass: RoadClass;
  roadName: string | undefined;
}

export interface RoadGraph {
  /** Node positions, WGS-84. */
  readonly nodes: readonly LngLat[];
  /** Adjacency: edges leaving each node (roads are two-way). */
  readonly edges: readonly (readonly RoadEdge[])[];
  /** Connected component of each node; 0 is the largest. */
  readonly component: readonly number[];
  /** Nearest node to a point; by default only nodes of the largest component, so any two are connected. */
  nearestNode(p: LngLat, options?: { anyComponent?: boolean }): number;
  /** The nearest point on a road of the largest component, or null when none is within `maxM` metres. */
  snapToRoad(p: LngLat, maxM: number): RoadSnap | null;
  /** The edge a→b, if the nodes are adjacent. */
  edge(a: number, b: number): RoadEdge | undefined;
}

/** Where a point meets the road network: the foot of the perpendicular on edge a–b. */
export interface RoadSnap {
  a: number;
  b: number;
  roadClass: RoadClass;
  /** Straight-line metres from the point to the road. */
  offsetM: number;
  /** Metres along the edge from a to the foot, and from the foot to b (they add up to the edge's length). */
  fromA: number;
  toB: number;
}

export interface RoadPath {
  /** Node indices from start to end inclusive. */
  nodes: number[];
  lengthM: number;
  /** At ROAD_CLASS_SPEED_MPS, without stops. */
  durationS: number;
}

export type PathCost = 'distance' | 'time';

const nodeKey = (p: readonly number[]): string => `${p[0]},${p[1]}`;

/** Buckets nodes on a ~250 m lattice so a nearest-node query looks at a handful of cells, not every node. */
function buildNodeIndex(nodes: readonly LngLat[], component: readonly number[]): RoadGraph['nearestNode'] {
  const cellDeg = 0.0025;
  const cells = new Map<string, number[]>();
  const cellOf = (p: LngLat): [number, number] => [Math.floor(p[0] / cellDeg), Math.floor(p[1] / cellDeg)];
  nodes.forEach((p, i) => {
    const [cx, cy] = cellOf(p);
    const k = `${cx},${cy}`;
    const list = cells.get(k);
    if (list) list.push(i);
    else cells.set(k, [i]);
  });
  let minCx = Infinity;
  let maxCx = -Infinity;
  let minCy = Infinity;
  let maxCy = -Infinity;
  for (const p of nodes) {
    const [cx, cy] = cellOf(p);
    minCx = Math.min(minCx, cx);
    maxCx = Math.max(maxCx, cx);
    minCy = Math.min(minCy, cy);
    maxCy = Math.max(maxCy, cy);
  }
  const maxRing = Math.max(maxCx - minCx, maxCy - minCy) + 2;
  return (p, options) => {
    if (nodes.length === 0) throw new Error('road graph has no nodes');
    const [cx, cy] = cellOf(p);
    // Clamp the start cell into the indexed area so a far-away point does not scan empty rings for ever.
    const sx = Math.min(maxCx, Math.max(minCx, cx));
    const sy = Math.min(maxCy, Math.max(minCy, cy));
    let best = -1;
    let bestD = Infinity;
    // A cell is at least ~190 m (0.0025° of longitude at 40° N); one ring further can only help while
    // the best distance found so far exceeds the ring's inner distance.
    const ringMinM = 0.0025 * 111_195 * Math.cos((p[1] * Math.PI) / 180);
    for (let r = 0; r <= maxRing; r++) {
      for (let x = sx - r; x <= sx + r; x++) {
        for (let y = sy - r; y <= sy + r; y++) {
          if (Math.max(Math.abs(x - sx), Math.abs(y - sy)) !== r) continue;
          for (const i of cells.get(`${x},${y}`) ?? []) {
            if (!options?.anyComponent && component[i] !== 0) continue;
            const d = haversineMeters(p, nodes[i]!);
            if (d < bestD || (d === bestD && i < best)) {
              bestD = d;
              best = i;
            }
          }
        }
      }
      const clampedAway = Math.max(Math.abs(cx - sx), Math.abs(cy - sy));
      if (best >= 0 && (r - clampedAway) * ringMinM > bestD) break;
    }
    if (best < 0) throw new Error('road graph: no node found');
    return best;
  };
}

export function buildRoadGraph(roads: RoadCollection): RoadGraph {
  const index = new Map<string, number>();
  const nodes: LngLat[] = [];
  const edges: RoadEdge[][] = [];
  const nodeOf = (p: readonly number[]): number => {
    const k = nodeKey(p);
    let i = index.get(k);
    if (i === undefined) {
      i = nodes.length;
      index.set(k, i);
      nodes.push([p[0]!, p[1]!]);
      edges.push([]);
    }
    return i;
  };
  const link = (a: number, b: number, e: Omit<RoadEdge, 'to'>): void => {
    const existing = edges[a]!.find((x) => x.to === b);
    if (!existing) {
      edges[a]!.push({ to: b, ...e });
      return;
    }
    // Two roads along the same stretch: keep the shorter length and the more important class.
    existing.lengthM = Math.min(existing.lengthM, e.lengthM);
    if (CLASS_RANK[e.roadClass] > CLASS_RANK[existing.roadClass]) {
      existing.roadClass = e.roadClass;
      existing.roadName = e.roadName;
    }
  };
  for (const f of roads.features) {
    const coords = f.geometry.coordinates;
    let prev = nodeOf(coords[0]!);
    for (let k = 1; k < coords.length; k++) {
      const cur = nodeOf(coords[k]!);
      if (cur !== prev) {
        const e = { lengthM: haversineMeters(nodes[prev]!, nodes[cur]!), roadClass: f.properties.class, roadName: f.properties.name };
        link(prev, cur, e);
        link(cur, prev, e);
      }
      prev = cur;
    }
  }

  // Components by breadth-first search, renumbered so 0 is the largest.
  const raw = new Array<number>(nodes.length).fill(-1);
  const sizes: number[] = [];
  for (let s = 0; s < nodes.length; s++) {
    if (raw[s] !== -1) continue;
    const id = sizes.length;
    let size = 0;
    const queue = [s];
    raw[s] = id;
    while (queue.length > 0) {
      const n = queue.pop()!;
      size++;
      for (const e of edges[n]!) {
        if (raw[e.to] === -1) {
          raw[e.to] = id;
          queue.push(e.to);
        }
      }
    }
    sizes.push(size);
  }
  const order = sizes.map((size, id) => ({ size, id })).sort((a, b) => b.size - a.size || a.id - b.id);
  const rank = new Map(order.map((o, r) => [o.id, r]));
  const component = raw.map((c) => rank.get(c)!);

  return {
    nodes,
    edges,
    component,
    nearestNode: buildNodeIndex(nodes, component),
    snapToRoad: buildEdgeIndex(nodes, edges, component),
    edge: (a, b) => edges[a]?.find((e) => e.to === b),
  };
}

const M_PER_DEG = 111_195;

/**
 * Buckets the main component's edges on the same ~250 m lattice (each edge in every cell its bounding box
 * touches), so a snap looks at the edges near the point only. Distances to a segment are taken in a local
 * equirectangular frame around the point: within a few hundred metres that is exact to well under a metre.
 */
function buildEdgeIndex(nodes: readonly LngLat[], edges: readonly (readonly RoadEdge[])[], component: readonly number[]): RoadGraph['snapToRoad'] {
  const cellDeg = 0.0025;
  // Numeric cell keys (no string per lookup): snapping every candidate of every recommendation is a hot path.
  const cellKey = (x: number, y: number): number => (x + 100_000) * 200_000 + (y + 100_000);
  const cells = new Map<number, number[]>();
  const list: { a: number; b: number; e: RoadEdge }[] = [];
  edges.forEach((out, a) => {
    if (component[a] !== 0) return;
    for (const e of out) {
      if (e.to < a) continue; // each two-way road once
      const k = list.length;
      list.push({ a, b: e.to, e });
      const [pa, pb] = [nodes[a]!, nodes[e.to]!];
      const x0 = Math.floor(Math.min(pa[0], pb[0]) / cellDeg);
      const x1 = Math.floor(Math.max(pa[0], pb[0]) / cellDeg);
      const y0 = Math.floor(Math.min(pa[1], pb[1]) / cellDeg);
      const y1 = Math.floor(Math.max(pa[1], pb[1]) / cellDeg);
      for (let x = x0; x <= x1; x++) {
        for (let y = y0; y <= y1; y++) {
          const key = cellKey(x, y);
          const c = cells.get(key);
          if (c) c.push(k);
          else cells.set(key, [k]);
        }
      }
    }
  });
  // An edge spanning several cells is looked at once per query: the query's stamp marks it seen.
  const seenAt = new Uint32Array(list.length);
  let stamp = 0;
  return (p, maxM) => {
    if (list.length === 0) return null;
    stamp = stamp === 0xffffffff ? 1 : stamp + 1;
    if (stamp === 1) seenAt.fill(0);
    const cosLat = Math.cos((p[1] * Math.PI) / 180);
    const kx = M_PER_DEG * cosLat;
    const cx = Math.floor(p[0] / cellDeg);
    const cy = Math.floor(p[1] / cellDeg);
    // The point lies inside its own cell, so every cell outside a block of r rings is at least r cells away.
    const cellMinM = cellDeg * M_PER_DEG * Math.min(cosLat, 1);
    const maxRing = Math.ceil(maxM / cellMinM) + 1;
    let bestK = -1;
    let bestD = Infinity;
    let bestT = 0;
    for (let r = 0; r <= maxRing; r++) {
      for (let x = cx - r; x <= cx + r; x++) {
        for (let y = cy - r; y <= cy + r; y++) {
          if (Math.max(Math.abs(x - cx), Math.abs(y - cy)) !== r) continue;
          const cell = cells.get(cellKey(x, y));
          if (!cell) continue;
          for (const k of cell) {
            if (seenAt[k] === stamp) continue;
            seenAt[k] = stamp;
            const { a, b } = list[k]!;
            const na = nodes[a]!;
            const nb = nodes[b]!;
            const ax = (na[0] - p[0]) * kx;
            const ay = (na[1] - p[1]) * M_PER_DEG;
            const dx = (nb[0] - p[0]) * kx - ax;
            const dy = (nb[1] - p[1]) * M_PER_DEG - ay;
            const len2 = dx * dx + dy * dy;
            const t = len2 === 0 ? 0 : Math.min(1, Math.max(0, -(ax * dx + ay * dy) / len2));
            const d = Math.hypot(ax + t * dx, ay + t * dy);
            if (d < bestD || (d === bestD && k < bestK)) {
              bestD = d;
              bestK = k;
              bestT = t;
            }
          }
        }
      }
      if (bestK >= 0 && r * cellMinM > bestD) break;
    }
    if (bestK < 0 || bestD > maxM) return null;
    const { a, b, e } = list[bestK]!;
    return { a, b, roadClass: e.roadClass, offsetM: bestD, fromA: bestT * e.lengthM, toB: (1 - bestT) * e.lengthM };
  };
}

/** Binary min-heap of node indices keyed by priority: A*'s open set. */
class MinHeap {
  private readonly keys: number[] = [];
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }
  push(item: number, key: number): void {
    this.keys.push(key);
    this.items.push(item);
    let i = this.items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.keys[parent]! <= key) break;
      this.swap(i, parent);
      i = parent;
    }
  }
  pop(): number {
    const top = this.items[0]!;
    const lastItem = this.items.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.items.length > 0) {
      this.items[0] = lastItem;
      this.keys[0] = lastKey;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < this.items.length && this.keys[l]! < this.keys[m]!) m = l;
        if (r < this.items.length && this.keys[r]! < this.keys[m]!) m = r;
        if (m === i) break;
        this.swap(i, m);
        i = m;
      }
    }
    return top;
  }
  private swap(a: number, b: number): void {
    [this.keys[a], this.keys[b]] = [this.keys[b]!, this.keys[a]!];
    [this.items[a], this.items[b]] = [this.items[b]!, this.items[a]!];
  }
}

const edgeCost = (e: RoadEdge, cost: PathCost): number => (cost === 'distance' ? e.lengthM : e.lengthM / ROAD_CLASS_SPEED_MPS[e.roadClass]);

/**
 * Shortest path by A* (Dijkstra with a straight-line lower bound), by distance or by free-flow travel
 * time. Returns null when the nodes are not connected.
 */
export function shortestPath(graph: RoadGraph, from: number, to: number, cost: PathCost = 'distance'): RoadPath | null {
  const n = graph.nodes.length;
  if (from < 0 || from >= n || to < 0 || to >= n) throw new RangeError(`node out of range: ${from} → ${to}`);
  const goal = graph.nodes[to]!;
  // Slightly under the true bound so rounding in haversine never makes the heuristic overestimate.
  const h = (i: number): number => {
    const d = haversineMeters(graph.nodes[i]!, goal) * 0.999;
    return cost === 'distance' ? d : d / MAX_SPEED_MPS;
  };
  const best = new Float64Array(n).fill(Infinity);
  const prev = new Int32Array(n).fill(-1);
  const closed = new Uint8Array(n);
  const open = new MinHeap();
  best[from] = 0;
  open.push(from, h(from));
  while (open.size > 0) {
    const cur = open.pop();
    if (closed[cur]) continue;
    if (cur === to) break;
    closed[cur] = 1;
    for (const e of graph.edges[cur]!) {
      if (closed[e.to]) continue;
      const g = best[cur]! + edgeCost(e, cost);
      if (g < best[e.to]!) {
        best[e.to] = g;
        prev[e.to] = cur;
        open.push(e.to, g + h(e.to));
      }
    }
  }
  if (best[to] === Infinity) return null;
  const nodes: number[] = [];
  for (let i = to; i !== -1; i = prev[i]!) nodes.push(i);
  nodes.reverse();
  let lengthM = 0;
  let durationS = 0;
  for (let k = 1; k < nodes.length; k++) {
    const e = graph.edge(nodes[k - 1]!, nodes[k]!)!;
    lengthM += e.lengthM;
    durationS += e.lengthM / ROAD_CLASS_SPEED_MPS[e.roadClass];
  }
  return { nodes, lengthM, durationS };
}

/** The route's polyline, for drawing it or for a unit to follow. */
export function pathCoordinates(graph: RoadGraph, path: RoadPath): LngLat[] {
  return path.nodes.map((i) => graph.nodes[i]!);
}

/**
 * Route between two arbitrary points: snaps both to the nearest connected road node. `accessM` is the
 * straight-line distance from each point to its node (the walk from the kerb to the door).
 */
export function routeBetween(graph: RoadGraph, from: LngLat, to: LngLat, cost: PathCost = 'time'): (RoadPath & { accessM: number }) | null {
  const a = graph.nearestNode(from);
  const b = graph.nearestNode(to);
  const path = shortestPath(graph, a, b, cost);
  if (!path) return null;
  return { ...path, accessM: haversineMeters(from, graph.nodes[a]!) + haversineMeters(to, graph.nodes[b]!) };
}

/** Travel cost of one edge, and an optional cost of passing through a node (a junction), both ≥ 0. */
export interface TravelCost {
  edge(e: RoadEdge): number;
  /** Paid at every node a path passes through, not at its two ends. */
  through?(node: number): number;
}

/** Cheapest paths from every node to one source: their costs, and each node's next step towards the source. */
export interface TravelTree {
  /** Infinity beyond the horizon or not connected; 0 at the source. */
  cost: Float64Array;
  /** The neighbour a cheapest path takes from each node towards the source; -1 at the source and where unreached. */
  next: Int32Array;
}

/**
 * Cheapest paths from `source` to every node (Dijkstra), bounded by `horizon`. Roads are two-way and costs
 * symmetric, so these are also the cheapest paths from every node to the source: one search from an incident's
 * scene serves every unit that might drive there.
 */
export function travelTreeFrom(graph: RoadGraph, source: number, cost: TravelCost, horizon = Infinity): TravelTree {
  const n = graph.nodes.length;
  if (source < 0 || source >= n) throw new RangeError(`node out of range: ${source}`);
  const best = new Float64Array(n).fill(Infinity);
  const next = new Int32Array(n).fill(-1);
  const done = new Uint8Array(n);
  const open = new MinHeap();
  best[source] = 0;
  open.push(source, 0);
  while (open.size > 0) {
    const cur = open.pop();
    if (done[cur]) continue;
    done[cur] = 1;
    const base = best[cur]!;
    if (base > horizon) break; // everything still open costs at least this much
    const pass = cur === source || !cost.through ? 0 : cost.through(cur);
    for (const e of graph.edges[cur]!) {
      if (done[e.to]) continue;
      const g = base + pass + cost.edge(e);
      if (g < best[e.to]!) {
        best[e.to] = g;
        next[e.to] = cur;
        open.push(e.to, g);
      }
    }
  }
  // Nodes reached but not settled hold an upper bound only, and it is above the horizon: beyond it.
  for (let i = 0; i < n; i++) {
    if (best[i]! > horizon) {
      best[i] = Infinity;
      next[i] = -1;
    }
  }
  return { cost: best, next };
}

/** The costs of travelTreeFrom alone. */
export function travelCostsFrom(graph: RoadGraph, source: number, cost: TravelCost, horizon = Infinity): Float64Array {
  return travelTreeFrom(graph, source, cost, horizon).cost;
}
