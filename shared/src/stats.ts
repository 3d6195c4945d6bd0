// Statistics for leadership: the API contract (/api/stats/*) and the pure arithmetic behind every figure, so
// the server's buckets, the client's charts and the brute-force checks in tests agree on one definition.
//
// Every incident figure is attributed to the local time (station time zone) of the incident's reportedAt:
// "closed in November" means "reported in November and closed by now". That keeps each figure a pure
// function of the raw incidents reported in the range (GET /api/incidents?from=&to=), so anyone can check it.
import { Type, type Static } from '@sinclair/typebox';
import type { Incident, IncidentType, Priority } from './domain.js';
import { daysInMonth, isPlausibleInstant, parseIsoInstant } from './time.js';
import { ErrorParamsSchema } from './errors.js';

/** 刑事 (criminal) and 治安 (public-order) case types as leadership reports them. */
export const CRIMINAL_TYPES: readonly IncidentType[] = ['theft', 'fraud'];
export const PUBLIC_ORDER_TYPES: readonly IncidentType[] = ['fight', 'public_order'];

/** Counts of incidents reported in a bucket (all groupable by type, source, grid, priority). */
export const COUNT_METRICS = ['incidents', 'criminal', 'public_order', 'dispute', 'closed', 'mediated', 'mediation_failed'] as const;
export type CountMetric = (typeof COUNT_METRICS)[number];
/** Incidents reported in a bucket that were dispatched / reached (at all, and within the priority's target);
 *  groupable by priority only. */
export const RESPONSE_METRICS = ['dispatched', 'dispatched_within_target', 'on_scene', 'on_scene_within_target'] as const;
export type ResponseMetric = (typeof RESPONSE_METRICS)[number];
/** Patrol presence (见警率): minutes of patrol-unit presence, time-weighted (two units for 30 s = 1 minute); by grid. */
export const PRESENCE_METRICS = ['presence_minutes'] as const;
export const STATS_METRICS = [...COUNT_METRICS, ...RESPONSE_METRICS, ...PRESENCE_METRICS] as const;
export type StatsMetric = (typeof STATS_METRICS)[number];

export const STATS_INTERVALS = ['hour', 'day', 'week', 'month'] as const;
export type StatsInterval = (typeof STATS_INTERVALS)[number];
export const STATS_GROUP_BYS = ['none', 'type', 'source', 'grid', 'priority'] as const;
export type StatsGroupBy = (typeof STATS_GROUP_BYS)[number];

/** Which groupings each metric supports (others are a 400). */
export function groupBysOf(metric: StatsMetric): readonly StatsGroupBy[] {
  if ((COUNT_METRICS as readonly string[]).includes(metric)) return STATS_GROUP_BYS;
  if ((RESPONSE_METRICS as readonly string[]).includes(metric)) return ['none', 'priority'];
  return ['none', 'grid'];
}

/** How far back the statistics reach: ranges may start no earlier than local midnight this many months ago. */
export const STATS_HISTORY_MONTHS = 13;
/** Hourly series cover at most this many days (longer ranges: use day, week or month). */
export const MAX_HOURLY_DAYS = 62;
/** The group key of incidents outside every grid. */
export const NO_GRID = 'none';
/** The group key of a series without grouping. */
export const ALL = 'all';

// ---- HTTP contract ---------------------------------------------------------------------------------------

/**
 * A range bound: `YYYY-MM-DD` (local midnight in the station's time zone), ISO-8601 with an offset or `Z`,
 * or epoch milliseconds. Ranges are half-open [from, to) and widened to whole buckets (hours for interval=hour,
 * local days otherwise); the response names the exact instants it covers.
 */
export const RangeBoundSchema = Type.String({ minLength: 1, maxLength: 40, description: 'YYYY-MM-DD (local day), ISO-8601 with offset, or epoch ms' });

export const StatsSeriesQuerySchema = Type.Object(
  {
    metric: Type.Union(STATS_METRICS.map((m) => Type.Literal(m)), { default: 'incidents' }),
    from: RangeBoundSchema,
    to: RangeBoundSchema,
    interval: Type.Union(STATS_INTERVALS.map((i) => Type.Literal(i)), { default: 'day' }),
    groupBy: Type.Union(STATS_GROUP_BYS.map((g) => Type.Literal(g)), { default: 'none' }),
  },
  { additionalProperties: false },
);
export type StatsSeriesQuery = Static<typeof StatsSeriesQuerySchema>;

