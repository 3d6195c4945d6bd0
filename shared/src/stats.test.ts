// Statistics arithmetic: local calendars, comparison periods, buckets of a range, response bins.
import { describe, expect, it } from 'vitest';
import {
  addMonths, comparisonPeriods, dayStart, groupBysOf, hourKeyOf, incidentCountMetrics, localDayOf, localParts,
  parseRangeBound, rangeBuckets, responseBin, responseIntervals,
} from './stats.js';

describe('local calendar', () => {
  it('finds local midnight in zones with whole, half-hour and daylight-saving offsets', () => {
    expect(dayStart('2026-11-23', 'Asia/Shanghai')).toBe(Date.parse('2026-11-22T16:00:00Z'));
    expect(dayStart('2026-11-23', 'Asia/Kolkata')).toBe(Date.parse('2026-11-22T18:30:00Z'));
    expect(dayStart('2026-03-08', 'America/New_York')).toBe(Date.parse('2026-03-08T05:00:00Z'));
    expect(dayStart('2026-03-09', 'America/New_York')).toBe(Date.parse('2026-03-09T04:00:00Z'));
    expect(localParts(Date.parse('2026-11-23T16:00:00Z'), 'Asia/Shanghai')).toMatchObject({ day: 24, hour: 0, weekday: 1 });
    expect(hourKeyOf(Date.parse('2026-11-23T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-11-23T23');
  });

  it('shifts by months clipping to the month length, for 同比 and 环比', () => {
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2024-02-29', -12)).toBe('2023-02-28');
    expect(addMonths('2026-01-15', -1)).toBe('2025-12-15');
    expect(comparisonPeriods('2026-01-01', '2026-01-20')).toEqual({ yoy: ['2025-01-01', '2025-01-20'], mom: ['2025-12-01', '2025-12-20'] });
  });

  it('reads range bounds: local days, instants with an offset, epoch ms; refuses bare local times', () => {
    expect(parseRangeBound('2026-11-23', 'Asia/Shanghai')).toBe(Date.parse('2026-11-22T16:00:00Z'));
    expect(parseRangeBound('2026-11-23T08:00:00+08:00', 'UTC')).toBe(Date.parse('2026-11-23T00:00:00Z'));
    expect(parseRangeBound('1763884800000', 'UTC')).toBe(1763884800000);
    expect(parseRangeBound('2026-11-23T08:00:00', 'UTC')).toBeNaN();
    expect(parseRangeBound('2026-02-30', 'UTC')).toBeNaN();
    expect(parseRangeBound('yesterday', 'UTC')).toBeNaN();
  });

  it('refuses range bounds the calendar does not have or outside 2000–2099', () => {
    for (const bad of ['2026-02-30T00:00:00Z', '2026-02-31T10:00:00Z', '0', '-0', '-1', '946684799999', '9'.repeat(40), 'Infinity', '1e309',
      '0000-01-01', '1999-12-31', '2100-01-01', '2100-01-01T00:00:00Z', '4102444800000']) {
      expect(parseRangeBound(bad, 'UTC'), bad).toBeNaN();
    }
    expect(parseRangeBound('2000-01-01', 'UTC')).toBe(Date.UTC(2000, 0, 1));
  });
});

describe('rangeBuckets', () => {
  const TZ = 'Asia/Shanghai';
  it('widens to whole local days and clips weeks and months to the range', () => {
    const from = Date.parse('2026-11-23T10:00:00+08:00'); // a Monday
    const to = Date.parse('2026-12-02T00:00:00+08:00');
    const w = rangeBuckets(from, to, 'week', TZ);
    expect(w.from).toBe(dayStart('2026-11-23', TZ));
    expect(w.to).toBe(dayStart('2026-12-02', TZ));
    expect(w.buckets.map((b) => [b.key, b.parts.length])).toEqual([['2026-11-23', 7], ['2026-11-30', 2]]);
    const m = rangeBuckets(from, to, 'month', TZ);
    expect(m.buckets.map((b) => b.key)).toEqual(['2026-11', '2026-12']);
    expect(m.buckets[1]!.start).toBe(dayStart('2026-12-01', TZ));
    const d = rangeBuckets(from, to, 'day', TZ);
    expect(d.buckets).toHaveLength(9);
    expect(d.buckets.every((b, k) => k === 0 || b.start === d.buckets[k - 1]!.end)).toBe(true);
  });

  it('cuts hours, contiguous, in a half-hour zone', () => {
    const h = rangeBuckets(Date.parse('2026-11-23T10:20:00Z'), Date.parse('2026-11-23T13:00:00Z'), 'hour', 'Asia/Kolkata');
    expect(h.buckets.map((b) => b.key)).toEqual(['2026-11-23T15', '2026-11-23T16', '2026-11-23T17', '2026-11-23T18']);
    expect(h.from).toBe(Date.parse('2026-11-23T09:30:00Z'));
    expect(h.to).toBe(Date.parse('2026-11-23T13:30:00Z'));
    expect(localDayOf(h.from, 'Asia/Kolkata')).toBe('2026-11-23');
  });
});

describe('figures of one incident', () => {
  it('knows its count metrics and response intervals from the first entries of its timeline', () => {
    expect(incidentCountMetrics({ type: 'fight', status: 'closed', outcome: 'handled_on_scene' })).toEqual(['incidents', 'public_order', 'closed']);
    expect(incidentCountMetrics({ type: 'dispute', status: 'closed', outcome: 'mediated' })).toEqual(['incidents', 'dispute', 'closed', 'mediated']);
    // A duplicate merged into another incident counts as that one, not again.
    expect(incidentCountMetrics({ type: 'theft', status: 'merged' })).toEqual([]);
    expect(responseIntervals({ reportedAt: 0, status: 'merged', timeline: [{ status: 'dispatched', at: 5_000 }] })).toEqual({});
    expect(responseIntervals({ reportedAt: 1000, status: 'closed', timeline: [
      { status: 'received', at: 1000 }, { status: 'dispatched', at: 61_000 }, { status: 'dispatched', at: 99_000 }, { status: 'on_scene', at: 301_000 },
    ] })).toEqual({ dispatch: 60_000, on_scene: 300_000 });
    // a fractional reportedAt (the contract allows one): whole ms, rounded up, so counters stay integers
    expect(responseIntervals({ reportedAt: 1000.25, status: 'dispatched', timeline: [{ status: 'dispatched', at: 61_000 }] })).toEqual({ dispatch: 60_000 });
    expect(responseBin(60_000)).toBe(60);
    expect(responseBin(60_001)).toBe(61);
    expect(responseBin(0)).toBe(0);
    expect(responseBin(1e9)).toBe(86_401);
    expect(groupBysOf('on_scene')).toEqual(['none', 'priority']);
  });
});
