import fp from 'fastify-plugin';
import { Counter, Gauge } from 'prom-client';
import { DEFAULT_PLAUSIBILITY, type DuplicateRules, type Jurisdiction } from '@ccr/shared';
import type { IngestSettings } from '../../config.js';
import { IngestRepository } from './ingest-repository.js';
import { IncidentIngest, IncidentRecorder, gridLocatorFor } from './incident-ingest.js';
import { PositionIngest } from './position-ingest.js';
import { PositionGuard } from './position-guard.js';
import { POSITION_SHARDS, PositionShards } from './position-shards.js';
import { RejectLog } from './reject-log.js';
import { NodeIdentity } from './node-identity.js';
import { ingestRoutes } from './ingest-routes.js';
import { DuplicateCheck } from './duplicate-check.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import { statsRulesOf } from '../stats/stats-buckets.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Records one incident report the way the ingest loop does (clues turned into incidents use it). */
    incidentRecorder: IncidentRecorder;
  }
}

export interface IngestModuleOptions {
  jurisdiction: Jurisdiction;
  keyspace: Keyspace;
  nodeId: string;
  ingest: IngestSettings;
  /** Field seconds per real second (a demo simulator faster than real time): its units move that much faster. */
  timeScale?: number;
  /** DUPLICATE_RADIUS_M / DUPLICATE_WINDOW_MIN. */
  duplicates: DuplicateRules;
}

export const ingestModule = fp<IngestModuleOptions>(
  async (app, opts) => {
    const ingest = new IngestRepository(app.redis.command, opts.keyspace);
    const rejects = new RejectLog(app.log, app.metrics);
    const guard = new PositionGuard(new Map(opts.jurisdiction.units.map((u) => [u.id, u.kind])), app.live.repo, {
      ...DEFAULT_PLAUSIBILITY, accuracyM: opts.ingest.positionAccuracyM, frozenAfterMs: opts.ingest.positionFrozenAfterMs, timeScale: opts.timeScale ?? 1,
    });
    // The identity tells the ingest loop when its consumer name changes (created first, so told through a closure).
    const identity: NodeIdentity = new NodeIdentity(ingest, opts.nodeId, app.log, () => incidents.consumerChanged());
    const shardsHeld = new Gauge({
      name: 'ccr_position_shards_held', help: `Position shards (of ${POSITION_SHARDS}) whose units this node applies`, registers: [app.metrics.registry],
    });
    const shards = new PositionShards(ingest, identity.token, app.log, (n) => shardsHeld.set(n));
    const positions = new PositionIngest(ingest, app.live.repo, app.live.frames, app.metrics, rejects, app.log, guard, opts.ingest.positionClockSkewMs, shards, identity.token);
    const flaggedTotal = new Counter({
      name: 'ccr_incidents_suspected_duplicate_total', help: 'Incidents flagged 疑似重复 (suspected duplicate) by the ingest path',
      registers: [app.metrics.registry],
    });
    const duplicates = new DuplicateCheck(app.redis.command, app.live.repo, opts.duplicates, statsRulesOf(app.live), app.log, (n) => flaggedTotal.inc(n));
    const recorder = new IncidentRecorder(app.live.repo, gridLocatorFor(opts.jurisdiction.grids), statsRulesOf(app.live), async (incident, now) => {
      const out = await duplicates.preflag(incident, now);
      // Counted per commit attempt: a report retried after a concurrent write to it (rare) may count twice.
      if (out.suspectedDuplicate && !incident.suspectedDuplicate) flaggedTotal.inc();
      return out;
    });
    const incidents: IncidentIngest = new IncidentIngest(
      ingest, recorder, await app.redis.dedicated('incident-ingest'), identity, opts.ingest, app.metrics, rejects, app.log, duplicates,
    );
    const subscriber = await app.redis.dedicated('position-subscriber');
    ingestRoutes(app, ingest, rejects);
    app.decorate('incidentRecorder', recorder);

    app.addHook('onReady', async () => {
      await guard.start();
      await positions.start(subscriber);
      await incidents.start();
    });
    app.addHook('preClose', async () => {
      subscriber.destroy();
      await positions.stop();
      await incidents.stop();
    });
  },
  { name: 'ingest', dependencies: ['live'] },
);
