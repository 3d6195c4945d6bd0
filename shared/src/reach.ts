// Who can get to a place, and how fast: the speeds and turnout times of each kind of unit (one table, used by
// the ETA model in eta.ts and by the simulator's units when they respond), who may be offered, and the 1-3-5
// minute reach rings of the minimum emergency units. Pure: no clock, no Redis. Rings are straight lines
// (haversine) × a road-detour factor ÷ walking speed; ETAs of units to send follow the roads (eta.ts).
import type { ReachRing, RingUnit } from './dispatch.js';
import { RING_MINUTES, TRACKED_KINDS, type LiveUnit, type RingMinutes, type LngLat, type UnitKind, type UnitPosition } from './domain.js';
import { haversineMeters } from './geo.js';
import { ROAD_CLASSES } from './jurisdiction.js';
import { ROAD_CLASS_SPEED_MPS, type RoadClass } from './road-graph.js';

/** Kinds that move and can be sent; minimum emergency units are places whose members walk. */
export type MovingKind = Exclude<UnitKind, 'emergency_unit'>;
export const MOVING_KINDS: readonly MovingKind[] = TRACKED_KINDS.filter((k): k is MovingKind => k !== 'emergency_unit');

/** Metres per second on each class of road. */
export type RoadSpeeds = Record<RoadClass, number>;
const everywhere = (mps: number): RoadSpeeds => ({ primary: mps, secondary: mps, local: mps });

/** Walking pace: emergency unit members, and anyone between a road and a place off it (a yard, a square). */
export const WALK_SPEED_MPS = 1.4;

/**
 * How fast each kind goes when it is sent somewhere, by road class (UNIT_SPEEDS). The simulator's units drive
 * at these speeds (± their personal pace) when they respond, so the ETA model and the demo agree by
 * construction; a station replaces them with what its own arrivals show (or lets the calibration, eta-accuracy,
 * correct them).
 */
export const UNIT_SPEEDS: Readonly<Record<MovingKind, RoadSpeeds>> = {
  patrol_car: { ...ROAD_CLASS_SPEED_MPS }, // 45 / 35 / 25 km/h through town
  foot_patrol: everywhere(1.4),
  community_officer: everywhere(4.2), // an e-bike, ~15 km/h, from the grid it walks
  case_officer: { ...ROAD_CLASS_SPEED_MPS }, // an unmarked car
  combat_unit: everywhere(1.4), // members on foot
  volunteer_team: everywhere(3), // couriers and cyclists among them
};

/**
 * Seconds from the order to moving (UNIT_TURNOUT): a patrol car on the road acknowledges and turns; a case
 * officer leaves the desk for the car park; a combat unit gathers its members; volunteers leave their work.
 * The simulator's units wait this long (± their pace) before they set off.
 */
export const UNIT_TURNOUT_S: Readonly<Record<MovingKind, number>> = {
  patrol_car: 20,
  foot_patrol: 10,
  community_officer: 30,
  case_officer: 120,
  combat_unit: 60,
  volunteer_team: 120,
};

/** Seconds a vehicle loses at each junction it drives through (braking to ~15 km/h and pulling away again). */
export const JUNCTION_DELAY_S: Readonly<Record<MovingKind, number>> = {
  patrol_car: 3, foot_patrol: 0, community_officer: 0, case_officer: 3, combat_unit: 0, volunteer_team: 0,
};

export interface ReachOptions {
  /** Road distance ÷ straight-line distance in town (streets are not straight): the rings, and ETAs where
   *  no road is near enough to route on. */
  detourFactor: number;
  /** Speeds of each kind by road class, m/s (UNIT_SPEEDS). */
  speedMps: Record<MovingKind, RoadSpeeds>;
  /** Seconds from the order to moving, per kind (UNIT_TURNOUT). */
  turnoutS: Record<MovingKind, number>;
  /** Seconds lost per junction driven through, per kind. */
  junctionDelayS: Record<MovingKind, number>;
  /** Walking speed, m/s (WALK_SPEED_MPS). */
  walkSpeedMps: number;
}

export const DEFAULT_REACH_OPTIONS: ReachOptions = {
  detourFactor: 1.3,
  speedMps: Object.fromEntries(MOVING_KINDS.map((k) => [k, { ...UNIT_SPEEDS[k] }])) as Record<MovingKind, RoadSpeeds>,
  turnoutS: { ...UNIT_TURNOUT_S },
  junctionDelayS: { ...JUNCTION_DELAY_S },
  walkSpeedMps: WALK_SPEED_MPS,
};

/** Seconds to cover a straight-line distance by road at a speed. */
export const travelSeconds = (distanceMeters: number, speedMps: number, detourFactor: number): number =>
  (distanceMeters * detourFactor) / speedMps;

/** Straight-line radius walkable by road within `minutes`. */
export const ringRadiusMeters = (minutes: number, opts: Pick<ReachOptions, 'walkSpeedMps' | 'detourFactor'>): number =>
  (opts.walkSpeedMps * 60 * minutes) / opts.detourFactor;

/** Whether a unit may be offered: available, tracked, fresh, with a position to measure from. */
export function isRecommendable(u: LiveUnit, now: number, staleAfterMs: number): u is LiveUnit & { position: UnitPosition; kind: MovingKind } {
  return u.status === 'available' && !u.stale && u.position !== null && u.kind !== 'emergency_unit'
    && TRACKED_KINDS.includes(u.kind) && now - u.position.ts <= staleAfterMs;
}

