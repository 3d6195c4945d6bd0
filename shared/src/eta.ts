// Estimated time of arrival of a unit at a scene, along the roads. Pure: the graph is built once from the
// jurisdiction's roads.geojson; everything else is arithmetic on it.
//
//   ETA = turnout (order → moving)
//       + the walk from where the unit stands to the nearest road (0 for a unit on the road)
//       + along that road to one of its ends, then the fastest way by road towards the road node nearest the
//         scene, at the kind's speed per road class, plus a delay per junction for vehicles
//       + the walk from that node to the scene itself
//   up to the moment the unit comes within the arrival radius of the scene (the geofence that puts it on scene):
//   the ETA is to the edge of that circle, found along the path itself (a road passing close by counts there),
//   and 0 for a unit already inside it.
//
// The scene end is the nearest road node (not the nearest point of a road) because that is where the demo's
// units head for too (simulator/movement.ts), so the model and the demo describe the same trip.
// One Dijkstra from the scene's node outward, bounded by a time horizon, prices every node for every unit of a
// speed profile (the kinds that move alike) and says which way to go from each; trees are kept in a small cache,
// so a console asking again for the same incident costs each unit a snap to the road and a walk down the tree.
// Where there is no road to route on (no roads, a unit or scene far from any, beyond the horizon) the estimate
// falls back to the straight line × detour factor ÷ the kind's secondary-road speed, and says so.
import type { LngLat } from './domain.js';
import { haversineMeters } from './geo.js';
import { MOVING_KINDS, type MovingKind, type ReachOptions } from './reach.js';
import { travelTreeFrom, type RoadGraph, type TravelCost, type TravelTree } from './road-graph.js';

export type EtaBasis = 'road' | 'straight_line';

export interface EtaEstimate {
  /** Seconds from the order to arrival at the scene (before calibration). */
  seconds: number;
  basis: EtaBasis;
}

export interface EtaModelLimits {
  /** A unit this close to the scene is on scene (ARRIVAL_RADIUS_M, the geofence): ETAs are to this circle. */
  arriveWithinM: number;
  /** A unit or a scene farther than this from the road network is estimated by straight line. */
  maxSnapM: number;
  /** Road time beyond which the search stops (and units that far are estimated by straight line). */
  horizonS: number;
  /** Shortest-path trees kept (one per scene node and speed profile). */
  cacheSize: number;
}

export const DEFAULT_ETA_LIMITS: EtaModelLimits = { arriveWithinM: 0, maxSnapM: 300, horizonS: 3_600, cacheSize: 128 };

/** The ETAs of every kind to one scene. */
export interface SceneEta {
  eta(kind: MovingKind, from: LngLat): EtaEstimate;
}

/** Kinds that move alike share one tree. */
interface Profile { key: string; cost: TravelCost; kinds: MovingKind[] }

export class EtaModel {
  private readonly profileOf = new Map<MovingKind, Profile>();
  private readonly trees = new Map<string, TravelTree>();
  private readonly toCircle = new Map<string, { tree: TravelTree; toCircle: Float64Array }>();
  /** The fastest a kind covers ground, any way (on foot or by road), m/s: a bound no estimate can beat. */
  private readonly fastestMps: Record<MovingKind, number>;

  readonly limits: EtaModelLimits;

  constructor(readonly graph: RoadGraph | null, readonly opts: ReachOptions, limits: Partial<EtaModelLimits> = {}) {
    this.limits = { ...DEFAULT_ETA_LIMITS, ...limits };
    const byKey = new Map<string, Profile>();
    for (const kind of MOVING_KINDS) {
      const speeds = opts.speedMps[kind];
      const delay = opts.junctionDelayS[kind];
      const key = JSON.stringify([speeds.primary, speeds.secondary, speeds.local, delay]);
      let p = byKey.get(key);
      if (!p) {
        const g = graph;
        const cost: TravelCost = delay > 0 && g
          ? { edge: (e) => e.lengthM / speeds[e.roadClass], through: (node) => (g.edges[node]!.length >= 3 ? delay : 0) }
          : { edge: (e) => e.lengthM / speeds[e.roadClass] };
        byKey.set(key, (p = { key, cost, kinds: [] }));
      }
      p.kinds.push(kind);
      this.profileOf.set(kind, p);
    }
    this.fastestMps = Object.fromEntries(MOVING_KINDS.map((k) => [k, Math.max(opts.walkSpeedMps, ...Object.values(opts.speedMps[k]))])) as Record<MovingKind, number>;
  }

