// Incidents as the live picture knows them (dispatch commands come with the dispatch module).
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { IncidentIdSchema, IncidentSchema, VIEW_ROLES } from '@ccr/shared';
import { NotFoundSchema, notFound } from '../http-errors.js';

export const incidentsModule: FastifyPluginAsync = async (base) => {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/incidents', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['live'], summary: 'Incidents, newest first: the open ones (status=open, default) or all',
      querystring: Type.Object({
        status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('all')], { default: 'open' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 200 })),
        offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ total: Type.Integer(), offset: Type.Integer(), limit: Type.Integer(), items: Type.Array(IncidentSchema) }) },
    },
  }, async (req) => {
    const { status = 'open', limit = 200, offset = 0 } = req.query;
    const { total, incidents } = await app.live.repo.listIncidents({ openOnly: status === 'open', limit, offset });
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
    return incident ?? notFound(reply, `警情不存在 / no incident "${req.params.id}"`);
  });
};
