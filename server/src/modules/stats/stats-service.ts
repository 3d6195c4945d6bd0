// Statistics rules without I/O: which ranges are allowed, which groups a series has, and how counters read
// from Redis become the figures of the API.
import {
  INCIDENT_SOURCES, INCIDENT_TYPES, MAX_HOURLY_DAYS, NO_GRID, PRIORITIES, STATS_HISTORY_MONTHS, RESPONSE_METRICS, ALL,
  RANGE_REVERSED, addDays, addMonths, badTime, changeOf, refusal, dayStart, groupBysOf, localDayOf, parseRangeBound, shareOf,
  type Comparison, type Refusal, type IntervalFigures, type LiveUnit, type PeriodCounts, type Priority, type ResponseFigures,
  type ResponseStep, type ResponseTargets, type StatsGroupBy, type StatsInterval, type StatsMetric,
} from '@ccr/shared';
import { countField, type CountDim } from './stats-buckets.js';

export type Checked<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

/**
 * Reads and checks a range: both bounds readable, from before to, not earlier than local midnight
 * STATS_HISTORY_MONTHS months before today, not later than tomorrow's end, and short enough for hourly series.
 */
export function checkRange(from: string, to: string, interval: StatsInterval, now: number, timeZone: string): Checked<{ from: number; to: number }> {
  const f = parseRangeBound(from, timeZone);
  const t = parseRangeBound(to, timeZone);
  const unreadable = (name: string, v: string) => ({ ok: false as const, refusal: badTime(name, v) });
  if (Number.isNaN(f)) return unreadable('from', from);
  if (Number.isNaN(t)) return unreadable('to', to);
  if (f >= t) return { ok: false, refusal: RANGE_REVERSED };
  const today = localDayOf(now, timeZone);
  const earliestDay = addMonths(today, -STATS_HISTORY_MONTHS);
  if (f < dayStart(earliestDay, timeZone)) {
    return { ok: false, refusal: refusal('range_too_early', { earliest: earliestDay, months: STATS_HISTORY_MONTHS }, `beyond ${STATS_HISTORY_MONTHS} months: from must be ${earliestDay} or later`) };
  }
  const latestEnd = dayStart(addDays(today, 2), timeZone);
  if (t > latestEnd) return { ok: false, refusal: refusal('range_too_late', { latest: addDays(today, 1) }, `to must not be later than the end of tomorrow (${addDays(today, 1)})`) };
  if (interval === 'hour' && t - f > MAX_HOURLY_DAYS * 86_400_000) {
    return { ok: false, refusal: refusal('hourly_too_long', { days: MAX_HOURLY_DAYS }, `hourly series cover at most ${MAX_HOURLY_DAYS} days: use interval=day, week or month`) };
  }
  return { ok: true, value: { from: f, to: t } };
}

export function checkGrouping(metric: StatsMetric, groupBy: StatsGroupBy): Checked<null> {
  const allowed = groupBysOf(metric);
  if (allowed.includes(groupBy)) return { ok: true, value: null };
  return { ok: false, refusal: refusal('bad_grouping', { metric, groupBy, allowed: allowed.join(', ') }, `metric ${metric} cannot be grouped by ${groupBy}: use ${allowed.join(', ')}`) };
}

/** The group keys of a series, in display order, every one present (zero-filled). */
export function groupKeys(groupBy: StatsGroupBy, gridIds: readonly string[]): string[] {
  switch (groupBy) {
    case 'none': return [ALL];
    case 'type': return [...INCIDENT_TYPES];
    case 'source': return [...INCIDENT_SOURCES];
    case 'priority': return PRIORITIES.map(String);
    case 'grid': return [...gridIds, NO_GRID];
  }
}

export const GROUP_DIM: Record<Exclude<StatsGroupBy, 'none'>, CountDim> = { type: 'type', source: 'source', grid: 'grid', priority: 'priority' };

export const isResponseMetric = (m: StatsMetric): m is (typeof RESPONSE_METRICS)[number] => (RESPONSE_METRICS as readonly string[]).includes(m);

/** The day-hash fields periodCounts reads (a day hash holds ~10× more: every metric by every dimension). */
export function periodCountFields(gridIds: readonly string[]): string[] {
  return [
    countField('incidents'),
    ...INCIDENT_TYPES.map((t) => countField('incidents', 'type', t)),
    ...INCIDENT_SOURCES.map((x) => countField('incidents', 'source', x)),
    ...[...gridIds, NO_GRID].map((g) => countField('incidents', 'grid', g)),
    ...PRIORITIES.map((p) => countField('incidents', 'priority', p)),
    ...(['criminal', 'public_order', 'dispute', 'closed', 'mediated', 'mediation_failed'] as const).map((m) => countField(m)),
  ];
}

