// GET /api/stats/overview | series | heatmap. Encapsulated so that its error handler (schema refusals counted
// as statistics refusals) applies to these routes only.
import type { FastifyError, FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Counter } from 'prom-client';
import {
  StatsErrorSchema, StatsHeatmapQuerySchema, StatsHeatmapResponseSchema, StatsOverviewQuerySchema, StatsOverviewResponseSchema,
  StatsSeriesQuerySchema, StatsSeriesResponseSchema, VIEW_ROLES, type StatsGroupBy, type StatsInterval, type StatsMetric,
  type CountMetric, type Refusal, badDay, localDayOf, parseRangeBound, refusal,
} from '@ccr/shared';
import type { StatsQueries } from './stats-queries.js';
import { checkGrouping, checkRange } from './stats-service.js';

export const statsRoutes: FastifyPluginAsync<{ queries: StatsQueries }> = async (base, { queries }) => {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const rejected = new Counter({
    name: 'ccr_stats_rejected_total', help: 'Statistics requests refused as bad input, by route and reason',
    labelNames: ['route', 'reason'] as const, registers: [app.metrics.registry],
  });
  const tz = queries.opts.timeZone;
  const bad = (route: string, reason: string, r: Refusal) => {
    rejected.inc({ route, reason });
    return r;
  };

  // Schema refusals are counted here; the app's error handler answers them (and everything else).
  app.setErrorHandler((err: FastifyError, req) => {
    if (err.validation) rejected.inc({ route: req.routeOptions.url ?? 'none', reason: 'schema' });
    throw err;
  });

  app.get('/api/stats/overview', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['stats'], summary: "Today's and the month's figures with 同比/环比, response against targets, units, emergency units, patrol presence",
      querystring: StatsOverviewQuerySchema,
      response: { 200: StatsOverviewResponseSchema, 400: StatsErrorSchema },
    },
  }, async (req, reply) => {
    const now = Date.now();
    const date = req.query.date;
    if (date !== undefined) {
      if (Number.isNaN(parseRangeBound(date, tz))) {
        return reply.code(400).send(bad('/api/stats/overview', 'range', badDay('date', date)));
      }
      if (date > localDayOf(now, tz)) {
        return reply.code(400).send(bad('/api/stats/overview', 'range', refusal('date_in_future', { today: localDayOf(now, tz) }, `date must not be after today (${localDayOf(now, tz)})`)));
      }
      const r = checkRange(date, String(now + 1), 'day', now, tz);
      if (!r.ok) return reply.code(400).send(bad('/api/stats/overview', 'range', r.refusal));
    }
    return queries.overview(now, date);
  });

  app.get('/api/stats/series', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['stats'], summary: 'A metric over [from, to) by hour, day, week or month, optionally grouped',
      querystring: StatsSeriesQuerySchema,
      response: { 200: StatsSeriesResponseSchema, 400: StatsErrorSchema },
    },
  }, async (req, reply) => {
    const { metric = 'incidents', interval = 'day', groupBy = 'none', from, to } = req.query as { metric?: StatsMetric; interval?: StatsInterval; groupBy?: StatsGroupBy; from: string; to: string };
    const g = checkGrouping(metric, groupBy);
    if (!g.ok) return reply.code(400).send(bad('/api/stats/series', 'grouping', g.refusal));
    const r = checkRange(from, to, interval, Date.now(), tz);
    if (!r.ok) return reply.code(400).send(bad('/api/stats/series', 'range', r.refusal));
    return queries.series({ metric, interval, groupBy, ...r.value });
  });

  app.get('/api/stats/heatmap', {
    config: { roles: VIEW_ROLES },
    schema: {
      tags: ['stats'], summary: 'Hour-of-week heatmap (Monday first, local hours) of a count over [from, to)',
      querystring: StatsHeatmapQuerySchema,
      response: { 200: StatsHeatmapResponseSchema, 400: StatsErrorSchema },
    },
  }, async (req, reply) => {
    const { metric = 'incidents', from, to } = req.query as { metric?: CountMetric; from: string; to: string };
    const r = checkRange(from, to, 'day', Date.now(), tz);
    if (!r.ok) return reply.code(400).send(bad('/api/stats/heatmap', 'range', r.refusal));
    return queries.heatmap({ metric, ...r.value });
  });
};
