// Incidents from the ingest stream, through a consumer group: each entry is applied, then acknowledged, so an
// entry read by a node that dies before applying it is read again (by it after restart, or claimed by another).
// Applying is idempotent and ordered (incident-rules.ts), which makes that redelivery harmless however late it
// comes. Refused entries (invalid, too large, stale) are kept in a capped sample, then deleted from the stream.
import { INGEST_LIMITS, createGridLocator, isOpenStatus, localDay, type GridCollection, type Incident, type IncidentReport, type LngLat } from '@ccr/shared';
import type { FastifyBaseLogger } from 'fastify';
import type { IngestSettings } from '../../config.js';
import type { RedisClient } from '../../plugins/redis.js';
import type { Metrics } from '../../plugins/metrics.js';
import { applyReport, reportOrderOf, type IncidentChange } from '../live/incident-rules.js';
import { incidentStatsMoves, type StatsRules } from '../stats/stats-buckets.js';
import type { LiveRepository } from '../live/live-repository.js';
import { validateIncidentMessage, type Rejection } from './ingest-validation.js';
import type { IngestEntry, IngestRepository, ScreenLimits } from './ingest-repository.js';
import type { RejectLog } from './reject-log.js';
import type { NodeIdentity } from './node-identity.js';
import { RetryBackoff } from '../../plugins/retry-backoff.js';
import type { DuplicateCheck } from './duplicate-check.js';

const BATCH = 100;
/** Housekeeping (trimming applied entries) runs this often. */
const HOUSEKEEPING_MS = 10_000;
/** Bytes of a refused entry kept in the sample. */
export const SAMPLE_DATA_BYTES = 1_024;
export const SCREEN: ScreenLimits = {
  // The data field's limit plus room for the field names: anything bigger is refused inside Redis.
  maxBytes: INGEST_LIMITS.incidentMessageBytes + 256,
  sampleBytes: SAMPLE_DATA_BYTES,
  budgetBytes: 4 * 1_048_576,
};

export class IncidentRecorder {
  constructor(
    private readonly live: LiveRepository,
    private readonly locateGrid: (p: LngLat) => string | null,
    private readonly stats: StatsRules,
    /** Changes a new or corrected incident before it is committed (the duplicate flag). */
    private readonly beforeCommit?: (incident: Incident, now: number) => Promise<Incident>,
  ) {}

