// Positions from the pub/sub channel: validate, apply latest-wins in Redis, hand accepted ones to the frames.
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../../plugins/redis.js';
import type { Metrics } from '../../plugins/metrics.js';
import { POSITION_ACCEPTED, POSITION_OLDER, POSITION_UNKNOWN_UNIT, type LiveRepository, type NormalisedPosition } from '../live/live-repository.js';
import type { PositionFrames } from '../live/position-frames.js';
import { validatePositionMessage } from './ingest-validation.js';
import type { IngestRepository } from './ingest-repository.js';
import type { RejectLog } from './reject-log.js';
import { RetryBackoff } from '../../plugins/retry-backoff.js';

/** Positions per Lua call: keeps each script short so incidents are never stuck behind a huge batch. */
const CHUNK = 1_000;
/** Messages being applied at once; beyond this the node is behind and fresher positions will follow. */
const MAX_IN_FLIGHT = 64;

export class PositionIngest {
  private inFlight = 0;
  private readonly trouble: RetryBackoff;

  constructor(
    private readonly ingest: IngestRepository,
    private readonly live: LiveRepository,
    private readonly frames: PositionFrames,
    private readonly metrics: Metrics,
    private readonly rejects: RejectLog,
    log: FastifyBaseLogger,
  ) {
    this.trouble = new RetryBackoff('position ingest', log);
  }

  async start(subscriber: RedisClient): Promise<void> {
    await subscriber.subscribe(this.ingest.positionsChannel, (message: Buffer) => void this.handle(message), true);
  }

  async handle(message: Buffer | string): Promise<void> {
    const now = Date.now();
    const { positions, rejections } = validatePositionMessage({ raw: message }, now);
    for (const r of rejections) this.rejects.record('positions', r);
    if (positions.length === 0) return;
    if (this.inFlight >= MAX_IN_FLIGHT) {
      this.metrics.positionsDropped.inc();
      return;
    }
    this.inFlight += 1;
    try {
      await this.apply(positions, now);
      this.trouble.succeeded();
    } catch (err) {
      // Positions are latest-wins: the next report replaces what is lost here.
      this.trouble.note(err);
    } finally {
      this.inFlight -= 1;
    }
  }

  async apply(positions: NormalisedPosition[], receivedAt: number): Promise<void> {
    for (let i = 0; i < positions.length; i += CHUNK) {
      const chunk = positions.slice(i, i + CHUNK);
      const codes = await this.live.applyPositions(chunk, receivedAt);
      const accepted: NormalisedPosition[] = [];
      let unknown = 0;
      let older = 0;
      codes.forEach((code, j) => {
        if (code === POSITION_ACCEPTED) accepted.push(chunk[j]!);
        else if (code === POSITION_OLDER) older += 1;
        else if (code === POSITION_UNKNOWN_UNIT) unknown += 1;
      });
      if (unknown > 0) {
        const first = chunk[codes.indexOf(POSITION_UNKNOWN_UNIT)]!;
        this.rejects.record('positions', { reason: 'unknown_unit', detail: `unitId "${first.unitId}" is not in the roster`, count: unknown });
      }
      if (older > 0) this.rejects.record('positions', { reason: 'stale_position', detail: 'older than the stored position (latest wins)', count: older });
      this.metrics.ingestAccepted.inc({ path: 'positions' }, accepted.length);
      this.frames.add(accepted, receivedAt);
    }
  }
}
