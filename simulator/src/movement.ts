// How each kind of unit moves about the town, stepped in simulated seconds. Units always travel along
// road edges (so a position is always on a road), pick their next destination the way their job makes
// them (a patrol car cruises its sector, a community officer walks its grid), and pause on arrival.
// A unit sent somewhere (an incident scene, see sendMover) sets off after its turnout time, drives there at
// its kind's responding speeds (shared UNIT_SPEEDS and UNIT_TURNOUT_S, the same table the server's ETAs use),
// walks the last stretch from the kerb to the exact place, and stays until it is released back to its patrol.
import {
  UNIT_SPEEDS, UNIT_TURNOUT_S, WALK_SPEED_MPS, bearingDegrees, haversineMeters, lerpLngLat, pointInMultiPolygon, bboxOfRings,
  shortestPath, type BBox, type LngLat, type MovingKind, type MultiPolygonCoords, type PathCost, type RoadClass, type RoadGraph,
  type Unit, type UnitKind,
} from '@ccr/shared';
import type { Rng } from '@ccr/shared/demo';

type SpeedRange = readonly [min: number, max: number];

/** How a kind of unit moves. Speeds in m/s, times in seconds. */
interface Behaviour {
  /** Vehicles accelerate and brake for junctions; people on foot just walk. */
  vehicle: boolean;
  cruise: Readonly<Record<RoadClass, SpeedRange>>;
  /** Where the unit heads for next. */
  area: 'around_home' | 'own_grid';
  radiusM: number;
  /** Chance of stopping on arrival, and for how long. */
  pauseChance: number;
  pause: SpeedRange;
  routeBy: PathCost;
}

const kmh = (v: number): number => v / 3.6;
const same = (r: SpeedRange): Record<RoadClass, SpeedRange> => ({ primary: r, secondary: r, local: r });
const CAR_CRUISE: Record<RoadClass, SpeedRange> = {
  primary: [kmh(38), kmh(50)],
  secondary: [kmh(30), kmh(42)],
  local: [kmh(20), kmh(30)],
};

export const BEHAVIOURS: Readonly<Partial<Record<UnitKind, Behaviour>>> = {
  // A patrol car cruises its sector and now and then stops at a spot to be seen (见警率).
  patrol_car: { vehicle: true, cruise: CAR_CRUISE, area: 'around_home', radiusM: 3000, pauseChance: 0.35, pause: [60, 420], routeBy: 'time' },
  foot_patrol: { vehicle: false, cruise: same([kmh(4), kmh(6)]), area: 'around_home', radiusM: 800, pauseChance: 0.25, pause: [30, 300], routeBy: 'distance' },
  // House visits and mediation: long stops inside the grid.
  community_officer: { vehicle: false, cruise: same([kmh(3.6), kmh(5.4)]), area: 'own_grid', radiusM: 600, pauseChance: 0.6, pause: [120, 900], routeBy: 'distance' },
  // Case officers work from the station and drive out now and then (a visit, evidence, a scene); `pause`
  // is their time out there, CASE_OFFICER_DESK_MEAN_S their time back at the desk (see arrive()).
  case_officer: { vehicle: true, cruise: CAR_CRUISE, area: 'around_home', radiusM: 4000, pauseChance: 1, pause: [600, 2400], routeBy: 'time' },
  combat_unit: { vehicle: false, cruise: same([kmh(2.5), kmh(4.3)]), area: 'own_grid', radiusM: 600, pauseChance: 0.7, pause: [300, 1500], routeBy: 'distance' },
  volunteer_team: { vehicle: false, cruise: same([kmh(2.9), kmh(4.7)]), area: 'own_grid', radiusM: 1200, pauseChance: 0.6, pause: [300, 1200], routeBy: 'distance' },
};

