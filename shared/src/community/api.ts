// The community routes' answers and queries (the requests are beside their machines in disputes.ts and tasks.ts).
import { Type, type Static } from '@sinclair/typebox';
import { QueryInteger } from '../validate.js';
import { RangeBoundSchema } from '../stats.js';
import { UnitIdSchema } from '../domain.js';
import { DisputeCaseSchema } from './disputes.js';
import type { Role } from '../auth.js';
import { CommunityTaskSchema, TaskCatalogueSchema } from './tasks.js';
import { OverdueNowSchema } from './figures.js';
import { ErrorParamsSchema } from '../errors.js';

/** What every community command answers (200): the case or the tasks after it. `replayed`: the command id was
 *  seen before and nothing was done again. */
export const CommunityCommandResultSchema = Type.Object(
  {
    commandId: Type.String(),
    replayed: Type.Boolean(),
    dispute: Type.Optional(DisputeCaseSchema),
    tasks: Type.Optional(Type.Array(CommunityTaskSchema)),
  },
  { additionalProperties: false },
);
export type CommunityCommandResult = Static<typeof CommunityCommandResultSchema>;

/** 409: an illegal step (illegal_transition, naming from and to) or a rule beside it (reason_required,
 *  no_higher_tier, tier_below_case, not_assignee, already_linked, command_id_reused, too_many_entries). */
export const CommunityConflictSchema = Type.Object(
  {
    error: Type.String(),
    message: Type.String(),
    params: Type.Optional(ErrorParamsSchema),
    subject: Type.Optional(Type.Union([Type.Literal('dispute'), Type.Literal('task'), Type.Literal('incident')])),
    id: Type.Optional(Type.String()),
    from: Type.Optional(Type.String()),
    to: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type CommunityConflict = Static<typeof CommunityConflictSchema>;

const MAX_OFFSET = 1_000_000;
const Paging = {
  limit: Type.Optional(QueryInteger({ minimum: 1, maximum: 1000, default: 200 })),
  offset: Type.Optional(QueryInteger({ minimum: 0, maximum: MAX_OFFSET, default: 0 })),
};

/** GET /api/disputes: open cases by deadline (default), or with from/to every case opened in [from, to). */
export const DisputeListQuerySchema = Type.Object(
  { status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')])), from: Type.Optional(RangeBoundSchema), to: Type.Optional(RangeBoundSchema), ...Paging },
  { additionalProperties: false },
);
export type DisputeListQuery = Static<typeof DisputeListQuerySchema>;
export const DisputePageSchema = Type.Object(
  { total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(DisputeCaseSchema) },
  { additionalProperties: false },
);
export type DisputePage = Static<typeof DisputePageSchema>;

/** GET /api/tasks: open tasks by due time (default, optionally one unit's), or with from/to every task due in [from, to). */
export const TaskListQuerySchema = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')])), unitId: Type.Optional(UnitIdSchema),
    from: Type.Optional(RangeBoundSchema), to: Type.Optional(RangeBoundSchema), ...Paging,
  },
  { additionalProperties: false },
);
export type TaskListQuery = Static<typeof TaskListQuerySchema>;
export const TaskPageSchema = Type.Object(
  { total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(CommunityTaskSchema) },
  { additionalProperties: false },
);
export type TaskPage = Static<typeof TaskPageSchema>;

/** GET /api/community/figures: whole local days [from, to); default this month so far. */
export const CommunityFiguresQuerySchema = Type.Object(
  { from: Type.Optional(RangeBoundSchema), to: Type.Optional(RangeBoundSchema) },
  { additionalProperties: false },
);
export type CommunityFiguresQuery = Static<typeof CommunityFiguresQuerySchema>;

/** GET /api/community/board: what the community console and the wall panel start from (then dispute:changed and
 *  task:changed keep it current). */
export const CommunityBoardSchema = Type.Object(
  {
    serverTime: Type.Number(),
    /** Open cases, overdue may-escalate first, then overdue, then may-escalate, then by deadline (at most 500). */
    disputes: Type.Array(DisputeCaseSchema),
    disputesTotal: Type.Integer(),
    /** Open tasks by due time (at most 500). */
    tasks: Type.Array(CommunityTaskSchema),
    tasksTotal: Type.Integer(),
    /** Open cases per status. */
    byStatus: Type.Record(Type.String(), Type.Integer()),
    overdueNow: OverdueNowSchema,
    /** This month so far: 化解率 (mediation success rate) and 满意度 from 回访. */
    month: Type.Object({ successRate: Type.Union([Type.Number(), Type.Null()]), satisfactionRate: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: false }),
    /** Tasks due today, and those of them done. */
    today: Type.Object({ due: Type.Integer(), done: Type.Integer(), onTime: Type.Integer() }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type CommunityBoard = Static<typeof CommunityBoardSchema>;

/** GET /api/community/settings: the task catalogue and the stage limits, so forms and timers agree with the server. */
export const CommunitySettingsSchema = Type.Object(
  {
    catalogue: TaskCatalogueSchema,
    limits: Type.Object({ routeWithinMs: Type.Number(), sessionWithinMs: Type.Number(), followupWithinMs: Type.Number() }, { additionalProperties: false }),
    repeatWindowMs: Type.Number(),
  },
  { additionalProperties: false },
);
export type CommunitySettingsResponse = Static<typeof CommunitySettingsSchema>;

// --- who may do what (the role matrix and the README's table pin these) ----------------------------------------------

/** Route, mediate, follow up, close, reopen; review and cancel tasks: the community leader (社区警务队长) and the
 *  duty leader. */
export const COMMUNITY_ROLES: readonly Role[] = ['community', 'leader'];
/** Open a case (a dispatcher turns an incident into one: 转矛盾纠纷) and order tasks (the command room orders too). */
export const COMMUNITY_INTAKE_ROLES: readonly Role[] = ['community', 'leader', 'dispatcher'];
/** Accept a task and report its feedback: the assignee's terminal (its own tasks only), or the community team on
 *  its behalf. */
export const TASK_ASSIGNEE_ROLES: readonly Role[] = ['device', 'community'];
