// GET /api/incidents/:id/recommendations: the units to send and the emergency units around the scene.
import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance } from 'fastify';
import type { Counter } from 'prom-client';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { DISPATCH_ROLES, IncidentIdSchema, QueryInteger, RecommendationSchema, type Recommendation } from '@ccr/shared';
import { ApiErrorSchema, NotFoundSchema, notFound } from '../http-errors.js';
import type { Recommender } from './recommender.js';

export const DEFAULT_CANDIDATES = 10;
export const MAX_CANDIDATES = 50;

export function recommendationRoutes(base: FastifyInstance, recommender: Recommender, rejected: Counter<'reason'>): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  app.get('/api/incidents/:id/recommendations', {
    config: { roles: DISPATCH_ROLES },
    // Bad input is counted here; the app's error handler answers it (a 400 naming the field).
    errorHandler(err: FastifyError) {
      if (err.validation) rejected.inc({ reason: 'invalid_request' });
      throw err;
    },
    schema: {
      tags: ['dispatch'],
      summary: 'Available units ranked by ETA from live positions, and the emergency units within 1, 3 and 5 minutes\' walk',
      params: Type.Object({ id: IncidentIdSchema }),
      querystring: Type.Object({
        limit: Type.Optional(QueryInteger({ minimum: 1, maximum: MAX_CANDIDATES, default: DEFAULT_CANDIDATES })),
      }, { additionalProperties: false }),
      response: { 200: RecommendationSchema, 400: ApiErrorSchema, 404: NotFoundSchema },
    },
  }, async (req, reply) => {
    const incident = await base.live.repo.getIncident(req.params.id);
    if (!incident) {
      rejected.inc({ reason: 'unknown_incident' });
      return notFound(reply, `警情不存在 / no incident "${req.params.id}"`);
    }
    const now = Date.now();
    const [candidates, rings] = await Promise.all([
      recommender.candidates(incident, req.query.limit ?? DEFAULT_CANDIDATES, now),
      recommender.rings(incident),
    ]);
    const out: Recommendation = { incidentId: incident.id, computedAt: now, candidates, rings };
    return out;
  });
}
