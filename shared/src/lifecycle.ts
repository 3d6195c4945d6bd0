// The two state machines of dispatch (issue 3, part 1). Pure: no clock, no I/O; the caller passes who and when.
//
// Incident (接警 → 派警 → 在途 → 到场 → 处置 → 办结):
//
//   from \ to    dispatched en_route on_scene resolved closed cancelled merged
//   received         ✓                                          ✓        ✓
//   dispatched                ✓        ✓                        ✓        ✓
//   en_route                           ✓                        ✓        ✓
//   on_scene                                    ✓               ✓        ✓
//   resolved                                           ✓        ✓
//   closed, cancelled, merged: final — nothing leaves them.
//
// - dispatched → on_scene directly: a unit can be seen arriving (geofence) before anyone reported it en route.
// - resolved only from on_scene: 处置 happens at the scene. A report that turns out needless is cancelled instead.
// - cancelled from every open status (a resolved incident can still be withdrawn before it is closed).
// - merged (a duplicate report folded into another open incident) from every open status before resolved: a
//   resolved incident has nothing left to fold in, it is closed.
// - The incident follows its units and never goes back: the first unit en route makes it en_route, the first unit
//   on scene makes it on_scene (see incidentStageFromUnits / advanceIncident).
//
// Unit (空闲 → 已派 → 在途 → 到场 → 空闲, or 忙碌 / 下勤):
//
//   from \ to    available dispatched en_route on_scene busy off_duty
//   available                  ✓                         ✓      ✓
//   dispatched      ✓                     ✓        ✓
//   en_route        ✓                              ✓
//   on_scene        ✓                                        ✓
//   busy            ✓                                               ✓
//   off_duty        ✓
//
// - Only an available unit is sent. dispatched/en_route → available is the release by reassign or cancel.
// - on_scene → available is "work done" (or a release by cancel / resolve); on_scene → busy keeps the unit
//   occupied after the scene (e.g. taking someone to the station) — it is no longer assigned to the incident.
// - A busy unit goes off duty or back to available; an off-duty unit comes back available.
// - Stale is never a status: it is derived from silence (LiveUnit.stale) and says nothing about assignment.
// - A transition to the status one already has is illegal (nothing to record).
import type { IncidentStatus, Incident, Outcome, TimelineEntry, TimelineRemark, UnitStatus } from './domain.js';

export const INCIDENT_TRANSITIONS: Readonly<Record<IncidentStatus, readonly IncidentStatus[]>> = {
  received: ['dispatched', 'cancelled', 'merged'],
  dispatched: ['en_route', 'on_scene', 'cancelled', 'merged'],
  en_route: ['on_scene', 'cancelled', 'merged'],
  on_scene: ['resolved', 'cancelled', 'merged'],
  resolved: ['closed', 'cancelled'],
  closed: [],
  cancelled: [],
  merged: [],
};

export const UNIT_TRANSITIONS: Readonly<Record<UnitStatus, readonly UnitStatus[]>> = {
  available: ['dispatched', 'busy', 'off_duty'],
  dispatched: ['en_route', 'on_scene', 'available'],
  en_route: ['on_scene', 'available'],
  on_scene: ['available', 'busy'],
  busy: ['available', 'off_duty'],
  off_duty: ['available'],
};

/** Unit statuses in which a unit works for an incident (LiveUnit.incidentId is set). */
export const ASSIGNED_UNIT_STATUSES: readonly UnitStatus[] = ['dispatched', 'en_route', 'on_scene'];
export const isAssignedStatus = (s: UnitStatus): boolean => ASSIGNED_UNIT_STATUSES.includes(s);

/** The forward path an incident takes while units work on it. */
const INCIDENT_PROGRESS: readonly IncidentStatus[] = ['received', 'dispatched', 'en_route', 'on_scene'];

export const canIncidentTransition = (from: IncidentStatus, to: IncidentStatus): boolean => INCIDENT_TRANSITIONS[from].includes(to);
export const canUnitTransition = (from: UnitStatus, to: UnitStatus): boolean => UNIT_TRANSITIONS[from].includes(to);

/** Who changes a state, when, and why. `by` is a username, or 'system' for automatic transitions (geofence). */
/** Who acts, when, with their note; `remark`: what the system says of the step (TimelineRemark). */
export interface Actor { by: string; at: number; note?: string; remark?: TimelineRemark }

export interface IllegalTransition {
  code: 'illegal_transition';
  subject: 'incident' | 'unit';
  id: string;
  from: string;
  to: string;
  /** English, naming from → to (the client says it from `illegal_transition` and these fields). */
  message: string;
}

export type TransitionResult<S, E> = { ok: true; state: S; entry: E } | { ok: false; error: IllegalTransition };

export interface UnitTimelineEntry { status: UnitStatus; at: number; by?: string; note?: string; remark?: TimelineRemark }

