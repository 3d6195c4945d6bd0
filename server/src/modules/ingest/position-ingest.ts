// Positions from the pub/sub channel: validate, apply latest-wins in Redis the units of the shards this node holds
// (position-shards.ts: each position is applied by one node), hand accepted ones to this node's frames and relay
// them on the frames channel to every other node's.
//
// The subscriber's socket must be read as fast as Redis writes to it: a subscriber that falls behind by more
// than its client-output-buffer-limit (32 MB by default) is dropped by Redis, and everything buffered is lost,
// valid positions included. So receiving a message costs O(1) — its length is checked and it is queued — and
// parsing happens in short slices between socket reads. When the node is behind (too many applies in flight, or
// more queued than MAX_QUEUED_BYTES), messages are shed unparsed and counted: large ones (a batch, or a flood of
// heavy messages) first, then the oldest. Positions are latest-wins, so what is shed is replaced by the next report.
import { INGEST_LIMITS } from '@ccr/shared';
import { FROZEN_WATCH_STATUSES, type PositionGuard } from './position-guard.js';
import type { FastifyBaseLogger } from 'fastify';
import type { RedisClient } from '../../plugins/redis.js';
import type { Metrics } from '../../plugins/metrics.js';
import { POSITION_ACCEPTED, POSITION_OLDER, POSITION_UNKNOWN_UNIT, type LiveRepository, type NormalisedPosition } from '../live/live-repository.js';
import type { PositionFrames } from '../live/position-frames.js';
import { validatePositionMessage } from './ingest-validation.js';
import type { IngestRepository } from './ingest-repository.js';
import type { RejectLog } from './reject-log.js';
import { RetryBackoff } from '../../plugins/retry-backoff.js';
import { Type } from '@sinclair/typebox';
import { compileChecker, type FramePosition } from '@ccr/shared';
import { toFrame } from '../live/position-frames.js';
import type { PositionShards } from './position-shards.js';


/** Positions per Lua call: keeps each script short so incidents are never stuck behind a huge batch. */
const CHUNK = 1_000;
const Nullable = Type.Union([Type.Number(), Type.Null()]);
/** What one node relays to the others: its token, when the positions were received, and them in frame form. */
const RelaySchema = Type.Object({
  from: Type.String({ maxLength: 64 }),
  at: Type.Number(),
  p: Type.Array(Type.Tuple([Type.String({ maxLength: 64 }), Type.Number(), Type.Number(), Type.Number(), Nullable, Nullable]), { maxItems: CHUNK }),
});
const relayChecker = compileChecker(RelaySchema);
/** Messages being applied at once; beyond this the node is behind and fresher positions will follow. */
const MAX_IN_FLIGHT = 64;
/** Bytes of large messages being applied at once (a few big batches); small messages do not wait for them. */
const MAX_LARGE_IN_FLIGHT_BYTES = 2 * 1_048_576;
/** Bytes waiting to be parsed; beyond this messages are shed. */
const MAX_QUEUED_BYTES = 4 * 1_048_576;
/** A message at least this big waits behind the small ones and is shed first. */
const LARGE_BYTES = 16_384;
/** Parsing runs in slices this long; the subscriber's socket is read between them. */
const SLICE_MS = 8;
/** Share of the time large messages may be parsed: after one took t ms, the next waits (DUTY⁻¹ − 1)·t ms, so a
 *  flood of heavy messages leaves the rest of the time for reading the socket and for small messages. */
const LARGE_DUTY = 0.5;
/** Shedding stops being an episode (and is summed up in the log) after this long without any. */
const SHED_QUIET_MS = 10_000;

interface Queued { message: Buffer | string; size: number; at: number }

export class PositionIngest {
  private inFlight = 0;
  private largeInFlightBytes = 0;
  /** performance.now() before which no large message is parsed (LARGE_DUTY). */
  private largeResumeAt = 0;
  private largeTimer: NodeJS.Timeout | undefined;
  private readonly small: Queued[] = [];
  private readonly large: Queued[] = [];
  private queuedBytes = 0;
  private scheduled = false;
  private shedEpisode: { since: number; messages: number; bytes: number; timer: NodeJS.Timeout } | undefined;
  private readonly trouble: RetryBackoff;

