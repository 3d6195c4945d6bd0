// Whether a GPS fix can be true, judged against the unit's last accepted fix: pure, the caller keeps the state
// (PositionPlausibility below holds it per unit) and passes the clock.
//
// Three faults a shift leader has seen: a jump of tens of kilometres in a fraction of a second (a receiver's
// cold start or a multipath fix), a clock ahead of the server's (which, stored as the unit's latest time, made
// every later true fix look older and froze the unit until it went 失联), and a terminal that repeats one fix
// while the unit is driving to a scene (a hung GPS module: the wall shows a unit standing still that is not).
import type { LngLat, UnitKind } from './domain.js';
import { haversineMeters } from './geo.js';

/**
 * Fastest a unit of each kind can truly move, m/s — generous ceilings, not the ETA model's speeds: a fix is refused
 * only when no real movement explains it. Foot patrols include bicycle and e-bike patrols; officers and volunteer
 * teams may drive; an emergency unit is a fixed place and only drifts by the receiver's error.
 */
export const MAX_PLAUSIBLE_SPEED_MPS: Readonly<Record<UnitKind, number>> = {
  patrol_car: 70, // 250 km/h: a chase on an expressway, with margin
  case_officer: 70,
  community_officer: 45,
  combat_unit: 45,
  volunteer_team: 45, // taxi drivers and couriers among them
  foot_patrol: 15, // a fast e-bike
  emergency_unit: 0,
};

export interface PlausibilitySettings {
  /** A fix may lie this far (metres) from the truth whatever the speed: the receiver's own error. */
  accuracyM: number;
  /** Field seconds per real second (a demo simulator faster than real time moves its units that much faster). */
  timeScale: number;
  /** Identical coordinates for this long while driving to a scene: the fix is frozen. */
  frozenAfterMs: number;
  /** This many refused fixes in a row that agree with each other are the truth (the last accepted one was not). */
  reanchorAfter: number;
}

export const DEFAULT_PLAUSIBILITY: PlausibilitySettings = { accuracyM: 100, timeScale: 1, frozenAfterMs: 180_000, reanchorAfter: 3 };

export interface Fix { lng: number; lat: number; ts: number }

/** Whether `next` can follow `prev` for a unit of `kind`; `speedMps`: the speed it implies (Infinity at dt = 0). */
export function judgeFix(prev: Fix, next: Fix, kind: UnitKind, s: PlausibilitySettings): { plausible: boolean; speedMps: number; metres: number } {
  const metres = haversineMeters([prev.lng, prev.lat] as LngLat, [next.lng, next.lat] as LngLat);
  const dtS = (next.ts - prev.ts) / 1000;
  const speedMps = dtS > 0 ? metres / dtS : metres > 0 ? Infinity : 0;
  // Older or simultaneous fixes are latest-wins' business (the store drops or repeats them), not this rule's.
  if (dtS <= 0) return { plausible: true, speedMps, metres };
  const reach = MAX_PLAUSIBLE_SPEED_MPS[kind] * s.timeScale * dtS + 2 * s.accuracyM;
  return { plausible: metres <= reach, speedMps, metres };
}

/**
 * The time to store for a fix stamped `ts` and received at `now`: a clock ahead by up to `skewMs` is believed (GPS
 * time is often a little ahead of a server's), further ahead is read as "now" — the fix is kept (its place is
 * good) but its time can never hold back the unit's next fixes.
 */
export function clampFixTime(ts: number, now: number, skewMs: number): { ts: number; clamped: boolean } {
  return ts > now + skewMs ? { ts: now, clamped: true } : { ts, clamped: false };
}

export type FixVerdict =
  /** `moved`: the coordinates differ from the last accepted fix's (false for a fix older than it). */
  | { ok: true; frozenFor: number; moved: boolean }
  | { ok: false; reason: 'implausible_speed'; detail: string };

interface UnitState { last: Fix; sameSince: number; pending: Fix | undefined; agreeing: number }

/**
 * Per-unit memory of the last accepted fix. Every node receives every position (pub/sub), so every node's memory
 * holds the same fixes; a memory that missed some (a node that just started) holds an older true fix, against
 * which a true new fix is still plausible (a real path is never faster than its parts), so a gap only ever makes
 * the rule more lenient, never refuses the truth.
 */
export class PositionPlausibility {
  private readonly units = new Map<string, UnitState>();
  constructor(readonly settings: PlausibilitySettings = DEFAULT_PLAUSIBILITY) {}

  /** Whether the unit's last accepted fix is known here. */
  knows(unitId: string): boolean { return this.units.has(unitId); }

  /** Seeds the memory from the store (a fix this node did not see arrive). */
  remember(unitId: string, fix: Fix): void {
    if (!this.units.has(unitId)) this.units.set(unitId, { last: fix, sameSince: fix.ts, pending: undefined, agreeing: 0 });
  }

  forget(unitId: string): void { this.units.delete(unitId); }

  /**
   * Judges a fix and, when it is accepted, remembers it. `frozenFor`: how long the unit has reported these exact
   * coordinates (0 when they changed). A run of `reanchorAfter` refused fixes that agree with one another is
   * accepted: then the remembered fix was the wrong one, and refusing for ever would freeze the unit.
   */
  check(unitId: string, kind: UnitKind, fix: Fix): FixVerdict {
    const st = this.units.get(unitId);
    if (!st) {
      this.units.set(unitId, { last: fix, sameSince: fix.ts, pending: undefined, agreeing: 0 });
      return { ok: true, frozenFor: 0, moved: true };
    }
    const j = judgeFix(st.last, fix, kind, this.settings);
    if (!j.plausible) {
      const agrees = st.pending !== undefined && fix.ts > st.pending.ts && judgeFix(st.pending, fix, kind, this.settings).plausible;
      st.agreeing = agrees ? st.agreeing + 1 : 1;
      st.pending = fix;
      if (st.agreeing < this.settings.reanchorAfter) {
        const kmh = Number.isFinite(j.speedMps) ? `${Math.round(j.speedMps * 3.6)} km/h` : 'no time';
        return { ok: false, reason: 'implausible_speed', detail: `${unitId} (${kind}) moved ${Math.round(j.metres)} m in ${fix.ts - st.last.ts} ms (${kmh})` };
      }
    }
    st.pending = undefined;
    st.agreeing = 0;
    if (fix.ts < st.last.ts) return { ok: true, frozenFor: 0, moved: false };
    const same = fix.lng === st.last.lng && fix.lat === st.last.lat;
    if (!same) st.sameSince = fix.ts;
    st.last = fix;
    return { ok: true, frozenFor: same ? fix.ts - st.sameSince : 0, moved: !same };
  }
}