  /** Straight line (to the arrival circle) × detour factor at the kind's secondary-road speed, plus its turnout. */
  straightLine(kind: MovingKind, from: LngLat, scene: LngLat): EtaEstimate {
    const d = haversineMeters(from, scene);
    const within = this.limits.arriveWithinM;
    if (d <= within) return { seconds: 0, basis: 'straight_line' };
    return { seconds: this.opts.turnoutS[kind] + ((d - within) * this.opts.detourFactor) / this.opts.speedMps[kind].secondary, basis: 'straight_line' };
  }

  /**
   * A lower bound of every estimate for a unit of this kind at least `distanceM` (straight line) from the scene:
   * its turnout, then the whole distance at the fastest it goes on any road or on foot (road paths are never
   * shorter than the straight line; junctions and walks only add). 1 % is kept back for the flat-earth
   * arithmetic of snapping.
   */
  minSecondsBeyond(kind: MovingKind, distanceM: number): number {
    const within = this.limits.arriveWithinM;
    if (distanceM <= within) return 0;
    return this.opts.turnoutS[kind] + (0.99 * (distanceM - within)) / this.fastestMps[kind];
  }

  /** The straight-line distance beyond which no estimate of the kind is below `seconds` (minSecondsBeyond's inverse). */
  radiusForSeconds(kind: MovingKind, seconds: number): number {
    if (seconds < 0) return 0;
    return this.limits.arriveWithinM + (Math.max(0, seconds - this.opts.turnoutS[kind]) * this.fastestMps[kind]) / 0.99;
  }

  forScene(scene: LngLat): SceneEta {
    const g = this.graph;
    const straight: SceneEta = { eta: (kind, from) => this.straightLine(kind, from, scene) };
    if (!g || g.nodes.length === 0) return straight;
    const sceneNode = g.nearestNode(scene);
    const finalWalkM = haversineMeters(g.nodes[sceneNode]!, scene);
    if (finalWalkM > this.limits.maxSnapM) return straight;
    const walk = this.opts.walkSpeedMps;
    const within = this.limits.arriveWithinM;
    const entry = circleEntry(scene, within);
    return {
      eta: (kind, from) => {
        if (within > 0 && haversineMeters(from, scene) <= within) return { seconds: 0, basis: 'road' };
        const snap = g.snapToRoad(from, this.limits.maxSnapM);
        if (!snap) return this.straightLine(kind, from, scene);
        const profile = this.profileOf.get(kind)!;
        const { tree, toCircle } = this.sceneTree(scene, sceneNode, finalWalkM, profile, entry);
        const v = this.opts.speedMps[kind][snap.roadClass];
        const through = (node: number): number => (node === sceneNode || !profile.cost.through ? 0 : profile.cost.through(node));
        const viaA = snap.fromA / v + through(snap.a) + tree.cost[snap.a]!;
        const viaB = snap.toB / v + through(snap.b) + tree.cost[snap.b]!;
        if (Math.min(viaA, viaB) === Infinity) return this.straightLine(kind, from, scene);
        // The way the unit goes: to the nearer end (in time), then down the tree to the scene's node.
        const [start, leg] = viaA <= viaB ? [snap.a, snap.fromA] : [snap.b, snap.toB];
        const approach = this.opts.turnoutS[kind] + snap.offsetM / walk;
        // Into the circle already on the stretch of the unit's own road?
        const foot = lerp(g.nodes[snap.a]!, g.nodes[snap.b]!, snap.fromA / (snap.fromA + snap.toB || 1));
        const t0 = entry(foot, g.nodes[start]!);
        if (t0 !== null) return { seconds: approach + (t0 * leg) / v, basis: 'road' };
        return { seconds: approach + leg / v + through(start) + toCircle[start]!, basis: 'road' };
      },
    };
  }