/** A unit's dispatch state: what `unit:status` keeps beside the roster entry. */
export interface UnitState {
  id: string;
  status: UnitStatus;
  statusSince: number;
  /** Set exactly while the status is dispatched, en_route or on_scene. */
  incidentId?: string;
}

function entryOf<S extends string>(status: S, actor: Actor): { status: S; at: number; by: string; note?: string; remark?: TimelineRemark } {
  return { status, at: actor.at, by: actor.by, ...(actor.note ? { note: actor.note } : {}), ...(actor.remark ? { remark: actor.remark } : {}) };
}

export function illegalIncidentTransition(id: string, from: IncidentStatus, to: IncidentStatus): IllegalTransition {
  return {
    code: 'illegal_transition', subject: 'incident', id, from, to,
    message: `illegal transition: incident ${id} cannot go from ${from} to ${to}`,
  };
}

export function illegalUnitTransition(id: string, from: UnitStatus, to: UnitStatus): IllegalTransition {
  return {
    code: 'illegal_transition', subject: 'unit', id, from, to,
    message: `illegal transition: unit ${id} cannot go from ${from} to ${to}`,
  };
}

/**
 * One incident transition. The new incident carries the entry appended to its timeline and `updatedAt`;
 * closing sets the outcome, merging sets `mergedInto` (both required there, refused elsewhere).
 */
export function transitionIncident(
  incident: Incident,
  to: IncidentStatus,
  actor: Actor,
  extra: { outcome?: Outcome; mergedInto?: string } = {},
): TransitionResult<Incident, TimelineEntry> {
  const from = incident.status;
  if (!canIncidentTransition(from, to)) return { ok: false, error: illegalIncidentTransition(incident.id, from, to) };
  if ((to === 'closed') !== (extra.outcome !== undefined) || (to === 'merged') !== (extra.mergedInto !== undefined)) {
    throw new Error(`transitionIncident(${to}): outcome is for closed and mergedInto for merged, and they are required there`);
  }
  const entry: TimelineEntry = entryOf(to, actor);
  const state: Incident = {
    ...incident,
    status: to,
    updatedAt: actor.at,
    timeline: [...incident.timeline, entry],
    ...(extra.outcome ? { outcome: extra.outcome } : {}),
    ...(extra.mergedInto ? { mergedInto: extra.mergedInto } : {}),
  };
  return { ok: true, state, entry };
}

/** One unit transition. Entering dispatched needs the incident; leaving the assigned statuses drops it. */
export function transitionUnit(unit: UnitState, to: UnitStatus, actor: Actor, incidentId?: string): TransitionResult<UnitState, UnitTimelineEntry> {
  const from = unit.status;
  if (!canUnitTransition(from, to)) return { ok: false, error: illegalUnitTransition(unit.id, from, to) };
  if (to === 'dispatched' && !incidentId) throw new Error(`transitionUnit(${unit.id} → dispatched): which incident?`);
  const keep = isAssignedStatus(to) ? (to === 'dispatched' ? incidentId : unit.incidentId) : undefined;
  const state: UnitState = { id: unit.id, status: to, statusSince: actor.at, ...(keep ? { incidentId: keep } : {}) };
  return { ok: true, state, entry: entryOf(to, actor) };
}

/** How far along the units of an incident are: on_scene if any is on scene, en_route if any is on the way,
 *  dispatched if any is assigned, otherwise null. */
export function incidentStageFromUnits(units: readonly Pick<UnitState, 'status'>[]): 'dispatched' | 'en_route' | 'on_scene' | null {
  if (units.some((u) => u.status === 'on_scene')) return 'on_scene';
  if (units.some((u) => u.status === 'en_route')) return 'en_route';
  if (units.some((u) => u.status === 'dispatched')) return 'dispatched';
  return null;
}

/**
 * Moves an incident forward along received → dispatched → en_route → on_scene until it reaches `stage`,
 * one legal transition (one timeline entry) per step, jumping directly where the table allows (dispatched →
 * on_scene). An incident already at or past `stage` is returned unchanged with no entries: it never goes back.
 */
export function advanceIncident(incident: Incident, stage: 'dispatched' | 'en_route' | 'on_scene', actor: Actor): TransitionResult<Incident, TimelineEntry[]> {
  const target = INCIDENT_PROGRESS.indexOf(stage);
  let current = incident;
  const entries: TimelineEntry[] = [];
  for (;;) {
    const at = INCIDENT_PROGRESS.indexOf(current.status);
    if (at < 0) return { ok: false, error: illegalIncidentTransition(incident.id, incident.status, stage) };
    if (at >= target) return { ok: true, state: current, entry: entries };
    const next = canIncidentTransition(current.status, stage) ? stage : INCIDENT_PROGRESS[at + 1]!;
    const r = transitionIncident(current, next, actor);
    if (!r.ok) return r;
    current = r.state;
    entries.push(r.entry);
  }
}
