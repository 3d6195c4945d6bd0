// 群防群治 over HTTP: the public clue channel (百姓说事, no account), the console's clue queue and broadcast searches,
// and the wall's school-gate board. Every command is audited; every refusal is counted by action and reason.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Counter } from 'prom-client';
import {
  ApiErrorSchema, ClueDismissSchema, ClueIdParamsSchema, ClueSchema, ClueToIncidentSchema, ClueToTaskSchema, DISPATCH_ROLES, EndSearchSchema,
  GuardBoardSchema, PUBLIC_CLUE_BODY_LIMIT, PublicClueRequestSchema, SearchIdParamsSchema, SearchSchema, StartSearchSchema, VIEW_ROLES,
  commandIdReused, compileChecker, refusal, type Clue, type Search, type SessionUser,
} from '@ccr/shared';
import { requestHash } from '../dispatch/dispatch-commands.js';
import type { VolunteersRepository } from './volunteers-repository.js';
import { VolunteerService, type Outcome } from './volunteers-service.js';

const checkClue = compileChecker(ClueSchema);
const checkSearch = compileChecker(SearchSchema);
export const parseClue = (j: string): Clue => { const c = checkClue.validate(JSON.parse(j)); if (!c.ok) throw new Error(`stored clue answer: ${c.errors.join('; ')}`); return c.value; };
export const parseSearch = (j: string): Search => { const c = checkSearch.validate(JSON.parse(j)); if (!c.ok) throw new Error(`stored search answer: ${c.errors.join('; ')}`); return c.value; };

export interface VolunteerRouteDeps {
  service: VolunteerService;
  repo: VolunteersRepository;
  refused: Counter<'action' | 'reason'>;
}

const ClueListSchema = Type.Object({ total: Type.Integer(), items: Type.Array(ClueSchema), counts: Type.Record(Type.String(), Type.Integer()) });

