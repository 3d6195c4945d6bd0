import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

describe('LatencyHistogram', () => {
  it('gives the nearest-rank percentile of the samples', () => {
    const h = new LatencyHistogram();
    for (let i = 1; i <= 100; i++) h.add(i);
    expect(h.percentile(50)).toBe(50);
    expect(h.percentile(99)).toBe(99);
    expect(h.percentile(100)).toBe(100);
    expect(h.count).toBe(100);
  });
  it('counts weighted samples and clamps out-of-range ones', () => {
    const h = new LatencyHistogram();
    h.add(5, 99);
    h.add(1e9);
    expect(h.percentile(99)).toBe(5);
    expect(h.percentile(100)).toBe(60_000);
    expect(Number.isNaN(new LatencyHistogram().percentile(50))).toBe(true);
  });
});

describe('LatencyHistogram across processes', () => {
  it('merges what other processes measured into the same percentiles as one histogram would give', () => {
    const one = new LatencyHistogram();
    const parts = [new LatencyHistogram(), new LatencyHistogram()];
    for (let i = 0; i < 1_000; i++) {
      const ms = (i * 37) % 400;
      one.add(ms);
      parts[i % 2]!.add(ms);
    }
    const merged = new LatencyHistogram();
    for (const p of parts) merged.merge(JSON.parse(JSON.stringify(p)) as ReturnType<LatencyHistogram['toJSON']>);
    expect([merged.count, merged.max, merged.percentile(50), merged.percentile(99)]).toEqual([one.count, one.max, one.percentile(50), one.percentile(99)]);
  });
});
