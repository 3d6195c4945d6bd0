// GET /api/stats/community: the two loops' figures over a range for /stats, with 同比 (the same days a year
// earlier) and 环比 (the period before), a trend by day / week / month, and the headline figures side by side.
// Pure: the server reads counters and calls these; the client and the tests use the same definitions.
import { Type, type Static } from '@sinclair/typebox';
import { RangeBoundSchema, StatsBucketSchema, addDays, addMonths, daysBetween, parseDayKey } from '../stats.js';
import { daysInMonth } from '../time.js';
import { DISPUTE_STAGES } from './disputes.js';
import { DisputeFiguresSchema, OverdueNowSchema, TaskFiguresSchema, disputeFigures, taskFigures, type DisputeFigures, type FigureCounts, type TaskFigures } from './figures.js';

export const COMMUNITY_STATS_INTERVALS = ['day', 'week', 'month'] as const;
export type CommunityStatsInterval = (typeof COMMUNITY_STATS_INTERVALS)[number];
/** A trend by day covers at most this many days (longer: by week or month). */
export const MAX_COMMUNITY_DAILY_DAYS = 92;

export const CommunityStatsQuerySchema = Type.Object(
  {
    from: Type.Optional(RangeBoundSchema),
    to: Type.Optional(RangeBoundSchema),
    interval: Type.Optional(Type.Union(COMMUNITY_STATS_INTERVALS.map((i) => Type.Literal(i)), { default: 'month' })),
  },
  { additionalProperties: false },
);
export type CommunityStatsQuery = Static<typeof CommunityStatsQuerySchema>;

/** One period's figures: local days `from`..`to` inclusive. */
export const CommunityPeriodSchema = Type.Object(
  { from: Type.String(), to: Type.String(), disputes: DisputeFiguresSchema, tasks: TaskFiguresSchema },
  { additionalProperties: false },
);
export type CommunityPeriod = Static<typeof CommunityPeriodSchema>;

export const COMMUNITY_KPIS = [
  'cases', 'successRate', 'tier1Share', 'satisfactionRate', 'recurrenceRate', 'lateStages',
  'medianRouteMs', 'medianSessionMs', 'medianFollowupMs', 'tasksDue', 'completionRate', 'tasksLate',
] as const;
export type CommunityKpiKey = (typeof COMMUNITY_KPIS)[number];
export type CommunityKpiKind = 'rate' | 'count' | 'duration';
export const COMMUNITY_KPI_KINDS: Record<CommunityKpiKey, CommunityKpiKind> = {
  cases: 'count', successRate: 'rate', tier1Share: 'rate', satisfactionRate: 'rate', recurrenceRate: 'rate', lateStages: 'count',
  medianRouteMs: 'duration', medianSessionMs: 'duration', medianFollowupMs: 'duration', tasksDue: 'count', completionRate: 'rate', tasksLate: 'count',
};

const Num = Type.Union([Type.Number(), Type.Null()]);
export const CommunityKpiSchema = Type.Object(
  {
    key: Type.Union(COMMUNITY_KPIS.map((k) => Type.Literal(k))),
    kind: Type.Union([Type.Literal('rate'), Type.Literal('count'), Type.Literal('duration')]),
    current: Num, yoy: Num, mom: Num,
    /** Rates: the difference (0.02 = 2 percentage points); counts and durations: (current − earlier) ÷ earlier.
     *  null when either side is missing or, for the relative change, the earlier value is 0. */
    yoyChange: Num, momChange: Num,
  },
  { additionalProperties: false },
);
export type CommunityKpi = Static<typeof CommunityKpiSchema>;

export const COMMUNITY_SERIES = [
  'cases', 'mediated', 'succeeded', 'successRate', 'tier1Share', 'satisfactionRate', 'lateStages', 'tasksDue', 'tasksOnTime', 'completionRate',
] as const;
export type CommunitySeriesKey = (typeof COMMUNITY_SERIES)[number];

export const CommunityStatsResponseSchema = Type.Object(
  {
    timeZone: Type.String(),
    interval: Type.String(),
    /** The instants covered, [from, to): whole local days. */
    from: Type.Number(),
    to: Type.Number(),
    current: CommunityPeriodSchema,
    /** 同比: the same days a year earlier. */
    yoy: CommunityPeriodSchema,
    /** 环比: the period before (see previousPeriod). */
    mom: CommunityPeriodSchema,
    kpis: Type.Array(CommunityKpiSchema),
    buckets: Type.Array(StatsBucketSchema),
    series: Type.Array(Type.Object({ key: Type.Union(COMMUNITY_SERIES.map((k) => Type.Literal(k))), values: Type.Array(Num) }, { additionalProperties: false })),
    overdueNow: OverdueNowSchema,
  },
  { additionalProperties: false },
);
export type CommunityStatsResponse = Static<typeof CommunityStatsResponseSchema>;

const lastDayOfMonth = (day: string): string => {
  const { year, month } = parseDayKey(day);
  return `${day.slice(0, 8)}${String(daysInMonth(year, month)).padStart(2, '0')}`;
};

/**
 * 环比's period for local days first..last (inclusive): whole calendar months → the same number of months before;
 * a month so far (the 1st up to a day of that month) → the same dates a month earlier (as the incident overview);
 * anything else → as many days immediately before.
 */
