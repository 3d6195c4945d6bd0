// The demo's community leader (模拟社区警务队长): keeps both community loops moving when nobody is at /community.
// A client of the public HTTP API like a person at the console, logged in as the demo's `community` account:
//   GET  /api/community/board                  open cases (overdue and may-escalate first) and open tasks
//   GET  /api/units?limit=2000                 once: each grid's community officer (owner of tier-1 cases); the demo town's roster is one page
//   POST /api/disputes/:id/route | sessions | followup | close    a while after each case entered its stage
//   POST /api/tasks                            an order now and then (to an officer, now and then to every grid)
//   POST /api/tasks/:id/review                 督导 of reported feedback (accept, ~4 % returned for rework)
//   POST /api/tasks/:id/cancel                 a task its terminal never answered, well past due
// The officers' terminals (devices.ts) accept tasks and report back; the auto-dispatcher turns dispute incidents
// into cases as it closes them (转矛盾纠纷). Decisions and rates come from community-behaviour.ts, shared with the
// history, so the demo continues its history. People get first go: every step waits a human while.
import { randomUUID } from 'node:crypto';
import type { CommunityBoard, CommunityTask, DisputeCase, TaskCatalogue, Unit } from '@ccr/shared';
import { GIVE_UP_REASONS, REWORK_REASONS, logNormal, orderFor, pickTier, recurredAt, returnForRework, satisfactionAt, sessionResult, tryAgainAfterFailure } from '@ccr/shared/demo';
import { startDeskSession, type DeskApi, type DeskCall, type DeskLeaderOptions } from './desk-session.js';

const MIN = 60_000;

/** Simulated time a person takes before each step (median, spread); real time = simulated ÷ timeScale. */
export const COMMUNITY_PACE = {
  route: [12 * MIN, 0.8], session: [45 * MIN, 0.8], followup: [3 * 60 * MIN, 0.6], close: [30 * MIN, 0.7], review: [20 * MIN, 0.7],
  /** Between two orders. */
  order: [40 * MIN, 0.5],
} as const satisfies Record<string, readonly [number, number]>;
/** A task its terminal never answered is withdrawn this long (simulated) after its due time. */
const GIVE_UP_TASK_AFTER = 2 * 60 * MIN;

/** The next step of an open case, by its status (pure). */
export function stepOf(c: DisputeCase): 'route' | 'session' | 'followup' | 'close' | null {
  switch (c.status) {
    case 'accepted': case 'escalated': return 'route';
    case 'routed': case 'mediating': return 'session';
    case 'mediated': return 'followup';
    case 'followed_up': return 'close';
    default: return null;
  }
}

export interface AutoCommunityOptions extends DeskLeaderOptions {
  /** Orders placed by the leader (false: only the other steps). Default true. */
  order?: boolean;
}
export interface AutoCommunityStats { rounds: number; steps: number; orders: number; reviews: number; refused: number; stopped: boolean }
export interface AutoCommunity { stats(): AutoCommunityStats; close(): Promise<void> }

