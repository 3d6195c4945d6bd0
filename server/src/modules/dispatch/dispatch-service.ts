// What each dispatch command does to incidents, units and device orders. Pure: the caller reads the current state,
// passes the clock and the actor, and commits the plan atomically (dispatch-repository.ts); when Redis changed
// meanwhile the caller reads again and plans again.
//
// Rules beyond the state machines (shared/src/lifecycle.ts):
// - `assignedUnitIds` lists the units working on the incident now; a released unit leaves it. Who was sent when is
//   in the timeline notes and the audit log.
// - dispatch: the incident must be received (first units); backup: it must already be dispatched, en route or on
//   scene. Only available units are sent (a stale one may be: the dispatcher can reach it by radio).
// - reassign: the released unit gets a `recall` order, its replacement a `reassign` order; the incident keeps its stage.
// - cancel and resolve release every assigned unit (`cancel` / `recall` orders).
// - dispatch acknowledges the incident's alarm (the walls' banner ends); `acknowledge` does it without sending anyone.
// - merge: the duplicate's units move to the surviving incident as they are (same status), which advances to their
//   stage; they get a `reassign` order naming it.
// - a unit's own report: en_route / on_scene while assigned; resolved (or busy / available) when on scene ends its
//   work on the incident — the unit leaves the incident, and the incident becomes resolved when the last unit has
//   left it. A unit that is dispatched or en route cannot release itself (the command room reassigns or cancels).
// - a dispatcher sets available / busy / off_duty only on a unit that is not assigned.
// - arrival by geofence: a dispatched or en-route unit near its incident becomes on_scene (by 'system').
import {
  advanceIncident, incidentStageFromUnits, isAssignedStatus, isOpenStatus, transitionIncident, transitionUnit,
  type Actor, type DeviceOrder, type ErrorCode, type ErrorParams, type IllegalTransition, type Incident, type OrderKind,
  type Outcome, type RingUnit, type TimelineRemark, type UnitReport, type UnitState, type UnitStatus,
} from '@ccr/shared';
import type { Assignment, IncidentRead, UnitRead } from './dispatch-repository.js';

/** A refusal: the code and params the client says (@ccr/shared errors.ts), an English message, and for a unit that
 *  cannot be sent who holds it (kept beside params for API users). */
export interface CommandError {
  status: 403 | 404 | 409;
  error: ErrorCode;
  params: Record<string, string | number>;
  message: string;
  unitId?: string;
  unitStatus?: UnitStatus;
  heldByIncidentId?: string;
  heldBy?: string;
}

export interface PlanInput {
  actor: Actor;
  incidents: ReadonlyMap<string, IncidentRead>;
  units: ReadonlyMap<string, UnitRead>;
  /** Order ids are made by the caller (random), so planning stays pure. */
  newOrderId: () => string;
}

export interface Plan {
  incidents: { expectedRaw: string; incident: Incident }[];
  units: { id: string; expectedFragment: string; state: UnitState; assignment: Assignment | null }[];
  orders: DeviceOrder[];
  resultIncident?: Incident;
  resultUnitIds: string[];
  alerted?: { incidentId: string; unitIds: string[] };
}

export type PlanResult = { ok: true; plan: Plan } | { ok: false; error: CommandError };

const fail = (error: CommandError): PlanResult => ({ ok: false, error });
/** 409: `code` refuses the command. */
const refuse = <C extends ErrorCode>(code: C, params: ErrorParams<C>, message: string, extra: Partial<CommandError> = {}): PlanResult =>
  fail({ status: 409, error: code, params, message, ...extra });
/** 409: a state machine (shared/src/lifecycle.ts) refused the step. */
const illegal = (e: IllegalTransition, extra: Partial<CommandError> = {}): PlanResult =>
  refuse('illegal_transition', { subject: e.subject, id: e.id, from: e.from, to: e.to }, e.message, extra);
const joinNote = (...parts: (string | undefined)[]): string | undefined => {
  const s = parts.filter(Boolean).join(' · ');
  return s ? s.slice(0, 500) : undefined;
};

export function notFoundError(what: 'incident' | 'unit', id: string): CommandError {
  return { status: 404, error: 'not_found', params: { subject: what, id }, message: `no ${what} "${id}"` };
}

