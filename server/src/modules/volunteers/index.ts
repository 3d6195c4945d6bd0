// 群防群治 (issue 11): volunteers' accounts act through this module — clues (线索) from volunteers and the public,
// broadcast searches (协查) to volunteers, grid officers and emergency units, and the school-gate posts (护学岗).
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { Jurisdiction } from '@ccr/shared';
import { VolunteersRepository } from './volunteers-repository.js';
import { VolunteerService } from './volunteers-service.js';
import { volunteerRoutes } from './volunteers-routes.js';
import { VolunteerSockets } from './volunteers-socket.js';
import type { VolunteerSettings } from './volunteers-settings.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export type { VolunteerSettings } from './volunteers-settings.js';

export interface VolunteersModuleOptions {
  jurisdiction: Jurisdiction;
  keyspace: Keyspace;
  eventStreamMaxLen: number;
  timeZone: string;
  settings: VolunteerSettings;
}

declare module 'fastify' {
  interface FastifyInstance {
    volunteers: { repo: VolunteersRepository; service: VolunteerService };
  }
}

export const volunteersModule = fp<VolunteersModuleOptions>(
  async (app, opts) => {
    const repo = new VolunteersRepository(app.redis.command, app.live.repo, opts.keyspace, opts.eventStreamMaxLen);
    const service = new VolunteerService(
      repo, opts.jurisdiction, opts.settings, opts.timeZone,
      (report, now) => app.incidentRecorder.record(report, now),
      async (id) => (await app.community.repo.readTasks([id])).has(id),
      async () => app.live.repo.readPositions(),
    );
    const refused = new Counter({
      name: 'ccr_volunteers_refused_total', help: 'Clue, search and check-in commands and public clues refused, by action and reason',
      labelNames: ['action', 'reason'] as const, registers: [app.metrics.registry],
    });
    volunteerRoutes(app, { service, repo, refused });
    const sockets = new VolunteerSockets(app, { service, repo, refused, subscriber: await app.redis.dedicated('search-notices') });
    app.decorate('volunteers', { repo, service });
    app.addHook('onReady', async () => { await sockets.start(); });
    app.addHook('preClose', async () => { sockets.stop(); });
  },
  { name: 'volunteers', dependencies: ['live', 'auth', 'audit', 'dispatch', 'community', 'ingest', 'redis', 'socket-io', 'metrics'] },
);
