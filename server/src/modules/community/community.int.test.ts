// The community loops end to end against a real redis-server: HTTP commands, the atomic commit under concurrency,
// command ids, figures against a brute-force recount, tasks on a terminal that was offline, and refused input.
import { describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, addDays, dayStart, isErrorCode, localDayOf,
  type CommunityCommandResult, type CommunityConflict, type CommunityFigures, type CommunityTask, type DisputeCase,
  type TaskDeviceClientToServerEvents, type TaskDeviceServerToClientEvents, type TaskNotice, type TaskPage,
} from '@ccr/shared';
import { createRng } from '@ccr/shared/demo';
import { fixtureGridCentre, postJson, useTestbed, type TestServer } from '../../testing/index.js';
import { pick, recountDisputes, recountTasks } from './community-recount.js';
import { planAccept, planClose, planFeedback, planFollowup, planOpenDispute, planOrder, planReopen, planReview, planRoute, planSession, recipientsOf } from './community-service.js';

const bed = useTestbed('cm');
const [lng, lat] = fixtureGridCentre(0, 0); // inside grid G1
let seq = 0;
const cmd = (): string => `cmd-${Date.now().toString(36)}-${++seq}`;
type Who = 'community' | 'leader' | 'dispatcher' | 'operator' | 'device';

async function post<T = CommunityCommandResult>(s: TestServer, path: string, body: unknown, who: Who = 'community', unitId?: string) {
  return postJson<T>(`${s.url}${path}`, body, await bed.token(s, who, unitId));
}
async function get<T>(s: TestServer, path: string): Promise<T> {
  const res = await bed.fetch(s, path, {}, 'community');
  expect(res.status, path).toBe(200);
  return (await res.json()) as T;
}
const openBody = (extra: Record<string, unknown> = {}) => ({
  commandId: cmd(), source: 'walk_in', category: 'neighbour', parties: [{ name: '张三', phone: '13800001234', role: 'applicant' }, { name: '李四' }],
  address: '测试路8号', lng, lat, riskLevel: 'medium', mayEscalate: false, summary: '楼上漏水引发争执', ...extra,
});
async function openCase(s: TestServer, extra: Record<string, unknown> = {}): Promise<DisputeCase> {
  const r = await post(s, '/api/disputes', openBody(extra));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.dispute!;
}

/** Every community key and value (id counters aside, which may skip a number): equal before and after means nothing
 *  changed. */
