// A routable graph from a jurisdiction's roads.geojson: every vertex of every LineString is a node, and
// lines that share a vertex (same coordinates) meet there. Pure, no I/O: the simulator drives units on it
// and dispatch can reuse it for routes and travel times to an incident scene.
import { haversineMeters, type LngLat, type RoadCollection } from '@ccr/shared';

export type RoadClass = 'primary' | 'secondary' | 'local';

/** Typical free-flow speeds in town, m/s (primary 45 km/h, secondary 35, local 25), for travel-time routing. */
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
  /** The edge a→b, if the nodes are adjacent. */
  edge(a: number, b: number): RoadEdge | undefined;
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
    edge: (a, b) => edges[a]?.find((e) => e.to === b),
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