  constructor(
    private readonly ingest: IngestRepository,
    private readonly live: LiveRepository,
    private readonly frames: PositionFrames,
    private readonly metrics: Metrics,
    private readonly rejects: RejectLog,
    private readonly log: FastifyBaseLogger,
    private readonly guard: PositionGuard,
    private readonly clockSkewMs: number,
    private readonly shards: PositionShards,
    /** This process's token (NodeIdentity): its own relays come back to it and are skipped. */
    private readonly token: string,
  ) {
    this.trouble = new RetryBackoff('position ingest', log);
  }

  async start(subscriber: RedisClient): Promise<void> {
    await this.shards.start();
    await subscriber.subscribe(this.ingest.positionsChannel, (message: Buffer) => this.receive(message), true);
    await subscriber.subscribe(this.ingest.framesChannel, (message: string) => this.relayed(message));
  }

  /** Called for every message as it comes off the socket: no parsing here. */
  receive(message: Buffer | string, now = Date.now()): void {
    const size = typeof message === 'string' ? Buffer.byteLength(message) : message.byteLength;
    if (size > INGEST_LIMITS.positionMessageBytes) {
      this.rejects.record('positions', { reason: 'too_large', detail: `${size} bytes > ${INGEST_LIMITS.positionMessageBytes}`, count: 1 });
      return;
    }
    (size >= LARGE_BYTES ? this.large : this.small).push({ message, size, at: now });
    this.queuedBytes += size;
    while (this.queuedBytes > MAX_QUEUED_BYTES) this.shed((this.large.length > 0 ? this.large : this.small).shift()!, now);
    this.schedule();
  }

  /** Messages received but not parsed yet. */
  get queued(): number {
    return this.small.length + this.large.length;
  }

  /** Whether a message may be parsed now: small ones first; large ones only while few are being applied. */
  private canProceed(): boolean {
    if (this.inFlight >= MAX_IN_FLIGHT) return false;
    return this.small.length > 0 || this.largeMayProceed();
  }

  private largeMayProceed(): boolean {
    if (this.large.length === 0 || this.largeInFlightBytes >= MAX_LARGE_IN_FLIGHT_BYTES) return false;
    const wait = this.largeResumeAt - performance.now();
    if (wait <= 0) return true;
    if (!this.largeTimer) {
      this.largeTimer = setTimeout(() => { this.largeTimer = undefined; this.schedule(); }, Math.ceil(wait));
      this.largeTimer.unref();
    }
    return false;
  }

  /** Drains in the next turn of the event loop, after the socket has been read; again when an apply finishes. */
  private schedule(): void {
    if (this.scheduled || !this.canProceed()) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    const start = performance.now();
    while (performance.now() - start < SLICE_MS && this.canProceed()) {
      const isLarge = this.small.length === 0;
      const next = (isLarge ? this.large : this.small).shift()!;
      this.queuedBytes -= next.size;
      const t = performance.now();
      void this.handle(next.message, next.at, isLarge ? next.size : 0);
      if (isLarge) this.largeResumeAt = performance.now() + (performance.now() - t) * (1 / LARGE_DUTY - 1);
    }
    this.scheduled = false;
    this.schedule();
  }

  private shed(q: Queued, now: number): void {
    this.queuedBytes -= q.size;
    this.metrics.positionsDropped.inc();
    this.metrics.positionsShedBytes.inc(q.size);
    const e = this.shedEpisode;
    if (e) {
      e.messages += 1;
      e.bytes += q.size;
      e.timer.refresh();
      return;
    }
    this.log.warn({ queuedBytes: this.queuedBytes, inFlight: this.inFlight }, 'position ingest behind: shedding position messages unparsed (latest wins; counted in ccr_positions_dropped_total)');
    const timer = setTimeout(() => {
      const done = this.shedEpisode;
      this.shedEpisode = undefined;
      if (done) this.log.warn({ messages: done.messages, bytes: done.bytes, seconds: Math.round((Date.now() - done.since) / 1_000) }, 'position ingest caught up; position messages were shed meanwhile');
    }, SHED_QUIET_MS);
    timer.unref();
    this.shedEpisode = { since: now, messages: 1, bytes: q.size, timer };
  }

