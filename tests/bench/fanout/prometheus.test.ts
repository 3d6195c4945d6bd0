import { describe, expect, it } from 'vitest';
import { buckets, parseSamples, sampleValue, windowQuantile } from './prometheus.js';

const scrape = (counts: number[]): string => [
  '# HELP ccr_fanout_lag_ms Time from ingest to emit',
  '# TYPE ccr_fanout_lag_ms histogram',
  ...[5, 10, 50, 100].map((le, k) => `ccr_fanout_lag_ms_bucket{le="${le}",kind="positions"} ${counts[k]}`),
  `ccr_fanout_lag_ms_bucket{le="+Inf",kind="positions"} ${counts[4]}`,
  'ccr_fanout_lag_ms_bucket{le="5",kind="events"} 999',
  'ccr_fanout_catchup_frames_total 3',
  'ccr_nodejs_eventloop_lag_p99_seconds 0.0123',
].join('\n');

describe('reading /metrics', () => {
  it('reads a sample and a histogram by its labels', () => {
    const s = parseSamples(scrape([1, 2, 3, 4, 5]));
    expect(sampleValue(s, 'ccr_fanout_catchup_frames_total')).toBe(3);
    expect(sampleValue(s, 'ccr_nodejs_eventloop_lag_p99_seconds')).toBe(0.0123);
    expect(Number.isNaN(sampleValue(s, 'nope'))).toBe(true);
    expect(buckets(s, 'ccr_fanout_lag_ms', { kind: 'positions' })).toEqual([[5, 1], [10, 2], [50, 3], [100, 4], [Infinity, 5]]);
  });

  it('gives the quantile of what was observed between two scrapes, interpolated within a bucket', () => {
    const before = buckets(parseSamples(scrape([100, 100, 100, 100, 100])), 'ccr_fanout_lag_ms', { kind: 'positions' });
    // 100 new observations: 50 under 5 ms, 40 in (5, 10], 10 in (10, 50]
    const after = buckets(parseSamples(scrape([150, 190, 200, 200, 200])), 'ccr_fanout_lag_ms', { kind: 'positions' });
    expect(windowQuantile(before, after, 0.5)).toBeCloseTo(5);
    expect(windowQuantile(before, after, 0.7)).toBeCloseTo(7.5);
    expect(windowQuantile(before, after, 0.95)).toBeCloseTo(30);
    expect(Number.isNaN(windowQuantile(before, before, 0.5))).toBe(true);
    // beyond the last finite bound: that bound
    const spill = buckets(parseSamples(scrape([100, 100, 100, 100, 300])), 'ccr_fanout_lag_ms', { kind: 'positions' });
    expect(windowQuantile(before, spill, 0.99)).toBe(100);
  });
});
