// The live picture: state in Redis, frames and deltas out to every screen.
import fp from 'fastify-plugin';
import type { AttentionSettings, Jurisdiction } from '@ccr/shared';
import { LiveRepository } from './live-repository.js';
import { presenceOf } from './presence-index.js';
import { gridLocatorFor } from '../ingest/incident-ingest.js';
import { PositionFrames } from './position-frames.js';
import { EventRelay } from './event-relay.js';
import { LiveHousekeeping } from './live-housekeeping.js';
import { bindLiveSocket, type LiveContext } from './live-socket.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export interface LiveModuleOptions {
  jurisdiction: Jurisdiction;
  keyspace: Keyspace;
  timeZone: string;
  staleAfterMs: number;
  attention: AttentionSettings;
  frameIntervalMs: number;
  eventStreamMaxLen: number;
  nodeId: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    live: { repo: LiveRepository; frames: PositionFrames; ctx: LiveContext; timeZone: string };
  }
}

export const liveModule = fp<LiveModuleOptions>(
  async (app, opts) => {
    const repo = new LiveRepository(app.redis.command, opts.keyspace, opts.eventStreamMaxLen, presenceOf(opts.jurisdiction, gridLocatorFor(opts.jurisdiction.grids)));
    await repo.syncRoster(opts.jurisdiction.units, Date.now());
    const frames = new PositionFrames(app.io, opts.frameIntervalMs, app.metrics);
    const ctx: LiveContext = { station: { name: opts.jurisdiction.station.name, timeZone: opts.timeZone }, staleAfterMs: opts.staleAfterMs, attention: opts.attention };
    const relay = new EventRelay(repo, await app.redis.dedicated('event-relay'), app.io, app.metrics, app.log);
    const housekeeping = new LiveHousekeeping(repo, { nodeId: opts.nodeId, staleAfterMs: opts.staleAfterMs, timeZone: opts.timeZone }, app.log);
    bindLiveSocket(app.io, repo, frames, ctx, app.metrics, app.log, app.auth);
    app.decorate('live', { repo, frames, ctx, timeZone: opts.timeZone });

    app.addHook('onReady', async () => {
      await relay.start();
      frames.start();
      housekeeping.start();
    });
    app.addHook('preClose', async () => {
      housekeeping.stop();
      frames.stop();
      await relay.stop();
    });
  },
  { name: 'live', dependencies: ['redis', 'socket-io', 'metrics'] },
);
