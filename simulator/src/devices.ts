// The simulated units' terminals: one device session per unit on the server's device channel, exactly as a
// real terminal would use it (shared/src/dispatch.ts):
//   POST /api/auth/device { unitId, key }  →  { token, expiresAt }      key = deviceKey(DEVICE_SECRET, unitId)
//   Socket.IO namespace /device, handshake auth.token                   ← order:issued
//   order:acknowledge { orderId } · unit:report { status, incidentId }  → (each answered by an ack)
//   ← task:issued (a community task ordered, returned for rework or withdrawn)
//   task:acknowledge { noticeId } · task:accept { taskId, commandId } · task:feedback { taskId, commandId, … } →
//   (an emergency unit's leader) callout:report { reportId, incidentId, answer, … } after an 'alert' order;
//   ← rollcall:issued { rollCallId, dueAt } · rollcall:answer { rollCallId, people } →
//   ← search:issued (a broadcast search, 协查, for a grid officer or an emergency unit; until acknowledged)
//   search:acknowledge { searchId } · search:sighting { commandId, searchId, lng, lat, text } → (search-answers.ts)
// What a unit does with an order is the simulation's business (duty.ts); this file only talks. It never
// blocks the simulation: while the server is away positions and incidents still flow through Redis, and
// every session keeps retrying with a capped back-off until the server is back.
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, DeviceOrderSchema, RollCallNoticeSchema, TaskNoticeSchema, compileChecker, unitRecipient, type CallOutReport, type DeviceClientToServerEvents, type DeviceOrder,
  type DeviceServerToClientEvents, type RollCallNotice, type SearchDeviceClientToServerEvents, type SearchDeviceServerToClientEvents, type SearchNotice,
  type TaskDeviceClientToServerEvents, type TaskDeviceServerToClientEvents, type TaskNotice, type UnitReport,
} from '@ccr/shared';
import { deviceKey } from './provisioning.js';
import { whenAllConnected } from './fleet-ready.js';
import type { CallOutPlan, SearchAnswerPlan } from './responder-behaviour.js';
import { searchAnswers, type SearchAnswers, type SearchOut } from './search-answers.js';
import type { Simulation } from './simulation.js';

export interface DeviceFleetOptions {
  /** Base URL of any server node, e.g. http://127.0.0.1:8080. */
  serverUrl: string;
  /** The deployment's DEVICE_SECRET (the server's must match). */
  secret: string;
  unitIds: readonly string[];
  /** Applies an order (the simulation); returns what the unit reports once it has acknowledged the order. */
  onOrder: (order: DeviceOrder) => UnitReport[];
  /** What the officer does with a community task told to the terminal (ordered or returned for rework): accept
   *  it after a while (not for a return) and report the feedback later. Absent or null: only acknowledged. */
  onTask?: (notice: TaskNotice) => { acceptAfterMs?: number; feedbackAfterMs: number; feedback: () => { text?: string; count?: number; location?: { lng: number; lat: number } } } | null;
  /** How an emergency unit's leader answers an 'alert' order (responder-behaviour.ts); absent or null: no answer. */
  onCallOut?: (order: DeviceOrder) => CallOutPlan | null;
  /** How a unit's leader answers a roll-call; absent or null: no answer. */
  onRollCall?: (unitId: string, notice: RollCallNotice) => { afterMs: number; people: number } | null;
  /** How the unit's officer or leader answers a broadcast search (responder-behaviour.ts searchAnswerPlan); absent:
   *  acknowledged at once, no sighting. */
  onSearch?: (unitId: string, notice: SearchNotice) => SearchAnswerPlan;
  log?: (line: string) => void;
  /** Logins in flight at once, so a whole roster starting together does not flood the server. */
  loginConcurrency?: number;
  /** How long to wait for the server's answer to an acknowledgement or report before trying again. */
  ackTimeoutMs?: number;
  /** Back-off between attempts: first delay, doubled per failure up to the maximum (with jitter). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** A token this close to its expiry is renewed before connecting. */
  renewBeforeMs?: number;
}

