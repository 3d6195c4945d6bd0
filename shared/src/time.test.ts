import { describe, expect, it } from 'vitest';
import { EpochMsSchema, IsoInstantSchema, formatElapsed, localDay, parseIsoInstant, toEpochMs } from './time.js';
import { compileChecker } from './validate.js';

describe('time', () => {
  it('reads both contract forms of a timestamp', () => {
    expect(toEpochMs(1763884800000)).toBe(1763884800000);
    expect(toEpochMs('2026-11-23T09:41:05+08:00')).toBe(Date.UTC(2026, 10, 23, 1, 41, 5));
    expect(toEpochMs('2026-11-23T01:41:05Z')).toBe(Date.UTC(2026, 10, 23, 1, 41, 5));
    expect(Number.isNaN(toEpochMs('yesterday'))).toBe(true);
    expect(Number.isNaN(toEpochMs(Number.POSITIVE_INFINITY))).toBe(true);
  });

  it('refuses days and times the calendar does not have instead of rolling them over', () => {
    for (const bad of ['2026-02-30T10:00:00Z', '2026-02-31T10:00:00Z', '2025-02-29T00:00Z', '2026-04-31T00:00+08:00', '2026-13-01T00:00Z',
      '2026-00-10T00:00Z', '2026-01-00T00:00Z', '2026-01-01T24:00Z', '2026-01-01T10:60Z', '2026-01-01T10:00:60Z', '2026-01-01T10:00+24:00']) {
      expect(parseIsoInstant(bad), bad).toBeNaN();
      expect(toEpochMs(bad), bad).toBeNaN();
    }
    expect(parseIsoInstant('2024-02-29T00:00Z')).toBe(Date.UTC(2024, 1, 29));
    expect(parseIsoInstant('2000-02-29T12:00:00.5+0800')).toBe(Date.UTC(2000, 1, 29, 4, 0, 0, 500));
    expect(parseIsoInstant('2026-11-23T09:41:05')).toBeNaN(); // no offset: would depend on the server's zone
  });

  it('bounds timestamps to 2000–2099 at the schema, as numbers and as ISO-8601', () => {
    const iso = compileChecker(IsoInstantSchema);
    const ms = compileChecker(EpochMsSchema);
    expect(iso.check('2026-11-23T09:41:05+08:00')).toBe(true);
    expect(iso.check('2026-02-30T10:00:00Z')).toBe(false);
    expect(iso.check('1999-12-31T23:59:59Z')).toBe(false);
    expect(iso.check('2100-01-01T00:00:00Z')).toBe(false);
    expect(ms.check(1763884800000)).toBe(true);
    for (const bad of [0, -0, -1, 946684799999, 4102444800000, 1e40, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, '1763884800000']) {
      expect(ms.check(bad), String(bad)).toBe(false);
    }
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
