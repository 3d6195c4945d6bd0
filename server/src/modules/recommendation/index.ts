// Recommendation: which units to send to an incident (ETA from live positions) and which minimum emergency
// units can reach it within 1, 3 and 5 minutes on foot.
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_REACH_OPTIONS, type ReachOptions, type RingMinutes, type RingUnit } from '@ccr/shared';
import { RecommendationRepository } from './recommendation-repository.js';
import { Recommender, type Place } from './recommender.js';
import { recommendationRoutes } from './recommendation-routes.js';

export interface RecommendationModuleOptions {
  /** Detour factor, speeds per kind, walking speed (DETOUR_FACTOR, UNIT_SPEEDS, WALK_SPEED_MPS). */
  reach?: ReachOptions;
  /** A position older than this is not trusted (STALE_AFTER_MS). */
  staleAfterMs: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    recommendation: Recommender;
  }
}

export const recommendationModule = fp<RecommendationModuleOptions>(
  async (app, opts) => {
    const repo = new RecommendationRepository(app.redis.command, app.live.repo);
    const recommender = new Recommender(repo, { ...(opts.reach ?? DEFAULT_REACH_OPTIONS), staleAfterMs: opts.staleAfterMs });
    app.decorate('recommendation', recommender);
    const rejected = new Counter({
      name: 'ccr_recommendation_rejected_total', help: 'Recommendation requests refused, by reason (invalid_request, unknown_incident)',
      labelNames: ['reason'] as const, registers: [app.metrics.registry],
    });
    recommendationRoutes(app, recommender, rejected);
  },
  { name: 'recommendation', dependencies: ['live', 'redis', 'metrics'] },
);

/**
 * The minimum emergency units whose members can walk to `place` within `ring` minutes (that ring and the smaller
 * ones), nearest ring first, each tagged with its ring: what the tiered call-out alerts. Bounded GEO search.
 */
export function emergencyUnitsWithin(app: FastifyInstance, place: Place, ring: RingMinutes): Promise<(RingUnit & { ring: RingMinutes })[]> {
  return app.recommendation.emergencyUnitsWithin(place, ring);
}

export { Recommender } from './recommender.js';
