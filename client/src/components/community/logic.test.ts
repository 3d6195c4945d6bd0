import { describe, expect, it } from 'vitest';
import {
  DEFAULT_DISPUTE_LIMITS, DEFAULT_TASK_CATALOGUE, closeDispute, openDispute, recordFollowup, recordSession, reportTask, reviewTask,
  routeDispute, transitionTask, type CommunityTask, type DisputeCase,
} from '@ccr/shared';
import {
  buildClose, buildFeedback, buildFollowup, buildOpenDispute, buildOrder, buildReview, buildRoute, buildSession, disputeActionAllowed,
  disputeOrder, escalationMarks, figureView, moveDisputeFigures, moveTaskFigures, nextDisputeAction, parseLocalDateTime, reporterParty,
  ringCentre, spanParts, splitList, stageCounts, taskOrder, toLocalDateTime, type LiveFigures, type OpenDisputeForm, type OrderForm,
} from './logic';
import { communityKeyAction } from './keys';

const H = 3_600_000;
const T0 = Date.UTC(2026, 11, 5, 2, 0); // 10:00 in Asia/Shanghai
const limits = DEFAULT_DISPUTE_LIMITS;

function dispute(id: string, at: number, over: Partial<DisputeCase> = {}): DisputeCase {
  return {
    ...openDispute({
      id, source: 'walk_in', category: 'neighbour', parties: [{ name: '王*' }], address: '幸福家园3号楼', lng: 116.7, lat: 39.07, gridId: 'G01',
      riskLevel: 'medium', mayEscalate: false, summary: '噪音', incidentIds: [], repeatOf: [],
    }, { by: 'community', at }, limits),
    ...over,
  };
}
const ok = <T>(r: { ok: true; state: T } | { ok: false }): T => {
  if (!r.ok) throw new Error('refused');
  return r.state;
};

describe('what the community leader sees first', () => {
  it('orders overdue may-escalate, then overdue, then may-escalate, then by deadline', () => {
    const now = T0 + 30 * H;
    const calm = dispute('MD-1', T0 + 20 * H); // due T0+44h
    const may = dispute('MD-2', T0 + 25 * H, { mayEscalate: true }); // due later, not overdue
    const late = dispute('MD-3', T0); // due T0+24h: overdue
    const lateMay = dispute('MD-4', T0 + 1 * H, { mayEscalate: true }); // overdue, may escalate
    const early = dispute('MD-5', T0 + 10 * H); // due T0+34h
    expect(disputeOrder([calm, may, late, lateMay, early], now).map((c) => c.id)).toEqual(['MD-4', 'MD-3', 'MD-2', 'MD-5', 'MD-1']);
    expect(escalationMarks([calm, may, late, lateMay], now).map((m) => m.id)).toEqual(['MD-4']);
  });

  it('counts by stage, overdue and may-escalate', () => {
    const now = T0 + 30 * H;
    const routed = ok(routeDispute(dispute('MD-1', T0), 1, { name: '张警官' }, { by: 'c', at: T0 + H }, limits));
    const mediated = ok(recordSession(routed, { heldAt: T0 + 2 * H, participants: ['张警官'], result: 'success' }, { by: 'c', at: T0 + 2 * H }, limits));
    const c = stageCounts([dispute('MD-2', T0, { mayEscalate: true }), routed, mediated], now);
    expect(c).toEqual({ byGroup: { route: 1, mediate: 1, followup: 1, close: 0 }, open: 3, overdue: 1, mayEscalate: 1, overdueMayEscalate: 1 });
  });

  it('names the next step of each stage and which steps are allowed', () => {
    expect(nextDisputeAction('accepted')).toBe('route');
    expect(nextDisputeAction('escalated')).toBe('route');
    expect(nextDisputeAction('mediating')).toBe('session');
    expect(nextDisputeAction('mediated')).toBe('followup');
    expect(nextDisputeAction('followed_up')).toBe('close');
    expect(nextDisputeAction('closed')).toBeNull();
    expect(disputeActionAllowed('accepted', 'followup')).toBe(false);
    expect(disputeActionAllowed('mediated', 'close')).toBe(true);
    expect(disputeActionAllowed('closed', 'reopen')).toBe(true);
    expect(disputeActionAllowed('mediating', 'reopen')).toBe(false);
  });

  it('orders tasks by due time, feedback to review first among equals', () => {
    const base = { dueAt: T0, status: 'ordered' } as CommunityTask;
    const list = [
      { ...base, id: 'RW-3', dueAt: T0 + H },
      { ...base, id: 'RW-2' },
      { ...base, id: 'RW-1', status: 'reported' as const },
      { ...base, id: 'RW-0', dueAt: T0 - H },
    ];
    expect(taskOrder(list).map((t) => t.id)).toEqual(['RW-0', 'RW-1', 'RW-2', 'RW-3']);
  });
});

