// Community tasks (社区警务任务): 下单 → 接单 → 反馈 → 督导 (accepted, or returned for rework). Pure, like disputes.ts.
//
//   from \ to   ordered accepted reported returned done cancelled
//   ordered                ✓                                ✓
//   accepted                        ✓                       ✓
//   reported                                 ✓       ✓
//   returned                        ✓                       ✓
//   done, cancelled: final.
//
// - Feedback (reported) comes from the assignee's terminal; the supervisor (督导) accepts it (done) or returns it
//   (返工, with a reason), after which the assignee reports again.
// - A task under review is not cancelled: the supervisor decides first.
// - Overdue is not a status: a task not done by its due time is overdue (isTaskOverdue), whatever its status.
// - On time = the feedback that was finally accepted was reported by the due time.
import { Type, type Static } from '@sinclair/typebox';
import { GridIdSchema, LatSchema, LngSchema, UnitIdSchema, UnitKindSchema } from '../domain.js';
import { EpochMsSchema } from '../time.js';
import { TASK_STATUSES, type TaskStatus } from './labels.js';
import type { CommunityActor, CommunityRefusal, CommunityResult } from './disputes.js';
import type { AckError } from '../errors.js';

export const TaskStatusSchema = Type.Union(TASK_STATUSES.map((s) => Type.Literal(s)));
export const TASK_TRANSITIONS: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  ordered: ['accepted', 'cancelled'],
  accepted: ['reported', 'cancelled'],
  reported: ['returned', 'done'],
  returned: ['reported', 'cancelled'],
  done: [],
  cancelled: [],
};
export const OPEN_TASK_STATUSES: readonly TaskStatus[] = ['ordered', 'accepted', 'reported', 'returned'];
export const canTaskTransition = (from: TaskStatus, to: TaskStatus): boolean => TASK_TRANSITIONS[from].includes(to);

// --- the catalogue (COMMUNITY_TASK_CATALOGUE) ------------------------------------------------------------------