/** A case officer's time at the station between trips (exponential, mean 40 min). */
const CASE_OFFICER_DESK_MEAN_S = 40 * 60;
/** Slower than cruising through a junction; vehicles brake for it over the last stretch. */
const JUNCTION_SPEED_MPS = kmh(15);
const ACCEL_MPS2 = 1.5;
const BRAKE_MPS2 = 3;
/** Long simulated steps (a high --time-scale) are cut into pieces this long so braking stays smooth. */
const MAX_SUBSTEP_S = 2;
/** Pace on the stretch between the road and a scene off it (on foot, or a car rolling into a yard). */
export const OFF_ROAD_SPEED_MPS = WALK_SPEED_MPS;
/** A responding unit's speed on an edge varies this much around its kind's UNIT_SPEEDS (traffic, the street). */
const RESPONDING_SPREAD = 0.12;

export interface GridArea {
  polygons: MultiPolygonCoords;
  bbox: BBox;
}

export interface MovementWorld {
  graph: RoadGraph;
  grids: ReadonlyMap<string, GridArea>;
}

/** Where a unit is and what it is doing. Plain data, so a run can be compared step by step. */
export interface MoverState {
  readonly unitId: string;
  readonly kind: UnitKind;
  readonly home: number;
  readonly gridId: string | undefined;
  /** Personal pace: some drivers are brisker than others. */
  readonly pace: number;
  /** The node last passed (or stood at). */
  node: number;
  /** Remaining route after `node`; `route[cursor]` is the node being driven towards. */
  route: number[];
  cursor: number;
  /** Metres travelled along the edge node → route[cursor]. */
  along: number;
  /** Target speed on the current edge (varies edge to edge). */
  cruise: number;
  speed: number;
  heading: number;
  pauseLeft: number;
  /** Case officers alternate between desk time and a trip; true while out. */
  away: boolean;
  /** Where the unit was sent (sendMover); while set, it goes there and stays instead of patrolling. */
  errand: Errand | undefined;
  /** Off the road on the straight stretch from `node` to a point (the scene); `undefined` = on the road. */
  offRoad: OffRoad | undefined;
  position: LngLat;
}

export interface Errand {
  /** Seconds still to wait before setting off (the kind's turnout time, shorter for a brisker unit). */
  departIn: number;
  target: LngLat;
  /** The road node nearest the target, where the unit leaves the road. */
  node: number;
  /** False until a route from where the unit is has been chosen. */
  routed: boolean;
  /** At the target, standing still. */
  arrived: boolean;
}

export interface OffRoad {
  to: LngLat;
  lengthM: number;
  /** Metres from `node` towards `to`. */
  at: number;
}

export function createWorld(graph: RoadGraph, grids: readonly { id: string; polygons: MultiPolygonCoords }[]): MovementWorld {
  return { graph, grids: new Map(grids.map((g) => [g.id, { polygons: g.polygons, bbox: bboxOfRings(g.polygons.flat()) }])) };
}

export function isMobileKind(kind: UnitKind): boolean {
  return BEHAVIOURS[kind] !== undefined;
}

export function createMover(unit: Unit, world: MovementWorld, rng: Rng): MoverState {
  if (!isMobileKind(unit.kind)) throw new Error(`unit ${unit.id} (${unit.kind}) does not move`);
  const start = unit.home ?? (unit.gridId ? gridCenter(world, unit.gridId) : undefined) ?? world.graph.nodes[0]!;
  const home = world.graph.nearestNode(start);
  const state: MoverState = {
    unitId: unit.id, kind: unit.kind, home, gridId: unit.gridId, pace: rng.float(0.9, 1.1),
    node: home, route: [], cursor: 0, along: 0, cruise: 0, speed: 0, heading: rng.int(0, 359), pauseLeft: 0, away: false,
    errand: undefined, offRoad: undefined, position: world.graph.nodes[home]!,
  };
  // Stagger departures so the whole roster does not set off in the same second.
  state.pauseLeft = unit.kind === 'case_officer' ? rng.exponential(CASE_OFFICER_DESK_MEAN_S / 2) : rng.float(0, 20);
  return state;
}

