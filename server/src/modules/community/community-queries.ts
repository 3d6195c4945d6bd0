// What the figures, board and list routes answer. Figures come from the counters only (per local day and per local
// month, moved together: a range over 13 months is about 13 month hashes and the loose days at its ends, in one
// round trip); "overdue now" from the open indexes, by deadline.
import {
  COMMUNITY_SERIES, communityKpis, previousPeriod, rangeBuckets, samePeriodLastYear, seriesPoint, sumCounts,
  type CommunityPeriod, type CommunityStatsInterval, type CommunityStatsResponse, type FigureCounts,
  DISPUTE_STATUSES, addDays, dayStart, daysBetween, disputeFigures, isDisputeOverdue, localDayOf, stageOf, taskFigures,
  type CommunityBoard, type CommunityFigures, type DisputeCase, type DisputeStatus, type OverdueNow,
} from '@ccr/shared';
import type { CommunityRepository } from './community-repository.js';

/** A figures range longer than this is refused: 13 months with their year-on-year comparison fit well within it. */
export const MAX_FIGURE_DAYS = 800;
/** Open cases the board reads to count by status; beyond this the counts say "at least". */
const BOARD_READ = 2_000;
const BOARD_SHOW = 500;

export class CommunityQueries {
  constructor(private readonly repo: CommunityRepository, private readonly timeZone: string) {}

  /** Whole local days covering [from, to), or null when that is more than MAX_FIGURE_DAYS. */
  days(from: number, to: number): { days: string[]; from: number; to: number } | null {
    const first = localDayOf(from, this.timeZone);
    const last = localDayOf(to - 1, this.timeZone);
    const days = daysBetween(first, last);
    if (days.length > MAX_FIGURE_DAYS) return null;
    return { days, from: dayStart(first, this.timeZone), to: dayStart(addDays(last, 1), this.timeZone) };
  }

  async overdueNow(now: number): Promise<OverdueNow> {
    const o = await this.repo.overdue(now, 1_000);
    const byStage = { route: 0, session: 0, followup: 0 };
    for (const { value } of (await this.repo.readDisputes(o.disputes)).values()) {
      const stage = stageOf(value.status);
      if (stage) byStage[stage] += 1;
    }
    return { disputes: o.disputesTotal, disputesByStage: byStage, disputesMayEscalate: o.disputesMay, tasks: o.tasks };
  }

  async figures(range: { days: string[]; from: number; to: number }, now: number): Promise<CommunityFigures> {
    const first = range.days[0]!;
    const last = range.days.at(-1)!;
    const [[d, t], overdueNow] = await Promise.all([
      this.repo.sumEach([this.repo.rangeKeys('disputes', first, last), this.repo.rangeKeys('tasks', first, last)]) as Promise<[FigureCounts, FigureCounts]>,
      this.overdueNow(now),
    ]);
    return { from: range.from, to: range.to, timeZone: this.timeZone, disputes: disputeFigures(d), tasks: taskFigures(t), overdueNow };
  }

  /** GET /api/stats/community: the range, its 同比 and 环比 periods and a trend, from one pipelined read of the
   *  counters (whole months from their month hashes: 13 months by month are ~80 small HGETALLs). */
  async stats(range: { days: string[]; from: number; to: number }, interval: CommunityStatsInterval, now: number): Promise<CommunityStatsResponse> {
    const first = range.days[0]!;
    const last = range.days.at(-1)!;
    const buckets = rangeBuckets(range.from, range.to, interval, this.timeZone).buckets;
    const yoy = samePeriodLastYear(first, last);
    const mom = previousPeriod(first, last);
    const periods: [string, string][] = [...buckets.map((b) => [b.parts[0]!, b.parts.at(-1)!] as [string, string]), yoy, mom];
    const groups = periods.flatMap(([a, b]) => [this.repo.rangeKeys('disputes', a, b), this.repo.rangeKeys('tasks', a, b)]);
    const [sums, overdueNow] = await Promise.all([this.repo.sumEach(groups), this.overdueNow(now)]);
    const pairs = periods.map((_, i) => [sums[2 * i]!, sums[2 * i + 1]!] as const);
    const period = ([a, b]: [string, string], [d, t]: readonly [FigureCounts, FigureCounts]): CommunityPeriod =>
      ({ from: a, to: b, disputes: disputeFigures(d), tasks: taskFigures(t) });
    const bucketPairs = pairs.slice(0, buckets.length);
    const current = period([first, last], [sumCounts(bucketPairs.map((p) => p[0])), sumCounts(bucketPairs.map((p) => p[1]))]);
    const yoyPeriod = period(yoy, pairs[buckets.length]!);
    const momPeriod = period(mom, pairs[buckets.length + 1]!);
    const points = bucketPairs.map(([d, t]) => seriesPoint(d, t));
    return {
      timeZone: this.timeZone, interval, from: range.from, to: range.to,
      current, yoy: yoyPeriod, mom: momPeriod, kpis: communityKpis(current, yoyPeriod, momPeriod),
      buckets: buckets.map(({ key, start, end }) => ({ key, start, end })),
      series: COMMUNITY_SERIES.map((key) => ({ key, values: points.map((p) => p[key]) })),
      overdueNow,
    };
  }

  async board(now: number): Promise<CommunityBoard> {
    const today = localDayOf(now, this.timeZone);
    const monthDays = daysBetween(`${today.slice(0, 8)}01`, today);
    const [open, tasks, overdueNow, month, todayTasks] = await Promise.all([
      this.repo.openDisputes(BOARD_READ),
      this.repo.openTasks(BOARD_SHOW),
      this.overdueNow(now),
      this.repo.sumDays(this.repo.rangeKeys('disputes', monthDays[0]!, today)),
      this.repo.sumDays([this.repo.taskDayKey(today)]),
    ]);
    const byStatus = Object.fromEntries(DISPUTE_STATUSES.filter((s) => s !== 'closed').map((s) => [s, 0])) as Record<DisputeStatus, number>;
    for (const c of open.items) byStatus[c.status] += 1;
    const rank = (c: DisputeCase): number => (isDisputeOverdue(c, now) ? 0 : 2) + (c.mayEscalate ? 0 : 1);
    const disputes = [...open.items].sort((a, b) => rank(a) - rank(b) || (a.dueAt ?? Infinity) - (b.dueAt ?? Infinity)).slice(0, BOARD_SHOW);
    const m = disputeFigures(month);
    const t = taskFigures(todayTasks);
    return {
      serverTime: now, disputes, disputesTotal: open.total, tasks: tasks.items, tasksTotal: tasks.total, byStatus, overdueNow,
      month: { successRate: m.successRate, satisfactionRate: m.satisfaction.rate },
      today: { due: t.due, done: t.done, onTime: t.onTime },
    };
  }
}
