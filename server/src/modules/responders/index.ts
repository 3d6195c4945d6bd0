// Responders: the people around the police who answer on the terminal app (/m) — an officer's phone sharing its
// position while on a job (unit:position), a minimum emergency unit's leader answering a call-out (callout:report)
// with the tiers' clocks the console reads, and roll-calls (点名) with readiness per grid (rollcall:answer). Events on the /device namespace, whose guard is the dispatch module's.
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { Namespace } from 'socket.io';
import { DEVICE_NAMESPACE, type Jurisdiction, type PlausibilitySettings } from '@ccr/shared';
import { IngestRepository } from '../ingest/ingest-repository.js';
import { RejectLog } from '../ingest/reject-log.js';
import { phonePositionHandler } from './phone-positions.js';
import { CallOuts } from './callout.js';
import { respondersRoutes } from './responders-routes.js';
import { RollCalls, type RollCallSettings } from './rollcall.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export interface RespondersModuleOptions {
  jurisdiction: Jurisdiction;
  keyspace: Keyspace;
  /** The plausibility settings of the position ingest (POSITION_ACCURACY_M, the field time scale). */
  plausibility: PlausibilitySettings;
  clockSkewMs: number;
  rollCall: RollCallSettings;
  /** This node's name, as the holder of the roll-call closing lease. */
  nodeId: string;
}

export const respondersModule = fp<RespondersModuleOptions>(
  async (app, opts) => {
    const refused = new Counter({
      name: 'ccr_terminal_refused_total', help: 'Terminal app events refused (unit:position, callout:report), by action and reason',
      labelNames: ['action', 'reason'] as const, registers: [app.metrics.registry],
    });
    const callOuts = new CallOuts(app, app.redis.command, opts.keyspace, opts.jurisdiction, app.live.timeZone);
    app.dispatch.callOutListeners.add((e) => callOuts.opened(e));
    const callOutReport = callOuts.handler(refused);
    const rollCalls = new RollCalls(app, app.redis.command, opts.keyspace, opts.jurisdiction, opts.rollCall, app.live.timeZone);
    const rollCallAnswer = rollCalls.handler(refused);
    respondersRoutes(app, callOuts, rollCalls, app.live.timeZone);
    const position = phonePositionHandler(app, {
      ingest: new IngestRepository(app.redis.command, opts.keyspace), rejects: new RejectLog(app.log, app.metrics), refused,
      jurisdiction: opts.jurisdiction, settings: opts.plausibility, clockSkewMs: opts.clockSkewMs,
    });
    // Untyped here: the namespace's typed events are the dispatch and community modules'; these are checked by schema.
    (app.io.of(DEVICE_NAMESPACE) as unknown as Namespace).on('connection', (socket) => {
      socket.on('unit:position', (req: unknown, ack: unknown) => void position(socket, req, ack));
      socket.on('callout:report', (req: unknown, ack: unknown) => void callOutReport(socket, req, ack));
      socket.on('rollcall:answer', (req: unknown, ack: unknown) => void rollCallAnswer(socket, req, ack));
      const unitId = (socket.data as { user?: { unitId?: string } }).user?.unitId;
      if (unitId) {
        void rollCalls.connected(socket, unitId).catch((err: unknown) => app.log.warn({ err: (err as Error).message, unitId }, 'open roll-calls not sent on connect'));
      }
    });
    const subscriber = await app.redis.dedicated('roll-call-notices');
    app.addHook('onReady', async () => {
      await rollCalls.listen(subscriber);
      rollCalls.startClosing(app.live.repo, opts.nodeId);
    });
    app.addHook('preClose', async () => {
      await rollCalls.stop();
      subscriber.destroy();
    });
  },
  { name: 'responders', dependencies: ['live', 'auth', 'audit', 'ingest', 'dispatch', 'redis', 'socket-io', 'metrics'] },
);
