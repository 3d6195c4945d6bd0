// The shift leader's commands over HTTP. Every command carries a client command id (a retry has one effect),
// is planned purely and committed atomically (dispatch-commands.ts), and is audited whatever its outcome.
// Screens learn of the result from the live event stream; the caller gets it in the answer.
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  AcknowledgeRequestSchema, AlertEmergencyRequestSchema, CancelRequestSchema, CloseRequestSchema, CommandConflictSchema, CommandResultSchema,
  DISPATCH_ROLES, DispatchRequestSchema, IncidentIdSchema, MergeRequestSchema, ReassignRequestSchema, ResolveRequestSchema,
  UnitIdSchema, UnitStatusRequestSchema, DismissDuplicateRequestSchema, type CommandResult, type RingUnit,
} from '@ccr/shared';
import type { Counter } from 'prom-client';
import type { AuditOutcome } from '../auth/auth-contract.js';
import { ApiErrorSchema, validationBody } from '../http-errors.js';
import { requestHash, type CommandOutcome, type DispatchCommands } from './dispatch-commands.js';
import {
  planAcknowledge, planAlert, planCancel, planClose, planDismissDuplicate, planDispatch, planMerge, planReassign, planResolve, planUnitStatus,
  type CommandError,
} from './dispatch-service.js';
import type { DispatchRepository } from './dispatch-repository.js';

const responses = {
  200: CommandResultSchema,
  400: ApiErrorSchema,
  401: ApiErrorSchema,
  403: ApiErrorSchema,
  404: ApiErrorSchema,
  409: CommandConflictSchema,
};

export interface DispatchRouteDeps {
  commands: DispatchCommands;
  repo: DispatchRepository;
  /** The minimum emergency units within `minutes` of a point, smaller rings included (recommendation module). */
  ringUnits(point: { lng: number; lat: number }, minutes: 1 | 3 | 5): Promise<RingUnit[]>;
  refused: Counter<'action' | 'reason'>;
  /** Told after a call-out committed (not on a replay): the responders module keeps each tier's clock from it. */
  callOutListeners: ReadonlySet<(e: CallOutCommitted) => Promise<void>>;
}

/** A tier called out: the units that got an `alert` order now (those of smaller rings were called before). */
export interface CallOutCommitted { incidentId: string; ring: 1 | 3 | 5; unitIds: string[]; at: number }

type Req = FastifyRequest & { user?: { username: string; role: string } };

