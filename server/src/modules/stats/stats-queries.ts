// The statistics API's answers, read from buckets (never from raw incidents): a series over 13 months by day is
// ~400 pipelined HMGETs, the overview ~130 commands in one round trip; the response figures' medians a descent of
// each bucket's rank tree (response-figures.lua), never a whole histogram.
import {
  ALL, COUNT_METRICS, PRIORITIES, addDays, addMonths, comparisonPeriods, daysBetween, hourKeyOf, localDayOf, localParts, parseDayKey,
  rangeBuckets, type CountMetric, type ResponseTargets, type StatsGroupBy, type StatsHeatmapResponse,
  type StatsInterval, type StatsKpi, type StatsMetric, type StatsOverviewResponse, type StatsSeriesResponse,
} from '@ccr/shared';
import type { LiveRepository } from '../live/live-repository.js';
import { countField, dayBucket, hourBucket, responseBucket, responseCountField, responseWithinField } from './stats-buckets.js';
import { type StatsRepository, presenceDayBucket, presenceHourBucket } from './stats-repository.js';
import {
  GROUP_DIM, comparison, groupKeys, isResponseMetric, periodCountFields, periodCounts,
  clampWithin, responseFigures, sumRows,
} from './stats-service.js';

export interface StatsQueryOptions {
  timeZone: string;
  gridIds: readonly string[];
  /** Read per query: the targets module may set them after start (RESPONSE_TARGETS). */
  targets: () => ResponseTargets;
  /** Share of grids that should see a patrol every hour (PRESENCE_TARGET / 100). */
  presenceTarget: number;
}

const HOURS = Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0'));
const isCountMetric = (m: StatsMetric): m is CountMetric => (COUNT_METRICS as readonly string[]).includes(m);

export class StatsQueries {
  constructor(private readonly repo: StatsRepository, private readonly live: LiveRepository, readonly opts: StatsQueryOptions) {}

  async series(q: { metric: StatsMetric; interval: StatsInterval; groupBy: StatsGroupBy; from: number; to: number }): Promise<StatsSeriesResponse> {
    const { timeZone, gridIds } = this.opts;
    const range = rangeBuckets(q.from, q.to, q.interval, timeZone);
    const keys = groupKeys(q.groupBy, gridIds);
    const parts: string[] = [];
    const bucketOf: number[] = [];
    range.buckets.forEach((b, i) => { for (const p of b.parts) { parts.push(p); bucketOf.push(i); } });
    const values = keys.map(() => new Array<number>(range.buckets.length).fill(0));
    const hourly = q.interval === 'hour';

    if (isCountMetric(q.metric)) {
      const metric = q.metric;
      const fields = q.groupBy === 'none' ? [countField(metric)] : keys.map((k) => countField(metric, GROUP_DIM[q.groupBy as Exclude<StatsGroupBy, 'none'>], k));
      const rows = await this.repo.readFields(parts.map((p) => (hourly ? hourBucket(p) : dayBucket(p))), fields);
      rows.forEach((row, pi) => row.forEach((v, g) => { values[g]![bucketOf[pi]!]! += v; }));
    } else if (isResponseMetric(q.metric)) {
      // Plain counters per priority, written with each step (stats-buckets.ts): the read does not grow with the
      // incidents a bucket holds. Within target needs the count too, to keep it inside [0, count].
      const step = q.metric.startsWith('dispatched') ? 'dispatch' : 'on_scene';
      const within = q.metric.endsWith('_within_target');
      const fields = [
        ...PRIORITIES.map((p) => responseCountField(step, p)),
        ...(within ? PRIORITIES.map((p) => responseWithinField(step, p)) : []),
      ];
      const rows = await this.repo.readFields(parts.map(responseBucket), fields);
      const col = new Map(keys.map((k, g) => [k, g]));
      rows.forEach((row, pi) => {
        PRIORITIES.forEach((p, k) => {
          const v = within ? clampWithin(row[PRIORITIES.length + k]!, row[k]!) : row[k]!;
          values[col.get(q.groupBy === 'none' ? ALL : String(p))!]![bucketOf[pi]!]! += v;
        });
      });
    } else {
      const hashes = await this.repo.readBuckets(parts.map(hourly ? presenceHourBucket : presenceDayBucket));
      const index = new Map(keys.map((k, g) => [k, g]));
      hashes.forEach((h, pi) => {
        for (const [grid, s] of Object.entries(h)) {
          const g = q.groupBy === 'none' ? 0 : index.get(grid);
          if (g !== undefined) values[g]![bucketOf[pi]!]! += Number(s);
        }
      });
      for (const row of values) for (let i = 0; i < row.length; i++) row[i] = row[i]! / 60;
    }
    return {
      metric: q.metric, interval: q.interval, groupBy: q.groupBy, timeZone, from: range.from, to: range.to,
      buckets: range.buckets.map(({ key, start, end }) => ({ key, start, end })),
      series: keys.map((key, g) => ({ key, values: values[g]! })),
    };
  }

