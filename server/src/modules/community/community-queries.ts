// What the figures, board and list routes answer. Figures come from the counters only (per local day, week and
// month, moved together: a range over 13 months is about 13 month hashes, a few weeks and at most 24 days, and a
// weekly trend one week hash a point, in one round trip after the weeks are made whole); "overdue now" from the
// open indexes, by deadline.
import {
  COMMUNITY_SERIES, SERIES_DISPUTE_FIELDS, SERIES_TASK_FIELDS, communityKpis, previousPeriod, rangeBuckets, samePeriodLastYear, seriesPoint,
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
    const keys = await this.repo.cover([{ kind: 'disputes', first, last }, { kind: 'tasks', first, last }]);
    const [[d, t], overdueNow] = await Promise.all([
      this.repo.sumEach(keys) as Promise<[FigureCounts, FigureCounts]>,
      this.overdueNow(now),
    ]);
    return { from: range.from, to: range.to, timeZone: this.timeZone, disputes: disputeFigures(d), tasks: taskFigures(t), overdueNow };
  }

  /** GET /api/stats/community: the range, its 同比 and 环比 periods (whole counter hashes: whole months from their
   *  month hash) and a trend (only the fields a point needs, HMGET per bucket), in one round trip each. */
  async stats(range: { days: string[]; from: number; to: number }, interval: CommunityStatsInterval, now: number): Promise<CommunityStatsResponse> {
    const first = range.days[0]!;
    const last = range.days.at(-1)!;
    const buckets = rangeBuckets(range.from, range.to, interval, this.timeZone).buckets;
    const periods: [string, string][] = [[first, last], samePeriodLastYear(first, last), previousPeriod(first, last)];
    const spans = buckets.map((b) => [b.parts[0]!, b.parts.at(-1)!] as [string, string]);
    const of = (kind: 'disputes' | 'tasks') => ([a, b]: [string, string]) => ({ kind, first: a, last: b });
    const keys = await this.repo.cover([
      ...periods.flatMap((p) => [of('disputes')(p), of('tasks')(p)]), ...spans.map(of('disputes')), ...spans.map(of('tasks')),
    ]);
    const [sums, dPoints, tPoints, overdueNow] = await Promise.all([
      this.repo.sumEach(keys.slice(0, 2 * periods.length)),
      this.repo.fieldsEach(keys.slice(2 * periods.length, 2 * periods.length + spans.length), SERIES_DISPUTE_FIELDS),
      this.repo.fieldsEach(keys.slice(2 * periods.length + spans.length), SERIES_TASK_FIELDS),
      this.overdueNow(now),
    ]);
    const [current, yoy, mom] = periods.map(([a, b], i): CommunityPeriod => ({ from: a, to: b, disputes: disputeFigures(sums[2 * i]!), tasks: taskFigures(sums[2 * i + 1]!) })) as [CommunityPeriod, CommunityPeriod, CommunityPeriod];
    const points = spans.map((_, i) => seriesPoint(dPoints[i]!, tPoints[i]!));
    return {
      timeZone: this.timeZone, interval, from: range.from, to: range.to, current, yoy, mom, kpis: communityKpis(current, yoy, mom),
      buckets: buckets.map(({ key, start, end }) => ({ key, start, end })),
      series: COMMUNITY_SERIES.map((key) => ({ key, values: points.map((p) => p[key]) })),
      overdueNow,
    };
  }

  async board(now: number): Promise<CommunityBoard> {
    const today = localDayOf(now, this.timeZone);
    const monthDays = daysBetween(`${today.slice(0, 8)}01`, today);
    const [monthKeys] = await this.repo.cover([{ kind: 'disputes', first: monthDays[0]!, last: today }]);
    const [open, tasks, overdueNow, month, todayTasks] = await Promise.all([
      this.repo.openDisputes(BOARD_READ),
      this.repo.openTasks(BOARD_SHOW),
      this.overdueNow(now),
      this.repo.sumDays(monthKeys!),
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