export function dispatchRoutes(base: FastifyInstance, deps: DispatchRouteDeps): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { commands, repo } = deps;

  /** Bad input is counted and audited here; the app's error handler answers it (a 400 naming the field). */
  const errorHandler = (action: string, subject: 'incident' | 'unit') => async (err: FastifyError, req: FastifyRequest) => {
    if (err.validation) {
      const { message } = validationBody(err);
      deps.refused.inc({ action, reason: 'invalid_request' });
      const id = String((req.params as { id?: unknown } | undefined)?.id ?? '').slice(0, 64);
      const commandId = (req.body as { commandId?: unknown } | undefined)?.commandId;
      await audit(req, action, `${subject}:${id}`, 'refused', { error: 'invalid_request', message, ...(typeof commandId === 'string' ? { commandId: commandId.slice(0, 64) } : {}) });
    }
    throw err;
  };

  const audit = async (req: Req, action: string, target: string, outcome: AuditOutcome, detail: Record<string, unknown>): Promise<void> => {
    await base.audit.record({
      user: req.user?.username ?? 'anonymous',
      role: (req.user?.role ?? 'anonymous') as 'anonymous',
      action, target, outcome, detail,
    });
  };

  /** Sends the outcome and audits it. */
  const answer = async (req: Req, reply: FastifyReply, action: string, target: string, commandId: string, out: CommandOutcome, detail: Record<string, unknown>) => {
    if (out.ok) {
      await audit(req, action, target, 'ok', { commandId, ...detail, ...(out.result.replayed ? { replayed: true } : {}), units: unitSummary(out.result) });
      return reply.code(200).send(out.result);
    }
    const e: CommandError = out.error;
    deps.refused.inc({ action, reason: e.error });
    await audit(req, action, target, 'refused', { commandId, ...detail, error: e.error, message: e.message, ...(e.unitId ? { unitId: e.unitId } : {}), ...(e.heldByIncidentId ? { heldByIncidentId: e.heldByIncidentId } : {}) });
    const { status, ...body } = e;
    return reply.code(status).send(body);
  };

  const actor = (req: Req, note?: string) => ({ by: req.user?.username ?? 'anonymous', at: Date.now(), ...(note ? { note } : {}) });
  const route = <B extends TSchema>(action: string, summary: string, body: B, subject: 'incident' | 'unit' = 'incident') => ({
    config: { roles: DISPATCH_ROLES },
    errorHandler: errorHandler(action, subject),
    schema: { tags: ['dispatch'], summary, params: Type.Object({ id: subject === 'incident' ? IncidentIdSchema : UnitIdSchema }), body, response: responses },
  });

  // Errors while running a command are audited as such, then left to the app's error handler (500, or 503 when
  // Redis is away).
  const guarded = async (req: Req, action: string, target: string, commandId: string, detail: Record<string, unknown>, fn: () => Promise<CommandOutcome | null>) => {
    try {
      return await fn();
    } catch (err) {
      await audit(req, action, target, 'error', { commandId, ...detail, error: (err as Error).message });
      throw err;
    }
  };

  app.post('/api/incidents/:id/dispatch', route('incident.dispatch', 'Dispatch units to an incident (first units): 派警', DispatchRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.dispatch';
    const detail = { units: b.unitIds };
    const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: b.unitIds,
      plan: (input) => planDispatch(input, id, b.unitIds, 'dispatch', b.note),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
  });

  app.post('/api/incidents/:id/backup', route('incident.backup', 'Send more units to a dispatched incident: 增援', DispatchRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.backup';
    const detail = { units: b.unitIds };
    const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: b.unitIds,
      plan: (input) => planDispatch(input, id, b.unitIds, 'backup', b.note),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
  });

  app.post('/api/incidents/:id/reassign', route('incident.reassign', 'Replace one assigned unit by another: 改派', ReassignRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.reassign';
    const detail = { from: b.fromUnitId, to: b.toUnitId };
    const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: [b.fromUnitId, b.toUnitId],
      plan: (input) => planReassign(input, id, b.fromUnitId, b.toUnitId, b.note),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
  });

  app.post('/api/incidents/:id/cancel', route('incident.cancel', 'Withdraw an incident; its units are released: 撤销', CancelRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.cancel';
    const detail = { reason: b.reason };
    const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: [],
      plan: (input) => planCancel(input, id, b.reason),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
  });

  app.post('/api/incidents/:id/acknowledge', route('incident.acknowledge', 'Acknowledge the incident\'s alarm (a new P1, a missed target); every wall ends its banner: 确认警报', AcknowledgeRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.acknowledge';
    const out = await guarded(req, action, `incident:${id}`, b.commandId, {}, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req, b.note), incidentIds: [id], unitIds: [],
      plan: (input) => planAcknowledge(input, id),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, {});
  });

  app.post('/api/incidents/:id/merge', route('incident.merge', 'Merge a duplicate report into another open incident: 合并', MergeRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.merge';
    const detail = { into: b.intoIncidentId };
    const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id, b.intoIncidentId], unitIds: [],
      plan: (input) => planMerge(input, id, b.intoIncidentId, b.note),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
  });

  app.post('/api/incidents/:id/not-duplicate',
    route('incident.dismiss_duplicate', 'Say a suspected duplicate (疑似重复) is not one: 不是重复 (never flagged again)', DismissDuplicateRequestSchema),
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = req.body;
      const action = 'incident.dismiss_duplicate';
      const detail = b.note ? { note: b.note } : {};
      const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, () => commands.run({
        command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: [],
        plan: async (input) => {
          const planned = planDismissDuplicate(input, id);
          // The audit says which original the dispatcher judged it against.
          const of = input.incidents.get(id)?.incident.suspectedDuplicate?.of;
          if (of) Object.assign(detail, { of });
          return planned;
        },
      }));
      return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
    });

  app.post('/api/incidents/:id/alert-emergency-units',
    route('incident.alert_emergency_units', 'Call out the minimum emergency units within the 1-, 3- or 5-minute ring (tiered; each unit once per incident): 应急单元响应', AlertEmergencyRequestSchema),
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = req.body;
      const action = 'incident.alert_emergency_units';
      const detail = { ring: b.ring };
      const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, async () => {
        const incident = (await repo.readIncidents([id])).get(id)?.incident;
        // Rings are computed before the commit: emergency units are fixed places, and a stale ring only means
        // a unit one ring further is called a moment later by the next tier.
        const ringUnits = incident ? await deps.ringUnits(incident, b.ring) : [];
        // Who was alerted is read on every attempt: the commit refuses a unit alerted meanwhile by a concurrent
        // call-out, and the next plan leaves it out.
        return commands.run({
          command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: ringUnits.map((u) => u.unitId),
          plan: async (input) => planAlert(input, id, ringUnits, await repo.readAlerted(id), b.note),
        });
      });
      if (out?.ok && !out.result.replayed) {
        const called: CallOutCommitted = { incidentId: id, ring: b.ring, unitIds: out.result.units.map((u) => u.id), at: Date.now() };
        for (const listener of deps.callOutListeners) {
          // The call-out is committed either way; a lost tier clock is logged (the units still got their orders).
          await listener(called).catch((err: unknown) => req.log.error({ err: (err as Error).message, incidentId: id }, 'call-out clock not recorded'));
        }
      }
      return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
    });

  app.post('/api/incidents/:id/resolve', route('incident.resolve', 'Mark an incident on scene as handled; its units are released: 处置完毕', ResolveRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.resolve';
    const out = await guarded(req, action, `incident:${id}`, b.commandId, {}, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: [],
      plan: (input) => planResolve(input, id, b.note),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, {});
  });

  app.post('/api/incidents/:id/close', route('incident.close', 'Close a resolved incident with its outcome: 反馈/办结', CloseRequestSchema), async (req, reply) => {
    const { id } = req.params as { id: string };
    const b = req.body;
    const action = 'incident.close';
    const detail = { outcome: b.outcome };
    const out = await guarded(req, action, `incident:${id}`, b.commandId, detail, () => commands.run({
      command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [id], unitIds: [],
      plan: (input) => planClose(input, id, b.outcome, b.note),
    }));
    return answer(req, reply, action, `incident:${id}`, b.commandId, out!, detail);
  });

  app.post('/api/units/:id/status',
    route('unit.status', 'Set a unit that is not assigned available, busy or off duty', UnitStatusRequestSchema, 'unit'),
    async (req, reply) => {
      const { id } = req.params as { id: string };
      const b = req.body;
      const action = 'unit.status';
      // A unit keeps no timeline: the audit entry is where the dispatcher's note is kept.
      const detail = { status: b.status, ...(b.note ? { note: b.note } : {}) };
      const out = await guarded(req, action, `unit:${id}`, b.commandId, detail, () => commands.run({
        command: { id: b.commandId, bodyHash: requestHash(action, id, b) }, actor: actor(req), incidentIds: [], unitIds: [id],
        plan: (input) => planUnitStatus(input, id, b.status, b.note),
      }));
      return answer(req, reply, action, `unit:${id}`, b.commandId, out!, detail);
    });
}

function unitSummary(r: CommandResult): { id: string; status: string }[] {
  return r.units.map((u) => ({ id: u.id, status: u.status }));
}
