import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DISPUTE_LIMITS, closeDispute, maskName, maskPhone, openDispute, recordFollowup, recordSession, reopenDispute,
  repeatKeys, routeDispute, transitionDispute, type DisputeCase,
} from './disputes.js';
import { DISPUTE_STATUSES, TASK_STATUSES, type DisputeStatus, type TaskStatus } from './labels.js';
import { cancelTask, isTaskOverdue, reportTask, reviewTask, transitionTask, type CommunityTask } from './tasks.js';
import { countsDelta, disputeCounts, disputeFigures, sumCounts, taskCounts, taskFigures } from './figures.js';

// The legal pairs written out once more, independently of the tables: every other pair is illegal.
const LEGAL_DISPUTE = new Set([
  'accepted>routed', 'accepted>closed',
  'routed>mediating', 'routed>escalated', 'routed>mediated', 'routed>closed',
  'mediating>mediating', 'mediating>escalated', 'mediating>mediated', 'mediating>closed',
  'escalated>routed', 'escalated>closed',
  'mediated>accepted', 'mediated>followed_up', 'mediated>closed',
  'followed_up>accepted', 'followed_up>closed',
  'closed>accepted',
]);
const LEGAL_TASK = new Set([
  'ordered>accepted', 'ordered>cancelled',
  'accepted>reported', 'accepted>cancelled',
  'reported>returned', 'reported>done',
  'returned>reported', 'returned>cancelled',
]);
const L = DEFAULT_DISPUTE_LIMITS;
const H = 3_600_000;

function dispute(status: DisputeStatus): DisputeCase {
  const c = openDispute({
    id: 'MD-1', source: 'walk_in', category: 'neighbour', parties: [{ name: '张*', phone: '138****1234' }], address: '中山街12号',
    lng: 116.7, lat: 39.07, gridId: 'G1', riskLevel: 'medium', mayEscalate: false, summary: '噪音', incidentIds: [], repeatOf: [],
  }, { by: 'desk', at: 1_000 }, L);
  return { ...c, status, tier: status === 'accepted' ? null : 1, owner: status === 'accepted' ? null : { name: '社区民警1', unitId: 'C-1' } };
}
const actor = { by: 'community', at: 5_000, note: '分流' };

