// Pacing for loops that must keep trying while Redis is away: waits grow to a cap, and the log says it once
// when trouble starts, now and then while it lasts, and once when it is over — not twice a second.
import type { FastifyBaseLogger } from 'fastify';

export class RetryBackoff {
  private failures = 0;

  constructor(private readonly what: string, private readonly log: FastifyBaseLogger, private readonly baseMs = 250, private readonly maxMs = 5_000) {}

  /** Counts a failure and logs it sparingly; returns how long a retrying loop should wait. */
  note(err: unknown): number {
    this.failures += 1;
    if (this.failures === 1 || this.failures % 100 === 0) {
      this.log.warn({ err: (err as Error)?.message ?? String(err), failures: this.failures }, `${this.what}: failing, retrying`);
    }
    return Math.min(this.maxMs, this.baseMs * 2 ** Math.min(this.failures - 1, 10));
  }

  /** After a failed attempt of a retrying loop: note it, then wait before the next one. */
  async failed(err: unknown): Promise<void> {
    const ms = this.note(err);
    await new Promise((r) => setTimeout(r, ms));
  }

  /** After a successful attempt. */
  succeeded(): void {
    if (this.failures > 0) this.log.info({ failures: this.failures }, `${this.what}: recovered`);
    this.failures = 0;
  }
}