  async heatmap(q: { metric: CountMetric; from: number; to: number }): Promise<StatsHeatmapResponse> {
    const { timeZone } = this.opts;
    const range = rangeBuckets(q.from, q.to, 'day', timeZone);
    const days = range.buckets.map((b) => b.key);
    const rows = await this.repo.readFields(days.map(dayBucket), HOURS.map((h) => countField(q.metric, 'hod', h)));
    const cells = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
    rows.forEach((row, i) => {
      const { year, month, day } = parseDayKey(days[i]!);
      const weekday = (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
      row.forEach((v, h) => { cells[weekday]![h]! += v; });
    });
    return { metric: q.metric, timeZone, from: range.from, to: range.to, cells };
  }

  private async presence(day: string, now: number) {
    const { gridIds, presenceTarget } = this.opts;
    const [[dayHash, hourHash], visited] = await Promise.all([
      this.repo.readBuckets([presenceDayBucket(day), presenceHourBucket(hourKeyOf(now, this.opts.timeZone))]),
      this.repo.gridsVisitedSince(now - 3_600_000),
    ]);
    const minutes = (h: Record<string, string> | undefined) => Object.fromEntries(gridIds.map((g) => [g, Number(h?.[g] ?? 0) / 60]));
    const gridsTotal = gridIds.length;
    const gridsVisitedLastHour = Math.min(visited, gridsTotal);
    return {
      target: presenceTarget, gridsTotal, gridsVisitedLastHour,
      visitedShare: gridsTotal === 0 ? 0 : gridsVisitedLastHour / gridsTotal,
      minutesTodayByGrid: minutes(dayHash), minutesThisHourByGrid: minutes(hourHash),
    };
  }

  async overview(now: number, date?: string): Promise<StatsOverviewResponse> {
    const { timeZone, gridIds } = this.opts;
    const targets = this.opts.targets();
    const day = date ?? localDayOf(now, timeZone);
    const monthFrom = `${day.slice(0, 8)}01`;
    const days = daysBetween(monthFrom, day);
    const { yoy, mom } = comparisonPeriods(monthFrom, day);
    const cmpFields = [countField('incidents'), countField('criminal'), countField('public_order'), countField('dispute')];
    const fields = periodCountFields(gridIds);
    // Today is still running: an earlier period's last day counts only through the end of the current local hour.
    const throughHour = day === localDayOf(now, timeZone) ? localParts(now, timeZone).hour : undefined;
    const earlier = ([from, to]: [string, string]): Promise<number[][]> => {
      if (throughHour === undefined) return this.repo.readFields(daysBetween(from, to).map(dayBucket), cmpFields);
      const buckets = [
        ...(from < to ? daysBetween(from, addDays(to, -1)).map(dayBucket) : []),
        ...HOURS.slice(0, throughHour + 1).map((h) => hourBucket(`${to}T${h}`)),
      ];
      return this.repo.readFields(buckets, cmpFields);
    };
    // Response figures of the month to date: its days so far, or the month's bucket less its days after the date
    // (none on the month's last day; on a running month only days nothing has been reported on yet), whichever
    // reads fewer buckets: at most 16, each a bounded read (response-figures.lua).
    const laterDays = daysBetween(addDays(day, 1), addDays(addMonths(monthFrom, 1), -1));
    const [monthAdded, monthLess] = days.length <= 1 + laterDays.length
      ? [days.map(responseBucket), []]
      : [[responseBucket(day.slice(0, 7))], laterDays.map(responseBucket)];
    const [dayRows, respToday, respMonth, yoyRows, momRows, unitCounts, presence] = await Promise.all([
      this.repo.readFields(days.map(dayBucket), fields),
      this.repo.responseTotals([responseBucket(day)]),
      this.repo.responseTotals(monthAdded, monthLess),
      earlier(yoy),
      earlier(mom),
      this.live.readUnitCounts(),
      this.presence(day, now),
    ]);
    const today = periodCounts(sumRows(fields, dayRows.slice(-1)), day, day, gridIds);
    const month = periodCounts(sumRows(fields, dayRows), monthFrom, day, gridIds);
    const total = (rows: number[][], i: number): number => rows.reduce((s, r) => s + r[i]!, 0);
    const cut = throughHour === undefined ? {} : { throughHour };
    const cmp = (current: number, i: number) => comparison(
      current, { from: yoy[0], to: yoy[1], value: total(yoyRows, i), ...cut }, { from: mom[0], to: mom[1], value: total(momRows, i), ...cut },
    );
    return {
      date: day, timeZone, generatedAt: now, today, month,
      comparisons: { incidents: cmp(month.total, 0), criminal: cmp(month.criminal, 1), publicOrder: cmp(month.publicOrder, 2), dispute: cmp(month.dispute, 3) },
      response: {
        today: responseFigures(respToday, targets, day, day),
        month: responseFigures(respMonth, targets, monthFrom, day),
      },
      // Kept at write time (live-prelude.lua): the same figures as unitFigures / emergencyFigures over every unit.
      units: unitCounts.units,
      emergencyUnits: unitCounts.emergencyUnits,
      presence,
    };
  }

  /** Today's KPIs for the live push (no units: those travel as unit events already). */
  async kpi(now: number): Promise<StatsKpi> {
    const { timeZone, gridIds } = this.opts;
    const targets = this.opts.targets();
    const day = localDayOf(now, timeZone);
    const fields = periodCountFields(gridIds);
    const [dayRows, resp, presence] = await Promise.all([
      this.repo.readFields([dayBucket(day)], fields),
      this.repo.responseTotals([responseBucket(day)]),
      this.presence(day, now),
    ]);
    const { target, gridsTotal, gridsVisitedLastHour, visitedShare } = presence;
    return {
      date: day,
      today: periodCounts(sumRows(fields, dayRows), day, day, gridIds),
      response: responseFigures(resp, targets, day, day),
      presence: { target, gridsTotal, gridsVisitedLastHour, visitedShare },
    };
  }
}