describe('the forms say what is wrong before anything is sent', () => {
  const form = (over: Partial<OpenDisputeForm> = {}): OpenDisputeForm => ({
    source: 'walk_in', incidentId: '', category: 'labour', parties: [{ name: '王建国', phone: '13800001234', role: 'applicant' }, { name: '', phone: '', role: 'respondent' }],
    address: '胜芳镇中山街12号', gridId: 'G02', riskLevel: 'high', mayEscalate: true, summary: '拖欠工资三个月', ...over,
  });
  const centre = (id: string): [number, number] | null => (id === 'G02' ? [116.71, 39.08] : null);

  it('opens a case at the chosen grid\'s centre, empty party rows left out', () => {
    const b = buildOpenDispute(form(), centre);
    expect(b).toEqual({ ok: true, body: {
      source: 'walk_in', category: 'labour', parties: [{ name: '王建国', phone: '13800001234', role: 'applicant' }], address: '胜芳镇中山街12号',
      lng: 116.71, lat: 39.08, gridId: 'G02', riskLevel: 'high', mayEscalate: true, summary: '拖欠工资三个月',
    } });
  });

  it('from an incident: its point (the server takes it), the incident linked', () => {
    const b = buildOpenDispute(form({ source: 'incident', incidentId: 'JQ-1', gridId: '' }), centre);
    expect(b.ok && b.body).toMatchObject({ source: 'incident', incidentId: 'JQ-1' });
    expect(b.ok && 'lng' in b.body).toBe(false);
  });

  it('refuses a case with no party, no place, a bad phone or no summary, naming each', () => {
    const b = buildOpenDispute(form({ parties: [{ name: '', phone: '12ab', role: 'other' }], gridId: '', summary: ' ' }), centre);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.errors.map((e) => e.key)).toEqual(['community.form.partyName', 'community.form.phone', 'community.form.gridRequired', 'community.form.summaryRequired']);
    const noIncident = buildOpenDispute(form({ source: 'incident' }), centre);
    expect(!noIncident.ok && noIncident.errors.map((e) => e.key)).toEqual(['community.form.incidentRequired']);
    const long = buildOpenDispute(form({ parties: [{ name: '名'.repeat(33), phone: '', role: 'other' }] }), centre);
    expect(!long.ok && long.errors[0]).toMatchObject({ key: 'community.form.tooLong', params: { max: 32 } });
  });

  it('routes to a unit or a name', () => {
    expect(buildRoute({ tier: 1, ownerUnitId: 'C-01', ownerName: '', note: '' }, () => '李警官')).toEqual({ ok: true, body: { tier: 1, owner: { name: '李警官', unitId: 'C-01' } } });
    expect(buildRoute({ tier: 3, ownerUnitId: '', ownerName: ' 调解中心 ', note: '联调' }, () => null)).toEqual({ ok: true, body: { tier: 3, owner: { name: '调解中心' }, note: '联调' } });
    expect(buildRoute({ tier: 2, ownerUnitId: '', ownerName: '', note: '' }, () => null).ok).toBe(false);
  });

  it('a session needs participants and a time not in the future', () => {
    const now = new Date(2026, 11, 5, 10, 0).getTime();
    const b = buildSession({ heldAt: '2026-12-05T09:30', participants: '张警官、王*，李*\n', result: 'failed', note: '' }, now);
    expect(b).toEqual({ ok: true, body: { heldAt: new Date(2026, 11, 5, 9, 30).getTime(), participants: ['张警官', '王*', '李*'], result: 'failed' } });
    const future = buildSession({ heldAt: '2026-12-05T11:00', participants: '', result: 'success', note: '' }, now);
    expect(!future.ok && future.errors.map((e) => e.key)).toEqual(['community.form.participantsRequired', 'community.form.futureSession']);
    expect(buildSession({ heldAt: 'yesterday', participants: 'a', result: 'success', note: '' }, now).ok).toBe(false);
  });

  it('a 回访 needs a satisfaction from the list; closing without one needs a reason', () => {
    expect(buildFollowup({ satisfaction: '', recurred: false, note: '' }).ok).toBe(false);
    expect(buildFollowup({ satisfaction: 'basic', recurred: true, note: '' })).toEqual({ ok: true, body: { satisfaction: 'basic', recurred: true } });
    expect(buildClose('', 'followed_up')).toEqual({ ok: true, body: {} });
    expect(buildClose(' ', 'mediated').ok).toBe(false);
    expect(buildClose('当事人撤回', 'routed')).toEqual({ ok: true, body: { reason: '当事人撤回' } });
  });

  it('orders from the catalogue, to someone, due in the future', () => {
    const now = new Date(2026, 11, 5, 10, 0).getTime();
    const f: OrderForm = {
      category: 'anti_fraud', kind: 'fraud_talk', targetKind: 'all_grids', unitId: '', team: 'community', dueAt: '2026-12-06T18:00',
      instructions: '每个网格开展一次反诈宣讲', requireText: true, requireCount: true, requireLocation: false,
    };
    expect(buildOrder(f, DEFAULT_TASK_CATALOGUE, now)).toEqual({ ok: true, body: {
      target: { kind: 'all_grids' }, category: 'anti_fraud', kind: 'fraud_talk', instructions: '每个网格开展一次反诈宣讲',
      dueAt: new Date(2026, 11, 6, 18, 0).getTime(), requires: { text: true, count: true, location: false },
    } });
    const bad = buildOrder({ ...f, kind: 'household_visit', targetKind: 'unit', dueAt: '2026-12-05T09:00', instructions: '' }, DEFAULT_TASK_CATALOGUE, now);
    expect(!bad.ok && bad.errors.map((e) => e.key)).toEqual(['community.form.kindRequired', 'community.form.assigneeRequired', 'community.form.dueInPast', 'community.form.instructionsRequired']);
  });

  it('returning feedback needs a reason; feedback taken by phone has what the order requires', () => {
    expect(buildReview({ verdict: 'returned', reason: '' }).ok).toBe(false);
    expect(buildReview({ verdict: 'accepted', reason: '' })).toEqual({ ok: true, body: { verdict: 'accepted' } });
    const req = { text: true, count: true, location: false };
    expect(buildFeedback({ text: '已走访', count: '35' }, req)).toEqual({ ok: true, body: { text: '已走访', count: 35 } });
    expect(!buildFeedback({ text: '', count: '3.5' }, req).ok && buildFeedback({ text: '', count: '3.5' }, req)).toMatchObject({ errors: [{ field: 'text' }, { field: 'count', key: 'community.form.badCount' }] });
    expect(buildFeedback({ text: 'x', count: '' }, { ...req, location: true }).ok).toBe(false);
  });

  it('reads what people type', () => {
    expect(splitList('a, b，c、d；e\n\n')).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(reporterParty('王先生 138****0000')).toEqual({ name: '王先生', phone: '138****0000' });
    expect(reporterParty('李女士')).toEqual({ name: '李女士', phone: '' });
    const ms = new Date(2026, 0, 2, 3, 4).getTime();
    expect(parseLocalDateTime(toLocalDateTime(ms))).toBe(ms);
    expect(spanParts(26 * H + 5 * 60_000)).toEqual({ key: 'community.span.dh', params: { d: 1, h: 2, m: 5 } });
    expect(spanParts(-(65 * 60_000))).toEqual({ key: 'community.span.hm', params: { d: 0, h: 1, m: 5 } });
    expect(ringCentre([[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]])).toEqual([1, 1]);
  });
});

