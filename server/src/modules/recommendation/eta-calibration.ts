// The calibration the ranking applies, kept fresh on every node: one node at a time (holding a lease) recomputes
// it from the last ETA_CALIBRATION_DAYS days of arrivals and stores it; every node reads the stored one now and
// then and keeps it in memory, so a recommendation costs no extra Redis read. Recomputing is idempotent (a pure
// function of the counters), so a lease that changes hands mid-way does no harm.
import { addDays, localDayOf, type EtaCalibration, type MovingKind } from '@ccr/shared';
import type { FastifyBaseLogger } from 'fastify';
import { RetryBackoff } from '../../plugins/retry-backoff.js';
import type { LiveRepository } from '../live/live-repository.js';
import { calibrationFrom, countsByKind } from './eta-accuracy.js';
import type { EtaAccuracyRepository } from './eta-accuracy-repository.js';

export interface EtaCalibrationOptions {
  nodeId: string;
  timeZone: string;
  /** Days of arrivals (today included) the factors come from; 0 turns calibration off (every factor 1). */
  windowDays: number;
  /** A kind needs this many arrivals in the window before its factor moves from 1. */
  minSamples: number;
  /** How often the lease holder recomputes. */
  recomputeEveryMs: number;
  /** How often every node reads the stored calibration. */
  refreshEveryMs: number;
}

const LEASE = 'eta-calibration';

export class EtaCalibrator {
  private current: EtaCalibration;
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  private lastComputed = 0;
  private lastRead = 0;
  private readonly trouble: RetryBackoff;

  constructor(
    private readonly repo: EtaAccuracyRepository,
    private readonly live: LiveRepository,
    private readonly opts: EtaCalibrationOptions,
    log: FastifyBaseLogger,
  ) {
    this.current = { computedAt: 0, windowDays: opts.windowDays, minSamples: opts.minSamples, byKind: {} };
    this.trouble = new RetryBackoff('ETA calibration', log);
  }

  /** The factor applied to a kind's ETAs now (1 without enough arrivals, or with calibration off). */
  factor(kind: MovingKind): number {
    return this.current.byKind[kind]?.factor ?? 1;
  }

  calibration(): EtaCalibration {
    return this.current;
  }

  start(): void {
    if (this.opts.windowDays === 0) return;
    const interval = Math.min(this.opts.recomputeEveryMs, this.opts.refreshEveryMs);
    this.timer ??= setInterval(() => void this.tick(Date.now()), interval);
    this.timer.unref();
    void this.tick(Date.now());
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(now: number): Promise<void> {
    if (this.busy || this.opts.windowDays === 0) return;
    this.busy = true;
    try {
      if (now - this.lastComputed >= this.opts.recomputeEveryMs
        && (await this.live.holdLease(LEASE, this.opts.nodeId, Math.max(3 * this.opts.recomputeEveryMs, 3_000)))) {
        await this.recompute(now);
        this.lastComputed = now;
        this.lastRead = now;
      } else if (now - this.lastRead >= this.opts.refreshEveryMs) {
        const stored = await this.repo.readCalibration();
        if (stored) this.current = stored;
        this.lastRead = now;
      }
      this.trouble.succeeded();
    } catch (err) {
      this.trouble.note(err); // the interval is the retry
    } finally {
      this.busy = false;
    }
  }

  /** Computes the calibration from the window's counters, stores it and uses it. */
  async recompute(now: number): Promise<EtaCalibration> {
    const today = localDayOf(now, this.opts.timeZone);
    const days = Array.from({ length: this.opts.windowDays }, (_, k) => addDays(today, -k));
    const c = calibrationFrom(countsByKind(await this.repo.readDays(days)), { minSamples: this.opts.minSamples, windowDays: this.opts.windowDays, now });
    await this.repo.writeCalibration(c);
    this.current = c;
    return c;
  }
}