function gridCenter(world: MovementWorld, gridId: string): LngLat | undefined {
  const g = world.grids.get(gridId);
  return g ? [(g.bbox.minLng + g.bbox.maxLng) / 2, (g.bbox.minLat + g.bbox.maxLat) / 2] : undefined;
}

/** A random point within radius metres of a centre (uniform over the disc). */
function pointAround(rng: Rng, center: LngLat, radiusM: number): LngLat {
  const r = radiusM * Math.sqrt(rng.next());
  const a = rng.float(0, 2 * Math.PI);
  const dLat = (r * Math.cos(a)) / 111_195;
  const dLng = (r * Math.sin(a)) / (111_195 * Math.cos((center[1] * Math.PI) / 180));
  return [center[0] + dLng, center[1] + dLat];
}

function chooseDestination(m: MoverState, world: MovementWorld, rng: Rng): number {
  const b = BEHAVIOURS[m.kind]!;
  const { graph } = world;
  if (m.kind === 'case_officer') {
    // Out on an errand (a visit, evidence, a scene) and back to the station.
    return m.away ? m.home : graph.nearestNode(pointAround(rng, graph.nodes[m.home]!, b.radiusM));
  }
  const grid = b.area === 'own_grid' && m.gridId ? world.grids.get(m.gridId) : undefined;
  if (grid) {
    for (let attempt = 0; attempt < 20; attempt++) {
      const p: LngLat = [rng.float(grid.bbox.minLng, grid.bbox.maxLng), rng.float(grid.bbox.minLat, grid.bbox.maxLat)];
      if (pointInMultiPolygon(p, grid.polygons)) return graph.nearestNode(p);
    }
  }
  return graph.nearestNode(pointAround(rng, graph.nodes[m.home]!, b.radiusM));
}

function pickCruise(m: MoverState, world: MovementWorld, rng: Rng): void {
  const next = m.route[m.cursor];
  const cls = next === undefined ? 'local' : world.graph.edge(m.node, next)?.roadClass ?? 'local';
  if (m.errand) {
    // Responding: the kind's speed from the shared table, as the ETA model assumes.
    const v = UNIT_SPEEDS[m.kind as MovingKind][cls];
    m.cruise = v * rng.float(1 - RESPONDING_SPREAD, 1 + RESPONDING_SPREAD) * m.pace;
    return;
  }
  const [lo, hi] = BEHAVIOURS[m.kind]!.cruise[cls];
  m.cruise = rng.float(lo, hi) * m.pace;
}

function plan(m: MoverState, world: MovementWorld, rng: Rng): void {
  const b = BEHAVIOURS[m.kind]!;
  const dest = chooseDestination(m, world, rng);
  const path = dest === m.node ? null : shortestPath(world.graph, m.node, dest, b.routeBy);
  if (!path || path.nodes.length < 2) {
    m.pauseLeft = rng.float(5, 30);
    return;
  }
  m.route = path.nodes.slice(1);
  m.cursor = 0;
  m.along = 0;
  pickCruise(m, world, rng);
}

function arrive(m: MoverState, rng: Rng): void {
  const b = BEHAVIOURS[m.kind]!;
  m.route = [];
  m.cursor = 0;
  m.along = 0;
  m.speed = 0;
  if (m.kind === 'case_officer') {
    m.away = !m.away;
    m.pauseLeft = m.away ? rng.float(b.pause[0], b.pause[1]) : rng.exponential(CASE_OFFICER_DESK_MEAN_S);
    return;
  }
  m.pauseLeft = rng.chance(b.pauseChance) ? rng.float(b.pause[0], b.pause[1]) : rng.float(0, 5);
}

