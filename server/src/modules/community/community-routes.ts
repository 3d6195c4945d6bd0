// The community loops over HTTP. Commands are declared once each in a small registry (action, roles, schema, plan):
// every one carries a client command id (a retry has one effect), is planned purely and committed atomically
// (community-commands.ts), counted when refused and audited whatever its outcome. Screens learn of the result from
// the live event stream (dispute:changed, task:changed); the caller gets it in the answer.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  COMMUNITY_INTAKE_ROLES, COMMUNITY_ROLES, CancelTaskRequestSchema, CloseDisputeRequestSchema, CommunityBoardSchema,
  CommunityCommandResultSchema, CommunityConflictSchema, CommunityFiguresQuerySchema, CommunityFiguresSchema, CommunitySettingsSchema,
  DisputeCaseSchema, DisputeIdSchema, DisputeListQuerySchema, DisputePageSchema, EARLIEST_INSTANT_MS, FollowupRequestSchema,
  LATEST_INSTANT_MS, OpenDisputeRequestSchema, OrderTaskRequestSchema, AcceptTaskRequestSchema, CommunityTaskSchema,
  ReopenDisputeRequestSchema, ReviewTaskRequestSchema, RouteDisputeRequestSchema, SessionRequestSchema, TASK_ASSIGNEE_ROLES,
  TaskFeedbackRequestSchema, TaskIdSchema, TaskListQuerySchema, TaskPageSchema, VIEW_ROLES, localDay, parseRangeBound,
  type CommunityActor, type Role,
} from '@ccr/shared';
import { RANGE_REVERSED, badTime, refusal, type Refusal } from '@ccr/shared';
import type { Counter } from 'prom-client';
import type { AuditOutcome } from '../auth/auth-contract.js';
import { ApiErrorSchema, NotFoundSchema, notFound, validationBody } from '../http-errors.js';
import { requestHash } from '../dispatch/dispatch-commands.js';
import type { CommandOutcome, CommunityCommands, PlanInput, PlanOutcome } from './community-commands.js';
import type { CommunityRepository } from './community-repository.js';
import { MAX_FIGURE_DAYS, type CommunityQueries } from './community-queries.js';
import {
  checkOrder, planAccept, planCancelTask, planClose, planFeedback, planFollowup, planOpenDispute, planOrder, planReopen, planReview,
  planRoute, planSession, recipientsOf, type CommunityContext,
} from './community-service.js';
import type { CommunitySettings } from './community-settings.js';
import { communityStatsRoute } from './community-stats-route.js';

export interface CommunityRouteDeps {
  commands: CommunityCommands;
  repo: CommunityRepository;
  queries: CommunityQueries;
  ctx: CommunityContext;
  settings: CommunitySettings;
  timeZone: string;
  refused: Counter<'action' | 'reason'>;
}

type Req = FastifyRequest & { user?: { username: string; role: string; unitId?: string } };

const commandResponses = { 200: CommunityCommandResultSchema, 400: ApiErrorSchema, 401: ApiErrorSchema, 403: ApiErrorSchema, 404: ApiErrorSchema, 409: CommunityConflictSchema };

/** One command route: everything that differs between them. */
interface CommandSpec<B extends TSchema> {
  url: string;
  action: string;
  summary: string;
  roles: readonly Role[];
  body: B;
  /** 'dispute' or 'task' for routes on one (:id), null for those that create. */
  subject: 'dispute' | 'task' | null;
  /** What the audit entry keeps besides the outcome. */
  detail?(b: Static<B>): Record<string, unknown>;
  /** Runs the command (most through `commands.run`); `id` is the path's :id, `unitId` the caller's own unit when a
   *  terminal calls. */
  run(b: Static<B>, c: { id: string; actor: CommunityActor; unitId: string | undefined; req: Req }): Promise<CommandOutcome>;
}

