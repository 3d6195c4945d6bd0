// A chore that must run on one node of the deployment at a time: every `intervalMs` each node tries to hold a
// named lease in Redis (LiveRepository.holdLease) and the holder does the work. The lease outlives a tick by a few
// intervals, so when its holder dies another node takes over within `leaseMs`. A slow tick is not stacked; a
// failing one is logged sparingly (RetryBackoff) and the next interval is its retry. The work must be idempotent:
// a lease that changes hands mid-tick may run it twice.
import type { FastifyBaseLogger } from 'fastify';
import { RetryBackoff } from './retry-backoff.js';

export interface LeaseHolder { holdLease(name: string, holder: string, ttlMs: number): Promise<boolean> }

export interface LeasedTickerOptions {
  /** The lease's name (also the chore's name in logs). */
  name: string;
  nodeId: string;
  intervalMs: number;
  /** How long the lease outlives its last renewal; default 3 intervals, at least 3 s. */
  leaseMs?: number;
}

export class LeasedTicker {
  private timer: NodeJS.Timeout | undefined;
  private busy: Promise<void> | undefined;
  private readonly trouble: RetryBackoff;
  readonly leaseMs: number;

  constructor(
    private readonly lease: LeaseHolder,
    private readonly opts: LeasedTickerOptions,
    private readonly work: (now: number) => Promise<void>,
    log: FastifyBaseLogger,
  ) {
    this.leaseMs = opts.leaseMs ?? Math.max(3 * opts.intervalMs, 3_000);
    this.trouble = new RetryBackoff(opts.name, log);
  }

  start(): void {
    this.timer ??= setInterval(() => void this.tick(Date.now()), this.opts.intervalMs);
    this.timer.unref();
  }

  /** Stops ticking and waits for a tick under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.busy;
  }

  /** One tick: true when this node held the lease and did the work. */
  async tick(now: number): Promise<boolean> {
    if (this.busy) return false;
    let did = false;
    this.busy = (async () => {
      try {
        if (!(await this.lease.holdLease(this.opts.name, this.opts.nodeId, this.leaseMs))) return;
        await this.work(now);
        did = true;
        this.trouble.succeeded();
      } catch (err) {
        this.trouble.note(err); // the interval is the retry
      }
    })();
    try {
      await this.busy;
    } finally {
      this.busy = undefined;
    }
    return did;
  }
}
