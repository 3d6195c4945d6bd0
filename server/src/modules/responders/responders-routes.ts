// The command room's reads of what responders answered: an incident's call-out tiers, and the promise statistics.
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { ApiErrorSchema, CallOutSchema, CallOutStatsSchema, IncidentIdSchema, VIEW_ROLES, localDay, refusal } from '@ccr/shared';
import type { CallOuts } from './callout.js';

const DaySchema = Type.String({ pattern: '^20\\d\\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$', description: 'YYYY-MM-DD (local day)' });

export function respondersRoutes(base: FastifyInstance, callOuts: CallOuts, timeZone: string): void {
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
}