/** Field-by-field sums of rows read with `fields`. */
export function sumRows(fields: readonly string[], rows: readonly number[][]): Map<string, number> {
  return new Map(fields.map((f, i) => [f, rows.reduce((s, r) => s + (r[i] ?? 0), 0)]));
}

/** Counts of a period from its summed day hashes, every type, source, grid and priority present. */
export function periodCounts(sum: ReadonlyMap<string, number>, from: string, to: string, gridIds: readonly string[]): PeriodCounts {
  const get = (f: string): number => sum.get(f) ?? 0;
  const by = (dim: CountDim, keys: readonly (string | number)[]): Record<string, number> =>
    Object.fromEntries(keys.map((k) => [String(k), get(countField('incidents', dim, k))]));
  const total = get(countField('incidents'));
  const mediated = get(countField('mediated'));
  const mediationFailed = get(countField('mediation_failed'));
  const closed = get(countField('closed'));
  return {
    from, to, total,
    byType: by('type', INCIDENT_TYPES),
    bySource: by('source', INCIDENT_SOURCES),
    byGrid: by('grid', [...gridIds, NO_GRID]),
    byPriority: by('priority', PRIORITIES),
    criminal: get(countField('criminal')),
    publicOrder: get(countField('public_order')),
    dispute: get(countField('dispute')),
    closed, mediated, mediationFailed,
    closureRate: shareOf(closed, total),
    mediationRate: shareOf(mediated, mediated + mediationFailed),
  };
}

type Earlier = { from: string; to: string; value: number; throughHour?: number };
export function comparison(current: number, yoy: Earlier, mom: Earlier): Comparison {
  return {
    current,
    yoy: { ...yoy, change: changeOf(current, yoy.value) },
    mom: { ...mom, change: changeOf(current, mom.value) },
  };
}

/** What a period's response buckets hold for one step and priority (StatsRepository.responseTotals): incidents with
 *  the step, those within target, the sum of their intervals (ms), and the lower median's bin (whole seconds
 *  rounded up; null: none). */
export interface ResponseTotals { count: number; within: number; ms: number; median: number | null }

export const clampWithin = (within: number, count: number): number => Math.max(0, Math.min(within, count));

/** One step's figures for a priority. A correction after a targets change can leave the within counter one off
 *  (stats-buckets.ts): it is kept inside [0, count] so a share never leaves [0, 1]. */
function intervalFigures(t: ResponseTotals, priority: Priority, targetSeconds: number): IntervalFigures {
  const { count, ms, median } = t;
  const within = clampWithin(t.within, count);
  return {
    priority, targetSeconds, count, withinTarget: within, share: shareOf(within, count),
    meanSeconds: count === 0 ? null : ms / count / 1000,
    medianSeconds: count === 0 ? null : median,
  };
}

/** Response figures of a period from its response totals (StatsRepository.responseTotals); `targets` are the ones
 *  in force now, stated beside the within counts (which were judged when each step was counted). */
export function responseFigures(totals: Record<ResponseStep, readonly ResponseTotals[]>, targets: ResponseTargets, from: string, to: string): ResponseFigures {
  return {
    from, to,
    dispatch: PRIORITIES.map((p) => intervalFigures(totals.dispatch[p - 1]!, p, targets[p].dispatchSeconds)),
    onScene: PRIORITIES.map((p) => intervalFigures(totals.on_scene[p - 1]!, p, targets[p].onSceneSeconds)),
  };
}

/** Units now per team of 一室三队 (police only) and in all: on duty = not off duty; available = available and not stale.
 *  The definition: the overview reads the same figures kept at write time (LiveRepository.readUnitCounts). */
export function unitFigures(units: readonly LiveUnit[]) {
  const zero = () => ({ onDuty: 0, available: 0, total: 0 });
  const out = { community: zero(), case: zero(), patrol: zero(), all: zero() };
  for (const u of units) {
    if (!u.team) continue;
    for (const t of [out[u.team], out.all]) {
      t.total++;
      if (u.status !== 'off_duty') t.onDuty++;
      if (u.status === 'available' && !u.stale) t.available++;
    }
  }
  return out;
}

/** Minimum emergency units (最小应急单元) and their people; active = not off duty. The definition, as unitFigures. */
export function emergencyFigures(units: readonly LiveUnit[]) {
  const out = { units: 0, people: 0, active: 0, activePeople: 0 };
  for (const u of units) {
    if (u.kind !== 'emergency_unit') continue;
    const people = u.members ?? 1;
    out.units++;
    out.people += people;
    if (u.status !== 'off_duty') { out.active++; out.activePeople += people; }
  }
  return out;
}
