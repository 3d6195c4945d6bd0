// Response targets: put into every live snapshot (so every screen colours timers the same way) and watched,
// so a missed target becomes an `incident:breached` event the wall can show.
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { DEFAULT_RESPONSE_TARGETS, TargetsByPrioritySchema, VIEW_ROLES, type TargetsByPriority } from '@ccr/shared';
import { TargetsRepository } from './targets-repository.js';
import { BreachWatcher } from './breach-watcher.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export interface TargetsModuleOptions {
  /** RESPONSE_TARGETS; the 1-3-5 defaults when left out. */
  targets?: TargetsByPriority;
  keyspace: Keyspace;
  nodeId: string;
  eventStreamMaxLen: number;
  /** How often open incidents are checked. */
  intervalMs?: number;
}

export const targetsModule = fp<TargetsModuleOptions>(
  async (app, opts) => {
    const targets = opts.targets ?? DEFAULT_RESPONSE_TARGETS;
    app.live.ctx.targets = targets;
    const breaches = new Counter({
      name: 'ccr_response_target_breaches_total', help: 'Response targets missed, announced once per incident and target',
      labelNames: ['target', 'priority'] as const, registers: [app.metrics.registry],
    });
    const repo = new TargetsRepository(app.redis.command, app.live.repo, opts.keyspace, opts.eventStreamMaxLen);
    const watcher = new BreachWatcher(app.live.repo, repo, { nodeId: opts.nodeId, targets, intervalMs: opts.intervalMs ?? 1_000 }, breaches, app.log);

    app.get('/api/targets', {
      config: { roles: VIEW_ROLES },
      schema: {
        tags: ['live'], summary: 'Response targets per priority (ms): dispatch, first help, on scene',
        response: { 200: TargetsByPrioritySchema },
      },
    }, async () => targets);

    app.addHook('onReady', async () => watcher.start());
    app.addHook('preClose', async () => watcher.stop());
  },
  { name: 'targets', dependencies: ['live', 'redis', 'metrics'] },
);