const CodeSchema = Type.String({ minLength: 1, maxLength: 40, pattern: '^[a-z][a-z0-9_]*$' });
const LabelSchema = Type.String({ minLength: 1, maxLength: 40 });
export const TaskKindSchema = Type.Object(
  {
    id: CodeSchema, zh: LabelSchema, en: LabelSchema,
    /** What the feedback's count counts (走访户数 households visited); absent when the kind has no count. */
    countLabel: Type.Optional(Type.Object({ zh: LabelSchema, en: LabelSchema }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export const TaskCategorySchema = Type.Object(
  { id: CodeSchema, zh: LabelSchema, en: LabelSchema, kinds: Type.Array(TaskKindSchema, { minItems: 1, maxItems: 200 }) },
  { additionalProperties: false },
);
export const TaskCatalogueSchema = Type.Array(TaskCategorySchema, { minItems: 1, maxItems: 50 });
export type TaskCatalogue = Static<typeof TaskCatalogueSchema>;

/** The seeded catalogue: the six categories the articles' standard tasks fall into, a few kinds each. */
export const DEFAULT_TASK_CATALOGUE: TaskCatalogue = [
  { id: 'visit', zh: '走访', en: 'Household visits', kinds: [
    { id: 'household_visit', zh: '入户走访', en: 'Door-to-door visit', countLabel: { zh: '走访户数', en: 'households visited' } },
    { id: 'elderly_visit', zh: '独居老人走访', en: 'Visit elderly living alone', countLabel: { zh: '走访人数', en: 'people visited' } },
    { id: 'shop_visit', zh: '沿街商户走访', en: 'Visit street shops', countLabel: { zh: '走访商户数', en: 'shops visited' } },
  ] },
  { id: 'hazard', zh: '隐患排查', en: 'Hazard inspection', kinds: [
    { id: 'fire_hazard', zh: '消防隐患排查', en: 'Fire hazard check', countLabel: { zh: '排查场所数', en: 'places checked' } },
    { id: 'rental_check', zh: '出租屋排查', en: 'Rental housing check', countLabel: { zh: '排查户数', en: 'homes checked' } },
    { id: 'ebike_charging', zh: '电动车充电隐患', en: 'E-bike charging hazards', countLabel: { zh: '排查点位数', en: 'spots checked' } },
  ] },
  { id: 'anti_fraud', zh: '反诈宣传', en: 'Anti-fraud publicity', kinds: [
    { id: 'fraud_talk', zh: '反诈宣讲', en: 'Anti-fraud talk', countLabel: { zh: '受众人数', en: 'people reached' } },
    { id: 'app_install', zh: '国家反诈APP推广', en: 'Anti-fraud app installs', countLabel: { zh: '安装人数', en: 'installs' } },
    { id: 'fraud_warning', zh: '预警劝阻回访', en: 'Fraud warning follow-up', countLabel: { zh: '劝阻人数', en: 'people warned' } },
  ] },
  { id: 'key_person', zh: '重点人员核查', en: 'Key person checks', kinds: [
    { id: 'key_person_check', zh: '重点人员见面核查', en: 'Face-to-face check', countLabel: { zh: '核查人数', en: 'people checked' } },
    { id: 'mental_health', zh: '肇事肇祸精神障碍患者核查', en: 'At-risk mental health check', countLabel: { zh: '核查人数', en: 'people checked' } },
  ] },
  { id: 'clue', zh: '线索核实', en: 'Clue verification', kinds: [
    { id: 'clue_check', zh: '群众线索核实', en: 'Verify a public clue' },
    { id: 'video_alert_check', zh: 'AI视频预警核实', en: 'Verify an AI video alert' },
  ] },
  { id: 'patrol', zh: '巡逻', en: 'Patrol', kinds: [
    { id: 'school_gate', zh: '护学岗', en: 'School-gate duty' },
    { id: 'place_patrol', zh: '重点部位巡逻', en: 'Patrol of a place', countLabel: { zh: '巡查点位数', en: 'points patrolled' } },
    { id: 'market_patrol', zh: '集市巡逻', en: 'Market patrol' },
  ] },
];

export function findTaskKind(catalogue: TaskCatalogue, category: string, kind: string): { category: TaskCatalogue[number]; kind: TaskCatalogue[number]['kinds'][number] } | null {
  const c = catalogue.find((x) => x.id === category);
  const k = c?.kinds.find((x) => x.id === kind);
  return c && k ? { category: c, kind: k } : null;
}

// --- the task ----------------------------------------------------------------------------------------------------

export const TaskIdSchema = Type.String({ minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' });
const TeamSchema = Type.Union([Type.Literal('community'), Type.Literal('case'), Type.Literal('patrol')]);

/** Whom an order goes to: one unit (a grid officer, a minimum combat unit, a patrol…), every police unit of a
 *  team, or the community officer of every grid (一格一警). One task is made per recipient. */
export const TaskTargetSchema = Type.Union([
  Type.Object({ kind: Type.Literal('unit'), unitId: UnitIdSchema }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('team'), team: TeamSchema }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('all_grids') }, { additionalProperties: false }),
]);
export type TaskTarget = Static<typeof TaskTargetSchema>;

/** What the feedback must contain. */
export const TaskRequiresSchema = Type.Object(
  { text: Type.Boolean(), count: Type.Boolean(), location: Type.Boolean() },
  { additionalProperties: false },
);
export type TaskRequires = Static<typeof TaskRequiresSchema>;

export const TaskFeedbackSchema = Type.Object(
  {
    text: Type.Optional(Type.String({ maxLength: 1000 })),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    location: Type.Optional(Type.Object({ lng: LngSchema, lat: LatSchema }, { additionalProperties: false })),
    by: Type.String({ maxLength: 64 }),
    at: Type.Number(),
  },
  { additionalProperties: false },
);
export type TaskFeedback = Static<typeof TaskFeedbackSchema>;

export const TaskReviewSchema = Type.Object(
  { verdict: Type.Union([Type.Literal('accepted'), Type.Literal('returned')]), reason: Type.Optional(Type.String({ maxLength: 500 })), by: Type.String({ maxLength: 64 }), at: Type.Number() },
  { additionalProperties: false },
);
export type TaskReview = Static<typeof TaskReviewSchema>;

export const TaskTimelineEntrySchema = Type.Object(
  { status: TaskStatusSchema, at: Type.Number(), by: Type.String({ maxLength: 64 }), note: Type.Optional(Type.String({ maxLength: 500 })) },
  { additionalProperties: false },
);

export const CommunityTaskSchema = Type.Object(
  {
    id: TaskIdSchema,
    /** All tasks of one order share it (an order to every grid is one batch). */
    batchId: Type.String({ maxLength: 64 }),
    status: TaskStatusSchema,
    category: CodeSchema,
    kind: CodeSchema,
    instructions: Type.String({ maxLength: 1000 }),
    target: TaskTargetSchema,
    assignee: Type.Object(
      {
        unitId: UnitIdSchema, name: Type.String({ maxLength: 64 }), kind: UnitKindSchema,
        team: Type.Union([TeamSchema, Type.Null()]), gridId: Type.Union([GridIdSchema, Type.Null()]),
      },
      { additionalProperties: false },
    ),
    dueAt: Type.Number(),
    requires: TaskRequiresSchema,
    feedback: Type.Array(TaskFeedbackSchema, { maxItems: 50 }),
    reviews: Type.Array(TaskReviewSchema, { maxItems: 50 }),
    /** Set when done: the accepted feedback was reported by the due time. */
    onTime: Type.Optional(Type.Boolean()),
    cancelReason: Type.Optional(Type.String({ maxLength: 500 })),
    orderedAt: Type.Number(),
    orderedBy: Type.String({ maxLength: 64 }),
    updatedAt: Type.Number(),
    timeline: Type.Array(TaskTimelineEntrySchema, { maxItems: 200 }),
  },
  { additionalProperties: false },
);
export type CommunityTask = Static<typeof CommunityTaskSchema>;

// --- requests ----------------------------------------------------------------------------------------------------

const CommandId = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' });

/** POST /api/tasks — 下单. */
export const OrderTaskRequestSchema = Type.Object(
  {
    commandId: CommandId,
    target: TaskTargetSchema,
    category: CodeSchema,
    kind: CodeSchema,
    instructions: Type.String({ minLength: 1, maxLength: 1000 }),
    dueAt: EpochMsSchema,
    requires: TaskRequiresSchema,
  },
  { additionalProperties: false },
);
export type OrderTaskRequest = Static<typeof OrderTaskRequestSchema>;

/** POST /api/tasks/:id/accept — 接单 (the assignee's terminal, or the community team on its behalf). */
export const AcceptTaskRequestSchema = Type.Object({ commandId: CommandId }, { additionalProperties: false });
export type AcceptTaskRequest = Static<typeof AcceptTaskRequestSchema>;

/** POST /api/tasks/:id/feedback — 反馈. */
export const TaskFeedbackRequestSchema = Type.Object(
  {
    commandId: CommandId,
    text: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
    count: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
    location: Type.Optional(Type.Object({ lng: LngSchema, lat: LatSchema }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type TaskFeedbackRequest = Static<typeof TaskFeedbackRequestSchema>;

/** POST /api/tasks/:id/review — 督导: accept the feedback, or return it (返工) with a reason. */
export const ReviewTaskRequestSchema = Type.Object(
  { commandId: CommandId, verdict: Type.Union([Type.Literal('accepted'), Type.Literal('returned')]), reason: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })) },
  { additionalProperties: false },
);
export type ReviewTaskRequest = Static<typeof ReviewTaskRequestSchema>;

/** POST /api/tasks/:id/cancel — withdraw a task not under review. */
export const CancelTaskRequestSchema = Type.Object(
  { commandId: CommandId, reason: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
export type CancelTaskRequest = Static<typeof CancelTaskRequestSchema>;

// --- the machine ---------------------------------------------------------------------------------------------------

export function illegalTaskTransition(id: string, from: TaskStatus, to: TaskStatus): CommunityRefusal {
  return {
    code: 'illegal_transition', subject: 'task', id, from, to, params: { subject: 'task', id, from, to },
    message: `illegal transition: task ${id} cannot go from ${from} to ${to}`,
  };
}
const refuse = (code: CommunityRefusal['code'], id: string, en: string): { ok: false; error: CommunityRefusal } =>
  ({ ok: false, error: { code, subject: 'task', id, params: { subject: 'task', id }, message: en } });

export function transitionTask(t: CommunityTask, to: TaskStatus, actor: CommunityActor, patch: Partial<CommunityTask> = {}): CommunityResult<CommunityTask> {
  if (!canTaskTransition(t.status, to)) return { ok: false, error: illegalTaskTransition(t.id, t.status, to) };
  if (t.timeline.length >= 200) return refuse('too_many_entries', t.id, `task ${t.id} has too many entries`);
  const entry = { status: to, at: actor.at, by: actor.by, ...(actor.note ? { note: actor.note } : {}) };
  return { ok: true, state: { ...t, ...patch, status: to, updatedAt: actor.at, timeline: [...t.timeline, entry] } };
}

/** 反馈: what the order asked for must be there (text, a count, a location). */
export function reportTask(t: CommunityTask, fb: { text?: string; count?: number; location?: { lng: number; lat: number } }, actor: CommunityActor): CommunityResult<CommunityTask> {
  if (!canTaskTransition(t.status, 'reported')) return { ok: false, error: illegalTaskTransition(t.id, t.status, 'reported') };
  const missing = [
    t.requires.text && !fb.text ? 'text' : null,
    t.requires.count && fb.count === undefined ? 'count' : null,
    t.requires.location && !fb.location ? 'location' : null,
  ].filter((x): x is string => x !== null);
  if (missing.length > 0) {
    return { ok: false, error: { code: 'feedback_incomplete', subject: 'task', id: t.id, from: t.status, to: 'reported', params: { id: t.id, missing: missing.join(',') },
      message: `the feedback of task ${t.id} lacks ${missing.join(', ')}` } };
  }
  if (t.feedback.length >= 50) return refuse('too_many_entries', t.id, `task ${t.id} has too much feedback`);
  const entry: TaskFeedback = { by: actor.by, at: actor.at, ...(fb.text ? { text: fb.text } : {}), ...(fb.count !== undefined ? { count: fb.count } : {}), ...(fb.location ? { location: fb.location } : {}) };
  return transitionTask(t, 'reported', actor, { feedback: [...t.feedback, entry] });
}

/** 督导: accept (done; on time when the feedback came by the due time) or return with a reason (返工). */
export function reviewTask(t: CommunityTask, verdict: 'accepted' | 'returned', reason: string | undefined, actor: CommunityActor): CommunityResult<CommunityTask> {
  const to: TaskStatus = verdict === 'accepted' ? 'done' : 'returned';
  if (!canTaskTransition(t.status, to)) return { ok: false, error: illegalTaskTransition(t.id, t.status, to) };
  if (verdict === 'returned' && !reason) return refuse('reason_required', t.id, `returning task ${t.id} for rework needs a reason`);
  if (t.reviews.length >= 50) return refuse('too_many_entries', t.id, `task ${t.id} has too many reviews`);
  const review: TaskReview = { verdict, by: actor.by, at: actor.at, ...(reason ? { reason } : {}) };
  const patch: Partial<CommunityTask> = { reviews: [...t.reviews, review] };
  if (to === 'done') patch.onTime = (t.feedback.at(-1)?.at ?? Infinity) <= t.dueAt;
  return transitionTask(t, to, reason ? { ...actor, note: reason } : actor, patch);
}

export function cancelTask(t: CommunityTask, reason: string, actor: CommunityActor): CommunityResult<CommunityTask> {
  return transitionTask(t, 'cancelled', { ...actor, note: reason }, { cancelReason: reason });
}

/** Overdue: not done (or cancelled) by its due time. */
export const isTaskOverdue = (t: Pick<CommunityTask, 'status' | 'dueAt'>, now: number): boolean =>
  OPEN_TASK_STATUSES.includes(t.status) && t.dueAt < now;

// --- the device side: a task reaches the assignee's terminal ---------------------------------------------------------

/** A task told to a terminal (ordered, or returned for rework); kept until the terminal acknowledges it. */
export const TaskNoticeSchema = Type.Object(
  { noticeId: Type.String({ maxLength: 96 }), unitId: UnitIdSchema, reason: Type.Union([Type.Literal('ordered'), Type.Literal('returned'), Type.Literal('cancelled')]), issuedAt: Type.Number(), task: CommunityTaskSchema },
  { additionalProperties: false },
);
export type TaskNotice = Static<typeof TaskNoticeSchema>;

export const TaskNoticeAckSchema = Type.Object({ noticeId: Type.String({ minLength: 1, maxLength: 96, pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]*$' }) }, { additionalProperties: false });
export const DeviceTaskAcceptSchema = Type.Object({ taskId: TaskIdSchema, commandId: CommandId }, { additionalProperties: false });
export const DeviceTaskFeedbackSchema = Type.Composite([Type.Object({ taskId: TaskIdSchema }), TaskFeedbackRequestSchema], { additionalProperties: false });

type DeviceAck<T> = (res: { ok: true; data: T } | { ok: false; error: AckError }) => void;
/** Events of the /device namespace for tasks, beside the dispatch orders' (dispatch.ts). */
export interface TaskDeviceServerToClientEvents {
  'task:issued': (notice: TaskNotice) => void;
}
export interface TaskDeviceClientToServerEvents {
  'task:acknowledge': (req: Static<typeof TaskNoticeAckSchema>, ack: DeviceAck<{ noticeId: string }>) => void;
  'task:accept': (req: Static<typeof DeviceTaskAcceptSchema>, ack: DeviceAck<{ task: CommunityTask }>) => void;
  'task:feedback': (req: Static<typeof DeviceTaskFeedbackSchema>, ack: DeviceAck<{ task: CommunityTask }>) => void;
}