describe('dispute state machine', () => {
  for (const from of DISPUTE_STATUSES) {
    for (const to of DISPUTE_STATUSES) {
      const legal = LEGAL_DISPUTE.has(`${from}>${to}`);
      it(`${from} → ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        const before = dispute(from);
        const r = transitionDispute(before, to, actor, L);
        if (legal) {
          expect(r.ok).toBe(true);
          if (!r.ok) return;
          expect(r.state.status).toBe(to);
          expect(r.state.statusSince).toBe(5_000);
          expect(r.state.timeline.at(-1)).toMatchObject({ status: to, at: 5_000, by: 'community', note: '分流' });
          expect(r.state.timeline).toHaveLength(before.timeline.length + 1);
          expect(before.status).toBe(from);
        } else {
          expect(r.ok).toBe(false);
          if (r.ok) return;
          expect(r.error).toMatchObject({ code: 'illegal_transition', subject: 'dispute', id: 'MD-1', from, to });
          expect(r.error.message).toContain(`from ${from} to ${to}`);
          expect(r.error.params).toEqual({ subject: 'dispute', id: 'MD-1', from, to });
        }
      });
    }
  }

  it('sets each stage deadline from the limits and clears it where there is none', () => {
    const opened = dispute('accepted');
    expect(opened.dueAt).toBe(1_000 + 24 * H);
    const routed = routeDispute(opened, 1, { name: '社区民警1' }, { by: 'c', at: 2_000 }, L);
    expect(routed.ok && routed.state.dueAt).toBe(2_000 + 72 * H);
    const ok = routed.ok ? recordSession(routed.state, { heldAt: 2_500, participants: ['张*'], result: 'success' }, { by: 'c', at: 3_000 }, L) : null;
    expect(ok?.ok && ok.state.dueAt).toBe(3_000 + 7 * 24 * H);
    const fu = ok?.ok ? recordFollowup(ok.state, { satisfaction: 'satisfied', recurred: false }, { by: 'c', at: 4_000 }, L) : null;
    expect(fu?.ok && fu.state.dueAt).toBeNull();
  });

  it('a session moves the case by its result; escalation raises the tier and wants routing at it', () => {
    const routed = { ...dispute('routed'), tier: 1 as const };
    const failed = recordSession(routed, { heldAt: 4_000, participants: ['a'], result: 'failed' }, actor, L);
    expect(failed.ok && failed.state.status).toBe('mediating');
    const again = failed.ok ? recordSession(failed.state, { heldAt: 4_000, participants: ['a'], result: 'failed' }, actor, L) : null;
    expect(again?.ok && again.state.sessions).toHaveLength(2);
    const esc = recordSession(routed, { heldAt: 4_000, participants: ['a'], result: 'escalate' }, actor, L);
    expect(esc.ok && [esc.state.status, esc.state.tier, esc.state.owner]).toEqual(['escalated', 2, null]);
    if (!esc.ok) return;
    const below = routeDispute(esc.state, 1, { name: 'x' }, actor, L);
    expect(!below.ok && below.error.code).toBe('tier_below_case');
    expect(routeDispute(esc.state, 2, { name: '社区警务队' }, actor, L).ok).toBe(true);
    const top = recordSession({ ...routed, tier: 3 }, { heldAt: 4_000, participants: ['a'], result: 'escalate' }, actor, L);
    expect(!top.ok && top.error.code).toBe('no_higher_tier');
    const future = recordSession(routed, { heldAt: 9_000, participants: ['a'], result: 'success' }, actor, L);
    expect(!future.ok && future.error.code).toBe('future_time');
  });

  it('a 回访 only after a successful mediation; a recurred one reopens', () => {
    for (const s of ['accepted', 'routed', 'mediating', 'escalated', 'followed_up', 'closed'] as const) {
      const r = recordFollowup(dispute(s), { satisfaction: 'satisfied', recurred: false }, actor, L);
      expect(!r.ok && r.error).toMatchObject({ code: 'illegal_transition', from: s, to: 'followed_up' });
    }
    const r = recordFollowup(dispute('mediated'), { satisfaction: 'dissatisfied', recurred: true }, actor, L);
    expect(r.ok && [r.state.status, r.state.reopened, r.state.tier, r.state.followups.length]).toEqual(['accepted', 1, null, 1]);
  });

  it('closes plainly after a 回访, otherwise only with a reason; reopens from followed_up or closed', () => {
    expect(closeDispute(dispute('followed_up'), undefined, actor, L).ok).toBe(true);
    const noReason = closeDispute(dispute('mediated'), undefined, actor, L);
    expect(!noReason.ok && noReason.error.code).toBe('reason_required');
    expect(!noReason.ok && noReason.error).toMatchObject({ params: { subject: 'dispute' }, message: expect.stringMatching(/needs a reason/) });
    const withReason = closeDispute(dispute('routed'), '当事人撤回', actor, L);
    expect(withReason.ok && withReason.state.closeReason).toBe('当事人撤回');
    if (!withReason.ok) return;
    const reopened = reopenDispute(withReason.state, '再次发生', actor, L);
    expect(reopened.ok && [reopened.state.status, reopened.state.closeReason, reopened.state.reopened]).toEqual(['accepted', undefined, 1]);
    const r = reopenDispute(dispute('routed'), 'x', actor, L);
    expect(!r.ok && r.error).toMatchObject({ from: 'routed', to: 'accepted' });
  });
});

describe('parties', () => {
  it('masks names and phones like reporters and fingerprints what was entered', () => {
    expect(maskName('张三')).toBe('张*');
    expect(maskName('欧阳娜娜')).toBe('欧***');
    expect(maskName('王先生')).toBe('王先生');
    expect(maskPhone('13800001234')).toBe('138****1234');
    expect(maskPhone('+86 138-0000-1234')).toBe('138****1234');
    expect(maskPhone('138****1234')).toBe('138****1234');
    expect(maskPhone('66123456')).toBe('****3456');
    expect(repeatKeys([{ name: '张 三', phone: '138 0000 1234' }, { name: '李女士' }], ' 中山街 12号 ')).toEqual(['n:张三', 'p:13800001234', 'a:中山街12号']);
  });
});

function task(status: TaskStatus, over: Partial<CommunityTask> = {}): CommunityTask {
  return {
    id: 'RW-1', batchId: 'B-1', status, category: 'visit', kind: 'household_visit', instructions: '走访', target: { kind: 'all_grids' },
    assignee: { unitId: 'C-1', name: '社区民警1', kind: 'community_officer', team: 'community', gridId: 'G1' },
    dueAt: 10_000, requires: { text: true, count: true, location: false }, feedback: [], reviews: [], orderedAt: 1_000, orderedBy: 'community',
    updatedAt: 1_000, timeline: [{ status: 'ordered', at: 1_000, by: 'community' }], ...over,
  };
}

describe('task state machine', () => {
  for (const from of TASK_STATUSES) {
    for (const to of TASK_STATUSES) {
      const legal = LEGAL_TASK.has(`${from}>${to}`);
      it(`${from} → ${to} is ${legal ? 'legal' : 'illegal'}`, () => {
        const r = transitionTask(task(from), to, actor);
        if (legal) {
          expect(r.ok && r.state.status).toBe(to);
          expect(r.ok && r.state.timeline.at(-1)).toEqual({ status: to, at: 5_000, by: 'community', note: '分流' });
        } else {
          expect(r.ok).toBe(false);
          if (r.ok) return;
          expect(r.error).toMatchObject({ code: 'illegal_transition', subject: 'task', id: 'RW-1', from, to });
          expect(r.error.message).toMatch(/^illegal transition: task RW-1 cannot go from/);
          expect(r.error.params).toEqual({ subject: 'task', id: 'RW-1', from, to });
        }
      });
    }
  }

  it('feedback must hold what the order asked for; review judges it on time by the due time', () => {
    const missing = reportTask(task('accepted'), { text: '已走访' }, actor);
    expect(!missing.ok && missing.error).toMatchObject({ code: 'feedback_incomplete', params: { id: 'RW-1', missing: 'count' }, message: expect.stringMatching(/lacks count/) });
    const fb = reportTask(task('accepted'), { text: '已走访', count: 12 }, { by: 'C-1', at: 9_000 });
    expect(fb.ok && fb.state.feedback).toEqual([{ by: 'C-1', at: 9_000, text: '已走访', count: 12 }]);
    if (!fb.ok) return;
    expect(!reviewTask(fb.state, 'returned', undefined, actor).ok).toBe(true);
    const back = reviewTask(fb.state, 'returned', '照片不清', { by: 'lead', at: 9_500 });
    expect(back.ok && back.state.status).toBe('returned');
    if (!back.ok) return;
    const late = reportTask(back.state, { text: '补充', count: 13 }, { by: 'C-1', at: 11_000 });
    const done = late.ok ? reviewTask(late.state, 'accepted', undefined, { by: 'lead', at: 12_000 }) : null;
    expect(done?.ok && [done.state.status, done.state.onTime]).toEqual(['done', false]);
    const onTime = reviewTask(fb.state, 'accepted', undefined, { by: 'lead', at: 20_000 });
    expect(onTime.ok && onTime.state.onTime).toBe(true);
    expect(cancelTask(task('reported'), 'x', actor).ok).toBe(false);
    expect(isTaskOverdue(task('accepted'), 10_001)).toBe(true);
    expect(isTaskOverdue(task('done'), 10_001)).toBe(false);
  });
});

describe('figures', () => {
  it('a case contributes by its whole history, and a reopening takes its success back', () => {
    const routed = routeDispute(dispute('accepted'), 1, { name: 'x' }, { by: 'c', at: 1_000 + 25 * H }, L);
    if (!routed.ok) throw new Error('route');
    const ok = recordSession(routed.state, { heldAt: 2 * H, participants: ['a'], result: 'success' }, { by: 'c', at: 26 * H }, L);
    if (!ok.ok) throw new Error('session');
    const c1 = disputeCounts(ok.state);
    expect(c1).toMatchObject({ d: 1, m: 1, s: 1, 's|tier:1': 1, 'late|route': 1, 'n|route': 1, 'n|session': 1 });
    const rec = recordFollowup(ok.state, { satisfaction: 'basic', recurred: true }, { by: 'c', at: 27 * H }, L);
    if (!rec.ok) throw new Error('followup');
    const c2 = disputeCounts(rec.state);
    expect(c2).toMatchObject({ m: 1, rec: 1, fu: 1, 'fu|sat:basic': 1 });
    expect(c2.s).toBeUndefined();
    expect(countsDelta(c1, c2)).toMatchObject({ s: -1, 's|tier:1': -1, rec: 1, fu: 1 });
    const f = disputeFigures(sumCounts([c1]));
    expect([f.successRate, f.tier1Share, f.lateStages.route]).toEqual([1, 1, 1]);
  });

  it('a task counts on its due day; cancelled ones are not due', () => {
    const done = { ...task('done'), onTime: true };
    expect(taskFigures(sumCounts([taskCounts(done), taskCounts(task('accepted')), taskCounts(task('cancelled'))]))).toMatchObject({
      due: 2, done: 1, onTime: 1, completionRate: 0.5, byTeam: { community: { due: 2, onTime: 1 } },
    });
  });
});

describe('community statistics: periods, bins, medians', () => {
  it('环比 is the months, the month so far or the days before; 同比 the same dates a year earlier', async () => {
    const { previousPeriod, samePeriodLastYear } = await import('./stats.js');
    expect(previousPeriod('2026-03-01', '2026-03-31')).toEqual(['2026-02-01', '2026-02-28']);
    expect(previousPeriod('2025-11-01', '2026-11-30')).toEqual(['2024-10-01', '2025-10-31']);
    expect(previousPeriod('2026-03-01', '2026-03-17')).toEqual(['2026-02-01', '2026-02-17']);
    expect(previousPeriod('2026-03-31', '2026-03-31')).toEqual(['2026-03-30', '2026-03-30']);
    expect(previousPeriod('2026-03-05', '2026-03-11')).toEqual(['2026-02-26', '2026-03-04']);
    expect(samePeriodLastYear('2024-02-01', '2024-02-29')).toEqual(['2023-02-01', '2023-02-28']);
  });

  it('a range splits into whole months, whole weeks and loose days covering every day once', async () => {
    const { monthsAndDays } = await import('./stats.js');
    const { addDays, addMonths, daysBetween } = await import('../stats.js');
    expect(monthsAndDays('2026-01-30', '2026-04-02')).toEqual({ months: ['2026-02', '2026-03'], days: ['2026-01-30', '2026-01-31', '2026-04-01', '2026-04-02'] });
    expect(monthsAndDays('2026-02-01', '2026-02-28')).toEqual({ months: ['2026-02'], days: [] });
    expect(monthsAndDays('2026-02-01', '2026-02-27').months).toEqual([]);
    const { coveringBuckets, weekOf } = await import('./stats.js');
    expect(weekOf('2026-12-06')).toBe('2026-11-30'); // a Sunday
    expect(weekOf('2026-11-30')).toBe('2026-11-30');
    // 2026-01-05 and 2026-04-06 are Mondays: the January and April loose days hold a whole week each.
    expect(coveringBuckets('2026-01-05', '2026-04-12')).toEqual({
      months: ['2026-02', '2026-03'],
      weeks: ['2026-01-05', '2026-01-12', '2026-01-19', '2026-04-06'],
      days: [...daysBetween('2026-01-26', '2026-01-31'), ...daysBetween('2026-04-01', '2026-04-05')],
    });
    // Every day once, whatever the range.
    for (const [a, b] of [['2025-11-03', '2026-12-06'], ['2026-02-10', '2026-02-12'], ['2026-03-30', '2026-04-05']] as const) {
      const c = coveringBuckets(a, b);
      const days = [...c.months.flatMap((m) => daysBetween(`${m}-01`, addDays(addMonths(`${m}-01`, 1), -1))), ...c.weeks.flatMap((w) => daysBetween(w, addDays(w, 6))), ...c.days].sort();
      expect(days).toEqual(daysBetween(a, b));
      expect(c.days.length).toBeLessThanOrEqual(24);
    }
  });

  it('stage bins are monotonic, so the median of the bins is the bin of the median', async () => {
    const { stageBin, histogramMedian } = await import('./figures.js');
    expect([0, 1, 60_000, 60_001, 10 * 60_000, 10 * 60_000 + 1, 100 * 60_000, 101 * 60_000, 4 * H, 72 * H].map(stageBin)).toEqual([1, 1, 1, 2, 10, 12, 100, 120, 270, 4_700]);
    let prev = 0;
    for (let ms = 0; ms < 10 * 24 * H; ms += 37_171) { const b = stageBin(ms); expect(b).toBeGreaterThanOrEqual(prev); prev = b; }
    const raw = [5, 61, 3, 7_000, 200, 90, 90].map((m) => m * 60_000);
    const hist = new Map<number, number>();
    for (const ms of raw) hist.set(stageBin(ms), (hist.get(stageBin(ms)) ?? 0) + 1);
    const lower = [...raw].sort((a, b) => a - b)[Math.ceil(raw.length / 2) - 1]!;
    expect(histogramMedian(hist)).toBe(stageBin(lower));
    expect(histogramMedian(new Map())).toBeNull();
  });
});