/** 409 naming who holds a unit that is not available. */
export function unavailableError(read: UnitRead): CommandError {
  const { state, assignment } = read;
  const base = { status: 409 as const, error: 'unit_unavailable' as const, unitId: state.id, unitStatus: state.status };
  const by = assignment?.by;
  if (state.incidentId && by) {
    return {
      ...base, error: 'unit_held', heldByIncidentId: state.incidentId, heldBy: by, params: { unitId: state.id, incidentId: state.incidentId, by },
      message: `unit ${state.id} is not available: ${state.status} for incident ${state.incidentId} (sent by ${by})`,
    };
  }
  return {
    ...base, ...(state.incidentId ? { heldByIncidentId: state.incidentId } : {}), params: { unitId: state.id, status: state.status },
    message: `unit ${state.id} is not available: ${state.status}${state.incidentId ? ` for incident ${state.incidentId}` : ''}`,
  };
}

/** Minimum emergency units are places whose members are called out (planAlert), never dispatched: sent, one would
 *  stay dispatched for ever (a fixed place reports no positions for the geofence) and still count in the rings. */
function notSendable(read: UnitRead): PlanResult | null {
  if (read.kind !== 'emergency_unit') return null;
  return refuse('not_dispatchable', { unitId: read.state.id }, `${read.state.id} is a minimum emergency unit: call it out (alert-emergency-units), it cannot be dispatched`, { unitId: read.state.id, unitStatus: read.state.status });
}

/** Working copies of what a command changes, turned into a plan at the end. */
class Draft {
  private readonly incidents = new Map<string, Incident>();
  private readonly units = new Map<string, { state: UnitState; assignment: Assignment | null }>();
  readonly orders: DeviceOrder[] = [];

  constructor(private readonly input: PlanInput) {}

  get actor(): Actor { return this.input.actor; }

  incident(id: string): Incident {
    const i = this.incidents.get(id) ?? this.input.incidents.get(id)?.incident;
    if (!i) throw new Error(`incident ${id} was not read`);
    return i;
  }

  setIncident(i: Incident): void { this.incidents.set(i.id, { ...i, updatedAt: this.actor.at }); }

  read(unitId: string): UnitRead {
    const r = this.input.units.get(unitId);
    if (!r) throw new Error(`unit ${unitId} was not read`);
    return r;
  }

  unit(unitId: string): UnitState { return this.units.get(unitId)?.state ?? this.read(unitId).state; }

  setUnit(state: UnitState, assignment: Assignment | null): void { this.units.set(state.id, { state, assignment }); }

  /** Units whose state says they work on `incidentId` (the truth the assignment list mirrors). */
  unitsOf(incidentId: string): string[] {
    return this.incident(incidentId).assignedUnitIds.filter((id) => this.input.units.has(id) && this.unit(id).incidentId === incidentId);
  }

  moveUnit(unitId: string, to: UnitStatus, incidentId?: string, note?: string): PlanResult | null {
    const r = transitionUnit(this.unit(unitId), to, note ? { ...this.actor, note } : this.actor, incidentId);
    if (!r.ok) return illegal(r.error, { unitId, unitStatus: this.unit(unitId).status });
    const assigned = r.state.incidentId;
    // Still on the same incident (en route, on scene): who sent it stays on record.
    const kept = this.units.get(unitId)?.assignment ?? this.read(unitId).assignment;
    this.setUnit(r.state, !assigned ? null : kept?.incidentId === assigned ? kept : this.assignmentTo(assigned));
    return null;
  }

  assignmentTo(incidentId: string): Assignment {
    const i = this.incident(incidentId);
    return { incidentId, by: this.actor.by, at: this.actor.at, lng: i.lng, lat: i.lat };
  }

  order(unitId: string, kind: OrderKind, incidentId: string, note?: string): void {
    const i = this.incident(incidentId);
    this.orders.push({
      orderId: this.input.newOrderId(), unitId, kind, issuedAt: this.actor.at, issuedBy: this.actor.by,
      incident: { id: i.id, type: i.type, priority: i.priority, lng: i.lng, lat: i.lat, address: i.address, summary: i.summary },
      ...(note ? { note } : {}),
    });
  }

  /** Moves the incident forward to the stage of its units (never back). */
  follow(incidentId: string, note?: string, remark?: TimelineRemark): PlanResult | null {
    const stage = incidentStageFromUnits(this.unitsOf(incidentId).map((id) => this.unit(id)));
    if (!stage) return null;
    const r = advanceIncident(this.incident(incidentId), stage, { ...this.actor, ...(note ? { note } : {}), ...(remark ? { remark } : {}) });
    if (!r.ok) return illegal(r.error);
    if (r.entry.length > 0) this.setIncident(r.state);
    return null;
  }