async function footprint(s: TestServer & { prefix: string }): Promise<string> {
  const keys = (await bed.producer.keys(`${s.prefix}community:*`)).filter((k) => !k.includes(':seq:')).sort();
  const values = await Promise.all(keys.map(async (k) => {
    const type = await bed.producer.type(k);
    if (type === 'string') return bed.producer.get(k);
    if (type === 'hash') return JSON.stringify(await bed.producer.hGetAll(k));
    if (type === 'zset') return JSON.stringify(await bed.producer.zRangeWithScores(k, 0, -1));
    return type;
  }));
  return JSON.stringify([keys, values]);
}
/** Community events on the live stream after `since` (other modules' periodic events, such as KPIs, may be there). */
async function communityEventsAfter(s: TestServer & { prefix: string }, since: string): Promise<string[]> {
  const entries = await bed.producer.xRange(`${s.prefix}events`, `(${since}`, '+');
  return entries.map((e) => e.message.e ?? '').filter((e) => /"type":"(dispute|task):/.test(e));
}
async function lastEventId(s: TestServer & { prefix: string }): Promise<string> {
  const [last] = await bed.producer.xRevRange(`${s.prefix}events`, '+', '-', { COUNT: 1 });
  return last?.id ?? '0-0';
}

type TaskSocket = Socket<TaskDeviceServerToClientEvents, TaskDeviceClientToServerEvents>;
async function terminal(s: TestServer, unitId: string): Promise<{ socket: TaskSocket; notices: TaskNotice[] }> {
  const token = await bed.token(s, 'device', unitId);
  const socket: TaskSocket = io(`${s.url}${DEVICE_NAMESPACE}`, { transports: ['websocket'], auth: { token }, reconnection: false, forceNew: true });
  const notices: TaskNotice[] = [];
  socket.on('task:issued', (n) => notices.push(n));
  bed.onCleanup(() => { socket.close(); });
  await new Promise<void>((resolve, reject) => { socket.once('connect', () => resolve()); socket.once('connect_error', reject); });
  return { socket, notices };
}
async function until(cond: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('disputes', () => {
  it('a case goes 受理 → 分流 → 调解 (failed, then success) → 回访 → 销号, and every screen sees each step', async () => {
    const s = await bed.server();
    const wall = bed.mirror(s);
    await wall.ready();
    const c = await openCase(s, { mayEscalate: true, riskLevel: 'high' });
    expect(c).toMatchObject({ status: 'accepted', gridId: 'G1', tier: null, repeatOf: [], mayEscalate: true });
    expect(c.id).toMatch(/^MD-\d{8}-\d{4}$/);
    expect(c.parties).toEqual([{ name: '张*', phone: '138****1234', role: 'applicant' }, { name: '李*' }]);
    expect(JSON.stringify(await bed.producer.keys(`${s.prefix}*`))).not.toContain('13800001234');
    expect(c.dueAt).toBe(c.createdAt + s.config.community.limits.routeWithinMs);

    const routed = await post(s, `/api/disputes/${c.id}/route`, { commandId: cmd(), tier: 1, owner: { name: '社区民警1', unitId: 'C-1' } });
    expect(routed.body.dispute).toMatchObject({ status: 'routed', tier: 1, owner: { unitId: 'C-1' } });
    const failed = await post(s, `/api/disputes/${c.id}/sessions`, { commandId: cmd(), participants: ['张*', '李*', '社区民警1'], result: 'failed', note: '双方分歧大' });
    expect(failed.body.dispute?.status).toBe('mediating');
    const ok = await post(s, `/api/disputes/${c.id}/sessions`, { commandId: cmd(), participants: ['张*', '李*'], result: 'success' });
    expect(ok.body.dispute).toMatchObject({ status: 'mediated' });
    expect(ok.body.dispute!.dueAt).toBe(ok.body.dispute!.statusSince + s.config.community.limits.followupWithinMs);
    const fu = await post(s, `/api/disputes/${c.id}/followup`, { commandId: cmd(), satisfaction: 'satisfied', recurred: false });
    expect(fu.body.dispute?.status).toBe('followed_up');
    const closed = await post(s, `/api/disputes/${c.id}/close`, { commandId: cmd() });
    expect(closed.body.dispute).toMatchObject({ status: 'closed', dueAt: null });
    expect(closed.body.dispute!.timeline.map((e) => e.status)).toEqual(['accepted', 'routed', 'mediating', 'mediated', 'followed_up', 'closed']);

    await until(() => wall.deltas.filter((d) => d.event.type === 'dispute:changed').length === 6, 'six dispute:changed events');
    const seen = wall.deltas.flatMap((d) => (d.event.type === 'dispute:changed' ? [d.event.dispute.status] : []));
    expect(seen).toEqual(['accepted', 'routed', 'mediating', 'mediated', 'followed_up', 'closed']);

    const f = await get<CommunityFigures>(s, '/api/community/figures');
    expect(f.disputes).toMatchObject({ cases: 1, mediated: 1, succeeded: 1, successRate: 1, tier1Share: 1, followups: 1, closed: 1, mayEscalate: 1 });
    expect(f.disputes.satisfaction).toMatchObject({ satisfied: 1, rate: 1 });
    expect(f.disputes.byGrid.G1).toEqual({ mediated: 1, succeeded: 1, successRate: 1 });
    const entries = (await (await bed.fetch(s, '/api/audit?action=dispute.&limit=50', {}, 'leader')).json()) as { items: { action: string; outcome: string; user: string }[] };
    expect(entries.items.map((e) => e.action).sort()).toEqual(['dispute.close', 'dispute.followup', 'dispute.open', 'dispute.route', 'dispute.session', 'dispute.session']);
    expect(entries.items.every((e) => e.outcome === 'ok' && e.user === 'community')).toBe(true);
  });

  it('转矛盾纠纷: a case opened from an incident links both ways; a second one is refused; repeats are found', async () => {
    const s = await bed.server();
    const wall = bed.mirror(s);
    await wall.ready();
    await bed.producer.xAdd(`${s.prefix}in:incidents`, '*', { data: JSON.stringify({ id: 'JQ-DSP-1', type: 'dispute', priority: 2, lng, lat, address: '测试路8号', reportedAt: Date.now(), source: '110', summary: '邻里吵架' }) });
    await wall.waitFor(() => wall.incidents.has('JQ-DSP-1'), 5_000, 'the incident');
    const r = await post(s, '/api/disputes', { ...openBody(), source: 'incident', incidentId: 'JQ-DSP-1', lng: undefined, lat: undefined, address: undefined }, 'dispatcher');
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.dispute).toMatchObject({ source: 'incident', incidentIds: ['JQ-DSP-1'], address: '测试路8号', gridId: 'G1' });
    await wall.waitFor(() => wall.incidents.get('JQ-DSP-1')?.disputeCaseId === r.body.dispute!.id, 5_000, 'the incident names its case');
    const again = await post<CommunityConflict>(s, '/api/disputes', { ...openBody(), source: 'incident', incidentId: 'JQ-DSP-1' }, 'dispatcher');
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: 'already_linked', subject: 'incident' });
    // Same party (by the name as entered, not the masked one), another address: a repeat of the first.
    const repeat = await openCase(s, { address: '别处1号', parties: [{ name: '张三' }] });
    expect(repeat.repeatOf).toEqual([r.body.dispute!.id]);
    const unrelated = await openCase(s, { address: '别处2号', parties: [{ name: '王五' }] });
    expect(unrelated.repeatOf).toEqual([]);
  });

  it('parallel commands on one case: one succeeds, the rest are 409s naming from → to; a replay has one effect', async () => {
    const s = await bed.server();
    const c = await openCase(s);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) =>
      post<CommunityCommandResult & CommunityConflict>(s, `/api/disputes/${c.id}/route`, { commandId: cmd(), tier: 1, owner: { name: `民警${i}` } })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 200);
    expect(refused.every((r) => r.status === 409 && r.body.error === 'illegal_transition' && r.body.from === 'routed' && r.body.to === 'routed')).toBe(true);
    expect(refused[0]!.body).toMatchObject({ params: { subject: 'dispute', id: c.id, from: 'routed', to: 'routed' }, message: expect.stringMatching(/^illegal transition: dispute .* cannot go from routed to routed/) });

    const sessions = await Promise.all(Array.from({ length: 6 }, () => post<CommunityCommandResult & CommunityConflict>(s, `/api/disputes/${c.id}/sessions`, { commandId: cmd(), participants: ['a'], result: 'success' })));
    expect(sessions.filter((r) => r.status === 200)).toHaveLength(1);
    expect(sessions.filter((r) => r.status === 409 && r.body.from === 'mediated' && r.body.to === 'mediated')).toHaveLength(5);
    const one = await get<DisputeCase>(s, `/api/disputes/${c.id}`);
    expect(one.sessions).toHaveLength(1);

    // The same command sent again (its answer was lost), and concurrently: one effect, the same answer.
    const body = { commandId: cmd(), satisfaction: 'basic', recurred: false };
    const before = await get<CommunityFigures>(s, '/api/community/figures');
    const replays = await Promise.all([1, 2, 3, 4].map(() => post(s, `/api/disputes/${c.id}/followup`, body)));
    expect(replays.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(replays.filter((r) => !r.body.replayed)).toHaveLength(1);
    expect(new Set(replays.map((r) => JSON.stringify(r.body.dispute)))).toHaveProperty('size', 1);
    const after = await get<CommunityFigures>(s, '/api/community/figures');
    expect(after.disputes.followups - before.disputes.followups).toBe(1);
    expect((await get<DisputeCase>(s, `/api/disputes/${c.id}`)).followups).toHaveLength(1);
    const reused = await post<CommunityConflict>(s, `/api/disputes/${c.id}/close`, { commandId: body.commandId });
    expect(reused.status).toBe(409);
    expect(reused.body.error).toBe('command_id_reused');
  });

  it('bad input is a 400 / 409 with a reason in zh and en, and changes nothing', async () => {
    const s = await bed.server();
    const c = await openCase(s);
    await post(s, `/api/disputes/${c.id}/route`, { commandId: cmd(), tier: 1, owner: { name: '社区民警1' } });
    const before = await footprint(s);
    const since = await lastEventId(s);
    const outside: [number, number] = [fixtureGridCentre(1, 1)[0] + 1, fixtureGridCentre(1, 1)[1] + 1];
    const cases: { what: string; path: string; body: unknown; status: number; error: string }[] = [
      { what: 'unknown grid', path: '/api/disputes', body: openBody({ gridId: 'G99' }), status: 400, error: 'unknown_grid' },
      { what: 'a point in no grid', path: '/api/disputes', body: openBody({ lng: outside[0], lat: outside[1] }), status: 400, error: 'outside_grids' },
      { what: 'a party name of 100 kB', path: '/api/disputes', body: openBody({ parties: [{ name: '张'.repeat(100_000) }] }), status: 400, error: 'invalid_request' },
      { what: 'a party name of 10 MB', path: '/api/disputes', body: openBody({ parties: [{ name: 'x'.repeat(10 * 1_048_576) }] }), status: 413, error: 'too_large' },
      { what: '回访 before mediation', path: `/api/disputes/${c.id}/followup`, body: { commandId: cmd(), satisfaction: 'satisfied', recurred: false }, status: 409, error: 'illegal_transition' },
      { what: 'a satisfaction outside the list', path: `/api/disputes/${c.id}/followup`, body: { commandId: cmd(), satisfaction: 'great', recurred: false }, status: 400, error: 'invalid_request' },
      { what: 'closing without a 回访 or a reason', path: `/api/disputes/${c.id}/close`, body: { commandId: cmd() }, status: 409, error: 'reason_required' },
      { what: 'a session in the future', path: `/api/disputes/${c.id}/sessions`, body: { commandId: cmd(), participants: ['a'], result: 'success', heldAt: Date.now() + 86_400_000 }, status: 400, error: 'future_time' },
      { what: 'a task due in the past', path: '/api/tasks', body: { commandId: cmd(), target: { kind: 'all_grids' }, category: 'visit', kind: 'household_visit', instructions: '走访', dueAt: Date.now() - 60_000, requires: { text: true, count: true, location: false } }, status: 400, error: 'due_in_past' },
      { what: 'a task kind not in the catalogue', path: '/api/tasks', body: { commandId: cmd(), target: { kind: 'all_grids' }, category: 'visit', kind: 'karaoke', instructions: '走访', dueAt: Date.now() + 3_600_000, requires: { text: true, count: false, location: false } }, status: 400, error: 'unknown_task_kind' },
      { what: 'a task to an emergency unit', path: '/api/tasks', body: { commandId: cmd(), target: { kind: 'unit', unitId: 'E-0001' }, category: 'visit', kind: 'household_visit', instructions: '走访', dueAt: Date.now() + 3_600_000, requires: { text: true, count: false, location: false } }, status: 400, error: 'not_taskable' },
      { what: 'an unknown case', path: '/api/disputes/MD-NOPE/route', body: { commandId: cmd(), tier: 1, owner: { name: 'x' } }, status: 404, error: 'not_found' },
    ];
    const wrong: string[] = [];
    for (const k of cases) {
      // A code the client says from its catalogue, the params its sentence names, an English message.
      const r = await post<{ error: string; params?: Record<string, unknown>; message: string }>(s, k.path, k.body);
      const said = isErrorCode(r.body.error) && typeof r.body.params === 'object' && !/[\u4e00-\u9fff]/u.test(r.body.message);
      if (r.status !== k.status || r.body.error !== k.error || !said) wrong.push(`${k.what}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    }
    expect(wrong).toEqual([]);
    expect(await footprint(s)).toBe(before);
    expect(await communityEventsAfter(s, since)).toEqual([]);
    const metrics = await (await bed.fetch(s, '/metrics')).text();
    expect(metrics).toMatch(/ccr_community_refused_total\{action="dispute.followup",reason="illegal_transition"\} 1/);
    expect(metrics).toMatch(/ccr_community_refused_total\{action="dispute.open",reason="unknown_grid"\} 1/);
    expect(metrics).toMatch(/ccr_community_refused_total\{action="dispute.open",reason="outside_grids"\} 1/);
  });
});

describe('tasks', () => {
  it('a task ordered while the terminal was offline arrives on connect; accept, feedback, 返工, feedback, 督导 through the terminal', async () => {
    const s = await bed.server();
    const wall = bed.mirror(s);
    await wall.ready();
    const dueAt = Date.now() + 3_600_000;
    const ordered = await post(s, '/api/tasks', {
      commandId: cmd(), target: { kind: 'unit', unitId: 'C-2' }, category: 'visit', kind: 'household_visit', instructions: '走访独居老人', dueAt,
      requires: { text: true, count: true, location: true },
    }, 'dispatcher');
    expect(ordered.status, JSON.stringify(ordered.body)).toBe(200);
    const [task] = ordered.body.tasks!;
    expect(task).toMatchObject({ status: 'ordered', assignee: { unitId: 'C-2', gridId: 'G2', team: 'community' }, dueAt });

    const t = await terminal(s, 'C-2');
    await until(() => t.notices.some((n) => n.task.id === task!.id), 'the task on the terminal');
    const notice = t.notices.find((n) => n.task.id === task!.id)!;
    expect(notice).toMatchObject({ reason: 'ordered', unitId: 'C-2' });
    expect((await t.socket.timeout(5_000).emitWithAck('task:acknowledge', { noticeId: notice.noticeId })).ok).toBe(true);

    // Another terminal may not act on it.
    const other = await terminal(s, 'C-1');
    const foreign = await other.socket.timeout(5_000).emitWithAck('task:accept', { taskId: task!.id, commandId: cmd() });
    expect(foreign).toMatchObject({ ok: false, error: { code: 'not_assignee', params: { taskId: task!.id, unitId: 'C-1' } } });

    const accepted = await t.socket.timeout(5_000).emitWithAck('task:accept', { taskId: task!.id, commandId: cmd() });
    expect(accepted.ok && accepted.data.task.status).toBe('accepted');
    const lacking = await t.socket.timeout(5_000).emitWithAck('task:feedback', { taskId: task!.id, commandId: cmd(), text: '已走访' });
    expect(lacking).toMatchObject({ ok: false, error: { code: 'feedback_incomplete', params: { id: task!.id, missing: 'count,location' } } });
    const fbBody = { taskId: task!.id, commandId: cmd(), text: '已走访 12 户', count: 12, location: { lng, lat } };
    const fb = await t.socket.timeout(5_000).emitWithAck('task:feedback', fbBody);
    expect(fb.ok && fb.data.task.status).toBe('reported');
    const fbAgain = await t.socket.timeout(5_000).emitWithAck('task:feedback', fbBody);
    expect(fbAgain.ok && fbAgain.data.task.feedback).toHaveLength(1);

    const returned = await post(s, `/api/tasks/${task!.id}/review`, { commandId: cmd(), verdict: 'returned', reason: '缺少走访记录照片' });
    expect(returned.body.tasks?.[0]?.status).toBe('returned');
    await until(() => t.notices.some((n) => n.reason === 'returned'), 'the 返工 on the terminal');
    const fb2 = await post(s, `/api/tasks/${task!.id}/feedback`, { commandId: cmd(), text: '已补充', count: 12, location: { lng, lat } }, 'device', 'C-2');
    expect(fb2.status, JSON.stringify(fb2.body)).toBe(200);
    const done = await post(s, `/api/tasks/${task!.id}/review`, { commandId: cmd(), verdict: 'accepted' }, 'leader');
    expect(done.body.tasks?.[0]).toMatchObject({ status: 'done', onTime: true });
    await until(() => wall.deltas.filter((d) => d.event.type === 'task:changed').length >= 6, 'task:changed events');

    const f = await get<CommunityFigures>(s, `/api/community/figures?from=${localDayOf(dueAt, 'Asia/Shanghai')}&to=${addDays(localDayOf(dueAt, 'Asia/Shanghai'), 1)}`);
    expect(f.tasks).toMatchObject({ due: 1, done: 1, onTime: 1, completionRate: 1, returned: 1 });
    expect(f.tasks.byGrid.G2).toEqual({ due: 1, done: 1, onTime: 1, completionRate: 1 });
  });

  it('an order to every grid makes one task per grid officer, each told on its terminal', async () => {
    const s = await bed.server();
    const r = await post(s, '/api/tasks', {
      commandId: cmd(), target: { kind: 'all_grids' }, category: 'anti_fraud', kind: 'fraud_talk', instructions: '反诈宣讲', dueAt: Date.now() + 86_400_000,
      requires: { text: true, count: true, location: false },
    });
    expect(r.body.tasks?.map((t) => t.assignee.unitId).sort()).toEqual(['C-1', 'C-2', 'C-3', 'C-4']);
    expect(new Set(r.body.tasks?.map((t) => t.batchId)).size).toBe(1);
    const t = await terminal(s, 'C-4');
    await until(() => t.notices.length === 1, 'C-4 gets its one task');
    const open = await get<TaskPage>(s, '/api/tasks?unitId=C-4');
    expect(open.items.map((x) => x.id)).toEqual([t.notices[0]!.task.id]);
  });
});

describe('figures', () => {
  it('equal a brute-force recount of the raw cases and tasks on random ranges, across day boundaries and reopened cases', async () => {
    const s = await bed.server();
    const app = s.app;
    const { commands, repo } = app.community;
    const tz = app.live.timeZone;
    const rng = createRng(0x10_2026);
    // Five local days ending yesterday; cases and tasks written through the commands at chosen times, many
    // within an hour of a local midnight.
    const today = localDayOf(Date.now(), tz);
    const days = [-5, -4, -3, -2, -1].map((n) => addDays(today, n));
    const H = 3_600_000;
    const moment = (): number => {
      const d = dayStart(rng.pick(days), tz);
      return rng.chance(0.4) ? d + (rng.chance(0.5) ? rng.int(0, H - 1) : 24 * H - rng.int(1, H)) : d + rng.int(0, 24 * H - 1);
    };
    const run = (at: number, by: string, disputeIds: string[], taskIds: string[], plan: Parameters<typeof commands.run>[0]['plan']) =>
      commands.run({ command: { id: cmd(), bodyHash: 'h' }, actor: { by, at }, disputeIds, taskIds, plan });
    const context = app.community.context;
    for (let i = 0; i < 40; i++) {
      let at = moment();
      const grid = rng.pick(['G1', 'G2', 'G3', 'G4']);
      const [id] = await repo.nextIds('MD', localDayOf(at, tz), 1);
      const open = await run(at, 'community', [], [], (input) => planOpenDispute(context, input, id!, {
        commandId: 'x'.repeat(8), source: rng.pick(['walk_in', 'online', 'volunteer', 'community'] as const), category: rng.pick(['neighbour', 'family', 'labour', 'business', 'land_property', 'other'] as const),
        parties: [{ name: `当事人${i}` }], lng, lat, gridId: grid, riskLevel: rng.pick(['low', 'medium', 'high'] as const), mayEscalate: rng.chance(0.2), summary: '纠纷',
      }, { incident: async () => null, repeatsOf: async () => ({ ids: [], fingerprints: [] }) }));
      expect(open.ok).toBe(true);
      const step = async (plan: Parameters<typeof commands.run>[0]['plan']): Promise<boolean> => {
        at += rng.int(1, 40) * H;
        return (await run(at, 'community', [id!], [], plan)).ok;
      };
      if (!rng.chance(0.85)) continue;
      await step((input) => planRoute(context, input, id!, { commandId: 'x', tier: rng.pick([1, 1, 1, 2, 3] as const), owner: { name: '民警' } }));
      for (let k = 0; k < 4; k++) {
        const result = rng.pick(['success', 'success', 'failed', 'escalate'] as const);
        const ok = await step((input) => planSession(context, input, id!, { commandId: 'x', participants: ['a'], result }));
        if (ok && result === 'escalate') await step((input) => planRoute(context, input, id!, { commandId: 'x', tier: 3, owner: { name: '调解中心' } }));
        if (ok && result === 'success') break;
      }
      if (rng.chance(0.8)) await step((input) => planFollowup(context, input, id!, { commandId: 'x', satisfaction: rng.pick(['satisfied', 'satisfied', 'basic', 'dissatisfied'] as const), recurred: rng.chance(0.15) }));
      if (rng.chance(0.6)) await step((input) => planClose(context, input, id!, rng.chance(0.3) ? '当事人撤回' : undefined));
      if (rng.chance(0.2)) await step((input) => planReopen(context, input, id!, '再次发生'));
      if (rng.chance(0.5)) await step((input) => planRoute(context, input, id!, { commandId: 'x', tier: 2, owner: { name: '社区警务队' } }));
      if (rng.chance(0.5)) await step((input) => planSession(context, input, id!, { commandId: 'x', participants: ['a'], result: 'success' }));
    }
    for (let i = 0; i < 30; i++) {
      const orderedAt = moment() - 2 * 24 * H;
      const dueAt = moment();
      const to = recipientsOf(context, { kind: 'unit', unitId: rng.pick(['C-1', 'C-2', 'C-3', 'P-01']) });
      if (!to.ok) throw new Error('recipients');
      const ids = await repo.nextIds('RW', localDayOf(orderedAt, tz), 1);
      const category = rng.pick(['visit', 'hazard', 'patrol'] as const);
      const kind = { visit: 'household_visit', hazard: 'fire_hazard', patrol: 'place_patrol' }[category];
      await run(orderedAt, 'community', [], [], (input) => planOrder(input, { commandId: 'x', target: { kind: 'unit', unitId: to.units[0]!.id }, category, kind, instructions: '任务', dueAt, requires: { text: true, count: false, location: false } }, to.units, ids, `B-${ids[0]}`));
      const id = ids[0]!;
      let at = orderedAt;
      const step = (plan: Parameters<typeof commands.run>[0]['plan']) => { at += rng.int(1, 30) * H; return run(at, 'C', [], [id], plan); };
      if (!rng.chance(0.9)) continue;
      await step((input) => planAccept(input, id, undefined));
      for (let k = 0; k < 3; k++) {
        await step((input) => planFeedback(input, id, undefined, { text: '完成' }));
        const verdict = rng.chance(0.7) ? 'accepted' : 'returned';
        await step((input) => planReview(input, id, verdict, verdict === 'returned' ? '返工' : undefined));
        if (verdict === 'accepted') break;
      }
    }

    const all = async <T>(path: string): Promise<T[]> => {
      const out: T[] = [];
      for (let offset = 0; ; offset += 100) {
        const page = await get<{ total: number; items: T[] }>(s, `${path}&limit=100&offset=${offset}`);
        out.push(...page.items);
        if (out.length >= page.total) return out;
      }
    };
    let checked = 0;
    for (let r = 0; r < 8; r++) {
      const a = rng.int(0, days.length - 1);
      const b = rng.int(a, days.length - 1);
      const from = days[a]!;
      const to = addDays(days[b]!, 1);
      const f = await get<CommunityFigures>(s, `/api/community/figures?from=${from}&to=${to}`);
      const cases = await all<DisputeCase>(`/api/disputes?from=${from}&to=${to}`);
      const tasks = await all<CommunityTask>(`/api/tasks?from=${from}&to=${to}`);
      // Every figure the recount makes, compared whole (a row the counters have and the raw records lack fails too).
      const rd = recountDisputes(cases);
      const rt = recountTasks(tasks);
      expect(pick(f.disputes, Object.keys(rd)), `${from}..${to}`).toEqual(rd);
      expect(pick(f.tasks, Object.keys(rt)), `${from}..${to}`).toEqual(rt);
      checked += cases.length + tasks.length;
    }
    expect(checked).toBeGreaterThan(50);
    const whole = await all<DisputeCase>(`/api/disputes?from=${days[0]}&to=${today}`);
    expect(whole.some((c) => c.reopened > 0), 'some case was reopened').toBe(true);
    expect(new Set(whole.map((c) => localDayOf(c.createdAt, tz))).size).toBe(5);
  });
});