export function startAutoCommunity(o: AutoCommunityOptions): AutoCommunity {
  const log = o.log ?? (() => {});
  const username = o.username ?? 'community';
  const pollMs = o.pollMs ?? 3_000;
  const stats: AutoCommunityStats = { rounds: 0, steps: 0, orders: 0, reviews: 0, refused: 0, stopped: false };
  const delay = ([median, sigma]: readonly [number, number]): number => Math.max(1_000, logNormal(o.rng, median, sigma) / o.timeScale);
  let closed = false;
  let desk: DeskApi | undefined;
  // The desk session's request (delivered with the first round) for the steps below.
  const call = (method: 'GET' | 'POST', path: string, body?: unknown): Promise<DeskCall | null> => desk!.call(method, path, body);

  // Per case stage (id@statusSince) or task: when the step is due, and its command id (the same on every retry).
  const due = new Map<string, { at: number; commandId: string }>();
  const dueOf = (key: string, pace: readonly [number, number], from: number): { at: number; commandId: string } => {
    let d = due.get(key);
    if (!d) due.set(key, (d = { at: Math.max(Date.now(), from) + delay(pace), commandId: `sim-cm-${randomUUID()}` }));
    return d;
  };
  let officers = new Map<string, Unit>();
  let taskable: string[] = [];
  let catalogue: TaskCatalogue | undefined;
  let nextOrderAt = Date.now() + delay(COMMUNITY_PACE.order) / 4;

  async function post(path: string, key: string, body: Record<string, unknown>, what: string): Promise<void> {
    const a = await call('POST', path, body);
    if (!a) return;
    if (a.status >= 500 || a.status === 429) return; // same command id next round
    due.delete(key);
    if (a.status === 200) { stats.steps++; log(`auto-community: ${what}`); return; }
    stats.refused++;
    log(`auto-community: ${what} refused (HTTP ${a.status} ${String(a.body.message ?? a.body.error ?? '')}); leaving it`);
  }

  async function caseStep(c: DisputeCase, now: number): Promise<void> {
    const kind = stepOf(c);
    if (!kind) return;
    const key = `${c.id}@${c.statusSince}`;
    const d = dueOf(key, COMMUNITY_PACE[kind], c.statusSince);
    if (d.at > now) return;
    const url = `/api/disputes/${encodeURIComponent(c.id)}`;
    if (kind === 'route') {
      const tier = c.status === 'escalated' && c.tier ? c.tier : c.reopened > 0 ? 2 : pickTier(o.rng, c.mayEscalate);
      const officer = officers.get(c.gridId);
      const owner = tier === 1 && officer ? { name: officer.name, unitId: officer.id } : { name: tier === 3 ? '矛盾纠纷调解中心' : '社区警务队' };
      return post(`${url}/route`, key, { commandId: d.commandId, tier, owner }, `${c.id} 分流 → 第${tier}级 ${owner.name}`);
    }
    if (kind === 'session') {
      const failures = c.sessions.filter((s) => s.result === 'failed').length;
      if (c.status === 'mediating' && !tryAgainAfterFailure(o.rng, failures)) {
        const reason = o.rng.pick(GIVE_UP_REASONS);
        return post(`${url}/close`, key, { commandId: d.commandId, reason }, `${c.id} 销号（${reason}）`);
      }
      const result = sessionResult(o.rng, c.tier ?? 1);
      return post(`${url}/sessions`, key, { commandId: d.commandId, participants: ['双方当事人', c.owner?.name ?? '社区民警'], result }, `${c.id} 调解 (${result})`);
    }
    if (kind === 'followup') {
      const satisfaction = satisfactionAt(o.rng);
      const recurred = recurredAt(o.rng, satisfaction);
      return post(`${url}/followup`, key, { commandId: d.commandId, satisfaction, recurred }, `${c.id} 回访 ${satisfaction}${recurred ? '，复发重开' : ''}`);
    }
    return post(`${url}/close`, key, { commandId: d.commandId }, `${c.id} 销号`);
  }

  async function taskStep(t: CommunityTask, now: number): Promise<void> {
    const url = `/api/tasks/${encodeURIComponent(t.id)}`;
    if (t.status === 'reported') {
      const key = `${t.id}#${t.timeline.length}`;
      const d = dueOf(key, COMMUNITY_PACE.review, t.updatedAt);
      if (d.at > now) return;
      const back = returnForRework(o.rng);
      const reason = o.rng.pick(REWORK_REASONS);
      stats.reviews++;
      return post(`${url}/review`, key, { commandId: d.commandId, verdict: back ? 'returned' : 'accepted', ...(back ? { reason } : {}) }, `${t.id} 督导 ${back ? `返工（${reason}）` : '通过'}`);
    }
    if ((t.status === 'ordered' || t.status === 'accepted' || t.status === 'returned') && now > t.dueAt + GIVE_UP_TASK_AFTER / o.timeScale) {
      const key = `${t.id}#cancel`;
      const d = dueOf(key, [1_000, 0.1], now);
      return post(`${url}/cancel`, key, { commandId: d.commandId, reason: '逾期未反馈，撤销后重新派发' }, `${t.id} 逾期未反馈，撤销`);
    }
  }

  async function placeOrder(now: number): Promise<void> {
    if (o.order === false || !catalogue || now < nextOrderAt) return;
    nextOrderAt = now + delay(COMMUNITY_PACE.order);
    const req = orderFor(o.rng, catalogue, now, { unitIds: taskable, gridOfficers: [...officers.values()].map((u) => u.id) });
    // Due times in simulated hours from now.
    const dueAt = now + Math.round((req.dueAt - now) / o.timeScale);
    const a = await call('POST', '/api/tasks', { commandId: `sim-order-${randomUUID()}`, ...req, dueAt });
    if (a?.status === 200) {
      stats.orders++;
      const tasks = (a.body.tasks as unknown[] | undefined)?.length ?? 0;
      log(`auto-community: 下单 ${req.category}/${req.kind} → ${req.target.kind === 'unit' ? req.target.unitId : '各网格'} (${tasks} 个任务)`);
    } else if (a) {
      log(`auto-community: order refused (HTTP ${a.status} ${String(a.body.message ?? '')})`);
    }
  }

  async function round(): Promise<boolean> {
    if (!catalogue) {
      const [u, s] = await Promise.all([call('GET', '/api/units?limit=2000'), call('GET', '/api/community/settings')]);
      if (u?.status !== 200 || s?.status !== 200) return false;
      const units = (Array.isArray(u.body) ? u.body : []) as Unit[];
      officers = new Map(units.filter((x) => x.kind === 'community_officer' && x.gridId).map((x) => [x.gridId!, x]));
      taskable = units.filter((x) => ['community_officer', 'combat_unit', 'foot_patrol', 'case_officer'].includes(x.kind)).map((x) => x.id);
      catalogue = s.body.catalogue as TaskCatalogue;
      log(`auto-community: logged in as ${username}; ${officers.size} grid officers`);
    }
    const b = await call('GET', '/api/community/board');
    if (b?.status !== 200) return false;
    stats.rounds++;
    const board = b.body as unknown as CommunityBoard;
    const now = Date.now();
    const live = new Set<string>();
    for (const c of board.disputes) {
      if (closed) return true;
      live.add(`${c.id}@${c.statusSince}`);
      await caseStep(c, now);
    }
    for (const t of board.tasks) {
      if (closed) return true;
      live.add(`${t.id}#${t.timeline.length}`).add(`${t.id}#cancel`);
      await taskStep(t, now);
    }
    for (const key of [...due.keys()]) if (!live.has(key)) due.delete(key);
    await placeOrder(now);
    return true;
  }

  const session = startDeskSession({ name: 'auto-community', serverUrl: o.serverUrl, username, password: o.password, pollMs, log }, (api) => { desk = api; return round(); });
  return {
    stats: () => ({ ...stats, stopped: session.stopped() }),
    async close() { closed = true; await session.close(); },
  };
}
