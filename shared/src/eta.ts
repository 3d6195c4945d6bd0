// Estimated time of arrival of a unit at a scene, along the roads. Pure: the graph is built once from the
// jurisdiction's roads.geojson; everything else is arithmetic on it.
//
//   ETA = turnout (order → moving)
//       + the walk from where the unit stands to the nearest road (0 for a unit on the road)
//       + along that road to one of its ends, then the fastest way by road to the road node nearest the scene,
//         at the kind's speed per road class, plus a delay per junction for vehicles
//       + the walk from that node to the scene itself
//       − the last stretch inside the arrival radius: a unit counts as on scene once it is that close (the
//         geofence), so the ETA is to the edge of that circle (0 for a unit already inside it)
//
// The scene end is the nearest road node (not the nearest point of a road) because that is where the demo's
// units leave the road too (simulator/movement.ts), so the model and the demo describe the same trip.
// One Dijkstra from the scene's node outward, bounded by a time horizon, prices every node for every unit of a
// speed profile (the kinds that move alike); trees are kept in a small cache, so a console asking again for
// the same incident costs a few arithmetic operations per unit.
// Where there is no road to route on (no roads, a unit or scene far from any, beyond the horizon) the estimate
// falls back to the straight line × detour factor ÷ the kind's secondary-road speed, and says so.
import type { LngLat } from './domain.js';
import { haversineMeters } from './geo.js';
import { MOVING_KINDS, type MovingKind, type ReachOptions } from './reach.js';
import { travelCostsFrom, type RoadGraph, type TravelCost } from './road-graph.js';

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
  private readonly trees = new Map<string, Float64Array>();
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
    // Time not needed at the end, inside the arrival circle: the walk's last `within` metres, or (a scene by the
    // road) the whole walk and the last metres of road, at the kind's speed on the fastest road into the node.
    const savedS = (kind: MovingKind): number => {
      if (within <= 0) return 0;
      if (finalWalkM >= within) return within / walk;
      const speeds = this.opts.speedMps[kind];
      const vLast = Math.max(...g.edges[sceneNode]!.map((e) => speeds[e.roadClass]), speeds.local);
      return finalWalkM / walk + (within - finalWalkM) / vLast;
    };
    return {
      eta: (kind, from) => {
        if (within > 0 && haversineMeters(from, scene) <= within) return { seconds: 0, basis: 'road' };
        const snap = g.snapToRoad(from, this.limits.maxSnapM);
        if (!snap) return this.straightLine(kind, from, scene);
        const profile = this.profileOf.get(kind)!;
        const tree = this.tree(sceneNode, profile);
        const v = this.opts.speedMps[kind][snap.roadClass];
        const through = (node: number): number => (node === sceneNode || !profile.cost.through ? 0 : profile.cost.through(node));
        const viaA = snap.fromA / v + through(snap.a) + tree[snap.a]!;
        const viaB = snap.toB / v + through(snap.b) + tree[snap.b]!;
        const road = Math.min(viaA, viaB);
        if (road === Infinity) return this.straightLine(kind, from, scene);
        const turnout = this.opts.turnoutS[kind];
        return { seconds: Math.max(turnout, turnout + snap.offsetM / walk + road + finalWalkM / walk - savedS(kind)), basis: 'road' };
      },
    };
  }

  /** Costs from the scene node for one profile, from the cache when it is there (least recently used goes). */
  private tree(sceneNode: number, profile: Profile): Float64Array {
    const key = `${sceneNode}|${profile.key}`;
    const hit = this.trees.get(key);
    if (hit) {
      this.trees.delete(key);
      this.trees.set(key, hit);
      return hit;
    }
    const tree = travelCostsFrom(this.graph!, sceneNode, profile.cost, this.limits.horizonS);
    this.trees.set(key, tree);
    if (this.trees.size > this.limits.cacheSize) this.trees.delete(this.trees.keys().next().value!);
    return tree;
  }
}
