// The community commands' plans: from what was read, the shared machines decide the new case or tasks, and this
// file says what rides along (incident link, repeat fingerprints, terminal notices). No I/O here except the reads a
// plan needs afresh on every attempt, passed in as functions.
import {
  TEAM_OF_KIND, cancelTask, closeDispute, findTaskKind, maskName, maskPhone, openDispute, recordFollowup, recordSession,
  reopenDispute, repeatKeys, reportTask, reviewTask, routeDispute, transitionTask,
  type CommunityActor, type CommunityRefusal, type CommunityResult, type CommunityTask, type DisputeCase, type DisputeLimits,
  type FollowupRequest, type Incident, type LngLat, type OpenDisputeRequest, type OrderTaskRequest, type RouteDisputeRequest,
  type SessionRequest, type TaskCatalogue, type TaskFeedbackRequest, type TaskNotice, type Unit, type UnitKind,
} from '@ccr/shared';
import type { ErrorCode, ErrorParams, Jurisdiction } from '@ccr/shared';
import { gridLocatorFor } from '../ingest/incident-ingest.js';
import { notFound, type CommunityError, type PlanInput, type PlanOutcome } from './community-commands.js';
import type { CommunitySettings } from './community-settings.js';
import type { Read } from './community-repository.js';

export interface CommunityContext {
  limits: DisputeLimits;
  repeatWindowMs: number;
  catalogue: TaskCatalogue;
  gridIds: ReadonlySet<string>;
  /** The community officer of each grid that has one (一格一警). */
  gridOfficers: ReadonlyMap<string, string>;
  units: ReadonlyMap<string, Unit>;
  locateGrid(p: LngLat): string | null;
}

/** The plans' context from the jurisdiction and the settings (the module builds it; so can history seeding, which
 *  writes through the same plans and CommunityCommands without a server). */
export function buildCommunityContext(jurisdiction: Jurisdiction, settings: CommunitySettings): CommunityContext {
  const grids = jurisdiction.grids.features.map((f) => f.properties);
  return {
    limits: settings.limits,
    repeatWindowMs: settings.repeatWindowMs,
    catalogue: settings.catalogue,
    gridIds: new Set(grids.map((g) => g.id)),
    gridOfficers: new Map(grids.flatMap((g) => (g.officerId ? [[g.id, g.officerId] as const] : []))),
    units: new Map(jurisdiction.units.map((u) => [u.id, u])),
    locateGrid: gridLocatorFor(jurisdiction.grids),
  };
}

/** Kinds a task can be given to: people with a terminal, not the fixed places of minimum emergency units. */
export const TASKABLE_KINDS: readonly UnitKind[] = ['community_officer', 'combat_unit', 'foot_patrol', 'patrol_car', 'case_officer', 'volunteer_team'];
/** An order to a team or every grid makes at most this many tasks. */
export const MAX_RECIPIENTS = 500;

export const badRequest = <C extends ErrorCode>(error: C, params: ErrorParams<C>, en: string, extra: Partial<CommunityError> = {}): CommunityError =>
  ({ status: 400, error, params, message: en, ...extra });

export function fromRefusal(r: CommunityRefusal): CommunityError {
  return {
    status: r.code === 'future_time' ? 400 : 409, error: r.code, params: r.params, message: r.message, subject: r.subject, id: r.id,
    ...(r.from ? { from: r.from } : {}), ...(r.to ? { to: r.to } : {}),
  };
}

function disputeStep(input: PlanInput, id: string, step: (c: DisputeCase) => CommunityResult<DisputeCase>): PlanOutcome {
  const before = input.disputes.get(id)!;
  const r = step(before.value);
  if (!r.ok) return { ok: false, error: fromRefusal(r.error) };
  return { ok: true, write: { disputes: [{ before, after: r.state }], tasks: [], notices: [] }, answer: { dispute: r.state } };
}

// --- disputes ----------------------------------------------------------------------------------------------------

export interface OpenReads {
  incident(id: string): Promise<Read<Incident> | null>;
  repeatsOf(repeatKeys: string[], since: number): Promise<{ ids: string[]; fingerprints: string[] }>;
}

