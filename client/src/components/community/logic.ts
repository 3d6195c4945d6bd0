// The community console's and wall panel's pure logic: what comes first, which step a case is at, whether a form
// may be sent (and the request it makes), and the wall's month and today figures kept current from live events.
// No Vue, no I/O: unit-tested in logic.test.ts.
import {
  countsDelta, disputeCounts, findTaskKind, isDisputeOverdue, isTaskOverdue, taskCounts,
  type CloseDisputeRequest, type CommunityTask, type DisputeCase, type DisputeCategory, type DisputeSource,
  type DisputeStatus, type FigureCounts, type FollowupRequest, type MediationTier, type OpenDisputeRequest,
  type OrderTaskRequest, type ReopenDisputeRequest, type ReviewTaskRequest, type RiskLevel, type RouteDisputeRequest,
  type Satisfaction, type SessionRequest, type SessionResult, type TaskCatalogue, type TaskFeedbackRequest,
} from '@ccr/shared';
import type { MessageKey } from '../../i18n';

// ---- order -------------------------------------------------------------------------------------------------------

/** 0 overdue and may escalate, 1 overdue, 2 may escalate, 3 the rest: what the leader and the wall see first. */
export function disputeRank(c: Pick<DisputeCase, 'dueAt' | 'mayEscalate'>, now: number): number {
  return (isDisputeOverdue(c, now) ? 0 : 2) + (c.mayEscalate ? 0 : 1);
}

