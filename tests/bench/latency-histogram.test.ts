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