export async function planOpenDispute(ctx: CommunityContext, input: PlanInput, id: string, req: OpenDisputeRequest, reads: OpenReads): Promise<PlanOutcome> {
  const { actor } = input;
  if (req.source === 'incident' && !req.incidentId) {
    return { ok: false, error: badRequest('incident_required', {}, 'a case from an incident needs incidentId') };
  }
  let incident: Read<Incident> | null = null;
  if (req.incidentId) {
    incident = await reads.incident(req.incidentId);
    if (!incident) return { ok: false, error: notFound('incident', req.incidentId) };
    const linked = incident.value.disputeCaseId;
    if (linked) {
      return { ok: false, error: { status: 409, error: 'already_linked', subject: 'incident', id: req.incidentId, params: { incidentId: req.incidentId, disputeId: linked }, message: `incident ${req.incidentId} already became dispute ${linked}` } };
    }
  }
  if ((req.lng === undefined) !== (req.lat === undefined)) {
    return { ok: false, error: badRequest('invalid_location', {}, 'give both lng and lat, or neither') };
  }
  const point: LngLat | null = req.lng !== undefined && req.lat !== undefined ? [req.lng, req.lat] : incident ? [incident.value.lng, incident.value.lat] : null;
  if (!point) return { ok: false, error: badRequest('location_required', {}, 'give the place (lng, lat) or the incident it came from') };
  let gridId: string | null;
  if (req.gridId !== undefined) {
    if (!ctx.gridIds.has(req.gridId)) return { ok: false, error: badRequest('unknown_grid', { gridId: req.gridId }, `no police grid "${req.gridId}"`) };
    gridId = req.gridId;
  } else {
    gridId = ctx.locateGrid(point);
    if (!gridId) return { ok: false, error: badRequest('outside_grids', {}, 'the place lies in none of the station\'s police grids') };
  }
  const address = req.address ?? incident?.value.address ?? '';
  const repeats = await reads.repeatsOf(repeatKeys(req.parties, address), actor.at - ctx.repeatWindowMs);
  const c = openDispute({
    id, source: req.source, category: req.category,
    parties: req.parties.map((p) => ({ name: maskName(p.name), ...(p.phone ? { phone: maskPhone(p.phone) } : {}), ...(p.role ? { role: p.role } : {}) })),
    address, lng: point[0], lat: point[1], gridId, riskLevel: req.riskLevel, mayEscalate: req.mayEscalate, summary: req.summary,
    incidentIds: req.incidentId ? [req.incidentId] : [], repeatOf: repeats.ids,
  }, actor, ctx.limits);
  return {
    ok: true,
    write: {
      disputes: [{ before: null, after: c }], tasks: [], notices: [],
      repeatFingerprints: repeats.fingerprints.map((fingerprint) => ({ fingerprint, caseId: id, at: actor.at })),
      ...(incident ? { incident: { before: incident, after: { ...incident.value, disputeCaseId: id, updatedAt: actor.at } } } : {}),
    },
    answer: { dispute: c },
  };
}

export function planRoute(ctx: CommunityContext, input: PlanInput, id: string, req: RouteDisputeRequest): PlanOutcome {
  if (req.owner.unitId !== undefined && !ctx.units.has(req.owner.unitId)) {
    return { ok: false, error: badRequest('unknown_unit', { unitId: req.owner.unitId }, `no unit "${req.owner.unitId}"`) };
  }
  return disputeStep(input, id, (c) => routeDispute(c, req.tier, req.owner, actorWith(input.actor, req.note), ctx.limits));
}

export function planSession(ctx: CommunityContext, input: PlanInput, id: string, req: SessionRequest): PlanOutcome {
  return disputeStep(input, id, (c) => recordSession(c, {
    heldAt: req.heldAt ?? input.actor.at, participants: req.participants, result: req.result, ...(req.note ? { note: req.note } : {}),
  }, input.actor, ctx.limits));
}

export function planFollowup(ctx: CommunityContext, input: PlanInput, id: string, req: FollowupRequest): PlanOutcome {
  return disputeStep(input, id, (c) => recordFollowup(c, { satisfaction: req.satisfaction, recurred: req.recurred, ...(req.note ? { note: req.note } : {}) }, input.actor, ctx.limits));
}

export function planClose(ctx: CommunityContext, input: PlanInput, id: string, reason: string | undefined): PlanOutcome {
  return disputeStep(input, id, (c) => closeDispute(c, reason, input.actor, ctx.limits));
}

export function planReopen(ctx: CommunityContext, input: PlanInput, id: string, reason: string): PlanOutcome {
  return disputeStep(input, id, (c) => reopenDispute(c, reason, input.actor, ctx.limits));
}

const actorWith = (a: CommunityActor, note: string | undefined): CommunityActor => (note ? { ...a, note } : a);

// --- tasks -------------------------------------------------------------------------------------------------------