export function volunteerRoutes(base: FastifyInstance, deps: VolunteerRouteDeps): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { service, repo, refused } = deps;
  const who = (req: FastifyRequest): SessionUser => {
    if (!req.user) throw new Error('auth hook did not set req.user');
    return req.user;
  };
  const audit = (req: FastifyRequest, action: string, target: string, outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown>) =>
    app.audit.record({ user: req.user?.username ?? 'public', role: req.user?.role ?? 'anonymous', action, target, outcome, detail: { ip: req.ip, ...detail } });

  /** Answers a command's outcome: 200 with the value, or its refusal (counted and audited). */
  const answer = async <T>(req: FastifyRequest, reply: FastifyReply, action: string, target: string, commandId: string, out: Outcome<T>, detail: (v: T) => Record<string, unknown>): Promise<FastifyReply> => {
    if (out.ok) {
      await audit(req, action, target, 'ok', { commandId, ...detail(out.value), ...(out.replayed ? { replayed: true } : {}) });
      return reply.code(200).send(out.value);
    }
    const { status, ...body } = out.error;
    refused.inc({ action, reason: body.error });
    await audit(req, action, target, 'refused', { commandId, error: body.error, message: body.message });
    return reply.code(status).send(body);
  };

  // ── the public channel ─────────────────────────────────────────────────────────────────────────────────
  app.post('/api/public/clues', {
    config: { public: true },
    bodyLimit: PUBLIC_CLUE_BODY_LIMIT,
    schema: {
      tags: ['volunteers'], summary: '百姓说事: a member of the public sends a clue (no account; limited per address, per phone and by duplicate text)',
      body: PublicClueRequestSchema, response: { 202: Type.Object({ id: Type.String() }), 400: ApiErrorSchema, 409: ApiErrorSchema, 429: ApiErrorSchema },
    },
  }, async (req, reply) => {
    const b = req.body;
    // A honeypot a person never sees: a bot that fills it is answered as if accepted and nothing is stored.
    if (b.website) {
      refused.inc({ action: 'clue.public', reason: 'honeypot' });
      return reply.code(202).send({ id: 'XS-0' });
    }
    const now = Date.now();
    const { website: _honeypot, ...asked } = b;
    const command = b.commandId ? { id: b.commandId, bodyHash: requestHash('clue.public', 'public', asked) } : undefined;
    // The same command again (its reply was lost): its answer, before any limit counts it.
    const stored = command ? await repo.readCommand(command.id) : null;
    if (stored && command) {
      if (stored.bodyHash !== command.bodyHash) return reply.code(409).send(commandIdReused(command.id));
      return reply.code(202).send({ id: parseClue(stored.result).id });
    }
    const limited = await repo.publicLimit(req.ip, b.phone, b.text, now, service.settings.publicClues, command?.id);
    if (limited) {
      refused.inc({ action: 'clue.public', reason: limited });
      await audit(req, 'clue.public', 'clue:public', 'refused', { reason: limited });
      return reply.code(429).send(refusal('clue_limited', { reason: limited }, limited === 'duplicate' ? 'the same clue was sent already' : `too many clues from this ${limited}: try again later`));
    }
    const out = await service.reportClue({
      source: 'public', text: b.text, reporter: VolunteerService.publicReporter(b.phone),
      ...(b.lng !== undefined && b.lat !== undefined ? { lng: b.lng, lat: b.lat } : {}), ...(b.address ? { address: b.address } : {}),
    }, now, command, parseClue);
    if (!out.ok && out.error.status === 409) return reply.code(409).send({ error: out.error.error, params: out.error.params, message: out.error.message });
    if (!out.ok) throw new Error(out.error.message);
    await audit(req, 'clue.public', `clue:${out.value.id}`, 'ok', {});
    return reply.code(202).send({ id: out.value.id });
  });

  // ── the console's clue queue ──────────────────────────────────────────────────────────────────────────
  app.get('/api/clues', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['volunteers'], summary: 'Open clues (newest first) and the counts by team and outcome', querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })) }), response: { 200: ClueListSchema } },
  }, async (req) => {
    const list = await repo.openClues(req.query.limit ?? 100);
    return { ...list, counts: await repo.clueCounts() };
  });

  const actor = (req: FastifyRequest) => ({ by: who(req).username, at: Date.now() });
  const cmd = (action: string, id: string, b: Record<string, unknown> & { commandId: string }) => ({ id: b.commandId, bodyHash: requestHash(action, id, b) });

  app.post('/api/clues/:id/incident', {
    config: { roles: DISPATCH_ROLES },
    schema: { tags: ['volunteers'], summary: 'Turn a clue into an incident (keeps its source and reporter)', params: ClueIdParamsSchema, body: ClueToIncidentSchema, response: { 200: ClueSchema, 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema } },
  }, async (req, reply) => answer(req, reply, 'clue.incident', `clue:${req.params.id}`, req.body.commandId,
    await service.clueToIncident(req.params.id, req.body, actor(req), cmd('clue.incident', req.params.id, req.body), parseClue), (c) => ({ incidentId: c.incidentId })));

  app.post('/api/clues/:id/task', {
    config: { roles: DISPATCH_ROLES },
    schema: { tags: ['volunteers'], summary: 'Record that a clue became a community task (ordered with POST /api/tasks)', params: ClueIdParamsSchema, body: ClueToTaskSchema, response: { 200: ClueSchema, 404: ApiErrorSchema, 409: ApiErrorSchema } },
  }, async (req, reply) => answer(req, reply, 'clue.task', `clue:${req.params.id}`, req.body.commandId,
    await service.clueToTask(req.params.id, req.body.taskId, actor(req), cmd('clue.task', req.params.id, req.body), parseClue), (c) => ({ taskId: c.taskId })));

  app.post('/api/clues/:id/dismiss', {
    config: { roles: DISPATCH_ROLES },
    schema: { tags: ['volunteers'], summary: 'Dismiss a clue with a reason', params: ClueIdParamsSchema, body: ClueDismissSchema, response: { 200: ClueSchema, 404: ApiErrorSchema, 409: ApiErrorSchema } },
  }, async (req, reply) => answer(req, reply, 'clue.dismiss', `clue:${req.params.id}`, req.body.commandId,
    await service.dismissClue(req.params.id, req.body.reason, actor(req), cmd('clue.dismiss', req.params.id, req.body), parseClue), (c) => ({ reason: c.dismissReason })));

  // ── broadcast searches ────────────────────────────────────────────────────────────────────────────────
  app.get('/api/searches', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['volunteers'], summary: 'Active broadcast searches (协查), newest first', response: { 200: Type.Array(SearchSchema) } },
  }, async () => repo.activeSearches(50));

  app.post('/api/searches', {
    config: { roles: DISPATCH_ROLES },
    schema: { tags: ['volunteers'], summary: 'Broadcast a search from an incident to chosen volunteer teams, grid officers and emergency units within a radius', body: StartSearchSchema, response: { 200: SearchSchema, 400: ApiErrorSchema, 404: ApiErrorSchema, 409: ApiErrorSchema } },
  }, async (req, reply) => {
    const b = req.body;
    const incident = await app.live.repo.getIncident(b.incidentId);
    if (!incident) return answer(req, reply, 'search.start', `incident:${b.incidentId}`, b.commandId, { ok: false, error: { status: 404, error: 'not_found', params: { subject: 'incident', id: b.incidentId }, message: `no incident "${b.incidentId}"` } }, () => ({}));
    return answer(req, reply, 'search.start', `incident:${b.incidentId}`, b.commandId,
      await service.startSearch(b, incident, actor(req), cmd('search.start', b.incidentId, b), parseSearch), (s) => ({ searchId: s.id, recipients: s.recipients.length }));
  });

  for (const [how, path] of [['found', 'found'], ['cancelled', 'cancel']] as const) {
    app.post(`/api/searches/:id/${path}`, {
      config: { roles: DISPATCH_ROLES },
      schema: { tags: ['volunteers'], summary: how === 'found' ? 'Found: ends the search and records the time to found' : 'Cancel a search', params: SearchIdParamsSchema, body: EndSearchSchema, response: { 200: SearchSchema, 404: ApiErrorSchema, 409: ApiErrorSchema } },
    }, async (req, reply) => answer(req, reply, `search.${how}`, `search:${req.params.id}`, req.body.commandId,
      await service.endSearch(req.params.id, how, actor(req), cmd(`search.${how}`, req.params.id, req.body), parseSearch), (s) => ({ timeToFoundMs: s.timeToFoundMs })));
  }

  // ── 护学岗 ────────────────────────────────────────────────────────────────────────────────────────────
  app.get('/api/guard-posts', {
    config: { roles: VIEW_ROLES },
    schema: { tags: ['volunteers'], summary: 'Today\'s school-gate posts (护学岗): check-ins and state per peak window', response: { 200: GuardBoardSchema } },
  }, async () => service.guardBoard(Date.now()));
}
