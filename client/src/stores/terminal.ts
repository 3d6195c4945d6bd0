// The terminal app's state (/m, a unit's phone): its device session, the orders it received, the job it is on and
// the outbox of acknowledgements and reports. Everything lives in localStorage, so a phone that loses its connection,
// is locked or restarts the browser keeps its job and its unsent reports. The outbox is sent in order, one item at a
// time, whenever the device channel is connected; each report carries its own id, so a report sent again because
// its answer was lost is applied once by the server (server/src/modules/dispatch/device-channel.ts).
// Broadcast searches (协查) reach the unit's phone on the same channel: the notices and the answers to them (收到,
// 报告发现) are the volunteer phone's (components/search/searches.ts), queued in this outbox with the rest.
// The device session is kept apart from the console's (stores/auth.ts): a phone logged in as a unit is not a
// console, and the console's live socket must not try a device token.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import { io, type Socket } from 'socket.io-client';
import {
  DEVICE_NAMESPACE, type AckError, type DeviceClientToServerEvents, type DeviceOrder, type DeviceServerToClientEvents,
  type LoginResponse, type RollCallNotice, type SearchDeviceClientToServerEvents, type SearchDeviceServerToClientEvents, type UnitReport,
} from '@ccr/shared';
import { ApiError, request } from '../http';
import { sayRefusal } from '../errors';
import { i18n, type Locale } from '../i18n';
import { refreshDelay } from './auth';
import { isSearchItem, parseNotices, searchEmit, useSearchNotices, type NoticeView, type SearchItem } from '../components/search/searches';

export const TERMINAL_STORAGE_KEY = 'ccr.terminal';
/** Orders kept on the phone (newest first): the current job and a short history. */
export const KEEP_ORDERS = 20;
/** How long to wait for the server's answer to one outbox item before trying again on the next connection. */
export const SEND_TIMEOUT_MS = 10_000;
/** The server could not apply an item now (`unavailable`): try again after this. */
export const RETRY_MS = 5_000;
/** A phone's fix is shared at most this often while on a job (latest wins: fixes are never queued offline). */
export const POSITION_EVERY_MS = 10_000;

/** The order kinds that give the unit a job; cancel and recall end one. */
const JOB_KINDS: ReadonlySet<string> = new Set(['dispatch', 'backup', 'reassign', 'alert']);
/** Where a job stands, from the unit's own reports: an officer's (the server's status names) or, for a call-out,
 *  an emergency unit leader's answers. */
export type JobStage = 'new' | 'en_route' | 'on_scene' | 'resolved' | 'coming' | 'cannot' | 'arrived' | 'done';
export type ReportStatus = 'en_route' | 'on_scene' | 'resolved';
export type CallOutAnswer = 'coming' | 'cannot' | 'arrived' | 'done';
/** Stages after which there is nothing more to do on the job. */
const FINAL: ReadonlySet<JobStage> = new Set(['resolved', 'cannot', 'done']);

export type OutboxItem =
  | { id: string; type: 'ack'; orderId: string; queuedAt: number }
  | { id: string; type: 'report'; status: ReportStatus; incidentId: string; note?: string; queuedAt: number }
  | { id: string; type: 'callout'; answer: CallOutAnswer; incidentId: string; people?: number; note?: string; queuedAt: number }
  | { id: string; type: 'rollcall'; rollCallId: string; people?: number; queuedAt: number }
  /** 收到 or 报告发现 for a broadcast search (its id is the item's). */
  | { id: string; type: 'search'; search: SearchItem; queuedAt: number };

const OUTBOX_TYPES: ReadonlySet<string> = new Set(['ack', 'report', 'callout', 'rollcall', 'search']);

export interface TerminalSession { token: string; expiresAt: number; unitId: string; displayName: string }

export interface Saved {
  session: TerminalSession | null;
  orders: DeviceOrder[];
  /** Orders the officer acknowledged (sent or still in the outbox). */
  acked: string[];
  /** Each incident's stage as the unit reported it (optimistic: set when queued). */
  stages: Record<string, JobStage>;
  outbox: OutboxItem[];
  /** Roll-calls (点名) the unit was called in, and those it answered. */
  rollCalls?: RollCallNotice[];
  answeredRollCalls?: string[];
  /** Broadcast searches (协查) the unit was told of. */
  searches?: NoticeView[];
}

const empty = (): Saved => ({ session: null, orders: [], acked: [], stages: {}, outbox: [] });