  async stop(): Promise<void> {
    await this.shards.stop();
  }

  /** Positions another node applied: to this node's screens. A relay that is not ours is checked, not trusted. */
  private relayed(message: string): void {
    let value: unknown;
    try { value = JSON.parse(message); } catch { value = null; }
    const checked = relayChecker.validate(value);
    if (!checked.ok) {
      this.log.warn({ errors: checked.errors.slice(0, 3) }, 'a relayed position frame was refused');
      return;
    }
    if (checked.value.from === this.token) return;
    this.frames.addFrames(checked.value.p as FramePosition[], checked.value.at);
  }

  /** Parses, validates and applies one message (received at `receivedAt`; `largeBytes`: its size if large). The
   *  message's refusals are counted by one node (position-shards.ts), its positions applied by their shards'. */
  async handle(message: Buffer | string, receivedAt = Date.now(), largeBytes = 0): Promise<void> {
    const { positions: all, rejections, clamped } = validatePositionMessage({ raw: message }, Date.now(), this.clockSkewMs);
    if (this.shards.speaksForMessages) {
      for (const r of rejections) this.rejects.record('positions', r);
      if (clamped > 0) this.metrics.positionsClamped.inc(clamped);
    }
    const now = Date.now();
    const positions: NormalisedPosition[] = [];
    const handedOver = new Set<string>();
    for (const p of all) {
      const applies = this.shards.applies(p.unitId, now);
      if (!applies) continue;
      positions.push(p);
      if (applies === 'handed-over') handedOver.add(p.unitId);
    }
    if (positions.length === 0) return;
    this.inFlight += 1;
    this.largeInFlightBytes += largeBytes;
    try {
      await this.apply(positions, receivedAt, handedOver);
      this.trouble.succeeded();
    } catch (err) {
      // Positions are latest-wins: the next report replaces what is lost here.
      this.trouble.note(err);
    } finally {
      this.inFlight -= 1;
      this.largeInFlightBytes -= largeBytes;
      this.schedule();
    }
  }

  /** `handedOver`: units of shards this node gave back moments ago (position-shards.ts): the new holder may have
   *  applied their report first, so an "older" answer for them is not a stale report. */
  async apply(positions: NormalisedPosition[], receivedAt: number, handedOver: ReadonlySet<string> = new Set()): Promise<void> {
    for (let i = 0; i < positions.length; i += CHUNK) {
      const now = Date.now();
      const { passed: chunk, refused, frozenChanges } = await this.guard.screen(positions.slice(i, i + CHUNK), now);
      if (refused) this.rejects.record('positions', refused);
      // A stored time further ahead than a clamped one could be came from before clamping: not held against a fix.
      const codes = chunk.length > 0 ? await this.live.applyPositions(chunk, receivedAt, now + this.clockSkewMs) : [];
      const accepted: NormalisedPosition[] = [];
      let unknown = 0;
      let older = 0;
      codes.forEach((code, j) => {
        if (code === POSITION_ACCEPTED) accepted.push(chunk[j]!);
        else if (code === POSITION_OLDER && !handedOver.has(chunk[j]!.unitId)) older += 1;
        else if (code === POSITION_UNKNOWN_UNIT) unknown += 1;
      });
      if (unknown > 0) {
        const first = chunk[codes.indexOf(POSITION_UNKNOWN_UNIT)]!;
        this.rejects.record('positions', { reason: 'unknown_unit', detail: `unitId "${first.unitId}" is not in the roster`, count: unknown });
      }
      if (older > 0) this.rejects.record('positions', { reason: 'stale_position', detail: 'older than the stored position (latest wins)', count: older });
      this.metrics.ingestAccepted.inc({ path: 'positions' }, accepted.length);
      this.frames.add(accepted, receivedAt);
      if (accepted.length > 0) await this.ingest.publishFrames(JSON.stringify({ from: this.token, at: receivedAt, p: accepted.map(toFrame) }));
      if (frozenChanges.length > 0) {
        const flagged = await this.live.updateFrozen(frozenChanges, FROZEN_WATCH_STATUSES, now);
        if (flagged > 0) this.metrics.positionsFrozen.inc(flagged);
      }
    }
  }
}