/** Open cases: overdue may-escalate first, then overdue, then may-escalate, then by deadline (none last), oldest first. */
export function disputeOrder(list: Iterable<DisputeCase>, now: number): DisputeCase[] {
  return [...list].sort((a, b) =>
    disputeRank(a, now) - disputeRank(b, now)
    || (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity)
    || a.createdAt - b.createdAt
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Open tasks by due time (overdue ones are the earliest), feedback waiting for review first among equals. */
export function taskOrder(list: Iterable<CommunityTask>): CommunityTask[] {
  return [...list].sort((a, b) =>
    a.dueAt - b.dueAt
    || Number(b.status === 'reported') - Number(a.status === 'reported')
    || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

// ---- stages ------------------------------------------------------------------------------------------------------

/** The console's and wall's four columns of open cases: 待分流 (incl. escalated), 调解中, 待回访, 待销号. */
export const STAGE_GROUPS = ['route', 'mediate', 'followup', 'close'] as const;
export type StageGroup = (typeof STAGE_GROUPS)[number];
export function stageGroupOf(status: DisputeStatus): StageGroup | null {
  switch (status) {
    case 'accepted': case 'escalated': return 'route';
    case 'routed': case 'mediating': return 'mediate';
    case 'mediated': return 'followup';
    case 'followed_up': return 'close';
    default: return null;
  }
}

export type DisputeAction = 'route' | 'session' | 'followup' | 'close' | 'reopen';
/** The step a case waits for (Enter opens it). */
export function nextDisputeAction(status: DisputeStatus): DisputeAction | null {
  switch (stageGroupOf(status)) {
    case 'route': return 'route';
    case 'mediate': return 'session';
    case 'followup': return 'followup';
    case 'close': return 'close';
    default: return null;
  }
}
/** Whether the machine allows the step now (shared/src/community/disputes.ts); the server judges again. */
export function disputeActionAllowed(status: DisputeStatus, action: DisputeAction): boolean {
  switch (action) {
    case 'route': return status === 'accepted' || status === 'escalated';
    case 'session': return status === 'routed' || status === 'mediating';
    case 'followup': return status === 'mediated';
    case 'close': return status !== 'closed';
    case 'reopen': return status === 'followed_up' || status === 'closed';
  }
}

export type TaskAction = 'review' | 'cancel' | 'accept' | 'feedback';
export function taskActionAllowed(t: Pick<CommunityTask, 'status'>, action: TaskAction): boolean {
  switch (action) {
    case 'review': return t.status === 'reported';
    case 'cancel': return t.status === 'ordered' || t.status === 'accepted' || t.status === 'returned';
    case 'accept': return t.status === 'ordered';
    case 'feedback': return t.status === 'accepted' || t.status === 'returned';
  }
}

export interface StageCounts { byGroup: Record<StageGroup, number>; open: number; overdue: number; mayEscalate: number; overdueMayEscalate: number }
export function stageCounts(list: Iterable<DisputeCase>, now: number): StageCounts {
  const byGroup: Record<StageGroup, number> = { route: 0, mediate: 0, followup: 0, close: 0 };
  let open = 0, overdue = 0, mayEscalate = 0, overdueMayEscalate = 0;
  for (const c of list) {
    const g = stageGroupOf(c.status);
    if (!g) continue;
    open++;
    byGroup[g]++;
    const late = isDisputeOverdue(c, now);
    if (late) overdue++;
    if (c.mayEscalate) mayEscalate++;
    if (late && c.mayEscalate) overdueMayEscalate++;
  }
  return { byGroup, open, overdue, mayEscalate, overdueMayEscalate };
}

/** Overdue may-escalate cases by grid: what the wall map marks. */
export function escalationMarks(list: Iterable<DisputeCase>, now: number): { id: string; gridId: string; lng: number; lat: number }[] {
  const out: { id: string; gridId: string; lng: number; lat: number }[] = [];
  for (const c of list) if (c.status !== 'closed' && c.mayEscalate && isDisputeOverdue(c, now)) out.push({ id: c.id, gridId: c.gridId, lng: c.lng, lat: c.lat });
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

export const overdueTasks = (list: Iterable<CommunityTask>, now: number): number => {
  let n = 0;
  for (const t of list) if (isTaskOverdue(t, now)) n++;
  return n;
};

// ---- forms -------------------------------------------------------------------------------------------------------

export interface FieldError { field: string; key: MessageKey; params?: Record<string, string | number> }
export type Built<T> = { ok: true; body: T } | { ok: false; errors: FieldError[] };
const built = <T>(errors: FieldError[], body: () => T): Built<T> => (errors.length ? { ok: false, errors } : { ok: true, body: body() });
type NoId<T> = Omit<T, 'commandId'>;

const PHONE = /^[0-9*+ -]{3,20}$/;
/** Lists typed with any of the separators people use: 、 ， , ; ； and new lines. */
export const splitList = (s: string): string[] => s.split(/[,，、;；\n]+/).map((x) => x.trim()).filter((x) => x.length > 0);

export interface PartyForm { name: string; phone: string; role: 'applicant' | 'respondent' | 'other' }
export interface OpenDisputeForm {
  source: DisputeSource;
  incidentId: string;
  category: DisputeCategory;
  parties: PartyForm[];
  address: string;
  gridId: string;
  riskLevel: RiskLevel;
  mayEscalate: boolean;
  summary: string;
}

/** 受理. Without an incident the place is the chosen grid's centre (no geocoder here): the grid is what counts. */
export function buildOpenDispute(f: OpenDisputeForm, gridCentre: (gridId: string) => [number, number] | null): Built<NoId<OpenDisputeRequest>> {
  const errors: FieldError[] = [];
  const parties = f.parties.map((p) => ({ name: p.name.trim(), phone: p.phone.trim(), role: p.role })).filter((p) => p.name || p.phone);
  if (parties.length === 0) errors.push({ field: 'parties', key: 'community.form.partyRequired' });
  parties.forEach((p, i) => {
    if (!p.name) errors.push({ field: `party${i}`, key: 'community.form.partyName', params: { n: i + 1 } });
    else if ([...p.name].length > 32) errors.push({ field: `party${i}`, key: 'community.form.tooLong', params: { max: 32 } });
    if (p.phone && !PHONE.test(p.phone)) errors.push({ field: `phone${i}`, key: 'community.form.phone', params: { n: i + 1 } });
  });
  if (parties.length > 10) errors.push({ field: 'parties', key: 'community.form.tooMany', params: { max: 10 } });
  const incidentId = f.incidentId.trim();
  if (f.source === 'incident' && !incidentId) errors.push({ field: 'incidentId', key: 'community.form.incidentRequired' });
  const centre = f.gridId ? gridCentre(f.gridId) : null;
  if (!incidentId && !centre) errors.push({ field: 'gridId', key: 'community.form.gridRequired' });
  const address = f.address.trim();
  if ([...address].length > 200) errors.push({ field: 'address', key: 'community.form.tooLong', params: { max: 200 } });
  const summary = f.summary.trim();
  if (!summary) errors.push({ field: 'summary', key: 'community.form.summaryRequired' });
  else if ([...summary].length > 1000) errors.push({ field: 'summary', key: 'community.form.tooLong', params: { max: 1000 } });
  return built(errors, () => ({
    source: f.source,
    ...(incidentId ? { incidentId } : {}),
    category: f.category,
    parties: parties.map((p) => ({ name: p.name, ...(p.phone ? { phone: p.phone } : {}), role: p.role })),
    ...(address ? { address } : {}),
    // From an incident the server takes its point; a chosen grid overrides where it lies.
    ...(!incidentId && centre ? { lng: centre[0], lat: centre[1] } : {}),
    ...(f.gridId ? { gridId: f.gridId } : {}),
    riskLevel: f.riskLevel, mayEscalate: f.mayEscalate, summary,
  }));
}

export interface RouteForm { tier: MediationTier; ownerUnitId: string; ownerName: string; note: string }
export function buildRoute(f: RouteForm, unitName: (id: string) => string | null): Built<NoId<RouteDisputeRequest>> {
  const errors: FieldError[] = [];
  const name = f.ownerName.trim() || (f.ownerUnitId ? unitName(f.ownerUnitId) ?? '' : '');
  if (!name) errors.push({ field: 'owner', key: 'community.form.ownerRequired' });
  else if ([...name].length > 64) errors.push({ field: 'owner', key: 'community.form.tooLong', params: { max: 64 } });
  const note = f.note.trim();
  if ([...note].length > 500) errors.push({ field: 'note', key: 'community.form.tooLong', params: { max: 500 } });
  return built(errors, () => ({ tier: f.tier, owner: { name, ...(f.ownerUnitId ? { unitId: f.ownerUnitId } : {}) }, ...(note ? { note } : {}) }));
}

/** A `datetime-local` value (this browser's zone) as epoch ms, or NaN. */
export function parseLocalDateTime(v: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(v.trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi] = m.slice(1, 6).map(Number) as [number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, m[6] ? Number(m[6]) : 0).getTime();
}
/** Epoch ms as a `datetime-local` value in this browser's zone (minutes). */
export function toLocalDateTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export interface SessionForm { heldAt: string; participants: string; result: SessionResult; note: string }
/** A session held "now" or earlier; a minute of clock difference with the server is allowed for. */
export function buildSession(f: SessionForm, now: number): Built<NoId<SessionRequest>> {
  const errors: FieldError[] = [];
  const participants = splitList(f.participants);
  if (participants.length === 0) errors.push({ field: 'participants', key: 'community.form.participantsRequired' });
  if (participants.length > 20) errors.push({ field: 'participants', key: 'community.form.tooMany', params: { max: 20 } });
  if (participants.some((p) => [...p].length > 64)) errors.push({ field: 'participants', key: 'community.form.tooLong', params: { max: 64 } });
  const heldAt = f.heldAt.trim() ? parseLocalDateTime(f.heldAt) : now;
  if (Number.isNaN(heldAt)) errors.push({ field: 'heldAt', key: 'community.form.badTime' });
  else if (heldAt > now + 60_000) errors.push({ field: 'heldAt', key: 'community.form.futureSession' });
  const note = f.note.trim();
  if ([...note].length > 500) errors.push({ field: 'note', key: 'community.form.tooLong', params: { max: 500 } });
  return built(errors, () => ({ heldAt: Math.min(heldAt, now), participants, result: f.result, ...(note ? { note } : {}) }));
}

export interface FollowupForm { satisfaction: Satisfaction | ''; recurred: boolean; note: string }
export function buildFollowup(f: FollowupForm): Built<NoId<FollowupRequest>> {
  const errors: FieldError[] = [];
  if (!f.satisfaction) errors.push({ field: 'satisfaction', key: 'community.form.satisfactionRequired' });
  const note = f.note.trim();
  if ([...note].length > 500) errors.push({ field: 'note', key: 'community.form.tooLong', params: { max: 500 } });
  return built(errors, () => ({ satisfaction: f.satisfaction as Satisfaction, recurred: f.recurred, ...(note ? { note } : {}) }));
}

/** 销号: plainly after a 回访, otherwise only with a reason. */
export function buildClose(reason: string, status: DisputeStatus): Built<NoId<CloseDisputeRequest>> {
  const r = reason.trim();
  const errors: FieldError[] = [];
  if (!r && status !== 'followed_up') errors.push({ field: 'reason', key: 'community.form.closeReason' });
  if ([...r].length > 500) errors.push({ field: 'reason', key: 'community.form.tooLong', params: { max: 500 } });
  return built(errors, () => (r ? { reason: r } : {}));
}

export function buildReopen(reason: string): Built<NoId<ReopenDisputeRequest>> {
  const r = reason.trim();
  const errors: FieldError[] = [];
  if (!r) errors.push({ field: 'reason', key: 'community.form.reasonRequired' });
  if ([...r].length > 500) errors.push({ field: 'reason', key: 'community.form.tooLong', params: { max: 500 } });
  return built(errors, () => ({ reason: r }));
}

export type TargetKind = 'unit' | 'team' | 'all_grids';
export interface OrderForm {
  category: string; kind: string; targetKind: TargetKind; unitId: string; team: 'community' | 'case' | 'patrol';
  dueAt: string; instructions: string; requireText: boolean; requireCount: boolean; requireLocation: boolean;
}
export function buildOrder(f: OrderForm, catalogue: TaskCatalogue, now: number): Built<NoId<OrderTaskRequest>> {
  const errors: FieldError[] = [];
  if (!findTaskKind(catalogue, f.category, f.kind)) errors.push({ field: 'kind', key: 'community.form.kindRequired' });
  if (f.targetKind === 'unit' && !f.unitId) errors.push({ field: 'unitId', key: 'community.form.assigneeRequired' });
  const dueAt = parseLocalDateTime(f.dueAt);
  if (Number.isNaN(dueAt)) errors.push({ field: 'dueAt', key: 'community.form.badTime' });
  else if (dueAt <= now) errors.push({ field: 'dueAt', key: 'community.form.dueInPast' });
  const instructions = f.instructions.trim();
  if (!instructions) errors.push({ field: 'instructions', key: 'community.form.instructionsRequired' });
  else if ([...instructions].length > 1000) errors.push({ field: 'instructions', key: 'community.form.tooLong', params: { max: 1000 } });
  const target: OrderTaskRequest['target'] = f.targetKind === 'unit' ? { kind: 'unit', unitId: f.unitId } : f.targetKind === 'team' ? { kind: 'team', team: f.team } : { kind: 'all_grids' };
  return built(errors, () => ({
    target, category: f.category, kind: f.kind, instructions, dueAt,
    requires: { text: f.requireText, count: f.requireCount, location: f.requireLocation },
  }));
}

export interface ReviewForm { verdict: 'accepted' | 'returned'; reason: string }
export function buildReview(f: ReviewForm): Built<NoId<ReviewTaskRequest>> {
  const r = f.reason.trim();
  const errors: FieldError[] = [];
  if (f.verdict === 'returned' && !r) errors.push({ field: 'reason', key: 'community.form.returnReason' });
  if ([...r].length > 500) errors.push({ field: 'reason', key: 'community.form.tooLong', params: { max: 500 } });
  return built(errors, () => ({ verdict: f.verdict, ...(r ? { reason: r } : {}) }));
}

export interface FeedbackForm { text: string; count: string }
/** Feedback entered on the assignee's behalf (a phone call from the grid): what the order requires must be there. */
export function buildFeedback(f: FeedbackForm, requires: CommunityTask['requires']): Built<NoId<TaskFeedbackRequest>> {
  const errors: FieldError[] = [];
  const text = f.text.trim();
  const count = f.count.trim() === '' ? undefined : Number(f.count.trim());
  if (requires.text && !text) errors.push({ field: 'text', key: 'community.form.feedbackText' });
  if ([...text].length > 1000) errors.push({ field: 'text', key: 'community.form.tooLong', params: { max: 1000 } });
  if (count !== undefined && (!Number.isInteger(count) || count < 0 || count > 1_000_000)) errors.push({ field: 'count', key: 'community.form.badCount' });
  else if (requires.count && count === undefined) errors.push({ field: 'count', key: 'community.form.feedbackCount' });
  if (requires.location) errors.push({ field: 'location', key: 'community.form.locationFromTerminal' });
  return built(errors, () => ({ ...(text ? { text } : {}), ...(count !== undefined ? { count } : {}) }));
}

// ---- the wall's figures, kept current ---------------------------------------------------------------------------

/** This month's mediation and 回访 counts and today's tasks, as the server counts them (shared figures.ts): a case
 *  counts in the month it was opened, a task on the day it is due. Started from the server, moved by each change. */
export interface LiveFigures {
  /** Local month (YYYY-MM) and day (YYYY-MM-DD) the counts are for. */
  month: string;
  day: string;
  disputes: FigureCounts;
  tasks: FigureCounts;
}
const DISPUTE_FIELDS = ['m', 's', 'fu', 'fu|sat:satisfied', 'fu|sat:basic'] as const;
const TASK_FIELDS = ['t', 'ok', 'ot'] as const;

function moveBy(into: FigureCounts, delta: FigureCounts, fields: readonly string[]): FigureCounts {
  const out = { ...into };
  for (const f of fields) if (delta[f]) out[f] = (out[f] ?? 0) + delta[f]!;
  return out;
}

/** One change of a case; `localDay` names the station's day of an instant. */
export function moveDisputeFigures(fig: LiveFigures, before: DisputeCase | null, after: DisputeCase, localDay: (ms: number) => string): LiveFigures {
  if (localDay(after.createdAt).slice(0, 7) !== fig.month) return fig;
  return { ...fig, disputes: moveBy(fig.disputes, countsDelta(before ? disputeCounts(before) : null, disputeCounts(after)), DISPUTE_FIELDS) };
}
export function moveTaskFigures(fig: LiveFigures, before: CommunityTask | null, after: CommunityTask, localDay: (ms: number) => string): LiveFigures {
  if (localDay(after.dueAt) !== fig.day) return fig;
  return { ...fig, tasks: moveBy(fig.tasks, countsDelta(before ? taskCounts(before) : null, taskCounts(after)), TASK_FIELDS) };
}

export interface FigureView { successRate: number | null; satisfactionRate: number | null; mediated: number; followups: number; tasksDue: number; tasksDone: number }
export function figureView(fig: LiveFigures): FigureView {
  const d = (f: string): number => fig.disputes[f] ?? 0;
  const tc = (f: string): number => fig.tasks[f] ?? 0;
  return {
    successRate: d('m') ? d('s') / d('m') : null,
    satisfactionRate: d('fu') ? (d('fu|sat:satisfied') + d('fu|sat:basic')) / d('fu') : null,
    mediated: d('m'), followups: d('fu'), tasksDue: tc('t'), tasksDone: tc('ok'),
  };
}

/** Whether a change can be applied without knowing the state before it: a case or task just made. */
export const isNewDispute = (c: DisputeCase): boolean => c.timeline.length === 1;
export const isNewTask = (t: CommunityTask): boolean => t.timeline.length === 1;

// ---- how long -----------------------------------------------------------------------------------------------------

/** A span as the console says it: 2天3时 / 3时12分 / 12分 (2d 3h / 3h 12m / 12m), never seconds. */
export function spanParts(ms: number): { key: 'community.span.dh' | 'community.span.hm' | 'community.span.m'; params: { d: number; h: number; m: number } } {
  const mins = Math.max(0, Math.floor(Math.abs(ms) / 60_000));
  const d = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  if (d > 0) return { key: 'community.span.dh', params: { d, h, m } };
  if (h > 0) return { key: 'community.span.hm', params: { d, h, m } };
  return { key: 'community.span.m', params: { d, h, m } };
}

const shortFormats = new Map<string, Intl.DateTimeFormat>();
/** 12-05 14:30 in the station's zone. */
export function shortTime(ms: number, timeZone: string): string {
  let f = shortFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    shortFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return `${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

/** A grid's centre: the mean of its outer ring's corners (the point a case without one is placed at). */
export function ringCentre(coords: readonly (readonly number[])[]): [number, number] | null {
  const pts = coords.length > 1 && coords[0]![0] === coords.at(-1)![0] && coords[0]![1] === coords.at(-1)![1] ? coords.slice(0, -1) : coords;
  if (pts.length === 0) return null;
  let x = 0, y = 0;
  for (const p of pts) { x += p[0]!; y += p[1]!; }
  return [x / pts.length, y / pts.length];
}

/** The console's one-screen forms. */
export type DialogMode = 'open' | 'route' | 'session' | 'followup' | 'close' | 'reopen' | 'order' | 'review' | 'feedback' | 'cancelTask';

/** "王先生 138****0000" (an incident's reporter) as a party's name and phone. */
export function reporterParty(reporter: string | undefined): { name: string; phone: string } {
  const r = (reporter ?? '').trim();
  const m = /^(.*?)[\s,，]*([0-9*+][0-9*+ -]{2,19})$/.exec(r);
  return m ? { name: m[1]!.trim(), phone: m[2]!.trim() } : { name: r, phone: '' };
}