/** Emergency units that count for the rings: places with a position whose members are not stood down. */
const inRings = (u: LiveUnit): u is LiveUnit & { position: UnitPosition } =>
  u.kind === 'emergency_unit' && u.position !== null && u.status !== 'off_duty';

/**
 * The 1-, 3- and 5-minute rings around a point. Each emergency unit lands in exactly one ring, the smallest its
 * members can walk from (straight line × detour factor ÷ walking speed); units beyond 5 minutes in none.
 * Units in a ring are nearest first.
 */
export function reachRings(units: readonly LiveUnit[], point: LngLat, opts: Pick<ReachOptions, 'walkSpeedMps' | 'detourFactor'>): ReachRing[] {
  const rings: ReachRing[] = RING_MINUTES.map((minutes) => ({ minutes, radiusMeters: ringRadiusMeters(minutes, opts), units: [], people: 0 }));
  for (const u of units) {
    if (!inRings(u)) continue;
    const distanceMeters = haversineMeters([u.position.lng, u.position.lat], point);
    const ring = rings.find((r) => distanceMeters <= r.radiusMeters);
    if (!ring) continue;
    const members = u.members ?? 1;
    const entry: RingUnit = {
      unitId: u.id, name: u.name, members, distanceMeters,
      etaSeconds: travelSeconds(distanceMeters, opts.walkSpeedMps, opts.detourFactor),
      lng: u.position.lng, lat: u.position.lat,
    };
    if (u.placeKind) entry.placeKind = u.placeKind;
    ring.units.push(entry);
    ring.people += members;
  }
  for (const r of rings) r.units.sort((a, b) => a.distanceMeters - b.distanceMeters || (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0));
  return rings;
}

/** The emergency units reachable within `minutes` (that ring and every smaller one), for a tiered call-out. */
export function unitsWithinRing(rings: readonly ReachRing[], minutes: RingMinutes): (RingUnit & { ring: RingMinutes })[] {
  return rings.filter((r) => r.minutes <= minutes).flatMap((r) => r.units.map((u) => ({ ...u, ring: r.minutes })));
}

const readNumber = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min || n > max) {
    throw new Error(`配置错误 / bad setting ${name}=${JSON.stringify(raw)}: expected a number from ${min} to ${max}`);
  }
  return n;
};

/** Reads a JSON object of one value per moving kind; kinds left out keep their default. */
function readPerKind<T>(name: string, raw: string | undefined, example: string, read: (v: unknown, kind: MovingKind, fail: (why: string) => never) => T, base: Record<MovingKind, T>): Record<MovingKind, T> {
  const out = { ...base };
  if (raw === undefined || raw.trim() === '') return out;
  const fail = (why: string): never => {
    throw new Error(`配置错误 / bad setting ${name}: ${why}. Expected JSON per kind, e.g. ${example}`);
  };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return fail('not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return fail('not an object');
  for (const [kind, v] of Object.entries(parsed)) {
    if (!(MOVING_KINDS as readonly string[]).includes(kind)) return fail(`unknown kind "${kind}" (${MOVING_KINDS.join(', ')})`);
    out[kind as MovingKind] = read(v, kind as MovingKind, fail);
  }
  return out;
}

const isSpeed = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 100;

/**
 * Reads DETOUR_FACTOR, WALK_SPEED_MPS, UNIT_SPEEDS (JSON of m/s per kind: one number for every road class, or
 * some of primary/secondary/local, e.g. {"patrol_car":{"primary":14},"foot_patrol":1.5}) and UNIT_TURNOUT
 * (JSON of seconds per kind, e.g. {"case_officer":90}); kinds and classes left out keep their default. Throws a
 * readable error on anything else.
 */
export function parseReachOptions(env: { DETOUR_FACTOR?: string; WALK_SPEED_MPS?: string; UNIT_SPEEDS?: string; UNIT_TURNOUT?: string }): ReachOptions {
  const d = DEFAULT_REACH_OPTIONS;
  const speedMps = readPerKind('UNIT_SPEEDS', env.UNIT_SPEEDS, '{"patrol_car":{"primary":14,"local":7},"foot_patrol":1.5}', (v, kind, fail) => {
    if (isSpeed(v)) return everywhere(v);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail(`${kind} must be a speed in m/s or an object of speeds by road class`);
    const out = { ...d.speedMps[kind] };
    for (const [cls, x] of Object.entries(v)) {
      if (!(ROAD_CLASSES as readonly string[]).includes(cls)) return fail(`${kind}: unknown road class "${cls}" (${ROAD_CLASSES.join(', ')})`);
      if (!isSpeed(x)) return fail(`${kind}.${cls} must be a speed above 0 and at most 100 m/s`);
      out[cls as RoadClass] = x;
    }
    return out;
  }, d.speedMps);
  const turnoutS = readPerKind('UNIT_TURNOUT', env.UNIT_TURNOUT, '{"case_officer":90,"patrol_car":15}', (v, kind, fail) => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 3_600) return fail(`${kind} must be seconds from 0 to 3600`);
    return v;
  }, d.turnoutS);
  return {
    detourFactor: readNumber('DETOUR_FACTOR', env.DETOUR_FACTOR, d.detourFactor, 1, 5),
    walkSpeedMps: readNumber('WALK_SPEED_MPS', env.WALK_SPEED_MPS, d.walkSpeedMps, 0.1, 10),
    speedMps,
    turnoutS,
    junctionDelayS: { ...d.junctionDelayS },
  };
}