export function previousPeriod(first: string, last: string): [string, string] {
  if (first.endsWith('-01')) {
    if (last === lastDayOfMonth(last)) {
      const a = parseDayKey(first);
      const b = parseDayKey(last);
      const months = (b.year - a.year) * 12 + (b.month - a.month) + 1;
      const from = addMonths(first, -months);
      return [from, lastDayOfMonth(addMonths(from, months - 1))];
    }
    if (first.slice(0, 7) === last.slice(0, 7)) return [addMonths(first, -1), addMonths(last, -1)];
  }
  const n = daysBetween(first, last).length;
  return [addDays(first, -n), addDays(first, -1)];
}

/** 同比's period: the same dates a year earlier. */
export const samePeriodLastYear = (first: string, last: string): [string, string] => [addMonths(first, -12), addMonths(last, -12)];

/** Local days first..last split into whole calendar months (read from a month's counters) and the loose days
 *  at either end. */
export function monthsAndDays(first: string, last: string): { months: string[]; days: string[] } {
  const months: string[] = [];
  const days: string[] = [];
  for (let d = first; d <= last;) {
    const end = lastDayOfMonth(d);
    if (d.endsWith('-01') && end <= last) {
      months.push(d.slice(0, 7));
      d = addDays(end, 1);
    } else {
      days.push(d);
      d = addDays(d, 1);
    }
  }
  return { months, days };
}

/** The Monday (a day key) of the Monday-based week a local day falls in, as the weekly trend groups days. */
export function weekOf(day: string): string {
  const { year, month, day: d } = parseDayKey(day);
  return addDays(day, -((new Date(Date.UTC(year, month - 1, d)).getUTCDay() + 6) % 7));
}

/** Days first..last (inclusive) covered once each by whole months, then whole Monday-based weeks inside what is
 *  left (a run before the first whole month, one after the last), then single days: at most 6 on either side of a
 *  run's weeks, so a range of any length reads its months, ≤ 10 weeks and ≤ 24 days. */
export function coveringBuckets(first: string, last: string): { months: string[]; weeks: string[]; days: string[] } {
  const { months, days: loose } = monthsAndDays(first, last);
  const weeks: string[] = [];
  const days: string[] = [];
  for (let i = 0; i < loose.length;) {
    const d = loose[i]!;
    if (weekOf(d) === d && loose[i + 6] === addDays(d, 6)) {
      weeks.push(d);
      i += 7;
    } else {
      days.push(d);
      i += 1;
    }
  }
  return { months, weeks, days };
}

/** The headline figure of one key out of a period's figures. */
export function kpiValue(key: CommunityKpiKey, d: DisputeFigures, t: TaskFigures): number | null {
  switch (key) {
    case 'cases': return d.cases;
    case 'successRate': return d.successRate;
    case 'tier1Share': return d.tier1Share;
    case 'satisfactionRate': return d.satisfaction.rate;
    case 'recurrenceRate': return d.recurrenceRate;
    case 'lateStages': return DISPUTE_STAGES.reduce((n, s) => n + d.lateStages[s], 0);
    case 'medianRouteMs': return d.medianStageMs.route;
    case 'medianSessionMs': return d.medianStageMs.session;
    case 'medianFollowupMs': return d.medianStageMs.followup;
    case 'tasksDue': return t.due;
    case 'completionRate': return t.completionRate;
    case 'tasksLate': return t.due - t.onTime;
  }
}

export function kpiChange(kind: CommunityKpiKind, current: number | null, earlier: number | null): number | null {
  if (current === null || earlier === null) return null;
  if (kind === 'rate') return current - earlier;
  return earlier === 0 ? null : (current - earlier) / earlier;
}

export function communityKpis(current: CommunityPeriod, yoy: CommunityPeriod, mom: CommunityPeriod): CommunityKpi[] {
  return COMMUNITY_KPIS.map((key) => {
    const kind = COMMUNITY_KPI_KINDS[key];
    const [c, y, m] = [current, yoy, mom].map((p) => kpiValue(key, p.disputes, p.tasks)) as [number | null, number | null, number | null];
    return { key, kind, current: c, yoy: y, mom: m, yoyChange: kpiChange(kind, c, y), momChange: kpiChange(kind, c, m) };
  });
}

/** The counter fields a trend point needs (read with HMGET per bucket; the whole hashes only for the three periods). */
export const SERIES_DISPUTE_FIELDS: readonly string[] = ['d', 'm', 's', 's|tier:1', 'fu', 'fu|sat:satisfied', 'fu|sat:basic', ...DISPUTE_STAGES.map((st) => `late|${st}`)];
export const SERIES_TASK_FIELDS: readonly string[] = ['t', 'ok', 'ot'];

/** One trend point from a bucket's summed counters (SERIES_*_FIELDS are enough). */
export function seriesPoint(disputeCounts: FigureCounts, taskCounts: FigureCounts): Record<CommunitySeriesKey, number | null> {
  const d = disputeFigures(disputeCounts);
  const t = taskFigures(taskCounts);
  return {
    cases: d.cases, mediated: d.mediated, succeeded: d.succeeded, successRate: d.successRate, tier1Share: d.tier1Share,
    satisfactionRate: d.satisfaction.rate, lateStages: kpiValue('lateStages', d, t), tasksDue: t.due, tasksOnTime: t.onTime,
    completionRate: t.completionRate,
  };
}
