// Statistics for leadership (issue 4): counters move at every incident write (stats-buckets.ts, applied by the
// live repository's write script); this module answers from them, samples patrol presence and pushes KPIs.
import fp from 'fastify-plugin';
import { DEFAULT_RESPONSE_TARGETS, targetsInSeconds, type Jurisdiction } from '@ccr/shared';
import type { Keyspace } from '../../plugins/keyspace.js';
import { gridLocatorFor } from '../ingest/incident-ingest.js';
import { StatsRepository } from './stats-repository.js';
import { StatsQueries } from './stats-queries.js';
import { StatsChores } from './stats-chores.js';
import { statsRoutes } from './stats-routes.js';

export interface StatsModuleOptions {
  jurisdiction: Jurisdiction;
  keyspace: Keyspace;
  nodeId: string;
  staleAfterMs: number;
  eventStreamMaxLen: number;
  /** Target share of grids visited by a patrol in the last hour, in percent (PRESENCE_TARGET). */
  presenceTargetPercent: number;
  presenceSampleSeconds: number;
  /** How often today's KPIs are recomputed and, when changed, pushed. */
  kpiIntervalMs?: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    stats: { repo: StatsRepository; queries: StatsQueries; chores: StatsChores };
  }
}

export const statsModule = fp<StatsModuleOptions>(
  async (app, opts) => {
    const timeZone = app.live.timeZone;
    const repo = new StatsRepository(app.redis.command, opts.keyspace, opts.eventStreamMaxLen);
    const queries = new StatsQueries(repo, app.live.repo, {
      timeZone,
      gridIds: opts.jurisdiction.grids.features.map((f) => f.properties.id),
      targets: () => targetsInSeconds(app.live.ctx.targets ?? DEFAULT_RESPONSE_TARGETS),
      presenceTarget: opts.presenceTargetPercent / 100,
    });
    const chores = new StatsChores(repo, app.live.repo, queries, {
      nodeId: opts.nodeId, timeZone, staleAfterMs: opts.staleAfterMs, presenceSampleSeconds: opts.presenceSampleSeconds,
      kpiIntervalMs: opts.kpiIntervalMs ?? 2_000, locateGrid: gridLocatorFor(opts.jurisdiction.grids),
      gridIds: opts.jurisdiction.grids.features.map((f) => f.properties.id),
    }, app.log);
    app.decorate('stats', { repo, queries, chores });
    await app.register(statsRoutes, { queries });
    app.addHook('onReady', async () => {
      await chores.prepare(Date.now());
      chores.start();
    });
    app.addHook('preClose', async () => chores.stop());
  },
  { name: 'stats', dependencies: ['live', 'redis', 'metrics'] },
);