  plan(resultIncidentId: string | undefined, extraResultUnits: string[] = []): PlanResult {
    const plan: Plan = {
      incidents: [...this.incidents.values()].map((incident) => ({ expectedRaw: this.input.incidents.get(incident.id)!.raw, incident })),
      units: [...this.units.entries()].map(([id, u]) => ({ id, expectedFragment: this.read(id).fragment, state: u.state, assignment: u.assignment })),
      orders: this.orders,
      resultUnitIds: [...new Set([...this.units.keys(), ...extraResultUnits])],
    };
    if (resultIncidentId) plan.resultIncident = this.incident(resultIncidentId);
    return { ok: true, plan };
  }
}

/** dispatch (first units) and backup (more units) */
export function planDispatch(input: PlanInput, incidentId: string, unitIds: readonly string[], kind: 'dispatch' | 'backup', note?: string): PlanResult {
  const d = new Draft(input);
  const before = d.incident(incidentId);
  if (kind === 'dispatch') {
    const r = transitionIncident(before, 'dispatched', { ...d.actor, ...(joinNote(unitIds.join(','), note) ? { note: joinNote(unitIds.join(','), note)! } : {}) });
    if (!r.ok) {
      return before.status === 'dispatched' || before.status === 'en_route' || before.status === 'on_scene'
        ? refuse('already_dispatched', { incidentId }, `incident ${incidentId} is already ${before.status}: send backup instead`)
        : illegal(r.error);
    }
    // Whoever sends the first units has seen the alarm: dispatching acknowledges it.
    d.setIncident(r.state.alarmAcknowledged ? r.state : { ...r.state, alarmAcknowledged: { by: d.actor.by, at: d.actor.at } });
  } else if (!['dispatched', 'en_route', 'on_scene'].includes(before.status)) {
    return refuse('backup_needs_dispatch', { incidentId, status: before.status }, `backup needs a dispatched incident; ${incidentId} is ${before.status}`);
  }
  for (const id of unitIds) {
    const read = d.read(id);
    if (read.state.status !== 'available') return fail(unavailableError(read));
    const bad = notSendable(read) ?? d.moveUnit(id, 'dispatched', incidentId);
    if (bad) return bad;
    d.order(id, kind, incidentId, note);
  }
  const i = d.incident(incidentId);
  d.setIncident({ ...i, assignedUnitIds: [...i.assignedUnitIds, ...unitIds.filter((u) => !i.assignedUnitIds.includes(u))] });
  return d.plan(incidentId);
}

export function planReassign(input: PlanInput, incidentId: string, fromUnitId: string, toUnitId: string, note?: string): PlanResult {
  const d = new Draft(input);
  const i = d.incident(incidentId);
  const from = d.unit(fromUnitId);
  if (fromUnitId === toUnitId) return refuse('reassign_same_unit', { unitId: fromUnitId }, `reassign needs a different unit than ${fromUnitId}`);
  if (from.incidentId !== incidentId || !isAssignedStatus(from.status)) {
    return refuse('unit_not_assigned', { unitId: fromUnitId, incidentId }, `unit ${fromUnitId} is not assigned to incident ${incidentId}`, { unitId: fromUnitId, unitStatus: from.status });
  }
  const toRead = d.read(toUnitId);
  if (toRead.state.status !== 'available') return fail(unavailableError(toRead));
  const bad = notSendable(toRead) ?? d.moveUnit(fromUnitId, 'available') ?? d.moveUnit(toUnitId, 'dispatched', incidentId);
  if (bad) return bad;
  d.order(fromUnitId, 'recall', incidentId, note);
  d.order(toUnitId, 'reassign', incidentId, note);
  d.setIncident({ ...i, assignedUnitIds: i.assignedUnitIds.map((u) => (u === fromUnitId ? toUnitId : u)) });
  return d.plan(incidentId);
}

/** Releases every unit working on the incident, each with an order of `kind`. */
function releaseAll(d: Draft, incidentId: string, kind: OrderKind, note?: string): PlanResult | null {
  for (const id of d.unitsOf(incidentId)) {
    const bad = d.moveUnit(id, 'available');
    if (bad) return bad;
    d.order(id, kind, incidentId, note);
  }
  d.setIncident({ ...d.incident(incidentId), assignedUnitIds: [] });
  return null;
}