describe('the wall\'s month and today figures follow each change as the server counts it', () => {
  const day = (ms: number): string => new Date(ms + 8 * H).toISOString().slice(0, 10); // Asia/Shanghai
  const start: LiveFigures = { month: '2026-12', day: '2026-12-05', disputes: { m: 10, s: 9, fu: 4, 'fu|sat:satisfied': 3, 'fu|sat:basic': 0 }, tasks: { t: 2, ok: 1, ot: 1 } };

  it('a failed then successful session, a 回访 and 销号 move 化解率 and 满意度 once each', () => {
    let f = start;
    const a = dispute('MD-9', T0);
    f = moveDisputeFigures(f, null, a, day);
    const r = ok(routeDispute(a, 1, { name: '张警官' }, { by: 'c', at: T0 + H }, limits));
    f = moveDisputeFigures(f, a, r, day);
    const failed = ok(recordSession(r, { heldAt: T0 + 2 * H, participants: ['张'], result: 'failed' }, { by: 'c', at: T0 + 2 * H }, limits));
    f = moveDisputeFigures(f, r, failed, day);
    expect(figureView(f)).toMatchObject({ mediated: 11, successRate: 9 / 11 });
    const success = ok(recordSession(failed, { heldAt: T0 + 3 * H, participants: ['张'], result: 'success' }, { by: 'c', at: T0 + 3 * H }, limits));
    f = moveDisputeFigures(f, failed, success, day);
    expect(figureView(f)).toMatchObject({ mediated: 11, successRate: 10 / 11 });
    const visited = ok(recordFollowup(success, { satisfaction: 'basic', recurred: false }, { by: 'c', at: T0 + 4 * H }, limits));
    f = moveDisputeFigures(f, success, visited, day);
    expect(figureView(f)).toMatchObject({ followups: 5, satisfactionRate: 4 / 5 });
    const closed = ok(closeDispute(visited, undefined, { by: 'c', at: T0 + 5 * H }, limits));
    expect(figureView(moveDisputeFigures(f, visited, closed, day))).toEqual(figureView(f));
    // A case opened last month does not move this month's figures.
    const old = dispute('MD-0', Date.UTC(2026, 10, 20));
    expect(moveDisputeFigures(f, null, old, day)).toBe(f);
  });

  it('a task due today counts when ordered and when its feedback is accepted', () => {
    const ordered: CommunityTask = {
      id: 'RW-1', batchId: 'B-RW-1', status: 'ordered', category: 'visit', kind: 'household_visit', instructions: '走访', target: { kind: 'all_grids' },
      assignee: { unitId: 'C-01', name: '张警官', kind: 'community_officer', team: 'community', gridId: 'G01' }, dueAt: T0 + 6 * H,
      requires: { text: true, count: false, location: false }, feedback: [], reviews: [], orderedAt: T0, orderedBy: 'community', updatedAt: T0,
      timeline: [{ status: 'ordered', at: T0, by: 'community' }],
    };
    let f = moveTaskFigures(start, null, ordered, day);
    expect(figureView(f)).toMatchObject({ tasksDue: 3, tasksDone: 1 });
    const accepted = ok(transitionTask(ordered, 'accepted', { by: 'C-01', at: T0 + H }));
    const reported = ok(reportTask(accepted, { text: '已走访 30 户' }, { by: 'C-01', at: T0 + 2 * H }));
    const done = ok(reviewTask(reported, 'accepted', undefined, { by: 'community', at: T0 + 3 * H }));
    f = moveTaskFigures(f, ordered, accepted, day);
    f = moveTaskFigures(f, accepted, reported, day);
    f = moveTaskFigures(f, reported, done, day);
    expect(figureView(f)).toMatchObject({ tasksDue: 3, tasksDone: 2 });
    // Due tomorrow: not today's.
    expect(moveTaskFigures(start, null, { ...ordered, dueAt: T0 + 30 * H }, day)).toBe(start);
  });
});

describe('the community console\'s keys', () => {
  it('maps keys to actions, and leaves typing alone', () => {
    expect(communityKeyAction({ key: 'ArrowDown' })).toEqual({ kind: 'next' });
    expect(communityKeyAction({ key: 'Enter' })).toEqual({ kind: 'step' });
    expect(communityKeyAction({ key: '2' })).toEqual({ kind: 'stage', index: 2 });
    expect(communityKeyAction({ key: 'R' })).toEqual({ kind: 'route' });
    expect(communityKeyAction({ key: 'o' })).toEqual({ kind: 'order' });
    expect(communityKeyAction({ key: 'r', inField: true })).toBeNull();
    expect(communityKeyAction({ key: 'Escape', inField: true })).toEqual({ kind: 'escape' });
    expect(communityKeyAction({ key: 'Enter', repeat: true })).toBeNull();
    expect(communityKeyAction({ key: 's', ctrlKey: true })).toBeNull();
  });
});
