// Logs refused input without letting a flood of it flood the log: a few lines per reason per window,
// then one line saying how many more there were. Every refusal is still counted in the metrics.
import type { FastifyBaseLogger } from 'fastify';
import type { Metrics } from '../../plugins/metrics.js';
import type { Rejection } from './ingest-validation.js';

export class RejectLog {
  private window = new Map<string, number>();
  private windowStart = 0;

  constructor(private readonly log: FastifyBaseLogger, private readonly metrics: Metrics, private readonly perWindow = 5, private readonly windowMs = 10_000) {}

  record(path: 'positions' | 'incidents', r: Rejection, extra: Record<string, unknown> = {}, now = Date.now()): void {
    this.metrics.ingestRejected.inc({ path, reason: r.reason }, r.count);
    if (now - this.windowStart > this.windowMs) {
      for (const [key, n] of this.window) {
        if (n > this.perWindow) this.log.warn({ key, suppressed: n - this.perWindow }, 'ingest rejections not logged individually');
      }
      this.window.clear();
      this.windowStart = now;
    }
    const key = `${path}:${r.reason}`;
    const n = (this.window.get(key) ?? 0) + 1;
    this.window.set(key, n);
    if (n <= this.perWindow) this.log.warn({ path, reason: r.reason, detail: r.detail, count: r.count, ...extra }, 'ingest input rejected');
  }
}
