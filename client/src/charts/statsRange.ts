// The /stats range picker's calendar: local days (YYYY-MM-DD in the station's zone) as plain strings, so the
// arithmetic is calendar arithmetic and never shifts by a time-zone offset. Pure.
import { STATS_HISTORY_MONTHS, addDays, addMonths } from '@ccr/shared';

export const RANGE_PRESETS = ['today', 'd7', 'd30', 'd90', 'month', 'custom'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

/** Both ends inclusive, local days. */
export interface DayRange { from: string; to: string }

export { addDays, addMonths };

const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!));
  return d.getUTCFullYear() === +m[1]! && d.getUTCMonth() === +m[2]! - 1 && d.getUTCDate() === +m[3]!;
}

function parts(day: string): [number, number, number] {
  const m = DAY_RE.exec(day);
  if (!m) throw new Error(`not a day: ${day}`);
  return [+m[1]!, +m[2]!, +m[3]!];
}

/** Days from `from` to `to`, both included. */
export function dayCount(r: DayRange): number {
  const [y1, m1, d1] = parts(r.from);
  const [y2, m2, d2] = parts(r.to);
  return Math.round((Date.UTC(y2, m2 - 1, d2) - Date.UTC(y1, m1 - 1, d1)) / 86_400_000) + 1;
}

/** Every day of the range, in order. */
export function daysOf(r: DayRange): string[] {
  const out: string[] = [];
  for (let d = r.from, n = 0; d <= r.to && n < 1000; d = addDays(d, 1), n++) out.push(d);
  return out;
}

/** The first day the picker offers: the server's limit, local midnight STATS_HISTORY_MONTHS months ago. */
export function earliestDay(today: string): string {
  return addMonths(today, -STATS_HISTORY_MONTHS);
}

export function presetRange(preset: Exclude<RangePreset, 'custom'>, today: string): DayRange {
  switch (preset) {
    case 'today': return { from: today, to: today };
    case 'd7': return { from: addDays(today, -6), to: today };
    case 'd30': return { from: addDays(today, -29), to: today };
    case 'd90': return { from: addDays(today, -89), to: today };
    case 'month': return { from: `${today.slice(0, 8)}01`, to: today };
  }
}

export type RangeProblem = 'invalid' | 'reversed' | 'tooEarly' | 'future';

/** Why a custom range cannot be asked for, or null when it can. */
export function rangeProblem(r: DayRange, today: string): RangeProblem | null {
  if (!isDay(r.from) || !isDay(r.to)) return 'invalid';
  if (r.from > r.to) return 'reversed';
  if (r.from < earliestDay(today)) return 'tooEarly';
  if (r.to > today) return 'future';
  return null;
}

/** Hours for a single day (the shape of a day matters), days for anything longer. */
export function intervalFor(r: DayRange): 'hour' | 'day' {
  return r.from === r.to ? 'hour' : 'day';
}

/** Query bounds of an inclusive day range: the API's ranges are half-open [from, to). */
export function queryBounds(r: DayRange): { from: string; to: string } {
  return { from: r.from, to: addDays(r.to, 1) };
}