  /**
   * The tree of a profile to the scene's node, and for every node the time from leaving it to entering the
   * arrival circle along its tree path (or, never entering it on the road, to the node and the walk from there).
   * One pass over the tree per scene and profile, kept with the trees; a unit then costs O(1) on top of its snap.
   */
  private sceneTree(scene: LngLat, sceneNode: number, finalWalkM: number, profile: Profile, entry: CircleEntry): { tree: TravelTree; toCircle: Float64Array } {
    const key = `${scene[0]},${scene[1]}|${profile.key}`;
    const hit = this.toCircle.get(key);
    if (hit) {
      this.toCircle.delete(key);
      this.toCircle.set(key, hit);
      return hit;
    }
    const g = this.graph!;
    const tree = this.tree(sceneNode, profile);
    const within = this.limits.arriveWithinM;
    const n = g.nodes.length;
    const toCircle = new Float64Array(n).fill(Number.NaN);
    toCircle[sceneNode] = within > 0 && finalWalkM <= within ? 0 : (finalWalkM - Math.max(0, within)) / this.opts.walkSpeedMps;
    const stack: number[] = [];
    for (let start = 0; start < n; start++) {
      if (!Number.isNaN(toCircle[start]!) || tree.cost[start] === Infinity) continue;
      // Down the tree to a node already known, then back up.
      for (let u = start; Number.isNaN(toCircle[u]!); u = tree.next[u]!) stack.push(u);
      while (stack.length > 0) {
        const u = stack.pop()!;
        const w = tree.next[u]!;
        const e = g.edge(u, w)!;
        const edgeS = profile.cost.edge(e);
        const t = entry(g.nodes[u]!, g.nodes[w]!);
        const pass = w === sceneNode || !profile.cost.through ? 0 : profile.cost.through(w);
        toCircle[u] = t !== null ? t * edgeS : edgeS + pass + toCircle[w]!;
      }
    }
    const built = { tree, toCircle };
    this.toCircle.set(key, built);
    if (this.toCircle.size > this.limits.cacheSize) this.toCircle.delete(this.toCircle.keys().next().value!);
    return built;
  }

  /** Cheapest paths to the scene node for one profile, from the cache when it is there (least recently used goes). */
  private tree(sceneNode: number, profile: Profile): TravelTree {
    const key = `${sceneNode}|${profile.key}`;
    const hit = this.trees.get(key);
    if (hit) {
      this.trees.delete(key);
      this.trees.set(key, hit);
      return hit;
    }
    const tree = travelTreeFrom(this.graph!, sceneNode, profile.cost, this.limits.horizonS);
    this.trees.set(key, tree);
    if (this.trees.size > this.limits.cacheSize) this.trees.delete(this.trees.keys().next().value!);
    return tree;
  }
}

const M_PER_DEG = 111_195;

/** The point at fraction t of the way from a to b. */
const lerp = (a: LngLat, b: LngLat, t: number): LngLat => [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];

/** Fraction of the segment p→q at which it enters the arrival circle (0 when p is inside), or null if it does not. */
type CircleEntry = (p: LngLat, q: LngLat) => number | null;

/** Circle tests in flat metres around the scene: exact enough over the few hundred metres that matter. */
function circleEntry(scene: LngLat, within: number): CircleEntry {
  const cosLat = Math.cos((scene[1] * Math.PI) / 180);
  return (p, q) => {
    if (within <= 0) return null;
    const px = (p[0] - scene[0]) * M_PER_DEG * cosLat;
    const py = (p[1] - scene[1]) * M_PER_DEG;
    const dx = (q[0] - scene[0]) * M_PER_DEG * cosLat - px;
    const dy = (q[1] - scene[1]) * M_PER_DEG - py;
    const c = px * px + py * py - within * within;
    if (c <= 0) return 0;
    const a = dx * dx + dy * dy;
    if (a === 0) return null;
    const b = px * dx + py * dy;
    const disc = b * b - a * c;
    if (disc < 0) return null;
    const t = (-b - Math.sqrt(disc)) / a;
    return t >= 0 && t <= 1 ? t : null;
  };
}