/** Drives along the route for dt seconds: cruise speed per edge, braking for junctions and the route's end. */
function drive(m: MoverState, dt: number, world: MovementWorld, rng: Rng): void {
  const { graph } = world;
  const b = BEHAVIOURS[m.kind]!;
  const next = m.route[m.cursor]!;
  const edgeLen = graph.edge(m.node, next)?.lengthM ?? haversineMeters(graph.nodes[m.node]!, graph.nodes[next]!);
  let target = m.cruise;
  if (b.vehicle) {
    // Brake towards a junction (three or more roads meet) or the destination; speed that still allows
    // stopping in the remaining distance: v² = v_end² + 2·a·d.
    const remaining = edgeLen - m.along;
    const isLast = m.cursor === m.route.length - 1;
    const endSpeed = isLast ? 0 : graph.edges[next]!.length >= 3 ? JUNCTION_SPEED_MPS : target;
    target = Math.min(target, Math.sqrt(endSpeed ** 2 + 2 * BRAKE_MPS2 * 0.6 * remaining));
    m.speed = m.speed < target ? Math.min(target, m.speed + ACCEL_MPS2 * dt) : Math.max(target, m.speed - BRAKE_MPS2 * dt);
    // Never creep: a car that has to stop at the end still rolls in at walking pace.
    m.speed = Math.max(m.speed, 1.5);
  } else {
    m.speed = target;
  }
  let travel = m.speed * dt;
  while (travel > 0 && m.cursor < m.route.length) {
    const to = m.route[m.cursor]!;
    const len = graph.edge(m.node, to)?.lengthM ?? 0;
    const rest = len - m.along;
    if (travel < rest) {
      m.along += travel;
      travel = 0;
    } else {
      travel -= rest;
      m.node = to;
      m.cursor++;
      m.along = 0;
      if (m.cursor < m.route.length) pickCruise(m, world, rng);
    }
  }
}

/** Walks the off-road stretch back to its road node; true once on the road again. */
function backToRoad(m: MoverState, dt: number): boolean {
  const off = m.offRoad;
  if (!off) return true;
  m.speed = OFF_ROAD_SPEED_MPS;
  off.at -= OFF_ROAD_SPEED_MPS * dt;
  if (off.at > 0) return false;
  m.offRoad = undefined;
  m.speed = 0;
  return true;
}

/**
 * Routes a sent unit from where it is. Caught half-way along an edge it either drives on to the next node or
 * turns round, whichever gives the shorter way to the target.
 */
function routeErrand(m: MoverState, e: Errand, world: MovementWorld): void {
  const { graph } = world;
  const by = BEHAVIOURS[m.kind]!.routeBy;
  const ahead = m.route[m.cursor];
  const pathFrom = (from: number): number[] => (from === e.node ? [from] : (shortestPath(graph, from, e.node, by)?.nodes ?? [from]));
  const lengthOf = (nodes: number[]): number => {
    let sum = 0;
    for (let k = 1; k < nodes.length; k++) sum += graph.edge(nodes[k - 1]!, nodes[k]!)!.lengthM;
    return sum;
  };
  if (ahead !== undefined && m.along > 0) {
    const edgeLen = graph.edge(m.node, ahead)?.lengthM ?? 0;
    const onward = pathFrom(ahead);
    const back = pathFrom(m.node);
    if (edgeLen - m.along + lengthOf(onward) <= m.along + lengthOf(back)) {
      m.route = onward;
    } else {
      // Turn round: the same point, seen from the other end of the edge.
      m.route = back;
      m.node = ahead;
      m.along = edgeLen - m.along;
    }
  } else {
    m.route = pathFrom(m.node).slice(1);
    m.along = 0;
  }
  m.cursor = 0;
  e.routed = true;
}