export function planCancel(input: PlanInput, incidentId: string, reason: string): PlanResult {
  const d = new Draft(input);
  const r = transitionIncident(d.incident(incidentId), 'cancelled', { ...d.actor, note: reason });
  if (!r.ok) return illegal(r.error);
  d.setIncident(r.state);
  return releaseAll(d, incidentId, 'cancel', reason) ?? d.plan(incidentId);
}

export function planResolve(input: PlanInput, incidentId: string, note?: string): PlanResult {
  const d = new Draft(input);
  const r = transitionIncident(d.incident(incidentId), 'resolved', note ? { ...d.actor, note } : d.actor);
  if (!r.ok) return illegal(r.error);
  d.setIncident(r.state);
  return releaseAll(d, incidentId, 'recall', note) ?? d.plan(incidentId);
}

export function planClose(input: PlanInput, incidentId: string, outcome: Outcome, note?: string): PlanResult {
  const d = new Draft(input);
  const r = transitionIncident(d.incident(incidentId), 'closed', note ? { ...d.actor, note } : d.actor, { outcome });
  if (!r.ok) return illegal(r.error);
  d.setIncident(r.state);
  return d.plan(incidentId);
}

export function planMerge(input: PlanInput, incidentId: string, intoId: string, note?: string): PlanResult {
  const d = new Draft(input);
  if (incidentId === intoId) return refuse('merge_into_self', { incidentId }, `incident ${incidentId} cannot be merged into itself`);
  const into = d.incident(intoId);
  if (!['received', 'dispatched', 'en_route', 'on_scene'].includes(into.status)) {
    return refuse('merge_target_closed', { incidentId: intoId, status: into.status }, `incident ${intoId} is ${into.status}: merge only into an open, unresolved incident`);
  }
  const moving = d.unitsOf(incidentId);
  const r = transitionIncident(d.incident(incidentId), 'merged', joinNote(`→ ${intoId}`, note) ? { ...d.actor, note: joinNote(`→ ${intoId}`, note)! } : d.actor, { mergedInto: intoId });
  if (!r.ok) return illegal(r.error);
  d.setIncident({ ...r.state, assignedUnitIds: [] });
  for (const id of moving) {
    const u = d.unit(id);
    d.setUnit({ ...u, incidentId: intoId }, d.assignmentTo(intoId));
    d.order(id, 'reassign', intoId, note);
  }
  d.setIncident({ ...into, assignedUnitIds: [...into.assignedUnitIds, ...moving.filter((u) => !into.assignedUnitIds.includes(u))] });
  const bad = d.follow(intoId, undefined, { code: 'merged_from', params: { incidentId } });
  if (bad) return bad;
  return d.plan(incidentId);
}

/** POST /api/incidents/:id/acknowledge — ends the incident's alarm on every wall. Only an open incident has an
 *  alarm to acknowledge; a second acknowledgement names the first (the banner already ended for everyone). */
export function planAcknowledge(input: PlanInput, incidentId: string): PlanResult {
  const d = new Draft(input);
  const incident = d.incident(incidentId);
  if (!isOpenStatus(incident.status)) {
    return refuse('alarm_closed', { incidentId, status: incident.status }, `incident ${incidentId} is ${incident.status}: no alarm to acknowledge`);
  }
  const ack = incident.alarmAcknowledged;
  if (ack) {
    return refuse('already_acknowledged', { incidentId, by: ack.by }, `the alarm was already acknowledged by ${ack.by}`, { heldBy: ack.by });
  }
  d.setIncident({ ...incident, alarmAcknowledged: { by: d.actor.by, at: d.actor.at } });
  return d.plan(incidentId);
}

/** 不是重复: the dispatcher says a suspected duplicate stands on its own. The flag goes, the dismissal stays (who,
 *  when, which original), so the ingest path never flags it again; the audit log keeps the note. */
export function planDismissDuplicate(input: PlanInput, incidentId: string): PlanResult {
  const d = new Draft(input);
  const i = d.incident(incidentId);
  if (!i.suspectedDuplicate) return refuse('not_duplicate', { incidentId }, `incident ${incidentId} is not flagged as a suspected duplicate`);
  const { suspectedDuplicate, ...rest } = i;
  d.setIncident({ ...rest, duplicateDismissed: { of: suspectedDuplicate.of, by: d.actor.by, at: d.actor.at } });
  return d.plan(incidentId);
}

