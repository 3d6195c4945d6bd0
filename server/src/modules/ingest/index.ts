import fp from 'fastify-plugin';
import type { Jurisdiction } from '@ccr/shared';
import { IngestRepository } from './ingest-repository.js';
import { IncidentIngest, IncidentRecorder, gridLocatorFor } from './incident-ingest.js';
import { PositionIngest } from './position-ingest.js';
import { RejectLog } from './reject-log.js';
import { ingestRoutes } from './ingest-routes.js';

export interface IngestModuleOptions {
  jurisdiction: Jurisdiction;
  keyPrefix: string;
  nodeId: string;
}

export const ingestModule = fp<IngestModuleOptions>(
  async (app, opts) => {
    const ingest = new IngestRepository(app.redis.command, opts.keyPrefix);
    const rejects = new RejectLog(app.log, app.metrics);
    const recorder = new IncidentRecorder(app.live.repo, gridLocatorFor(opts.jurisdiction.grids), app.live.timeZone);
    const positions = new PositionIngest(ingest, app.live.repo, app.live.frames, app.metrics, rejects, app.log);
    const incidents = new IncidentIngest(ingest, recorder, await app.redis.dedicated('incident-ingest'), opts.nodeId, app.metrics, rejects, app.log);
    const subscriber = await app.redis.dedicated('position-subscriber');
    ingestRoutes(app, ingest, rejects);

    app.addHook('onReady', async () => {
      await positions.start(subscriber);
      await incidents.start();
    });
    app.addHook('preClose', async () => {
      subscriber.destroy();
      await incidents.stop();
    });
  },
  { name: 'ingest', dependencies: ['live'] },
);
