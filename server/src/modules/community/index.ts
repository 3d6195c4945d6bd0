// The community team's two closed loops (issue 10): dispute cases and community tasks — commands over HTTP and on
// the unit terminals, figures counted with every write, all changing Redis through one atomic commit.
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { Jurisdiction } from '@ccr/shared';
import { CommunityRepository } from './community-repository.js';
import { CommunityCommands } from './community-commands.js';
import { CommunityQueries } from './community-queries.js';
import { communityRoutes } from './community-routes.js';
import { CommunityDevice } from './community-device.js';
import { buildCommunityContext, type CommunityContext } from './community-service.js';
import type { CommunitySettings } from './community-settings.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export type { CommunitySettings } from './community-settings.js';
// What history seeding and other writers outside a request use: the same repository, runner and plans as the routes.
export { CommunityRepository } from './community-repository.js';
export { CommunityCommands } from './community-commands.js';
export * from './community-service.js';

export interface CommunityModuleOptions {
  jurisdiction: Jurisdiction;
  keyspace: Keyspace;
  eventStreamMaxLen: number;
  timeZone: string;
  settings: CommunitySettings;
  /** Keys the party fingerprints of repeat detection (the deployment's device secret). */
  fingerprintKey: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    community: {
      repo: CommunityRepository; commands: CommunityCommands; queries: CommunityQueries;
      /** What the plans need besides the reads (limits, catalogue, grids, roster): history seeding and the simulator's
       *  in-process helpers write through the same plans and commands as the routes. */
      context: CommunityContext;
    };
  }
}

export const communityModule = fp<CommunityModuleOptions>(
  async (app, opts) => {
    const repo = new CommunityRepository(app.redis.command, app.live.repo, opts.keyspace, opts.eventStreamMaxLen, opts.timeZone, opts.fingerprintKey);
    const commands = new CommunityCommands(repo);
    const queries = new CommunityQueries(repo, opts.timeZone);
    const ctx = buildCommunityContext(opts.jurisdiction, opts.settings);
    const refused = new Counter({
      name: 'ccr_community_refused_total', help: 'Community commands and terminal task events refused, by action and reason',
      labelNames: ['action', 'reason'] as const, registers: [app.metrics.registry],
    });
    communityRoutes(app, { commands, repo, queries, ctx, settings: opts.settings, timeZone: opts.timeZone, refused });
    const device = new CommunityDevice(app, { repo, commands, refused, subscriber: await app.redis.dedicated('task-notices') });
    app.decorate('community', { repo, commands, queries, context: ctx });
    app.addHook('onReady', async () => { await device.start(); });
    app.addHook('preClose', async () => { device.stop(); });
  },
  { name: 'community', dependencies: ['live', 'auth', 'audit', 'dispatch', 'redis', 'socket-io', 'metrics'] },
);