/** Who an order reaches, or why it reaches no one. */
export function recipientsOf(ctx: CommunityContext, target: OrderTaskRequest['target']): { ok: true; units: Unit[] } | { ok: false; error: CommunityError } {
  let units: Unit[];
  if (target.kind === 'unit') {
    const u = ctx.units.get(target.unitId);
    if (!u) return { ok: false, error: badRequest('unknown_unit', { unitId: target.unitId }, `no unit "${target.unitId}"`) };
    if (!TASKABLE_KINDS.includes(u.kind)) return { ok: false, error: badRequest('not_taskable', { unitId: target.unitId, name: u.name }, `${target.unitId} is a minimum emergency unit: it takes no tasks`) };
    units = [u];
  } else if (target.kind === 'team') {
    units = [...ctx.units.values()].filter((u) => TASKABLE_KINDS.includes(u.kind) && TEAM_OF_KIND[u.kind] === target.team);
  } else {
    units = [...new Set(ctx.gridOfficers.values())].flatMap((id) => { const u = ctx.units.get(id); return u ? [u] : []; });
  }
  if (units.length === 0) return { ok: false, error: badRequest('no_recipients', {}, 'no unit receives this order') };
  if (units.length > MAX_RECIPIENTS) return { ok: false, error: badRequest('too_many_recipients', { max: MAX_RECIPIENTS }, `an order makes at most ${MAX_RECIPIENTS} tasks`) };
  return { ok: true, units };
}

/** Checks an order before ids are taken: the catalogue, the due time. */
export function checkOrder(ctx: CommunityContext, req: OrderTaskRequest, now: number): CommunityError | null {
  if (!findTaskKind(ctx.catalogue, req.category, req.kind)) {
    return badRequest('unknown_task_kind', { category: req.category, kind: req.kind }, `the task catalogue has no ${req.category}/${req.kind}`);
  }
  if (req.dueAt <= now) return badRequest('due_in_past', {}, 'the due time must be in the future');
  return null;
}

const notice = (t: CommunityTask, reason: TaskNotice['reason']): TaskNotice => ({
  // Fixed per task state: a plan made again after a conflict names the same notice.
  noticeId: `tn-${t.id}-${t.timeline.length}`, unitId: t.assignee.unitId, reason, issuedAt: t.updatedAt, task: t,
});

export function planOrder(input: PlanInput, req: OrderTaskRequest, units: readonly Unit[], ids: readonly string[], batchId: string): PlanOutcome {
  const { actor } = input;
  const tasks: CommunityTask[] = units.map((u, i) => ({
    id: ids[i]!, batchId, status: 'ordered', category: req.category, kind: req.kind, instructions: req.instructions, target: req.target,
    assignee: { unitId: u.id, name: u.name, kind: u.kind, team: TEAM_OF_KIND[u.kind], gridId: u.gridId ?? null },
    dueAt: req.dueAt, requires: req.requires, feedback: [], reviews: [], orderedAt: actor.at, orderedBy: actor.by, updatedAt: actor.at,
    timeline: [{ status: 'ordered', at: actor.at, by: actor.by }],
  }));
  return {
    ok: true,
    write: { disputes: [], tasks: tasks.map((after) => ({ before: null, after })), notices: tasks.map((t) => notice(t, 'ordered')) },
    answer: { tasks },
  };
}

/** The terminal of `unitId` may act only on its own tasks (undefined: a person acting on the assignee's behalf). */
function taskStep(input: PlanInput, id: string, unitId: string | undefined, step: (t: CommunityTask) => CommunityResult<CommunityTask>, tell?: TaskNotice['reason']): PlanOutcome {
  const before = input.tasks.get(id)!;
  if (unitId !== undefined && before.value.assignee.unitId !== unitId) {
    return { ok: false, error: { status: 409, error: 'not_assignee', subject: 'task', id, params: { taskId: id, unitId }, message: `task ${id} is not assigned to ${unitId}` } };
  }
  const r = step(before.value);
  if (!r.ok) return { ok: false, error: fromRefusal(r.error) };
  return { ok: true, write: { disputes: [], tasks: [{ before, after: r.state }], notices: tell ? [notice(r.state, tell)] : [] }, answer: { tasks: [r.state] } };
}

export const planAccept = (input: PlanInput, id: string, unitId: string | undefined): PlanOutcome =>
  taskStep(input, id, unitId, (t) => transitionTask(t, 'accepted', input.actor));

export const planFeedback = (input: PlanInput, id: string, unitId: string | undefined, fb: Omit<TaskFeedbackRequest, 'commandId'>): PlanOutcome =>
  taskStep(input, id, unitId, (t) => reportTask(t, fb, input.actor));

export const planReview = (input: PlanInput, id: string, verdict: 'accepted' | 'returned', reason: string | undefined): PlanOutcome =>
  taskStep(input, id, undefined, (t) => reviewTask(t, verdict, reason, input.actor), verdict === 'returned' ? 'returned' : undefined);

export const planCancelTask = (input: PlanInput, id: string, reason: string): PlanOutcome =>
  taskStep(input, id, undefined, (t) => cancelTask(t, reason, input.actor), 'cancelled');