export const StatsBucketSchema = Type.Object(
  {
    /** `YYYY-MM-DDTHH` (hour), `YYYY-MM-DD` (day; for week the Monday the week starts), `YYYY-MM` (month). */
    key: Type.String(),
    /** Epoch ms; first and last week/month buckets are clipped to the range. */
    start: Type.Number(),
    end: Type.Number(),
  },
  { additionalProperties: false },
);
export type StatsBucket = Static<typeof StatsBucketSchema>;

export const StatsSeriesResponseSchema = Type.Object(
  {
    metric: Type.String(),
    interval: Type.String(),
    groupBy: Type.String(),
    timeZone: Type.String(),
    /** The instants actually covered, [from, to), after widening to whole buckets. */
    from: Type.Number(),
    to: Type.Number(),
    buckets: Type.Array(StatsBucketSchema),
    /** One series per group (every type / source / grid incl. 'none' / priority, zero-filled), or one 'all'. */
    series: Type.Array(Type.Object({ key: Type.String(), values: Type.Array(Type.Number()) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type StatsSeriesResponse = Static<typeof StatsSeriesResponseSchema>;

export const StatsHeatmapQuerySchema = Type.Object(
  {
    metric: Type.Union(COUNT_METRICS.map((m) => Type.Literal(m)), { default: 'incidents' }),
    from: RangeBoundSchema,
    to: RangeBoundSchema,
  },
  { additionalProperties: false },
);
export type StatsHeatmapQuery = Static<typeof StatsHeatmapQuerySchema>;

export const StatsHeatmapResponseSchema = Type.Object(
  {
    metric: Type.String(),
    timeZone: Type.String(),
    from: Type.Number(),
    to: Type.Number(),
    /** cells[weekday][hour]: weekday 0 = Monday … 6 = Sunday, local hour 0–23. */
    cells: Type.Array(Type.Array(Type.Integer())),
  },
  { additionalProperties: false },
);
export type StatsHeatmapResponse = Static<typeof StatsHeatmapResponseSchema>;

export const StatsOverviewQuerySchema = Type.Object(
  { date: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'local day the overview is for (default today)' })) },
  { additionalProperties: false },
);
export type StatsOverviewQuery = Static<typeof StatsOverviewQuerySchema>;

const Counts = Type.Record(Type.String(), Type.Integer());

/** Counts of incidents reported in a period. */
export const PeriodCountsSchema = Type.Object(
  {
    /** Local days, inclusive. */
    from: Type.String(),
    to: Type.String(),
    total: Type.Integer(),
    byType: Counts,
    bySource: Counts,
    byGrid: Counts,
    byPriority: Counts,
    criminal: Type.Integer(),
    publicOrder: Type.Integer(),
    dispute: Type.Integer(),
    closed: Type.Integer(),
    mediated: Type.Integer(),
    mediationFailed: Type.Integer(),
    /** closed / total; null when nothing was reported. */
    closureRate: Type.Union([Type.Number(), Type.Null()]),
    /** mediated / (mediated + mediationFailed); null when no mediation has ended. */
    mediationRate: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type PeriodCounts = Static<typeof PeriodCountsSchema>;

/** 同比 / 环比 of one figure: the period, the same dates a year earlier and a month earlier. */
export const ComparisonSchema = Type.Object(
  {
    current: Type.Integer(),
    yoy: Type.Object({ from: Type.String(), to: Type.String(), value: Type.Integer(),
      /** Set when the current period is still running (today): the earlier period's last day counts only through the
       *  end of this local hour, so a morning is compared with a morning, not with a whole day. */
      throughHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
      /** (current − value) / value; null when value is 0. */
      change: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: false }),
    mom: Type.Object({ from: Type.String(), to: Type.String(), value: Type.Integer(),
      throughHour: Type.Optional(Type.Integer({ minimum: 0, maximum: 23 })),
      change: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type Comparison = Static<typeof ComparisonSchema>;

/** One response interval (received → dispatched, or received → on scene) for one priority. */
export const IntervalFiguresSchema = Type.Object(
  {
    priority: Type.Integer(),
    targetSeconds: Type.Number(),
    /** Incidents (reported in the period) with this step in their timeline. */
    count: Type.Integer(),
    withinTarget: Type.Integer(),
    /** withinTarget / count; null when count is 0. */
    share: Type.Union([Type.Number(), Type.Null()]),
    meanSeconds: Type.Union([Type.Number(), Type.Null()]),
    /** Median in whole seconds (rounded up); null when count is 0. */
    medianSeconds: Type.Union([Type.Number(), Type.Null()]),
  },
  { additionalProperties: false },
);
export type IntervalFigures = Static<typeof IntervalFiguresSchema>;

export const ResponseFiguresSchema = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    dispatch: Type.Array(IntervalFiguresSchema),
    onScene: Type.Array(IntervalFiguresSchema),
  },
  { additionalProperties: false },
);
export type ResponseFigures = Static<typeof ResponseFiguresSchema>;

export const TeamUnitsSchema = Type.Object(
  { onDuty: Type.Integer(), available: Type.Integer(), total: Type.Integer() },
  { additionalProperties: false },
);

export const PresenceFiguresSchema = Type.Object(
  {
    /** Configured target share of grids visited in the last hour (PRESENCE_TARGET). */
    target: Type.Number(),
    gridsTotal: Type.Integer(),
    /** Grids where a patrol unit was sampled in the last 60 minutes. */
    gridsVisitedLastHour: Type.Integer(),
    visitedShare: Type.Number(),
    /** Patrol presence minutes per grid today (every grid, zero-filled). */
    minutesTodayByGrid: Type.Record(Type.String(), Type.Number()),
    /** Patrol presence minutes per grid in the current local hour. */
    minutesThisHourByGrid: Type.Record(Type.String(), Type.Number()),
  },
  { additionalProperties: false },
);
export type PresenceFigures = Static<typeof PresenceFiguresSchema>;

export const StatsOverviewResponseSchema = Type.Object(
  {
    date: Type.String(),
    timeZone: Type.String(),
    generatedAt: Type.Number(),
    today: PeriodCountsSchema,
    /** The month to date (1st … date). */
    month: PeriodCountsSchema,
    /** 同比 / 环比 over the month to date. */
    comparisons: Type.Object(
      { incidents: ComparisonSchema, criminal: ComparisonSchema, publicOrder: ComparisonSchema, dispute: ComparisonSchema },
      { additionalProperties: false },
    ),
    response: Type.Object({ today: ResponseFiguresSchema, month: ResponseFiguresSchema }, { additionalProperties: false }),
    /** Units now (not off duty = on duty; available = available and not stale), per team of 一室三队. */
    units: Type.Object(
      { community: TeamUnitsSchema, case: TeamUnitsSchema, patrol: TeamUnitsSchema, all: TeamUnitsSchema },
      { additionalProperties: false },
    ),
    emergencyUnits: Type.Object(
      { units: Type.Integer(), people: Type.Integer(), active: Type.Integer(), activePeople: Type.Integer() },
      { additionalProperties: false },
    ),
    presence: PresenceFiguresSchema,
  },
  { additionalProperties: false },
);
export type StatsOverviewResponse = Static<typeof StatsOverviewResponseSchema>;

/** The live KPI push (DomainEvent `stats:kpi`), sent when today's figures change: what the wall and the view
 *  show without re-reading the overview. */
export const StatsKpiSchema = Type.Object(
  {
    date: Type.String(),
    today: PeriodCountsSchema,
    response: ResponseFiguresSchema,
    presence: Type.Object(
      { target: Type.Number(), gridsTotal: Type.Integer(), gridsVisitedLastHour: Type.Integer(), visitedShare: Type.Number() },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type StatsKpi = Static<typeof StatsKpiSchema>;

/** A refused statistics request; `path` names the field when the schema refused it. */
export const StatsErrorSchema = Type.Object({ error: Type.String(), message: Type.String(), params: Type.Optional(ErrorParamsSchema), path: Type.Optional(Type.String()) });

// ---- pure arithmetic ---------------------------------------------------------------------------------------

/** Count metrics an incident contributes to (always 'incidents'). */
/** A report merged into another incident is a duplicate of it: like the same id sent twice, it counts once (as
 *  the incident it was merged into), so it leaves every count and response figure when it is merged. */
export const countsInStatistics = (i: Pick<Incident, 'status'>): boolean => i.status !== 'merged';

export function incidentCountMetrics(i: Pick<Incident, 'type' | 'status' | 'outcome'>): CountMetric[] {
  if (!countsInStatistics(i)) return [];
  const out: CountMetric[] = ['incidents'];
  if (CRIMINAL_TYPES.includes(i.type)) out.push('criminal');
  if (PUBLIC_ORDER_TYPES.includes(i.type)) out.push('public_order');
  if (i.type === 'dispute') out.push('dispute');
  if (i.status === 'closed') out.push('closed');
  if (i.outcome === 'mediated') out.push('mediated');
  if (i.outcome === 'mediation_failed') out.push('mediation_failed');
  return out;
}

export type ResponseStep = 'dispatch' | 'on_scene';

/** Whole milliseconds from report to the first `dispatched` and first `on_scene` timeline entries (never
 *  negative). Rounded up, which keeps "within N ms" exact (x ≤ N ⇔ ⌈x⌉ ≤ N) and the counters integers: the
 *  contract lets a producer send reportedAt as a fractional epoch ms, and a fractional sum made HINCRBY fail
 *  half-way through a commit script. */
export function responseIntervals(i: Pick<Incident, 'reportedAt' | 'timeline' | 'status'>): Partial<Record<ResponseStep, number>> {
  const out: Partial<Record<ResponseStep, number>> = {};
  if (!countsInStatistics(i)) return out;
  const since = (at: number): number => Math.max(0, Math.ceil(at - i.reportedAt));
  for (const e of i.timeline) {
    if (e.status === 'dispatched' && out.dispatch === undefined) out.dispatch = since(e.at);
    if (e.status === 'on_scene' && out.on_scene === undefined) out.on_scene = since(e.at);
  }
  return out;
}

/** Histogram bins are whole seconds rounded up, so "within T seconds" (interval ≤ T) is exact for any whole-second
 *  target: bin ≤ T ⇔ ms ≤ T·1000. Intervals beyond RESPONSE_BIN_MAX (a day, the longest target RESPONSE_TARGETS
 *  accepts) share one overflow bin. Redis keeps only bins that occur, so fine bins cost nothing when unused. */
export const RESPONSE_BIN_MAX = 86_400;
export function responseBin(ms: number): number {
  return Math.min(Math.ceil(ms / 1000), RESPONSE_BIN_MAX + 1);
}

/** Response targets per priority in seconds (dispatch = received → dispatched, onScene = received → on scene). */
export type ResponseTargets = Record<Priority, { dispatchSeconds: number; onSceneSeconds: number }>;

export const shareOf = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
export const changeOf = (current: number, before: number): number | null => (before === 0 ? null : (current - before) / before);

// ---- local calendar arithmetic (station time zone) ---------------------------------------------------------

export interface LocalParts { year: number; month: number; day: number; hour: number; minute: number; second: number; weekday: number }

const partFormatters = new Map<string, Intl.DateTimeFormat>();
function partFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = partFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    partFormatters.set(timeZone, f);
  }
  return f;
}

/** Offset (ms) of a zone from UTC at an instant, read from Intl once per zone and UTC quarter hour: zone offsets
 *  are whole quarter hours and change only at quarter-hour instants, so one reading holds for its whole quarter.
 *  A 13-month daily series then costs a few hundred Intl calls once, and none after. */
const offsets = new Map<string, Map<number, number>>();
function offsetAt(epochMs: number, timeZone: string): number {
  const quarter = Math.floor(epochMs / 900_000);
  let byQuarter = offsets.get(timeZone);
  if (!byQuarter) offsets.set(timeZone, (byQuarter = new Map()));
  let offset = byQuarter.get(quarter);
  if (offset === undefined) {
    const t = quarter * 900_000;
    const p: Record<string, number> = {};
    for (const x of partFormatter(timeZone).formatToParts(new Date(t))) if (x.type !== 'literal') p[x.type] = Number(x.value);
    offset = Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) - t;
    if (byQuarter.size > 500_000) byQuarter.clear();
    byQuarter.set(quarter, offset);
  }
  return offset;
}

/** Local wall-clock parts of an instant; weekday 0 = Monday … 6 = Sunday. */
export function localParts(epochMs: number, timeZone: string): LocalParts {
  const d = new Date(epochMs + offsetAt(epochMs, timeZone));
  return {
    year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(),
    minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: (d.getUTCDay() + 6) % 7,
  };
}

/** The instant of a local wall-clock time (the earlier one when a DST change makes it ambiguous). */
export function zonedEpoch(year: number, month: number, day: number, hour: number, timeZone: string): number {
  const naive = Date.UTC(year, month - 1, day, hour);
  const t = naive - offsetAt(naive, timeZone);
  return naive - offsetAt(t, timeZone);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
export const dayKey = (y: number, m: number, d: number): string => `${pad(y, 4)}-${pad(m)}-${pad(d)}`;

export function parseDayKey(day: string): { year: number; month: number; day: number } {
  const [y, m, d] = day.split('-').map(Number);
  return { year: y!, month: m!, day: d! };
}

/** Local midnight starting a local day. */
export function dayStart(day: string, timeZone: string): number {
  const { year, month, day: d } = parseDayKey(day);
  return zonedEpoch(year, month, d, 0, timeZone);
}

/** Calendar arithmetic on day keys (no time zone involved). */
export function addDays(day: string, n: number): string {
  const { year, month, day: d } = parseDayKey(day);
  const t = new Date(Date.UTC(year, month - 1, d + n));
  return dayKey(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate());
}

/** The same day n months later (earlier for n < 0), clipped to the month's length (03-31 − 1 month = 02-28/29). */
export function addMonths(day: string, n: number): string {
  const { year, month, day: d } = parseDayKey(day);
  const idx = year * 12 + (month - 1) + n;
  const y = Math.floor(idx / 12);
  const m = idx - y * 12 + 1;
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return dayKey(y, m, Math.min(d, last));
}

/** Days from `from` to `to` inclusive. */
export function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) out.push(d);
  return out;
}

/** 同比 period: the same dates a year earlier; 环比 period: the same dates a month earlier. */
export function comparisonPeriods(from: string, to: string): { yoy: [string, string]; mom: [string, string] } {
  return { yoy: [addMonths(from, -12), addMonths(to, -12)], mom: [addMonths(from, -1), addMonths(to, -1)] };
}

/** Reads a range bound (see RangeBoundSchema); NaN when it cannot be read, names a day the calendar does not have
 *  (2026-02-30, also inside an ISO instant) or lies outside [2000, 2100) (0, negatives, 40-digit numbers). */
export function parseRangeBound(s: string, timeZone: string): number {
  let ms: number;
  if (/^\d{1,15}$/.test(s)) {
    ms = Number(s);
  } else if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    const { year, month, day } = parseDayKey(s);
    if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return Number.NaN;
    ms = dayStart(s, timeZone);
  } else {
    // Instants need an explicit offset: a bare local time would silently depend on the server's own zone.
    ms = parseIsoInstant(s);
  }
  return isPlausibleInstant(ms) ? ms : Number.NaN;
}

/** Local hour key `YYYY-MM-DDTHH` and day key of an instant. */
export function hourKeyOf(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return `${dayKey(p.year, p.month, p.day)}T${pad(p.hour)}`;
}

/**
 * The buckets of a range: [from, to) widened to whole local hours (interval=hour) or whole local days, then cut
 * into hours, days, Monday-based weeks or months; first and last week/month are clipped to the widened range.
 * Each bucket lists the local days (or hours) it is made of.
 */
export function rangeBuckets(fromMs: number, toMs: number, interval: StatsInterval, timeZone: string): {
  from: number; to: number; buckets: (StatsBucket & { parts: string[] })[];
} {
  if (interval === 'hour') {
    const out: (StatsBucket & { parts: string[] })[] = [];
    const first = localParts(fromMs, timeZone);
    let t = zonedEpoch(first.year, first.month, first.day, first.hour, timeZone);
    while (t < toMs) {
      const key = hourKeyOf(t, timeZone);
      // Next local hour: step an hour past the start and floor to that local hour.
      const n = localParts(t + 3_600_000, timeZone);
      const next = zonedEpoch(n.year, n.month, n.day, n.hour, timeZone);
      out.push({ key, start: t, end: next, parts: [key] });
      t = next;
    }
    return { from: out[0]?.start ?? fromMs, to: out.at(-1)?.end ?? toMs, buckets: out };
  }
  const firstDay = localDayOf(fromMs, timeZone);
  const lastInstant = toMs - 1;
  const lastDay = localDayOf(lastInstant, timeZone);
  const days = lastInstant < fromMs ? [] : daysBetween(firstDay, lastDay);
  const groups = new Map<string, string[]>();
  for (const d of days) {
    let key = d;
    if (interval === 'week') {
      const { year, month, day } = parseDayKey(d);
      const wd = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
      key = addDays(d, -wd);
    } else if (interval === 'month') key = d.slice(0, 7);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(d);
  }
  const buckets = [...groups].map(([key, parts]) => ({
    key, start: dayStart(parts[0]!, timeZone), end: dayStart(addDays(parts.at(-1)!, 1), timeZone), parts,
  }));
  return { from: buckets[0]?.start ?? fromMs, to: buckets.at(-1)?.end ?? toMs, buckets };
}

export function localDayOf(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return dayKey(p.year, p.month, p.day);
}