export interface DeviceFleetStats {
  sessions: number;
  connected: number;
  logins: number;
  ordersReceived: number;
  /** Orders delivered again (after a reconnect, or while the acknowledgement was on its way): not acted on twice. */
  ordersRepeated: number;
  /** Orders that failed validation or were addressed to another unit: dropped. */
  ordersRejected: number;
  acksSent: number;
  reportsSent: number;
  /** Acknowledgements and reports the server refused (logged; only a refused 'resolved' is tried again, once). */
  refused: number;
  /** Community task notices received (repeats not counted), tasks accepted and feedback sent. */
  tasksReceived: number;
  tasksAccepted: number;
  taskFeedbackSent: number;
  /** Call-outs answered coming / can't, arrivals reported; roll-calls received and answered (accepted by the server). */
  callOutsComing: number;
  callOutsCannot: number;
  callOutArrivals: number;
  rollCallsReceived: number;
  rollCallsAnswered: number;
  /** Broadcast searches told (repeats counted apart: the server reminds until acknowledged), acknowledged and
   *  sightings reported (accepted by the server). */
  searchesReceived: number;
  searchesRepeated: number;
  searchesAcknowledged: number;
  searchSightings: number;
}

export interface DeviceFleet {
  /** Queues a report of one unit; sent in order after anything already queued for it. */
  report(unitId: string, report: UnitReport): void;
  stats(): DeviceFleetStats;
  /** Resolves when every session is connected (tests); rejects on timeout. */
  whenConnected(timeoutMs: number): Promise<void>;
  close(): void;
}

type LoginResult =
  | { ok: true; token: string; expiresAt: number }
  | { ok: false; kind: 'unreachable' | 'refused' | 'rate_limited' | 'server_error'; reason: string; retryAfterMs?: number };

type Outgoing = { event: 'order:acknowledge'; orderId: string } | { event: 'unit:report'; report: UnitReport; retried?: boolean }
  | { event: 'task:acknowledge'; noticeId: string } | { event: 'task:accept'; taskId: string; commandId: string }
  | { event: 'task:feedback'; taskId: string; commandId: string; feedback: { text?: string; count?: number; location?: { lng: number; lat: number } } }
  | { event: 'callout:report'; report: CallOutReport } | { event: 'rollcall:answer'; rollCallId: string; people: number } | SearchOut;

const noticeChecker = compileChecker(TaskNoticeSchema);
const rollCallChecker = compileChecker(RollCallNoticeSchema);
let taskCommands = 0;
/** A command id per intended step, kept across retries: a feedback resent after a lost answer has one effect. */
const taskCommandId = (unitId: string, taskId: string, step: string): string =>
  `sim-${unitId}-${taskId}-${step}-${Date.now().toString(36)}-${++taskCommands}`.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);

const orderChecker = compileChecker(DeviceOrderSchema);
/** Order ids a session remembers, newest last: far more than a unit receives between two restarts. */
const REMEMBERED_ORDERS = 256;

const errorText = (err: unknown): string => {
  const e = err as { cause?: { code?: string; message?: string }; message?: string };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
};