  /**
   * Applies one report with compare-and-set, retrying when another node changed the incident meanwhile.
   * `entryId`: the report's stream entry, its place in the order when the producer gives neither version nor time.
   */
  async record(report: IncidentReport, now: number, entryId?: string): Promise<IncidentChange> {
    const order = reportOrderOf(report, entryId);
    for (let attempt = 0; attempt < 20; attempt++) {
      const stored = await this.live.readIncidentRaw(report.id);
      const before = stored?.incident ?? null;
      const applied = applyReport(report, before, { now, gridId: this.locateGrid([report.lng, report.lat]), entryId });
      const { change } = applied;
      if (change === 'unchanged' || change === 'stale') return change;
      const incident = this.beforeCommit ? await this.beforeCommit(applied.incident, now) : applied.incident;
      const saved = await this.live.commitIncident({
        expectedRaw: stored?.raw ?? null,
        incident,
        event: { type: change === 'reported' ? 'incident:reported' : 'incident:updated', incident },
        isOpen: isOpenStatus(incident.status),
        moves: incidentStatsMoves(before, incident, this.stats),
        today: localDay(now, this.stats.timeZone),
        now,
        order,
      });
      if (saved === 'saved') return change;
      if (saved === 'stale') return 'stale';
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
  private lastHousekeeping = 0;
  /** Read this consumer's own unacknowledged entries (after a start, an error, or a change of name) from here. */
  private backlog: string | null = '0';
  private generation = 0;

  constructor(
    private readonly ingest: IngestRepository,
    private readonly recorder: IncidentRecorder,
    private readonly conn: RedisClient,
    private readonly identity: NodeIdentity,
    private readonly settings: IngestSettings,
    private readonly metrics: Metrics,
    private readonly rejects: RejectLog,
    private readonly log: FastifyBaseLogger,
    private readonly duplicates?: DuplicateCheck,
  ) {}

  /** The identity tells when the consumer name changed: that name's pending entries come first. */
  consumerChanged(): void {
    this.backlog = '0';
    this.generation++;
  }

  async start(): Promise<void> {
    if (this.running) return;
    await this.ingest.ensureGroup();
    await this.identity.start();
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.conn.destroy();
    await this.loop?.catch(() => undefined);
    await this.identity.stop();
  }

  private async run(): Promise<void> {
    const backoff = new RetryBackoff('incident ingest', this.log);
    while (this.running) {
      try {
        const now = Date.now();
        if (now - this.lastClaim > this.settings.claimIdleMs / 2) {
          this.lastClaim = now;
          await this.claimAbandoned();
        }
        if (now - this.lastHousekeeping > HOUSEKEEPING_MS) {
          this.lastHousekeeping = now;
          await this.housekeeping(now);
        }
        const consumer = this.identity.consumer;
        const generation = this.generation;
        if (this.backlog !== null) {
          const { cursor, entries } = await this.ingest.readScreened(consumer, 'pending', this.backlog, BATCH, SCREEN);
          await this.process(entries);
          if (generation === this.generation) this.backlog = entries.length === 0 ? null : cursor;
        } else {
          const { entries } = await this.ingest.readScreened(consumer, 'new', '>', BATCH, SCREEN);
          // Nothing new: wait for the next entry on the dedicated connection (the only read that is not screened
          // in Redis; it takes one entry at a time, and only when the stream was idle).
          await this.process(entries.length > 0 ? entries : await this.ingest.waitForNew(this.conn, consumer, 2_000, SCREEN));
        }
        backoff.succeeded();
      } catch (err) {
        if (!this.running) return;
        // The group is gone when Redis lost its data: make it again from the stream's start.
        if ((err as Error).message?.includes('NOGROUP')) await this.ingest.ensureGroup().catch(() => undefined);
        this.consumerChanged();
        await backoff.failed(err);
      }
    }
  }

  /** Takes over entries another consumer read but did not acknowledge for claimIdleMs (a node that never came back). */
  async claimAbandoned(): Promise<void> {
    let cursor = '0-0';
    do {
      const r = await this.ingest.readScreened(this.identity.consumer, 'claim', cursor, BATCH, SCREEN, this.settings.claimIdleMs);
      await this.process(r.entries);
      cursor = r.cursor;
    } while (cursor !== '0-0' && this.running);
  }

  async housekeeping(now: number): Promise<void> {
    const { entries, bytes } = await this.ingest.trimAcknowledged(now, this.settings);
    this.metrics.ingestStreamEntries.set(entries);
    this.metrics.ingestStreamBytes.set(bytes);
    // Consumer names of nodes gone for good (a renamed node, a duplicate's stand-in name) with nothing pending.
    await this.ingest.dropIdleConsumers(this.settings.keepMs);
  }

  /** Applies entries in order; stops at the first one Redis could not take, leaving it pending for a retry. */
  async process(entries: IngestEntry[]): Promise<void> {
    for (const entry of entries) {
      const now = Date.now();
      if (entry.status === 'gone') {
        await this.ingest.ack([entry.id]);
        continue;
      }
      let rejection: Rejection | undefined;
      if (entry.status === 'too_large') {
        rejection = { reason: 'too_large', detail: `stream entry of ${entry.size} bytes > ${SCREEN.maxBytes}`, count: 1 };
      } else if (entry.status === 'no_data') {
        rejection = { reason: 'schema', detail: 'stream entry has no "data" field', count: 1 };
      } else {
        const v = validateIncidentMessage({ raw: entry.data }, now);
        if (!v.ok) {
          rejection = v.rejection;
        } else {
          const change = await this.recorder.record(v.report, now, entry.id);
          if (change === 'stale') {
            rejection = { reason: 'stale_report', detail: `incident ${v.report.id}: older than the report applied last (version, revisedAt, then stream order)`, count: 1 };
          } else {
            this.metrics.ingestAccepted.inc({ path: 'incidents' });
            this.metrics.incidentsApplied.inc({ change });
            // Also for an unchanged resend: a node that died between the commit and the check left it undone, and
            // the entry, unacknowledged, comes back here. The check is idempotent.
            await this.duplicates?.check(v.report.id, now);
          }
        }
      }
      if (rejection) {
        this.rejects.record('incidents', rejection, { entryId: entry.id });
        await this.ingest.refuse(
          { id: entry.id, data: entry.data, reason: rejection.reason, detail: rejection.detail },
          { maxLen: this.settings.rejectSample, dataBytes: SAMPLE_DATA_BYTES },
          now,
        );
      } else {
        await this.ingest.ack([entry.id]);
      }
    }
  }
}
