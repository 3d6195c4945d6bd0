// Incidents as the live picture knows them (dispatch commands come with the dispatch module).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  EARLIEST_INSTANT_MS, IncidentIdSchema, IncidentSchema, LATEST_INSTANT_MS, QueryInteger, VIEW_ROLES, RangeBoundSchema, StatsErrorSchema,
  RANGE_REVERSED, badTime, parseRangeBound, refusal,
} from '@ccr/shared';
import { NotFoundSchema, notFound } from '../http-errors.js';

/** Deeper pages than this are a mistake or a probe: a range (from/to) narrows a long history instead. */
const MAX_OFFSET = 1_000_000;

export const incidentsModule: FastifyPluginAsync = async (base) => {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/incidents', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['live'],
      summary: 'Incidents, newest first: the open ones (status=open, default) or all; with from/to, every incident reported in [from, to) (the raw data behind any statistic)',
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { description: 'default open; all with from/to' })),
        from: Type.Optional(RangeBoundSchema),
        to: Type.Optional(RangeBoundSchema),
        limit: Type.Optional(QueryInteger({ minimum: 1, maximum: 1000, default: 200 })),
        offset: Type.Optional(QueryInteger({ minimum: 0, maximum: MAX_OFFSET, default: 0 })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(IncidentSchema) }),
        400: StatsErrorSchema,
      },
    },
  }, async (req, reply) => {
    const { status, from, to, limit = 200, offset = 0 } = req.query;
    if (from === undefined && to === undefined) {
      const { total, incidents } = await app.live.repo.listIncidents({ openOnly: status !== 'all', limit, offset });
      return { total, offset, limit, items: incidents };
    }
    // A time range is for checking figures, which count every status: an open-only page would not add up.
    if (status === 'open') return reply.code(400).send(refusal('range_with_filter', { subject: 'incident' }, 'status=open cannot be combined with from/to'));
    const f = from === undefined ? EARLIEST_INSTANT_MS : parseRangeBound(from, app.live.timeZone);
    const t = to === undefined ? LATEST_INSTANT_MS : parseRangeBound(to, app.live.timeZone);
    if (Number.isNaN(f) || Number.isNaN(t)) {
      const [name, value] = Number.isNaN(f) ? ['from', from] : ['to', to];
      return reply.code(400).send({ ...badTime(name, value ?? ''), path: `/querystring/${name}` });
    }
    if (f >= t) return reply.code(400).send(RANGE_REVERSED);
    const { total, incidents } = await app.stats.repo.incidentsReported(f, t, limit, offset);
    return { total, offset, limit, items: incidents };
  });

  app.get('/api/incidents/:id', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['live'], summary: 'One incident with its timeline',
      params: Type.Object({ id: IncidentIdSchema }),
      response: { 200: IncidentSchema, 404: NotFoundSchema },
    },
  }, async (req, reply) => {
    const incident = await app.live.repo.getIncident(req.params.id);
    return incident ?? notFound(reply, 'incident', req.params.id);
  });
};
