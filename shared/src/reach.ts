// Who can get to a place, and how fast: the ranking of units to send and the 1-3-5 minute reach rings of the
// minimum emergency units. Pure: no clock, no Redis. Distances are straight lines (haversine); a road-detour
// factor turns them into road distances, a speed per unit kind into time.
import type { Candidate, ReachRing, RingMinutes, RingUnit } from './dispatch.js';
import { RING_MINUTES } from './dispatch.js';
import { TRACKED_KINDS, type LiveUnit, type LngLat, type UnitKind, type UnitPosition } from './domain.js';
import { haversineMeters } from './geo.js';

/** Kinds that move and can be sent; minimum emergency units are places whose members walk. */
export type MovingKind = Exclude<UnitKind, 'emergency_unit'>;
export const MOVING_KINDS: readonly MovingKind[] = TRACKED_KINDS.filter((k): k is MovingKind => k !== 'emergency_unit');

export interface ReachOptions {
  /** Road distance ÷ straight-line distance in town (streets are not straight). */
  detourFactor: number;
  /** Typical speed in town, m/s, per kind. */
  speedMps: Record<MovingKind, number>;
  /** Walking speed of emergency unit members, m/s. */
  walkSpeedMps: number;
}

export const DEFAULT_REACH_OPTIONS: ReachOptions = {
  detourFactor: 1.3,
  speedMps: {
    patrol_car: 8.3, // ~30 km/h through town traffic
    foot_patrol: 1.4,
    community_officer: 4, // e-bike
    case_officer: 8, // unmarked car
    combat_unit: 1.4, // members on foot
    volunteer_team: 3, // couriers and cyclists among them
  },
  walkSpeedMps: 1.4,
};

/** Seconds to cover a straight-line distance by road at a speed. */
export const travelSeconds = (distanceMeters: number, speedMps: number, detourFactor: number): number =>
  (distanceMeters * detourFactor) / speedMps;

/** Straight-line radius walkable by road within `minutes`. */
export const ringRadiusMeters = (minutes: number, opts: Pick<ReachOptions, 'walkSpeedMps' | 'detourFactor'>): number =>
  (opts.walkSpeedMps * 60 * minutes) / opts.detourFactor;

export interface RankOptions extends ReachOptions {
  /** A position older than this is not trusted, even before housekeeping has marked the unit stale. */
  staleAfterMs: number;
}

/** Whether a unit may be offered: available, tracked, fresh, with a position to measure from. */
export function isRecommendable(u: LiveUnit, now: number, staleAfterMs: number): u is LiveUnit & { position: UnitPosition; kind: MovingKind } {
  return u.status === 'available' && !u.stale && u.position !== null && u.kind !== 'emergency_unit'
    && TRACKED_KINDS.includes(u.kind) && now - u.position.ts <= staleAfterMs;
}

/** Compares two candidates: sooner first, then nearer, then by id so equal units always come in one order. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return a.etaSeconds - b.etaSeconds || a.distanceMeters - b.distanceMeters || (a.unitId < b.unitId ? -1 : a.unitId > b.unitId ? 1 : 0);
}

/** Available, fresh units ranked by estimated time of arrival at the incident; never a busy, off-duty,
 *  dispatched or stale unit. */
export function rankCandidates(units: readonly LiveUnit[], incident: { lng: number; lat: number }, now: number, opts: RankOptions): Candidate[] {
  const at: LngLat = [incident.lng, incident.lat];
  const out: Candidate[] = [];
  for (const u of units) {
    if (!isRecommendable(u, now, opts.staleAfterMs)) continue;
    const speed = opts.speedMps[u.kind];
    const distanceMeters = haversineMeters([u.position.lng, u.position.lat], at);
    out.push({
      unitId: u.id, name: u.name, kind: u.kind, team: u.team, status: u.status, distanceMeters,
      etaSeconds: travelSeconds(distanceMeters, speed, opts.detourFactor),
      positionAgeMs: Math.max(0, now - u.position.ts),
    });
  }
  return out.sort(compareCandidates);
}

const fastestSpeed = (opts: ReachOptions): number => Math.max(...MOVING_KINDS.map((k) => opts.speedMps[k]));

/**
 * After a search that saw every unit within `searchedRadiusMeters`, whether the best `limit` candidates are
 * final: nobody farther away, even at the fastest kind's speed, could arrive before the last of them.
 */
export function rankingIsFinal(ranked: readonly Candidate[], limit: number, searchedRadiusMeters: number, opts: ReachOptions): boolean {
  const last = ranked[limit - 1];
  if (!last) return false;
  return travelSeconds(searchedRadiusMeters, fastestSpeed(opts), opts.detourFactor) >= last.etaSeconds;
}

/** The straight-line radius within which every unit that could arrive within `etaSeconds` must be. */
export const radiusForEta = (etaSeconds: number, opts: ReachOptions): number =>
  (etaSeconds * fastestSpeed(opts)) / opts.detourFactor;

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

/**
 * Reads DETOUR_FACTOR, WALK_SPEED_MPS and UNIT_SPEEDS (JSON of m/s per kind, e.g. {"patrol_car":10}; kinds left
 * out keep their default). Throws a readable error on anything else.
 */
export function parseReachOptions(env: { DETOUR_FACTOR?: string; WALK_SPEED_MPS?: string; UNIT_SPEEDS?: string }): ReachOptions {
  const d = DEFAULT_REACH_OPTIONS;
  const speedMps = { ...d.speedMps };
  const raw = env.UNIT_SPEEDS;
  if (raw !== undefined && raw.trim() !== '') {
    const fail = (why: string): never => {
      throw new Error(`配置错误 / bad setting UNIT_SPEEDS: ${why}. Expected JSON of m/s per kind, e.g. {"patrol_car":8.3,"foot_patrol":1.4}`);
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
      if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > 100) return fail(`${kind} must be a speed above 0 and at most 100 m/s`);
      speedMps[kind as MovingKind] = v;
    }
  }
  return {
    detourFactor: readNumber('DETOUR_FACTOR', env.DETOUR_FACTOR, d.detourFactor, 1, 5),
    walkSpeedMps: readNumber('WALK_SPEED_MPS', env.WALK_SPEED_MPS, d.walkSpeedMps, 0.1, 10),
    speedMps,
  };
}
