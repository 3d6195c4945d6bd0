// The command room's reads of what responders answered: an incident's call-out tiers, and the promise statistics.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import {
  ApiErrorSchema, CallOutSchema, CallOutStatsSchema, DISPATCH_ROLES, IncidentIdSchema, ReadinessSchema, RollCallSchema, StartRollCallRequestSchema,
  VIEW_ROLES, localDay, refusal,
} from '@ccr/shared';
import type { CallOuts } from './callout.js';
import type { RollCalls } from './rollcall.js';

const DaySchema = Type.String({ pattern: '^20\\d\\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD (local day)' });

export function respondersRoutes(base: FastifyInstance, callOuts: CallOuts, rollCalls: RollCalls, timeZone: string): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();

  app.get('/api/incidents/:id/call-out', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['responders'], summary: 'The call-out of minimum emergency units for an incident: each tier\'s clock, who is coming with how many people, arrivals, against 1-3-5',
      params: Type.Object({ id: IncidentIdSchema }), response: { 200: CallOutSchema },
    },
  }, async (req) => callOuts.read(req.params.id));

  app.get('/api/stats/call-outs', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['responders'], summary: 'Call-outs over local days [from, to] and the share with self-help within 1 minute and mutual aid within 3 (counted when the arrival is written)',
      querystring: Type.Object({ from: Type.Optional(DaySchema), to: Type.Optional(DaySchema) }, { additionalProperties: false }),
      response: { 200: CallOutStatsSchema, 400: ApiErrorSchema },
    },
  }, async (req, reply) => {
    const today = localDay(Date.now(), timeZone);
    const from = req.query.from ?? today;
    const to = req.query.to ?? today;
    if (from > to) return reply.code(400).send(refusal('days_reversed', {}, 'from is after to'));
    return callOuts.stats(from, to);
  });

  app.post('/api/roll-calls', {
    config: { roles: DISPATCH_ROLES },
    schema: {
      tags: ['responders'], summary: 'Start a roll-call (点名) of the minimum emergency units of one grid, or of all: each answers on its terminal within ROLL_CALL_ANSWER_S',
      body: StartRollCallRequestSchema, response: { 200: RollCallSchema, 400: ApiErrorSchema },
    },
  }, async (req, reply) => {
    const user = req.user ?? { username: 'anonymous', role: 'anonymous' as const };
    const out = await rollCalls.start(user, req.body.commandId, req.body.gridId);
    await app.audit.record({
      user: user.username, role: user.role, action: 'rollcall.start', target: out.ok ? `rollcall:${out.rollCall.id}` : `grid:${req.body.gridId ?? '*'}`,
      outcome: out.ok ? 'ok' : 'refused', detail: { gridId: req.body.gridId ?? null, commandId: req.body.commandId, ...(out.ok ? { units: out.rollCall.units, replayed: out.rollCall.replayed } : { error: out.error.error }) },
    });
    if (!out.ok) return reply.code(400).send(out.error);
    return out.rollCall;
  });

  app.get('/api/roll-calls/readiness', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['responders'], summary: 'Readiness of the minimum emergency units per grid from each grid\'s latest roll-call (people who answered ÷ registered), and the units flagged for missing roll-calls',
      response: { 200: ReadinessSchema },
    },
  }, async () => rollCalls.readiness());
}