function advanceErrand(m: MoverState, e: Errand, step: number, world: MovementWorld, rng: Rng): void {
  if (e.arrived) {
    m.speed = 0;
    return;
  }
  let dt = step;
  if (e.departIn > 0) {
    // Turnout: the unit takes the order and gets going; what is left of the step is spent moving.
    const wait = Math.min(e.departIn, dt);
    e.departIn -= wait;
    dt -= wait;
    m.speed = 0;
    if (dt <= 0) return;
  }
  if (!e.routed) {
    // Standing off the road at an earlier scene: back to the road first.
    if (!backToRoad(m, dt)) return;
    routeErrand(m, e, world);
    if (m.cursor < m.route.length) pickCruise(m, world, rng);
  }
  if (m.cursor < m.route.length) {
    drive(m, dt, world, rng);
    if (m.cursor < m.route.length) return;
    m.route = [];
    m.cursor = 0;
    m.speed = 0;
  }
  // At the kerb nearest the target: the last stretch straight to it.
  const off = (m.offRoad ??= { to: e.target, lengthM: haversineMeters(world.graph.nodes[m.node]!, e.target), at: 0 });
  off.at += OFF_ROAD_SPEED_MPS * dt;
  m.speed = OFF_ROAD_SPEED_MPS;
  if (off.at >= off.lengthM) {
    off.at = off.lengthM;
    e.arrived = true;
    m.speed = 0;
  }
}

function advance(m: MoverState, dt: number, world: MovementWorld, rng: Rng): void {
  if (m.errand) {
    advanceErrand(m, m.errand, dt, world, rng);
    return;
  }
  if (!backToRoad(m, dt)) return;
  if (m.pauseLeft > 0) {
    m.pauseLeft -= dt;
    m.speed = 0;
    return;
  }
  if (m.cursor >= m.route.length) {
    plan(m, world, rng);
    if (m.pauseLeft > 0) return;
  }
  drive(m, dt, world, rng);
  if (m.cursor >= m.route.length) arrive(m, rng);
}

/**
 * Sends a unit to a point: after its turnout time it drives there along roads (at its kind's responding
 * speeds), walks the last stretch off the road, and stands there until releaseMover. A unit already on its
 * way somewhere is redirected without a new turnout.
 */
export function sendMover(m: MoverState, world: MovementWorld, target: LngLat): void {
  const underway = m.errand !== undefined && !m.errand.arrived && m.errand.departIn <= 0;
  const departIn = underway ? 0 : UNIT_TURNOUT_S[m.kind as MovingKind] / m.pace;
  m.errand = { departIn, target, node: world.graph.nearestNode(target), routed: false, arrived: false };
  m.pauseLeft = 0;
}

/** Back to the unit's own patrol: it finishes the edge it is on (or walks back to the road) and plans as usual. */
export function releaseMover(m: MoverState): void {
  if (!m.errand) return;
  m.errand = undefined;
  m.route = m.cursor < m.route.length ? [m.route[m.cursor]!] : [];
  m.cursor = 0;
  m.pauseLeft = 0;
}

/** Recomputes position and heading from the route state (heading kept while standing still). */
function place(m: MoverState, graph: RoadGraph): void {
  const from = graph.nodes[m.node]!;
  const off = m.offRoad;
  if (off) {
    m.position = off.lengthM > 0 ? lerpLngLat(from, off.to, Math.min(1, Math.max(0, off.at / off.lengthM))) : from;
    if (m.speed > 0 && off.lengthM > 0) m.heading = m.errand?.routed ? bearingDegrees(from, off.to) : bearingDegrees(off.to, from);
    return;
  }
  const to = m.route[m.cursor];
  if (to === undefined) {
    m.position = from;
    return;
  }
  const toP = graph.nodes[to]!;
  const len = graph.edge(m.node, to)?.lengthM ?? 0;
  m.position = len > 0 ? lerpLngLat(from, toP, Math.min(1, m.along / len)) : from;
  m.heading = bearingDegrees(from, toP);
}

/** Moves a unit on by dtS simulated seconds. */
export function stepMover(m: MoverState, dtS: number, world: MovementWorld, rng: Rng): void {
  let left = dtS;
  while (left > 1e-9) {
    const h = Math.min(left, MAX_SUBSTEP_S);
    advance(m, h, world, rng);
    left -= h;
  }
  place(m, world.graph);
}