export function startDeviceFleet(options: DeviceFleetOptions): DeviceFleet {
  const log = options.log ?? (() => {});
  const base = options.serverUrl.replace(/\/+$/, '');
  const ackTimeoutMs = options.ackTimeoutMs ?? 10_000;
  const retryMinMs = options.retryMinMs ?? 1_000;
  const retryMaxMs = options.retryMaxMs ?? 30_000;
  const renewBeforeMs = options.renewBeforeMs ?? 60_000;
  const stats: DeviceFleetStats = {
    sessions: options.unitIds.length, connected: 0, logins: 0, ordersReceived: 0, ordersRepeated: 0, ordersRejected: 0,
    acksSent: 0, reportsSent: 0, refused: 0, tasksReceived: 0, tasksAccepted: 0, taskFeedbackSent: 0,
    callOutsComing: 0, callOutsCannot: 0, callOutArrivals: 0, rollCallsReceived: 0, rollCallsAnswered: 0,
    searchesReceived: 0, searchesRepeated: 0, searchesAcknowledged: 0, searchSightings: 0,
  };
  let closed = false;
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    if (closed) return;
    const t = setTimeout(() => {
      timers.delete(t);
      if (!closed) fn();
    }, ms);
    timers.add(t);
  };
  const backoff = (failures: number): number => {
    const ms = Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures, 16));
    // Jitter spreads a whole roster's retries so they do not arrive at the server in one burst.
    return ms * (0.5 + Math.random() * 0.5);
  };

  // --- fleet-level log lines: one per change of state, not one per unit ------------------------------
  let problem: string | undefined;
  const noteProblem = (text: string): void => {
    if (problem === text) return;
    problem = text;
    log(`devices: ${text}`);
  };
  let connectivityLogPending = false;
  let lastLoggedConnected = -1;
  const connectivityChanged = (): void => {
    if (connectivityLogPending) return;
    connectivityLogPending = true;
    later(2_000, () => {
      connectivityLogPending = false;
      if (stats.connected === lastLoggedConnected) return;
      lastLoggedConnected = stats.connected;
      if (stats.connected > 0) problem = undefined;
      log(`devices: ${stats.connected} of ${stats.sessions} unit terminals connected to ${base}${DEVICE_NAMESPACE}`);
    });
  };

  // --- logins, limited in number and paused together when the server says 429 ---------------------------
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  let pausedUntil = 0;
  const concurrency = Math.max(1, options.loginConcurrency ?? 4);
  async function login(unitId: string): Promise<LoginResult> {
    // A finishing login hands its slot straight to the next in line, so at most `concurrency` run at once.
    if (inFlight >= concurrency) await new Promise<void>((resolve) => waiting.push(resolve));
    else inFlight++;
    try {
      const pause = pausedUntil - Date.now();
      if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
      if (closed) return { ok: false, kind: 'unreachable', reason: 'closed' };
      let res: Response;
      try {
        res = await fetch(`${base}/api/auth/device`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ unitId, key: deviceKey(options.secret, unitId) }),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        return { ok: false, kind: 'unreachable', reason: errorText(err) };
      }
      const body = (await res.json().catch(() => ({}))) as { token?: unknown; expiresAt?: unknown; message?: unknown };
      if (res.ok && typeof body.token === 'string' && typeof body.expiresAt === 'number') {
        stats.logins++;
        return { ok: true, token: body.token, expiresAt: body.expiresAt };
      }
      const reason = `HTTP ${res.status}${typeof body.message === 'string' ? ` ${body.message}` : ''}`;
      if (res.status === 429) {
        const retryAfterMs = (Number(res.headers.get('retry-after')) || 5) * 1000;
        pausedUntil = Math.max(pausedUntil, Date.now() + retryAfterMs);
        return { ok: false, kind: 'rate_limited', reason, retryAfterMs };
      }
      if (res.status >= 400 && res.status < 500) return { ok: false, kind: 'refused', reason };
      return { ok: false, kind: 'server_error', reason };
    } finally {
      const next = waiting.shift();
      if (next) next();
      else inFlight--;
    }
  }

  class DeviceSession {
    readonly socket: Socket<DeviceServerToClientEvents & TaskDeviceServerToClientEvents & SearchDeviceServerToClientEvents,
      DeviceClientToServerEvents & TaskDeviceClientToServerEvents & SearchDeviceClientToServerEvents>;
    /** Broadcast searches told to this unit and what it did about each. */
    private readonly searches: SearchAnswers;
    /** Task notices seen (the server sends one again until it is acknowledged). */
    private readonly notices = new Set<string>();
    /** Roll-calls seen (told again on every reconnect while open). */
    private readonly rollCalls = new Set<string>();
    private token: { value: string; expiresAt: number } | undefined;
    private failures = 0;
    private starting = false;
    private connected = false;
    private readonly outbox: Outgoing[] = [];
    private sending = false;
    /** orderId → answered: false while its acknowledgement has not been confirmed by the server. */
    private readonly orders = new Map<string, boolean>();

    constructor(readonly unitId: string) {
      this.searches = searchAnswers({
        recipient: unitRecipient(unitId), later, push: (x) => { this.outbox.push(x); void this.flush(); },
        plan: (n) => options.onSearch?.(unitId, n) ?? { ackAfterMs: 0, sighting: null },
      });
      this.socket = io(`${base}${DEVICE_NAMESPACE}`, {
        autoConnect: false,
        forceNew: true,
        transports: ['websocket'],
        reconnectionDelay: retryMinMs,
        reconnectionDelayMax: retryMaxMs,
        // Read at every (re)connection attempt, so a renewed token is used without rebuilding the socket.
        auth: (cb) => cb({ token: this.token?.value ?? '' }),
      });
      this.socket.on('connect', () => {
        this.connected = true;
        this.failures = 0;
        stats.connected++;
        connectivityChanged();
        void this.flush();
      });
      this.socket.on('disconnect', (reason) => {
        if (this.connected) {
          this.connected = false;
          stats.connected--;
          connectivityChanged();
        }
        // Dropped by the server (shutting down, or the session ended): connect again by hand, with the same
        // token — a restarted server still knows it; a refusal (connect_error) leads to a new login.
        // Anything else reconnects by itself.
        if (!this.socket.active && reason === 'io server disconnect') this.retry();
      });
      this.socket.on('connect_error', (err) => {
        if (this.socket.active) {
          noteProblem(`server ${base} unreachable (${err.message}); units keep driving and reconnect when it is back`);
          return;
        }
        // Refused by the namespace's auth: a stale token is renewed; anything else is retried more slowly.
        const code = (err as { data?: { code?: string } }).data?.code;
        if (code === 'unauthorized') this.token = undefined;
        else noteProblem(`refused on ${DEVICE_NAMESPACE}: ${err.message}`);
        this.failures++;
        this.retry();
      });
      this.socket.on('order:issued', (raw) => this.receive(raw));
      this.socket.on('task:issued', (raw) => this.receiveTask(raw));
      this.socket.on('rollcall:issued', (raw) => this.receiveRollCall(raw));
      this.socket.on('search:issued', (raw) => {
        const r = this.searches.receive(raw);
        if (r === 'new') stats.searchesReceived++;
        else if (r === 'repeat') stats.searchesRepeated++;
      });
    }

    private receiveRollCall(raw: unknown): void {
      const checked = rollCallChecker.validate(raw);
      if (!checked.ok || this.rollCalls.has(checked.value.rollCallId)) return;
      const n = checked.value;
      this.rollCalls.add(n.rollCallId);
      if (this.rollCalls.size > REMEMBERED_ORDERS) this.rollCalls.delete(this.rollCalls.values().next().value!);
      stats.rollCallsReceived++;
      const plan = options.onRollCall?.(this.unitId, n) ?? null;
      if (!plan) return;
      later(plan.afterMs, () => { this.outbox.push({ event: 'rollcall:answer', rollCallId: n.rollCallId, people: plan.people }); void this.flush(); });
    }

    /** An emergency unit's leader answers a call-out: coming (then arrived, then done) or can't. */
    private answerCallOut(order: DeviceOrder): void {
      const plan = options.onCallOut?.(order) ?? null;
      if (!plan) return;
      const incidentId = order.incident.id;
      const send = (report: Omit<CallOutReport, 'reportId' | 'incidentId'>): void => {
        this.outbox.push({ event: 'callout:report', report: { reportId: taskCommandId(this.unitId, incidentId, report.answer), incidentId, ...report } });
        void this.flush();
      };
      if (plan.answer === 'cannot') return later(plan.afterMs, () => send({ answer: 'cannot', note: plan.note }));
      later(plan.afterMs, () => send({ answer: 'coming', people: plan.people }));
      later(plan.arriveAfterMs, () => send({ answer: 'arrived' }));
      later(plan.doneAfterMs, () => send({ answer: 'done', note: plan.note }));
    }

    private receiveTask(raw: unknown): void {
      const checked = noticeChecker.validate(raw);
      if (!checked.ok || checked.value.unitId !== this.unitId) return;
      const n = checked.value;
      if (this.notices.has(n.noticeId)) {
        // Sent again: its acknowledgement has not reached the server yet (or is still queued).
        if (!this.outbox.some((o) => o.event === 'task:acknowledge' && o.noticeId === n.noticeId)) this.outbox.push({ event: 'task:acknowledge', noticeId: n.noticeId });
        void this.flush();
        return;
      }
      this.notices.add(n.noticeId);
      if (this.notices.size > REMEMBERED_ORDERS) this.notices.delete(this.notices.values().next().value!);
      stats.tasksReceived++;
      this.outbox.push({ event: 'task:acknowledge', noticeId: n.noticeId });
      void this.flush();
      const plan = n.reason === 'cancelled' ? null : options.onTask?.(n) ?? null;
      if (!plan) return;
      const taskId = n.task.id;
      if (plan.acceptAfterMs !== undefined) {
        later(plan.acceptAfterMs, () => { this.outbox.push({ event: 'task:accept', taskId, commandId: taskCommandId(this.unitId, taskId, 'acc') }); void this.flush(); });
      }
      later(plan.feedbackAfterMs, () => {
        this.outbox.push({ event: 'task:feedback', taskId, commandId: taskCommandId(this.unitId, taskId, 'fb'), feedback: plan.feedback() });
        void this.flush();
      });
    }

    start(): void {
      void this.begin();
    }

    private retry(): void {
      later(backoff(this.failures), () => void this.begin());
    }

    /** Logs in if there is no token (or it is about to expire), then connects. */
    private async begin(): Promise<void> {
      if (closed || this.starting || this.socket.connected || this.socket.active) return;
      this.starting = true;
      try {
        if (!this.token || this.token.expiresAt - Date.now() < renewBeforeMs) {
          const r = await login(this.unitId);
          if (closed) return;
          if (!r.ok) {
            this.failures++;
            // One line per kind of trouble, not one per unit.
            if (r.kind === 'unreachable' || r.kind === 'server_error') {
              noteProblem(`server ${base} not available (${r.reason}); units keep driving and log in when it is back`);
            } else if (r.kind === 'refused') {
              noteProblem(`login refused (${r.reason}): is DEVICE_SECRET the server's? retrying`);
            }
            later(r.retryAfterMs ?? backoff(this.failures), () => void this.begin());
            return;
          }
          this.token = { value: r.token, expiresAt: r.expiresAt };
        }
        this.socket.connect();
      } finally {
        this.starting = false;
      }
    }

    private receive(raw: unknown): void {
      stats.ordersReceived++;
      const checked = orderChecker.validate(raw);
      if (!checked.ok) {
        stats.ordersRejected++;
        log(`${this.unitId}: order rejected (${checked.errors.join('; ')})`);
        return;
      }
      const order = checked.value;
      if (order.unitId !== this.unitId) {
        stats.ordersRejected++;
        log(`${this.unitId}: order ${order.orderId} is addressed to ${order.unitId}; ignored`);
        return;
      }
      const answered = this.orders.get(order.orderId);
      if (answered === undefined) {
        this.orders.set(order.orderId, false);
        if (this.orders.size > REMEMBERED_ORDERS) this.orders.delete(this.orders.keys().next().value!);
        let reports: UnitReport[] = [];
        try {
          reports = options.onOrder(order);
        } catch (err) {
          // Acknowledged all the same: the server would otherwise send it again every few seconds, in vain.
          log(`${this.unitId}: order ${order.orderId} (${order.kind} ${order.incident.id}) could not be carried out: ${(err as Error).message}`);
        }
        this.outbox.push({ event: 'order:acknowledge', orderId: order.orderId }, ...reports.map((report) => ({ event: 'unit:report' as const, report })));
        if (order.kind === 'alert') this.answerCallOut(order);
      } else {
        // Delivered again (after a reconnect): the unit already acts on it. Acknowledge it only if the
        // earlier acknowledgement never got an answer and is not still waiting to go out.
        stats.ordersRepeated++;
        const queued = this.outbox.some((o) => o.event === 'order:acknowledge' && o.orderId === order.orderId);
        if (!answered && !queued) this.outbox.unshift({ event: 'order:acknowledge', orderId: order.orderId });
      }
      void this.flush();
    }

    report(report: UnitReport): void {
      this.outbox.push({ event: 'unit:report', report });
      void this.flush();
    }

    /** Sends the outbox one message at a time, in order, each waiting for the server's answer. */
    private async flush(): Promise<void> {
      if (this.sending) return;
      this.sending = true;
      try {
        while (this.outbox.length > 0 && this.socket.connected && !closed) {
          const next = this.outbox[0]!;
          let res: { ok: true } | { ok: false; error: { code: string; message: string } };
          try {
            const t = this.socket.timeout(ackTimeoutMs);
            res = next.event === 'order:acknowledge' ? await t.emitWithAck('order:acknowledge', { orderId: next.orderId })
              : next.event === 'unit:report' ? await t.emitWithAck('unit:report', next.report)
                : next.event === 'task:acknowledge' ? await t.emitWithAck('task:acknowledge', { noticeId: next.noticeId })
                  : next.event === 'task:accept' ? await t.emitWithAck('task:accept', { taskId: next.taskId, commandId: next.commandId })
                    : next.event === 'callout:report' ? await t.emitWithAck('callout:report', next.report)
                      : next.event === 'rollcall:answer' ? await t.emitWithAck('rollcall:answer', { rollCallId: next.rollCallId, people: next.people })
                        : next.event === 'search:acknowledge' ? await t.emitWithAck('search:acknowledge', { searchId: next.searchId, status: next.status })
                          : next.event === 'search:sighting' ? await t.emitWithAck('search:sighting', { commandId: next.commandId, searchId: next.searchId, lng: next.lng, lat: next.lat, text: next.text })
                        : await t.emitWithAck('task:feedback', { taskId: next.taskId, commandId: next.commandId, ...next.feedback });
          } catch {
            // No answer in time: keep it first in line and try again (at once after a reconnect).
            if (this.socket.connected) later(ackTimeoutMs, () => void this.flush());
            return;
          }
          if (!res.ok && res.error.code === 'unavailable') {
            // The server could not do it just now (Redis away): same message again after a pause.
            this.failures++;
            later(backoff(this.failures), () => void this.flush());
            return;
          }
          this.outbox.shift();
          if (next.event === 'search:acknowledge' || next.event === 'search:sighting') {
            this.searches.answered(next, res.ok);
            if (!res.ok) {
              stats.refused++;
              log(`${this.unitId}: ${next.event} ${next.searchId} refused: ${res.error.code} ${res.error.message}`);
            } else if (next.event === 'search:sighting') {
              stats.searchSightings++;
              log(`${this.unitId}: 协查 ${next.searchId} 发现线索 ${next.text}`);
            } else if (!next.quiet) {
              stats.searchesAcknowledged++;
              log(`${this.unitId}: 协查 ${next.searchId} 收到`);
            }
            continue;
          }
          if (next.event === 'order:acknowledge') {
            stats.acksSent++;
            this.orders.set(next.orderId, true);
          } else if (next.event === 'unit:report') {
            stats.reportsSent++;
          } else if (res.ok && next.event === 'task:accept') {
            stats.tasksAccepted++;
          } else if (res.ok && next.event === 'task:feedback') {
            stats.taskFeedbackSent++;
          } else if (res.ok && next.event === 'callout:report') {
            const r = next.report;
            if (r.answer === 'coming') stats.callOutsComing++;
            else if (r.answer === 'cannot') stats.callOutsCannot++;
            else if (r.answer === 'arrived') stats.callOutArrivals++;
            log(`${this.unitId}: 应急响应 ${r.incidentId} ${r.answer}${r.people ? ` (${r.people} 人)` : ''}${r.note ? ` ${r.note}` : ''}`);
          } else if (res.ok && next.event === 'rollcall:answer') {
            stats.rollCallsAnswered++;
            log(`${this.unitId}: 点名 ${next.rollCallId} 到 (${next.people} 人)`);
          }
          if (res.ok) continue;
          stats.refused++;
          if (next.event !== 'order:acknowledge' && next.event !== 'unit:report') {
            // A task withdrawn or already accepted meanwhile (a person acted for the officer): nothing to redo.
            log(`${this.unitId}: ${next.event} refused: ${res.error.code} ${res.error.message}`);
            continue;
          }
          if (next.event === 'unit:report' && next.report.status === 'resolved' && res.error.code === 'report_too_early' && !next.retried) {
            // The server never saw the unit arrive (it was away, or the scene was left before the geofence
            // looked): the officer confirms arrival by hand, then reports again — once.
            log(`${this.unitId}: ${next.report.incidentId ?? ''} not marked on scene by the server; reporting arrival, then resolved again`);
            this.outbox.unshift(
              { event: 'unit:report', report: { status: 'on_scene', ...(next.report.incidentId ? { incidentId: next.report.incidentId } : {}) }, retried: true },
              { event: 'unit:report', report: next.report, retried: true },
            );
            continue;
          }
          const what = next.event === 'order:acknowledge' ? `acknowledgement of ${next.orderId}` : `report ${next.report.status} ${next.report.incidentId ?? ''}`.trimEnd();
          log(`${this.unitId}: ${what} refused: ${res.error.code} ${res.error.message}`);
        }
      } finally {
        this.sending = false;
      }
    }

    close(): void {
      this.socket.removeAllListeners();
      this.socket.disconnect();
    }
  }

  const sessions = new Map(options.unitIds.map((id) => [id, new DeviceSession(id)]));
  for (const s of sessions.values()) s.start();

  return {
    report(unitId, report) {
      const s = sessions.get(unitId);
      if (s) s.report(report);
      else log(`${unitId}: no device session; report ${report.status} not sent`);
    },
    stats: () => ({ ...stats }),
    whenConnected: (timeoutMs) => whenAllConnected(() => ({ connected: stats.connected, sessions: stats.sessions, closed }), timeoutMs, 'devices'),
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sessions.values()) s.close();
      for (const w of waiting.splice(0)) w();
    },
  };
}

/**
 * Makes a simulation's units obey the server: orders reach the simulation (duty.ts decides), what the units
 * report goes back over their terminals, and what they did goes to the log. The returned simulation is the
 * one to run: its ticks also deliver the units' reports.
 */
export function obeyOrders(sim: Simulation, fleetOptions: Omit<DeviceFleetOptions, 'onOrder'>): { simulation: Simulation; fleet: DeviceFleet } {
  const log = fleetOptions.log ?? (() => {});
  const fleet = startDeviceFleet({
    ...fleetOptions,
    onOrder(order) {
      const out = sim.order(order);
      for (const n of out.notes) log(`${n.unitId}: ${n.text}`);
      return out.reports.filter((r) => r.unitId === order.unitId).map((r) => r.report);
    },
  });
  const simulation: Simulation = {
    ...sim,
    tick() {
      const t = sim.tick();
      for (const n of t.output.notes) log(`${n.unitId}: ${n.text}`);
      for (const r of t.output.reports) fleet.report(r.unitId, r.report);
      return t;
    },
  };
  return { simulation, fleet };
}
