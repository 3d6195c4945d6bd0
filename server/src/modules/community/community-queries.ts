// What the figures, board and list routes answer. Figures come from the per-day counters only (a range over 13
// months is ~400 HGETALLs of small hashes in one round trip); "overdue now" from the open indexes, by deadline.
import {
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
    const [d, t, overdueNow] = await Promise.all([
      this.repo.sumDays(range.days.map((day) => this.repo.disputeDayKey(day))),
      this.repo.sumDays(range.days.map((day) => this.repo.taskDayKey(day))),
      this.overdueNow(now),
    ]);
    return { from: range.from, to: range.to, timeZone: this.timeZone, disputes: disputeFigures(d), tasks: taskFigures(t), overdueNow };
  }

  async board(now: number): Promise<CommunityBoard> {
    const today = localDayOf(now, this.timeZone);
    const monthDays = daysBetween(`${today.slice(0, 8)}01`, today);
    const [open, tasks, overdueNow, month, todayTasks] = await Promise.all([
      this.repo.openDisputes(BOARD_READ),
      this.repo.openTasks(BOARD_SHOW),
      this.overdueNow(now),
      this.repo.sumDays(monthDays.map((day) => this.repo.disputeDayKey(day))),
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
