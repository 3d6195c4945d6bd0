// Dispatch: the shift leader's commands, the device channel on which units receive orders and report, and
// arrival by geofence — all changing Redis through one atomic commit (dispatch-scripts.ts).
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import { DispatchRepository } from './dispatch-repository.js';
import { DispatchCommands } from './dispatch-commands.js';
import { statsRulesOf } from '../stats/stats-buckets.js';
import { dispatchRoutes, type CallOutCommitted } from './dispatch-routes.js';
import { DeviceChannel } from './device-channel.js';
import { ArrivalWatch } from './arrival-watch.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export interface DispatchModuleOptions {
  keyspace: Keyspace;
  eventStreamMaxLen: number;
  nodeId: string;
  /** A dispatched or en-route unit this close to its incident is on scene (ARRIVAL_RADIUS_M). */
  arrivalRadiusM: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    dispatch: {
      repo: DispatchRepository; commands: DispatchCommands; arrivals: ArrivalWatch;
      /** Listeners told of every committed call-out tier (the responders module's call-out clocks). */
      callOutListeners: Set<(e: CallOutCommitted) => Promise<void>>;
    };
  }
}

export const dispatchModule = fp<DispatchModuleOptions>(
  async (app, opts) => {
    // Predicted and actual travel times are recorded with the commits that send and land units (recommendation).
    const repo = new DispatchRepository(app.redis.command, app.live.repo, opts.keyspace, opts.eventStreamMaxLen, app.etaLedger);
    const commands = new DispatchCommands(repo, statsRulesOf(app.live));
    const refused = new Counter({
      name: 'ccr_dispatch_refused_total', help: 'Dispatch commands and device events refused, by action and reason',
      labelNames: ['action', 'reason'] as const, registers: [app.metrics.registry],
    });
    const callOutListeners = new Set<(e: CallOutCommitted) => Promise<void>>();
    dispatchRoutes(app, {
      commands, repo, refused, callOutListeners,
      // The rings the console shows are the rings the call-out uses (recommendation module, bounded GEO search).
      ringUnits: (point, minutes) => app.recommendation.emergencyUnitsWithin(point, minutes),
    });
    const devices = new DeviceChannel(app, { repo, commands, refused, subscriber: await app.redis.dedicated('device-orders') });
    const arrivals = new ArrivalWatch(app, repo, commands, { radiusM: opts.arrivalRadiusM, nodeId: opts.nodeId });
    app.decorate('dispatch', { repo, commands, arrivals, callOutListeners });

    app.addHook('onReady', async () => {
      await devices.start();
      arrivals.start();
    });
    app.addHook('preClose', async () => {
      await arrivals.stop();
      await devices.stop();
    });
  },
  { name: 'dispatch', dependencies: ['live', 'auth', 'audit', 'recommendation', 'redis', 'socket-io', 'metrics'] },
);