/** POST /api/units/:id/status — a dispatcher's available / busy / off_duty for a unit that is not assigned. */
export function planUnitStatus(input: PlanInput, unitId: string, to: 'available' | 'busy' | 'off_duty', note?: string): PlanResult {
  const d = new Draft(input);
  const read = d.read(unitId);
  if (read.state.incidentId) {
    return refuse(
      'unit_assigned', { unitId, incidentId: read.state.incidentId },
      `unit ${unitId} is assigned to incident ${read.state.incidentId}: reassign, cancel or resolve it first`,
      { unitId, unitStatus: read.state.status, heldByIncidentId: read.state.incidentId, ...(read.assignment ? { heldBy: read.assignment.by } : {}) },
    );
  }
  return d.moveUnit(unitId, to, undefined, note) ?? d.plan(undefined);
}

/** A unit's own report over the device channel. `incidentIds` read must include the unit's incident. */
export function planUnitReport(input: PlanInput, unitId: string, report: UnitReport): PlanResult {
  const d = new Draft(input);
  const u = d.unit(unitId);
  const own = u.incidentId;
  if (report.incidentId && report.incidentId !== own) {
    return fail({
      status: 403, error: 'not_your_incident', unitId, params: { unitId, incidentId: report.incidentId },
      message: `unit ${unitId} is not assigned to incident ${report.incidentId}`,
    });
  }
  const note = report.note;
  if (report.status === 'en_route' || report.status === 'on_scene') {
    if (!own) return refuse('no_incident', { unitId }, `unit ${unitId} has no incident to be ${report.status} for`, { unitId, unitStatus: u.status });
    return d.moveUnit(unitId, report.status, undefined, note) ?? d.follow(own, `${unitId}`) ?? d.plan(own);
  }
  // resolved / available / busy / off_duty
  if (own) {
    if (u.status !== 'on_scene' || report.status === 'off_duty') {
      return refuse(
        'report_too_early', { unitId, incidentId: own, status: u.status, report: report.status },
        `unit ${unitId} is ${u.status} for incident ${own}: it can report ${report.status} only when on scene and done (off duty after that)`,
        { unitId, unitStatus: u.status, heldByIncidentId: own },
      );
    }
    const bad = d.moveUnit(unitId, report.status === 'busy' ? 'busy' : 'available', undefined, note);
    if (bad) return bad;
    const i = d.incident(own);
    const remaining = i.assignedUnitIds.filter((id) => id !== unitId);
    d.setIncident({ ...i, assignedUnitIds: remaining });
    if (d.unitsOf(own).length === 0) {
      const r = transitionIncident(d.incident(own), 'resolved', joinNote(unitId, note) ? { ...d.actor, note: joinNote(unitId, note)! } : d.actor);
      if (!r.ok) return illegal(r.error);
      d.setIncident(r.state);
    }
    return d.plan(own);
  }
  if (report.status === 'resolved') return refuse('no_incident', { unitId }, `unit ${unitId} has no incident to resolve`, { unitId, unitStatus: u.status });
  return d.moveUnit(unitId, report.status, undefined, note) ?? d.plan(undefined);
}

/** Geofence arrival: null when the unit is no longer on its way to that incident (nothing to do). */
export function planArrival(input: PlanInput, unitId: string, incidentId: string): PlanResult | null {
  const d = new Draft(input);
  const u = d.unit(unitId);
  if (u.incidentId !== incidentId || (u.status !== 'dispatched' && u.status !== 'en_route')) return null;
  if (!input.incidents.has(incidentId)) return null;
  return d.moveUnit(unitId, 'on_scene') ?? d.follow(incidentId, unitId) ?? d.plan(incidentId);
}

/**
 * Tiered call-out of minimum emergency units: every unit within the requested ring (1, 3 or 5 minutes, smaller
 * rings included) that was not alerted for this incident before gets an `alert` order. Their status is not
 * changed: they are not police and are not dispatched.
 */
export function planAlert(input: PlanInput, incidentId: string, ringUnits: readonly RingUnit[], alreadyAlerted: ReadonlySet<string>, note?: string): PlanResult {
  const d = new Draft(input);
  const i = d.incident(incidentId);
  if (!isOpenStatus(i.status) || i.status === 'resolved') {
    return refuse('call_out_closed', { incidentId, status: i.status }, `incident ${incidentId} is ${i.status}: no call-out`);
  }
  const fresh = ringUnits.map((u) => u.unitId).filter((id) => !alreadyAlerted.has(id) && input.units.has(id));
  for (const id of fresh) d.order(id, 'alert', incidentId, note);
  const plan = d.plan(incidentId, fresh);
  if (plan.ok && fresh.length > 0) plan.plan.alerted = { incidentId, unitIds: fresh };
  return plan;
}