export function communityRoutes(base: FastifyInstance, deps: CommunityRouteDeps): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { commands, repo, queries, ctx, timeZone } = deps;

  const audit = async (req: Req, action: string, target: string, outcome: AuditOutcome, detail: Record<string, unknown>): Promise<void> => {
    await base.audit.record({ user: req.user?.username ?? 'anonymous', role: (req.user?.role ?? 'anonymous') as 'anonymous', action, target, outcome, detail });
  };

  function command<B extends TSchema>(spec: CommandSpec<B>): void {
    const targetOf = (req: FastifyRequest): string =>
      spec.subject ? `${spec.subject}:${String((req.params as { id?: unknown } | undefined)?.id ?? '').slice(0, 64)}` : spec.action.split('.')[0]!;
    app.post(spec.url, {
      config: { roles: spec.roles },
      // Bad input is counted and audited here; the app's error handler answers it (a 400 naming the field).
      errorHandler: async (err: FastifyError, req: FastifyRequest) => {
        if (err.validation) {
          const { message } = validationBody(err);
          deps.refused.inc({ action: spec.action, reason: 'invalid_request' });
          const commandId = (req.body as { commandId?: unknown } | undefined)?.commandId;
          await audit(req, spec.action, targetOf(req), 'refused', { error: 'invalid_request', message, ...(typeof commandId === 'string' ? { commandId: commandId.slice(0, 64) } : {}) });
        }
        throw err;
      },
      schema: {
        tags: ['community'], summary: spec.summary, body: spec.body, response: commandResponses,
        ...(spec.subject ? { params: Type.Object({ id: spec.subject === 'dispute' ? DisputeIdSchema : TaskIdSchema }) } : {}),
      },
    }, async (req: Req, reply: FastifyReply) => {
      const b = req.body as Static<B> & { commandId: string };
      const id = String((req.params as { id?: string } | undefined)?.id ?? '');
      const actor: CommunityActor = { by: req.user?.username ?? 'anonymous', at: Date.now() };
      const unitId = req.user?.role === 'device' ? req.user.unitId : undefined;
      const detail = spec.detail?.(b) ?? {};
      let out: CommandOutcome;
      try {
        out = await spec.run(b, { id, actor, unitId, req });
      } catch (err) {
        await audit(req, spec.action, targetOf(req), 'error', { commandId: b.commandId, ...detail, error: (err as Error).message });
        throw err;
      }
      if (out.ok) {
        const r = out.result;
        const made = r.dispute ? { dispute: r.dispute.id, status: r.dispute.status } : { tasks: (r.tasks ?? []).map((t) => `${t.id}:${t.status}`).slice(0, 50) };
        await audit(req, spec.action, spec.subject ? targetOf(req) : r.dispute ? `dispute:${r.dispute.id}` : `tasks:${r.tasks?.[0]?.batchId ?? ''}`, 'ok',
          { commandId: b.commandId, ...detail, ...made, ...(r.replayed ? { replayed: true } : {}) });
        return reply.code(200).send(r);
      }
      const { status, ...body } = out.error;
      deps.refused.inc({ action: spec.action, reason: body.error });
      await audit(req, spec.action, targetOf(req), 'refused', { commandId: b.commandId, ...detail, error: body.error, message: body.message, ...(body.from ? { from: body.from, to: body.to } : {}) });
      return reply.code(status).send(body);
    });
  }

  const hashOf = (action: string, id: string, b: Record<string, unknown>) => requestHash(action, id, b);
  const runOn = (subject: 'dispute' | 'task', action: string, b: { commandId: string }, id: string, actor: CommunityActor, plan: (input: PlanInput) => PlanOutcome | Promise<PlanOutcome>) =>
    commands.run({ command: { id: b.commandId, bodyHash: hashOf(action, id, b) }, actor, disputeIds: subject === 'dispute' ? [id] : [], taskIds: subject === 'task' ? [id] : [], plan });

  // --- disputes ---------------------------------------------------------------------------------------------

  command({
    url: '/api/disputes', action: 'dispute.open', roles: COMMUNITY_INTAKE_ROLES, body: OpenDisputeRequestSchema, subject: null,
    summary: 'Open a dispute case (受理): from an incident (转矛盾纠纷, the incident is linked), a walk-in / online / volunteer report, or the community team',
    detail: (b) => ({ source: b.source, category: b.category, ...(b.incidentId ? { incidentId: b.incidentId } : {}) }),
    run: async (b, { actor }) => {
      const [id] = await repo.nextIds('MD', localDay(actor.at, timeZone), 1);
      return commands.run({
        command: { id: b.commandId, bodyHash: hashOf('dispute.open', '', b) }, actor, disputeIds: [], taskIds: [],
        plan: (input) => planOpenDispute(ctx, input, id!, b, {
          incident: (incidentId) => repo.readIncident(incidentId),
          repeatsOf: async (keys, since) => {
            const fingerprints = keys.map((k) => repo.fingerprint(k));
            return { fingerprints, ids: await repo.repeatsOf(fingerprints, since, 20) };
          },
        }),
      });
    },
  });
  command({
    url: '/api/disputes/:id/route', action: 'dispute.route', roles: COMMUNITY_ROLES, body: RouteDisputeRequestSchema, subject: 'dispute',
    summary: 'Route a case to a mediation tier and an owner (分流): 1 警务室, 2 社区警务队, 3 调解中心',
    detail: (b) => ({ tier: b.tier, owner: b.owner.unitId ?? b.owner.name }),
    run: (b, { id, actor }) => runOn('dispute', 'dispute.route', b, id, actor, (input) => planRoute(ctx, input, id, b)),
  });
  command({
    url: '/api/disputes/:id/sessions', action: 'dispute.session', roles: COMMUNITY_ROLES, body: SessionRequestSchema, subject: 'dispute',
    summary: 'Record a mediation session (调解) and its result: success (回访 due), failed, or escalate to the next tier',
    detail: (b) => ({ result: b.result }),
    run: (b, { id, actor }) => runOn('dispute', 'dispute.session', b, id, actor, (input) => planSession(ctx, input, id, b)),
  });
  command({
    url: '/api/disputes/:id/followup', action: 'dispute.followup', roles: COMMUNITY_ROLES, body: FollowupRequestSchema, subject: 'dispute',
    summary: 'Record the follow-up visit (回访) after a successful mediation: satisfaction, and whether the dispute recurred (reopens it)',
    detail: (b) => ({ satisfaction: b.satisfaction, recurred: b.recurred }),
    run: (b, { id, actor }) => runOn('dispute', 'dispute.followup', b, id, actor, (input) => planFollowup(ctx, input, id, b)),
  });
  command({
    url: '/api/disputes/:id/close', action: 'dispute.close', roles: COMMUNITY_ROLES, body: CloseDisputeRequestSchema, subject: 'dispute',
    summary: 'Close a case (销号): after its 回访, or with a reason for closing without one',
    detail: (b) => (b.reason ? { reason: b.reason } : {}),
    run: (b, { id, actor }) => runOn('dispute', 'dispute.close', b, id, actor, (input) => planClose(ctx, input, id, b.reason)),
  });
  command({
    url: '/api/disputes/:id/reopen', action: 'dispute.reopen', roles: COMMUNITY_ROLES, body: ReopenDisputeRequestSchema, subject: 'dispute',
    summary: 'Reopen a followed-up or closed case whose dispute recurred',
    detail: (b) => ({ reason: b.reason }),
    run: (b, { id, actor }) => runOn('dispute', 'dispute.reopen', b, id, actor, (input) => planReopen(ctx, input, id, b.reason)),
  });

  // --- tasks --------------------------------------------------------------------------------------------------

  command({
    url: '/api/tasks', action: 'task.order', roles: COMMUNITY_INTAKE_ROLES, body: OrderTaskRequestSchema, subject: null,
    summary: 'Order a task (下单) to a unit, a team or every grid: one task per recipient, sent to each terminal',
    detail: (b) => ({ target: b.target, category: b.category, kind: b.kind, dueAt: b.dueAt }),
    run: async (b, { actor }) => {
      const hash = hashOf('task.order', '', b);
      // A retry of an order that went through answers as such, before the due time (now past) is judged again.
      const replayed = await commands.replay({ id: b.commandId, bodyHash: hash });
      if (replayed) return replayed;
      const bad = checkOrder(ctx, b, actor.at);
      if (bad) return { ok: false, error: bad };
      const to = recipientsOf(ctx, b.target);
      if (!to.ok) return to;
      const ids = await repo.nextIds('RW', localDay(actor.at, timeZone), to.units.length);
      return commands.run({ command: { id: b.commandId, bodyHash: hash }, actor, disputeIds: [], taskIds: [], plan: (input) => planOrder(input, b, to.units, ids, `B-${ids[0]}`) });
    },
  });
  command({
    url: '/api/tasks/:id/accept', action: 'task.accept', roles: TASK_ASSIGNEE_ROLES, body: AcceptTaskRequestSchema, subject: 'task',
    summary: 'Accept a task (接单): the assignee\'s terminal (its own tasks only) or the community team on its behalf',
    run: (b, { id, actor, unitId }) => runOn('task', 'task.accept', b, id, actor, (input) => planAccept(input, id, unitId)),
  });
  command({
    url: '/api/tasks/:id/feedback', action: 'task.feedback', roles: TASK_ASSIGNEE_ROLES, body: TaskFeedbackRequestSchema, subject: 'task',
    summary: 'Report a task\'s feedback (反馈): what the order asked for (text, a count, a location)',
    detail: (b) => ({ ...(b.count !== undefined ? { count: b.count } : {}), ...(b.location ? { location: b.location } : {}) }),
    run: (b, { id, actor, unitId }) => {
      const { commandId: _c, ...fb } = b;
      return runOn('task', 'task.feedback', b, id, actor, (input) => planFeedback(input, id, unitId, fb));
    },
  });
  command({
    url: '/api/tasks/:id/review', action: 'task.review', roles: COMMUNITY_ROLES, body: ReviewTaskRequestSchema, subject: 'task',
    summary: 'Supervise a task\'s feedback (督导): accept it, or return it for rework (返工) with a reason',
    detail: (b) => ({ verdict: b.verdict, ...(b.reason ? { reason: b.reason } : {}) }),
    run: (b, { id, actor }) => runOn('task', 'task.review', b, id, actor, (input) => planReview(input, id, b.verdict, b.reason)),
  });
  command({
    url: '/api/tasks/:id/cancel', action: 'task.cancel', roles: COMMUNITY_ROLES, body: CancelTaskRequestSchema, subject: 'task',
    summary: 'Withdraw a task that is not under review',
    detail: (b) => ({ reason: b.reason }),
    run: (b, { id, actor }) => runOn('task', 'task.cancel', b, id, actor, (input) => planCancelTask(input, id, b.reason)),
  });

  // --- reads --------------------------------------------------------------------------------------------------

  /** [from, to) of a list or figures query, or the 400 that says why not. */
  const rangeOf = (from: string | undefined, to: string | undefined, fallback: [number, number]): { ok: true; from: number; to: number } | { ok: false; body: Refusal & { path?: string } } => {
    const f = from === undefined ? fallback[0] : parseRangeBound(from, timeZone);
    const t = to === undefined ? fallback[1] : parseRangeBound(to, timeZone);
    if (Number.isNaN(f) || Number.isNaN(t)) {
      const [name, value] = Number.isNaN(f) ? ['from', from] : ['to', to];
      return { ok: false, body: { ...badTime(name, value ?? ''), path: `/querystring/${name}` } };
    }
    if (f >= t) return { ok: false, body: RANGE_REVERSED };
    return { ok: true, from: f, to: t };
  };
  const listResponses = (item: TSchema) => ({ 200: item, 400: ApiErrorSchema });

  app.get('/api/disputes', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['community'], querystring: DisputeListQuerySchema, response: listResponses(DisputePageSchema),
      summary: 'Dispute cases: the open ones by deadline (default), or with from/to every case opened in [from, to), oldest first (the raw data behind the figures)',
    },
  }, async (req, reply) => {
    const { status, from, to, limit = 200, offset = 0 } = req.query;
    if (from === undefined && to === undefined && status !== 'all') {
      const { total, items } = await repo.openDisputes(Math.min(limit + offset, 2_000));
      return { total, offset, limit, items: items.slice(offset, offset + limit) };
    }
    if (status === 'open') return reply.code(400).send(refusal('range_with_filter', { subject: 'dispute' }, 'status=open cannot be combined with from/to'));
    const r = rangeOf(from, to, [EARLIEST_INSTANT_MS, LATEST_INSTANT_MS]);
    if (!r.ok) return reply.code(400).send(r.body);
    return { ...(await repo.disputesOpened(r.from, r.to, limit, offset)), offset, limit };
  });

  app.get('/api/disputes/:id', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['community'], summary: 'One dispute case with its sessions, 回访 and timeline', params: Type.Object({ id: DisputeIdSchema }), response: { 200: DisputeCaseSchema, 404: NotFoundSchema } },
  }, async (req, reply) => {
    const c = (await repo.readDisputes([req.params.id])).get(req.params.id);
    return c ? c.value : notFound(reply, 'dispute', req.params.id);
  });

  app.get('/api/tasks', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['community'], querystring: TaskListQuerySchema, response: listResponses(TaskPageSchema),
      summary: 'Community tasks: the open ones by due time (default; unitId for one unit\'s), or with from/to every task due in [from, to) (the raw data behind the figures)',
    },
  }, async (req, reply) => {
    const { status, unitId, from, to, limit = 200, offset = 0 } = req.query;
    if (from === undefined && to === undefined && status !== 'all') {
      const { total, items } = await repo.openTasks(Math.min(limit + offset, 2_000), unitId);
      return { total, offset, limit, items: items.slice(offset, offset + limit) };
    }
    if (status === 'open' || unitId !== undefined) return reply.code(400).send(refusal('range_with_filter', { subject: 'task' }, 'status=open and unitId cannot be combined with from/to'));
    const r = rangeOf(from, to, [EARLIEST_INSTANT_MS, LATEST_INSTANT_MS]);
    if (!r.ok) return reply.code(400).send(r.body);
    return { ...(await repo.tasksDue(r.from, r.to, limit, offset)), offset, limit };
  });

  app.get('/api/tasks/:id', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['community'], summary: 'One task with its feedback and reviews', params: Type.Object({ id: TaskIdSchema }), response: { 200: CommunityTaskSchema, 404: NotFoundSchema } },
  }, async (req, reply) => {
    const t = (await repo.readTasks([req.params.id])).get(req.params.id);
    return t ? t.value : notFound(reply, 'task', req.params.id);
  });

  app.get('/api/community/figures', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['community'], querystring: CommunityFiguresQuerySchema, response: listResponses(CommunityFiguresSchema),
      summary: 'Mediation success (overall, by tier, category, grid), share resolved at tier 1, satisfaction, recurrence, late stages, task completion on time — over whole local days [from, to) (default this month); overdue counts now',
    },
  }, async (req, reply) => {
    const now = Date.now();
    const today = localDay(now, timeZone);
    const r = rangeOf(req.query.from, req.query.to, [parseRangeBound(`${today.slice(0, 8)}01`, timeZone), now + 1]);
    if (!r.ok) return reply.code(400).send(r.body);
    const days = queries.days(r.from, r.to);
    if (!days) return reply.code(400).send(refusal('range_too_long', { days: MAX_FIGURE_DAYS }, `the range is too long (at most ${MAX_FIGURE_DAYS} days)`));
    return queries.figures(days, now);
  });

  communityStatsRoute(base, { queries, timeZone, rangeOf });

  app.get('/api/community/board', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['community'], summary: 'What the community console and the wall panel start from: open cases (overdue and may-escalate first), open tasks, counts', response: { 200: CommunityBoardSchema } },
  }, async () => queries.board(Date.now()));

  app.get('/api/community/settings', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['community'], summary: 'The task catalogue and the stage time limits', response: { 200: CommunitySettingsSchema } },
  }, async () => ({ catalogue: deps.settings.catalogue, limits: deps.settings.limits, repeatWindowMs: deps.settings.repeatWindowMs }));
}
