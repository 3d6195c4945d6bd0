// Work that must happen once for the whole deployment, not once per node: marking silent units stale and
// announcing a new day's counts at local midnight. Nodes share it through a lease in Redis.
import { localDay } from '@ccr/shared';
import type { FastifyBaseLogger } from 'fastify';
import { RetryBackoff } from '../../plugins/retry-backoff.js';
import type { LiveRepository } from './live-repository.js';

export class LiveHousekeeping {
  private timer: NodeJS.Timeout | undefined;
  private day: string;
  private busy = false;
  private readonly trouble: RetryBackoff;

  constructor(
    private readonly repo: LiveRepository,
    private readonly opts: { nodeId: string; staleAfterMs: number; timeZone: string; intervalMs?: number },
    private readonly log: FastifyBaseLogger,
  ) {
    this.day = localDay(Date.now(), opts.timeZone);
    this.trouble = new RetryBackoff('housekeeping', log);
  }

  start(): void {
    const interval = this.opts.intervalMs ?? Math.min(1_000, Math.max(100, Math.floor(this.opts.staleAfterMs / 4)));
    this.timer ??= setInterval(() => void this.tick(Date.now(), interval), interval);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async tick(now: number, interval: number): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      if (!(await this.repo.holdLease('housekeeping', this.opts.nodeId, Math.max(3 * interval, 3_000)))) return;
      const stale = await this.repo.markStale(now - this.opts.staleAfterMs, now);
      if (stale > 0) this.log.info({ units: stale }, 'units marked stale (no position within STALE_AFTER_MS)');
      const day = localDay(now, this.opts.timeZone);
      if (day !== this.day) {
        this.day = day;
        await this.repo.announceToday(day, now);
      }
      this.trouble.succeeded();
    } catch (err) {
      this.trouble.note(err); // the interval is the retry
    } finally {
      this.busy = false;
    }
  }
}
