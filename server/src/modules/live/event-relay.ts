// Tails the domain-event stream and relays each delta, in order, to this node's live clients. Every node
// runs one, so a change committed by any node reaches every screen.
import type { FastifyBaseLogger } from 'fastify';
import type { Seq } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import type { LiveIo } from '../../plugins/socket-io.js';
import type { Metrics } from '../../plugins/metrics.js';
import { RetryBackoff } from '../../plugins/retry-backoff.js';
import type { LiveRepository } from './live-repository.js';
import { LIVE_ROOM } from './position-frames.js';

export class EventRelay {
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly repo: LiveRepository,
    private readonly conn: RedisClient,
    private readonly io: LiveIo,
    private readonly metrics: Metrics,
    private readonly log: FastifyBaseLogger,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    const from = await this.repo.lastSeq();
    this.loop = this.run(from);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.conn.destroy();
    await this.loop?.catch(() => undefined);
  }

  private async run(from: Seq): Promise<void> {
    let last = from;
    const backoff = new RetryBackoff('event relay', this.log);
    while (this.running) {
      try {
        const deltas = await this.repo.waitForDeltas(this.conn, last, 2_000, 1_000);
        backoff.succeeded();
        const now = Date.now();
        for (const d of deltas) {
          this.io.to(LIVE_ROOM).emit('live:updated', d);
          this.metrics.fanoutLag.observe({ kind: 'events' }, now - d.at);
          last = d.seq;
        }
      } catch (err) {
        if (!this.running) return;
        await backoff.failed(err);
      }
    }
  }
}
