import { describe, expect, it } from 'vitest';
import { formatElapsed, localDay, toEpochMs } from './time.js';

describe('time', () => {
  it('reads both contract forms of a timestamp', () => {
    expect(toEpochMs(1763884800000)).toBe(1763884800000);
    expect(toEpochMs('2026-11-23T09:41:05+08:00')).toBe(Date.UTC(2026, 10, 23, 1, 41, 5));
    expect(toEpochMs('2026-11-23T01:41:05Z')).toBe(Date.UTC(2026, 10, 23, 1, 41, 5));
    expect(Number.isNaN(toEpochMs('yesterday'))).toBe(true);
    expect(Number.isNaN(toEpochMs(Number.POSITIVE_INFINITY))).toBe(true);
  });

  it('finds the local day in the station time zone', () => {
    const t = Date.UTC(2026, 10, 23, 16, 30); // 00:30 on the 24th in Shanghai
    expect(localDay(t, 'Asia/Shanghai')).toBe('2026-11-24');
    expect(localDay(t, 'UTC')).toBe('2026-11-23');
  });

  it('formats elapsed time for the wall', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(65_000)).toBe('1:05');
    expect(formatElapsed(3_725_000)).toBe('1:02:05');
    expect(formatElapsed(-5)).toBe('0:00');
  });
});
