// GET /api/stats/community: the community loops on /stats — the range's figures with 同比 and 环比, the headline
// figures side by side and a trend, all from the counters moved at write time (community-queries.ts). Registered
// with the community routes, beside the counters it reads, under the /api/stats/ family the /stats page uses.
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  CommunityStatsQuerySchema, CommunityStatsResponseSchema, MAX_COMMUNITY_DAILY_DAYS, VIEW_ROLES, localDay, parseRangeBound, refusal,
  type CommunityStatsInterval,
} from '@ccr/shared';
import { ApiErrorSchema } from '../http-errors.js';
import type { CommunityQueries } from './community-queries.js';
import { MAX_FIGURE_DAYS } from './community-queries.js';

type RangeOf = (from: string | undefined, to: string | undefined, fallback: [number, number]) =>
  { ok: true; from: number; to: number } | { ok: false; body: { error: string; message: string; path?: string } };

export function communityStatsRoute(base: FastifyInstance, deps: { queries: CommunityQueries; timeZone: string; rangeOf: RangeOf }): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { queries, timeZone, rangeOf } = deps;
  app.get('/api/stats/community', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['stats', 'community'], querystring: CommunityStatsQuerySchema, response: { 200: CommunityStatsResponseSchema, 400: ApiErrorSchema },
      summary: 'The community loops over whole local days [from, to) (default this month so far): mediation success (by tier, category, grid), tier-1 share, satisfaction, recurrence, median stage times, late stages, task completion on time (by team, grid, category); 同比, 环比 and a trend by day, week or month',
    },
  }, async (req, reply) => {
    const now = Date.now();
    const today = localDay(now, timeZone);
    const interval: CommunityStatsInterval = req.query.interval ?? 'month';
    const r = rangeOf(req.query.from, req.query.to, [parseRangeBound(`${today.slice(0, 8)}01`, timeZone), now + 1]);
    if (!r.ok) return reply.code(400).send(r.body);
    const days = queries.days(r.from, r.to);
    if (!days) return reply.code(400).send(refusal('range_too_long', { days: MAX_FIGURE_DAYS }, `the range is too long (at most ${MAX_FIGURE_DAYS} days)`));
    if (interval === 'day' && days.days.length > MAX_COMMUNITY_DAILY_DAYS) {
      return reply.code(400).send(refusal('daily_too_long', { days: MAX_COMMUNITY_DAILY_DAYS }, `a daily trend covers at most ${MAX_COMMUNITY_DAILY_DAYS} days: use week or month`));
    }
    return queries.stats(days, interval, now);
  });
}
