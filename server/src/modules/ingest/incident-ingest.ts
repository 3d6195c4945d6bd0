// Incidents from the ingest stream, through a consumer group: each entry is applied, then acknowledged, so an
// entry read by a node that dies before applying it is read again (by it after restart, or claimed by another).
// Applying is idempotent, which makes that redelivery harmless.
import { createGridLocator, isOpenStatus, localDay, type GridCollection, type IncidentReport, type LngLat } from '@ccr/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../../plugins/redis.js';
import type { Metrics } from '../../plugins/metrics.js';
import { applyReport, type IncidentChange } from '../live/incident-rules.js';
import { incidentStatsMoves } from '../stats/stats-buckets.js';
import type { LiveRepository } from '../live/live-repository.js';
import { validateIncidentMessage } from './ingest-validation.js';
import type { IngestEntry, IngestRepository } from './ingest-repository.js';
import type { RejectLog } from './reject-log.js';
import { RetryBackoff } from '../../plugins/retry-backoff.js';

const BATCH = 100;
const CLAIM_IDLE_MS = 60_000;
const KEEP_ACKED_MS = 24 * 3_600_000;

export class IncidentRecorder {
  constructor(
    private readonly live: LiveRepository,
    private readonly locateGrid: (p: LngLat) => string | null,
    private readonly timeZone: string,
  ) {}

  /** Applies one report with compare-and-set, retrying when another node changed the incident meanwhile. */
  async record(report: IncidentReport, now: number): Promise<IncidentChange> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const stored = await this.live.readIncidentRaw(report.id);
      const before = stored?.incident ?? null;
      const { incident, change } = applyReport(report, before, { now, gridId: this.locateGrid([report.lng, report.lat]) });
      if (change === 'unchanged') return change;
      const saved = await this.live.saveIncident({
        expectedRaw: stored?.raw ?? null,
        incident,
        event: { type: change === 'reported' ? 'incident:reported' : 'incident:updated', incident },
        isOpen: isOpenStatus(incident.status),
        moves: incidentStatsMoves(before, incident, this.timeZone),
        today: localDay(now, this.timeZone),
        now,
      });
      if (saved) return change;
    }
    throw new Error(`incident ${report.id}: too many concurrent changes`);
  }
}

export function gridLocatorFor(grids: GridCollection): (p: LngLat) => string | null {
  return createGridLocator(grids.features.map((f) => ({
    id: f.properties.id,
    polygons: f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates,
  })));
}

export class IncidentIngest {
  private running = false;
  private loop: Promise<void> | undefined;
  private lastClaim = 0;
  private lastTrim = 0;

  constructor(
    private readonly ingest: IngestRepository,
    private readonly recorder: IncidentRecorder,
    private readonly conn: RedisClient,
    private readonly consumer: string,
    private readonly metrics: Metrics,
    private readonly rejects: RejectLog,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    await this.ingest.ensureGroup();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.conn.destroy();
    await this.loop?.catch(() => undefined);
  }

  private async run(): Promise<void> {
    // After a start or an error, first finish what this consumer read but did not acknowledge.
    let backlog = true;
    const backoff = new RetryBackoff('incident ingest', this.log);
    while (this.running) {
      try {
        const now = Date.now();
        if (now - this.lastClaim > CLAIM_IDLE_MS / 2) {
          this.lastClaim = now;
          await this.process(await this.ingest.claimAbandoned(this.consumer, CLAIM_IDLE_MS, BATCH));
        }
        if (now - this.lastTrim > 600_000) {
          this.lastTrim = now;
          await this.ingest.trimAcknowledged(now, KEEP_ACKED_MS);
        }
        const entries = await this.ingest.readGroup(this.conn, this.consumer, backlog ? '0' : '>', BATCH, 2_000);
        if (backlog && entries.length === 0) backlog = false;
        await this.process(entries);
        backoff.succeeded();
      } catch (err) {
        if (!this.running) return;
        // The group is gone when Redis lost its data: make it again from the stream's start.
        if ((err as Error).message?.includes('NOGROUP')) await this.ingest.ensureGroup().catch(() => undefined);
        backlog = true;
        await backoff.failed(err);
      }
    }
  }

  /** Applies entries in order; stops at the first one Redis could not take, leaving it pending for a retry. */
  async process(entries: IngestEntry[]): Promise<void> {
    for (const entry of entries) {
      const now = Date.now();
      const v = validateIncidentMessage({ raw: entry.data }, now);
      if (!v.ok) {
        this.rejects.record('incidents', v.rejection, { entryId: entry.id });
        await this.ingest.keepRejected({ sourceId: entry.id, data: entry.data ?? '', reason: v.rejection.reason, detail: v.rejection.detail }, now);
      } else {
        const change = await this.recorder.record(v.report, now);
        this.metrics.ingestAccepted.inc({ path: 'incidents' });
        this.metrics.incidentsApplied.inc({ change });
      }
      await this.ingest.ack([entry.id]);
    }
  }
}