/** A roll-call notice added once; those long past their due time dropped. Pure. */
export function receiveRollCall(list: readonly RollCallNotice[], n: RollCallNotice, now: number): RollCallNotice[] {
  const kept = list.filter((r) => r.dueAt > now - 3_600_000 && r.rollCallId !== n.rollCallId);
  return [...kept, n].sort((a, b) => a.dueAt - b.dueAt).slice(-10);
}

// ---- pure rules (tested without a browser) -------------------------------------------------------------------

/** A received order added to the kept list: once per order id, newest first, at most KEEP_ORDERS. */
export function receiveOrder(orders: readonly DeviceOrder[], order: DeviceOrder): DeviceOrder[] {
  if (orders.some((o) => o.orderId === order.orderId)) return [...orders];
  return [order, ...orders].sort((a, b) => b.issuedAt - a.issuedAt).slice(0, KEEP_ORDERS);
}

/**
 * The job the unit is on: the newest order that gives one, unless a later cancel or recall of the same incident
 * ended it, or the unit reported it resolved.
 */
export function currentJob(orders: readonly DeviceOrder[], stages: Readonly<Record<string, JobStage>>): DeviceOrder | null {
  const ended = new Set<string>();
  for (const o of orders) { // newest first
    if (!JOB_KINDS.has(o.kind)) {
      ended.add(o.incident.id);
      continue;
    }
    const stage = stages[o.incident.id];
    if (ended.has(o.incident.id) || (stage && FINAL.has(stage))) continue;
    return o;
  }
  return null;
}

/** What a called-out emergency unit's leader may answer next (arriving without a word first is allowed). */
export function nextCallOutAnswers(stage: JobStage): CallOutAnswer[] {
  if (stage === 'new') return ['coming', 'cannot'];
  if (stage === 'coming') return ['arrived'];
  if (stage === 'arrived') return ['done'];
  return [];
}

/** The reports the unit may make next at a stage (a dispatched unit may go straight to on scene). */
export function nextReports(stage: JobStage): ReportStatus[] {
  if (stage === 'new') return ['en_route', 'on_scene'];
  if (stage === 'en_route') return ['on_scene'];
  if (stage === 'on_scene') return ['resolved'];
  return [];
}

/** Reads what localStorage holds, checked field by field (a damaged or foreign value starts empty). */
export function parseSaved(raw: string | null): Saved {
  if (!raw) return empty();
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    const s = v.session as Record<string, unknown> | null | undefined;
    const session = s && typeof s.token === 'string' && typeof s.expiresAt === 'number' && typeof s.unitId === 'string'
      ? { token: s.token, expiresAt: s.expiresAt, unitId: s.unitId, displayName: typeof s.displayName === 'string' ? s.displayName : s.unitId }
      : null;
    const orders = Array.isArray(v.orders) ? (v.orders as DeviceOrder[]).filter((o) => o && typeof o.orderId === 'string' && typeof o.issuedAt === 'number' && !!o.incident) : [];
    const acked = Array.isArray(v.acked) ? v.acked.filter((x): x is string => typeof x === 'string') : [];
    const stages = v.stages && typeof v.stages === 'object' ? (v.stages as Record<string, JobStage>) : {};
    const outbox = Array.isArray(v.outbox)
      ? (v.outbox as OutboxItem[]).filter((o) => o && typeof o.id === 'string' && OUTBOX_TYPES.has(o.type) && (o.type !== 'search' || (isSearchItem(o.search) && o.search.id === o.id)))
      : [];
    const rollCalls = Array.isArray(v.rollCalls) ? (v.rollCalls as RollCallNotice[]).filter((r) => r && typeof r.rollCallId === 'string' && typeof r.dueAt === 'number') : [];
    const answeredRollCalls = Array.isArray(v.answeredRollCalls) ? v.answeredRollCalls.filter((x): x is string => typeof x === 'string') : [];
    return { session, orders, acked, stages, outbox, rollCalls, answeredRollCalls, searches: parseNotices(v.searches) };
  } catch {
    return empty();
  }
}

