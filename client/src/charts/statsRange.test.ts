import { describe, expect, it } from 'vitest';
import {
  addDays, addMonths, dayCount, daysOf, earliestDay, intervalFor, isDay, presetRange, queryBounds, rangeProblem,
} from './statsRange';

describe('range picker calendar', () => {
  it('adds days across month and year ends and leap days', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('adds months, clamping to the last day of a shorter month', () => {
    expect(addMonths('2026-03-31', -1)).toBe('2026-02-28');
    expect(addMonths('2026-12-15', -13)).toBe('2025-11-15');
    expect(addMonths('2024-02-29', 12)).toBe('2025-02-28');
  });

  it('knows valid days', () => {
    expect(isDay('2026-02-28')).toBe(true);
    expect(isDay('2026-02-29')).toBe(false);
    expect(isDay('2026-2-1')).toBe(false);
    expect(isDay('')).toBe(false);
  });

  it('gives each preset the days it names, today included', () => {
    const today = '2026-12-01';
    expect(presetRange('today', today)).toEqual({ from: today, to: today });
    for (const [p, n] of [['d7', 7], ['d30', 30], ['d90', 90]] as const) {
      const r = presetRange(p, today);
      expect(r.to).toBe(today);
      expect(dayCount(r)).toBe(n);
      expect(daysOf(r)).toHaveLength(n);
    }
    expect(presetRange('month', '2026-11-23')).toEqual({ from: '2026-11-01', to: '2026-11-23' });
    expect(presetRange('month', '2026-11-01')).toEqual({ from: '2026-11-01', to: '2026-11-01' });
  });

  it('offers 13 months back and refuses what lies outside or backwards', () => {
    const today = '2026-12-01';
    expect(earliestDay(today)).toBe('2025-11-01');
    expect(rangeProblem({ from: '2025-11-01', to: today }, today)).toBeNull();
    expect(rangeProblem({ from: '2025-10-31', to: today }, today)).toBe('tooEarly');
    expect(rangeProblem({ from: '2026-11-10', to: '2026-11-01' }, today)).toBe('reversed');
    expect(rangeProblem({ from: '2026-11-10', to: '2026-12-02' }, today)).toBe('future');
    expect(rangeProblem({ from: 'x', to: today }, today)).toBe('invalid');
  });

  it('draws one day by hour and longer ranges by day', () => {
    expect(intervalFor({ from: '2026-11-01', to: '2026-11-01' })).toBe('hour');
    expect(intervalFor({ from: '2026-11-01', to: '2026-11-02' })).toBe('day');
  });

  it('asks the API for the half-open range that ends after the last day', () => {
    expect(queryBounds({ from: '2026-11-01', to: '2026-11-30' })).toEqual({ from: '2026-11-01', to: '2026-12-01' });
  });
});