/** A report or acknowledgement id: random, and valid as the server's command id. */
export function newItemId(): string {
  return `m-${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
}

// ---- the store -------------------------------------------------------------------------------------------------

type DeviceSocket = Socket<DeviceServerToClientEvents & SearchDeviceServerToClientEvents, DeviceClientToServerEvents & SearchDeviceClientToServerEvents>;
type Ack<T> = { ok: true; data: T } | { ok: false; error: AckError };
export type Connection = 'connected' | 'connecting' | 'offline';

export const useTerminalStore = defineStore('terminal', () => {
  const initial = parseSaved(globalThis.localStorage?.getItem(TERMINAL_STORAGE_KEY) ?? null);
  const session = shallowRef<TerminalSession | null>(initial.session);
  const orders = shallowRef<DeviceOrder[]>(initial.orders);
  const acked = ref<string[]>(initial.acked);
  const stages = ref<Record<string, JobStage>>(initial.stages);
  const outbox = ref<OutboxItem[]>(initial.outbox);
  const rollCalls = shallowRef<RollCallNotice[]>(initial.rollCalls ?? []);
  const answeredRollCalls = ref<string[]>(initial.answeredRollCalls ?? []);
  /** 协查: the notices and the answers to them, queued in this outbox (once per key: a double tap, a reminder). */
  const search = useSearchNotices({
    initial: initial.searches,
    queue: (item) => {
      if (outbox.value.some((x) => x.id === item.id)) return;
      outbox.value = [...outbox.value, { id: item.id, type: 'search', search: item, queuedAt: Date.now() }];
      void flush();
    },
  });
  const connection = ref<Connection>('offline');
  /** The last refusal of an outbox item, said in the user's language (shown until the next success). */
  const notice = ref<string | null>(null);
  /** Why the session ended, for the login form. */
  const ended = ref<'expired' | 'refused' | null>(null);

  /** Why the server does not use this phone's fixes (a patrol car's phone, a fixed place), once told. */
  const positionRefused = ref<string | null>(null);
  let lastPositionAt = 0;
  let socket: DeviceSocket | null = null;
  let sending = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let renewTimer: ReturnType<typeof setTimeout> | undefined;

  const locale = (): Locale => i18n.global.locale.value;
  const job = computed(() => currentJob(orders.value, stages.value));
  const stage = computed<JobStage>(() => (job.value ? stages.value[job.value.incident.id] ?? 'new' : 'new'));
  const jobAcked = computed(() => !!job.value && acked.value.includes(job.value.orderId));
  /** Orders received and not yet acknowledged (a cancel is acknowledged too). */
  const unacked = computed(() => orders.value.filter((o) => !acked.value.includes(o.orderId)));

  function save(): void {
    try {
      globalThis.localStorage?.setItem(TERMINAL_STORAGE_KEY, JSON.stringify({
        session: session.value, orders: orders.value, acked: acked.value, stages: stages.value, outbox: outbox.value,
        rollCalls: rollCalls.value, answeredRollCalls: answeredRollCalls.value, searches: search.notices.value,
      } satisfies Saved));
    } catch {
      // storage full or blocked: the state lasts for this page
    }
  }
  watch([session, orders, acked, stages, outbox, rollCalls, answeredRollCalls, search.notices], save, { deep: true });
  /** The roll-call waiting for this unit's answer (the earliest due, not yet past). */
  const openRollCall = computed(() => rollCalls.value.find((r) => !answeredRollCalls.value.includes(r.rollCallId) && r.dueAt > Date.now()) ?? null);

  // ---- session ----
  async function login(unitId: string, key: string): Promise<void> {
    const res = await request<LoginResponse>('/api/auth/device', { method: 'POST', body: { unitId, key }, token: null, locale: locale() });
    if (session.value?.unitId !== res.user.unitId) {
      // Another unit on this phone: nothing of the previous one's state applies.
      orders.value = [];
      rollCalls.value = [];
      answeredRollCalls.value = [];
      search.clear();
      acked.value = [];
      stages.value = {};
      outbox.value = [];
    }
    ended.value = null;
    positionRefused.value = null;
    session.value = { token: res.token, expiresAt: res.expiresAt, unitId: res.user.unitId ?? unitId, displayName: res.user.displayName };
    start();
  }

  function endSession(reason: 'expired' | 'refused' | null): void {
    stop();
    ended.value = reason;
    session.value = null;
  }

  async function logout(): Promise<void> {
    const token = session.value?.token;
    endSession(null);
    if (token) await request('/api/auth/logout', { method: 'POST', token, timeoutMs: 5_000 }).catch(() => undefined);
  }

  function scheduleRenewal(delay?: number): void {
    clearTimeout(renewTimer);
    if (!session.value) return;
    renewTimer = setTimeout(() => void renew(), delay ?? refreshDelay(session.value.expiresAt, Date.now()));
  }

  /** Renews the token; a refusal ends the session, the server being away is retried. True while alive. */
  async function renew(): Promise<boolean> {
    const current = session.value;
    if (!current) return false;
    try {
      const res = await request<LoginResponse>('/api/auth/refresh', { method: 'POST', token: current.token, locale: locale() });
      if (session.value?.token === current.token) session.value = { ...current, token: res.token, expiresAt: res.expiresAt };
      scheduleRenewal();
      return true;
    } catch (e) {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
        endSession('expired');
        return false;
      }
      scheduleRenewal(30_000);
      return true;
    }
  }

  // ---- the device channel ----
  function start(): void {
    if (!session.value || socket) return;
    scheduleRenewal();
    // Its own connection (forceNew): the page's live socket shares a manager by default, and that one never
    // connects on /m (no console session).
    const s: DeviceSocket = io(DEVICE_NAMESPACE, {
      forceNew: true,
      path: '/socket.io',
      transports: ['websocket', 'polling'],
      reconnectionDelay: 1_000,
      reconnectionDelayMax: 10_000,
      auth: (cb) => cb({ token: session.value?.token ?? '' }),
    });
    socket = s;
    connection.value = 'connecting';
    s.on('connect', () => {
      connection.value = 'connected';
      void flush();
    });
    s.on('disconnect', () => { connection.value = navigator.onLine ? 'connecting' : 'offline'; });
    s.on('connect_error', (err) => {
      connection.value = navigator.onLine ? 'connecting' : 'offline';
      const code = (err as { data?: { code?: string } }).data?.code;
      // The token was refused: renew once (a phone asleep past its renewal); a refused renewal ends the session.
      if (code === 'unauthorized' || code === 'forbidden') void renew().then((alive) => { if (alive && socket === s) s.connect(); });
    });
    s.on('order:issued', (o) => { orders.value = receiveOrder(orders.value, o); });
    s.on('rollcall:issued', (n) => { rollCalls.value = receiveRollCall(rollCalls.value, n, Date.now()); });
    s.on('search:issued', (n) => search.receive(n));
  }

  function stop(): void {
    clearTimeout(retryTimer);
    clearTimeout(renewTimer);
    socket?.removeAllListeners();
    socket?.close();
    socket = null;
    connection.value = 'offline';
  }

  /** The network went away (or came back): drop the connection now rather than wait for a timeout. */
  function networkChanged(online: boolean): void {
    if (!socket) return;
    if (online) {
      connection.value = 'connecting';
      socket.connect();
    } else {
      socket.disconnect();
      connection.value = 'offline';
    }
  }

  /** Sends the outbox in order while connected; stops at the first item that could not be answered. */
  async function flush(): Promise<void> {
    if (sending) return;
    sending = true;
    try {
      while (socket?.connected && outbox.value.length > 0) {
        const item = outbox.value[0]!;
        let res: Ack<unknown>;
        try {
          res = await sendItem(socket, item);
        } catch {
          return; // no answer: sent again (same id) on the next connection
        }
        if (!res.ok && res.error.code === 'unavailable') {
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => void flush(), RETRY_MS);
          return;
        }
        if (res.ok) notice.value = null;
        else {
          notice.value = sayRefusal(res.error, locale());
          // The report did not apply: the job is where the server has it (a later report says so again).
          if (item.type === 'report' || item.type === 'callout') delete stages.value[item.incidentId];
        }
        outbox.value = outbox.value.filter((x) => x.id !== item.id);
      }
    } finally {
      sending = false;
    }
  }

  /** One outbox item as its event; rejects when the server does not answer in time. */
  function sendItem(s: DeviceSocket, item: OutboxItem): Promise<Ack<unknown>> {
    const t = s.timeout(SEND_TIMEOUT_MS);
    switch (item.type) {
      case 'ack': return t.emitWithAck('order:acknowledge', { orderId: item.orderId });
      case 'report': return t.emitWithAck('unit:report', reportOf(item));
      case 'rollcall': return t.emitWithAck('rollcall:answer', { rollCallId: item.rollCallId, ...(item.people !== undefined ? { people: item.people } : {}) });
      case 'callout': return t.emitWithAck('callout:report', {
        reportId: item.id, incidentId: item.incidentId, answer: item.answer,
        ...(item.people !== undefined ? { people: item.people } : {}), ...(item.note ? { note: item.note } : {}),
      });
      case 'search': {
        const [event, payload] = searchEmit(item.search);
        return event === 'search:acknowledge' ? t.emitWithAck(event, payload) : t.emitWithAck(event, payload);
      }
    }
  }

  function reportOf(item: Extract<OutboxItem, { type: 'report' }>): UnitReport {
    return { reportId: item.id, status: item.status, incidentId: item.incidentId, ...(item.note ? { note: item.note } : {}) };
  }

  /**
   * Shares the phone's fix (at most every POSITION_EVERY_MS, only while connected: a fix that waited is no longer
   * where the unit is). A unit that reports from vehicle GPS or is a fixed place is told once and stops sending.
   */
  async function sharePosition(fix: { lng: number; lat: number; ts: number; accuracy?: number }): Promise<void> {
    if (!socket?.connected || positionRefused.value || fix.ts - lastPositionAt < POSITION_EVERY_MS) return;
    lastPositionAt = fix.ts;
    try {
      const res = await socket.timeout(SEND_TIMEOUT_MS).emitWithAck('unit:position', {
        lng: fix.lng, lat: fix.lat, ts: Math.round(fix.ts), ...(fix.accuracy !== undefined ? { accuracy: Math.min(100_000, fix.accuracy) } : {}),
      });
      if (!res.ok && res.error.code === 'position_not_tracked') positionRefused.value = sayRefusal(res.error, locale());
    } catch {
      // no answer: the next fix is sent
    }
  }

  // ---- what the officer does ----
  function acknowledge(orderId: string): void {
    if (acked.value.includes(orderId)) return;
    acked.value = [...acked.value, orderId].slice(-200);
    outbox.value = [...outbox.value, { id: newItemId(), type: 'ack', orderId, queuedAt: Date.now() }];
    void flush();
  }

  function report(status: ReportStatus, note?: string): void {
    const j = job.value;
    if (!j) return;
    // Acknowledging is implied by acting on the order.
    if (!acked.value.includes(j.orderId)) acknowledge(j.orderId);
    const text = note?.trim();
    outbox.value = [...outbox.value, { id: newItemId(), type: 'report', status, incidentId: j.incident.id, ...(text ? { note: text } : {}), queuedAt: Date.now() }];
    stages.value = { ...stages.value, [j.incident.id]: status };
    void flush();
  }

  /** A called-out emergency unit's leader answers: coming with how many people, can't, arrived, done (with a note). */
  function answerCallOut(answer: CallOutAnswer, people?: number, note?: string): void {
    const j = job.value;
    if (!j || j.kind !== 'alert') return;
    if (!acked.value.includes(j.orderId)) acknowledge(j.orderId);
    const text = note?.trim();
    const count = answer === 'coming' && people !== undefined && Number.isInteger(people) && people >= 1 && people <= 500 ? people : undefined;
    outbox.value = [...outbox.value, {
      id: newItemId(), type: 'callout', answer, incidentId: j.incident.id, ...(count !== undefined ? { people: count } : {}), ...(text ? { note: text } : {}), queuedAt: Date.now(),
    }];
    stages.value = { ...stages.value, [j.incident.id]: answer };
    void flush();
  }

  /** 到: the unit answers a roll-call with the people ready (blank: all registered). */
  function answerRollCall(rollCallId: string, people?: number): void {
    if (answeredRollCalls.value.includes(rollCallId)) return;
    answeredRollCalls.value = [...answeredRollCalls.value, rollCallId].slice(-20);
    const count = people !== undefined && Number.isInteger(people) && people >= 0 && people <= 500 ? people : undefined;
    outbox.value = [...outbox.value, { id: newItemId(), type: 'rollcall', rollCallId, ...(count !== undefined ? { people: count } : {}), queuedAt: Date.now() }];
    void flush();
  }

  /** 报告发现 at the phone's position; without one, the officer is told to wait for a fix (nothing queued). */
  function reportSighting(searchId: string, text: string, at: { lng: number; lat: number } | null): boolean {
    if (search.reportSighting(searchId, text, at)) return true;
    notice.value = i18n.global.t('searchPhone.needFix');
    return false;
  }

  if (session.value) start();

  return {
    session, orders, acked, stages, outbox, connection, notice, ended, job, stage, jobAcked, unacked,
    rollCalls, openRollCall, positionRefused, login, logout, acknowledge, report, answerCallOut, answerRollCall, networkChanged, flush, stop, sharePosition,
    searches: search.notices, activeSearches: search.active, acknowledgeSearch: search.acknowledge, reportSighting,
  };
});

export type TerminalStore = ReturnType<typeof useTerminalStore>;
