// The community team's loops on screen: open dispute cases and tasks, this month's 化解率 / 满意度 and today's tasks,
// for the community console (/community) and the wall's 社区警务 panel. Loaded from GET /api/community/board (and
// /figures, /settings), then kept current by the live stream's dispute:changed and task:changed (stores/live.ts),
// so nothing polls. Commands go over HTTP with a command id chosen here and reused on every retry, like dispatch.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, triggerRef } from 'vue';
import {
  COMMUNITY_INTAKE_ROLES, COMMUNITY_ROLES, TASK_ASSIGNEE_ROLES, isDisputeOverdue, localDay,
  type CommunityBoard, type CommunityCommandResult, type CommunityFigures, type CommunitySettingsResponse,
  type CommunityTask, type DisputeCase,
} from '@ccr/shared';
import { apiGet, apiPost } from '../api';
import { useLiveStore, type CommunityEvent } from './live';
import { usePrefsStore } from './prefs';
import { useAuthStore } from './auth';
import { useJurisdictionStore } from './jurisdiction';
import { newCommandId, sendWithRetry, type RetryOptions } from '../components/dispatch/commands';
import { i18n, type MessageKey } from '../i18n';
import {
  disputeOrder, escalationMarks, figureView, isNewDispute, isNewTask, moveDisputeFigures, moveTaskFigures, overdueTasks,
  stageCounts, stageGroupOf, taskOrder, type LiveFigures, type StageGroup,
} from '../components/community/logic';

/** Everything is read again this often (overdue order, a day or month that turned, anything missed). */
export const COMMUNITY_RELOAD_MS = 5 * 60_000;
/** A change that cannot be applied on its own (its case was not on the board) reloads after this pause. */
export const COMMUNITY_RESYNC_MS = 1_500;
/** Finished cases and tasks kept on the console after they leave the board (closed, done), newest first. */
export const RECENT_KEPT = 30;

export interface CommunityMessage { tone: 'ok' | 'error' | 'info'; text: string; at: number }
export type Pane = 'disputes' | 'tasks';

export const useCommunityStore = defineStore('community', () => {
  const live = useLiveStore();
  const prefs = usePrefsStore();
  const auth = useAuthStore();
  const jurisdiction = useJurisdictionStore();

  // ---- data (shallow: replaced or triggered whole, never deep-proxied) ----
  const disputes = shallowRef(new Map<string, DisputeCase>());
  const tasks = shallowRef(new Map<string, CommunityTask>());
  /** Closed cases and finished tasks seen on this screen, so the one just closed stays readable. */
  const recentDisputes = shallowRef(new Map<string, DisputeCase>());
  const recentTasks = shallowRef(new Map<string, CommunityTask>());
  const version = ref(0);
  const board = shallowRef<CommunityBoard | null>(null);
  const figures = shallowRef<LiveFigures | null>(null);
  const settings = shallowRef<CommunitySettingsResponse | null>(null);
  const loaded = ref(false);
  const loadError = ref<string | null>(null);
  /** The board held fewer open cases or tasks than there are: counts come from the server then. */
  const truncated = ref(false);
  /** Server time, ticking every 15 s while in use: overdue is judged against it. */
  const now = ref(Date.now());

  // ---- console state ----
  const pane = ref<Pane>('disputes');
  const stage = ref<StageGroup | null>(null);
  const selectedDisputeId = ref<string | null>(null);
  const selectedTaskId = ref<string | null>(null);
  const pending = ref<string | null>(null);
  const message = shallowRef<CommunityMessage | null>(null);

  let users = 0;
  let loading: Promise<void> | null = null;
  let buffered: CommunityEvent[] | null = null;
  let resyncTimer: ReturnType<typeof setTimeout> | undefined;
  let reloadTimer: ReturnType<typeof setInterval> | undefined;
  let clockTimer: ReturnType<typeof setInterval> | undefined;
  let slowTimer: ReturnType<typeof setInterval> | undefined;
  let offCommunity: (() => void) | null = null;
  let offSnapshot: (() => void) | null = null;
  let retryOpts: RetryOptions = {};

  const timeZone = (): string => live.station?.timeZone ?? jurisdiction.data?.station.timeZone ?? 'Asia/Shanghai';
  const dayOf = (ms: number): string => localDay(ms, timeZone());
  const role = computed(() => auth.role);
  const canManage = computed(() => !!role.value && COMMUNITY_ROLES.includes(role.value));
  const canIntake = computed(() => !!role.value && COMMUNITY_INTAKE_ROLES.includes(role.value));
  const canReport = computed(() => !!role.value && TASK_ASSIGNEE_ROLES.includes(role.value));

  function touch(): void { version.value++; }
  /** Newest first, at most RECENT_KEPT. */
  function withRecent<T extends { id: string }>(m: ReadonlyMap<string, T>, item: T): Map<string, T> {
    const next = new Map<string, T>([[item.id, item]]);
    for (const [id, v] of m) if (id !== item.id && next.size < RECENT_KEPT) next.set(id, v);
    return next;
  }

  // ---- loading ----
  async function load(): Promise<void> {
    if (loading) return loading;
    buffered = [];
    loading = (async () => {
      try {
        const [b, f, s] = await Promise.all([
          apiGet<CommunityBoard>('/api/community/board', { locale: prefs.locale }),
          apiGet<CommunityFigures>('/api/community/figures', { locale: prefs.locale }),
          settings.value ? Promise.resolve(settings.value) : apiGet<CommunitySettingsResponse>('/api/community/settings', { locale: prefs.locale }),
        ]);
        settings.value = s;
        board.value = b;
        disputes.value = new Map(b.disputes.map((c) => [c.id, c]));
        tasks.value = new Map(b.tasks.map((t) => [t.id, t]));
        truncated.value = b.disputesTotal > b.disputes.length || b.tasksTotal > b.tasks.length;
        const day = dayOf(b.serverTime);
        const d = f.disputes;
        figures.value = {
          month: day.slice(0, 7), day,
          disputes: { m: d.mediated, s: d.succeeded, fu: d.followups, 'fu|sat:satisfied': d.satisfaction.satisfied, 'fu|sat:basic': d.satisfaction.basic },
          tasks: { t: b.today.due, ok: b.today.done, ot: b.today.onTime },
        };
        now.value = b.serverTime;
        loaded.value = true;
        loadError.value = null;
        const held = buffered ?? [];
        buffered = null;
        for (const e of held) apply(e);
        touch();
      } catch (e) {
        buffered = null;
        loadError.value = e instanceof Error ? e.message : String(e);
        scheduleResync(10_000);
      } finally {
        loading = null;
      }
    })();
    return loading;
  }

  function scheduleResync(ms = COMMUNITY_RESYNC_MS): void {
    if (resyncTimer !== undefined || users === 0) return;
    resyncTimer = setTimeout(() => { resyncTimer = undefined; if (users > 0) void load(); }, ms);
  }

  // ---- live changes ----
  function receive(e: CommunityEvent): void {
    if (buffered) { buffered.push(e); return; }
    if (!loaded.value) return;
    apply(e);
    touch();
  }

  /** Applies one change once: a replay of a state already shown (same number of steps) moves nothing. */
  function apply(e: CommunityEvent): void {
    if (e.type === 'dispute:changed') applyDispute(e.dispute);
    else applyTask(e.task);
  }

  function applyDispute(c: DisputeCase): void {
    const prev = disputes.value.get(c.id) ?? recentDisputes.value.get(c.id) ?? null;
    if (prev && prev.timeline.length >= c.timeline.length) return;
    if (figures.value) {
      if (prev || isNewDispute(c)) figures.value = moveDisputeFigures(figures.value, prev, c, dayOf);
      else scheduleResync(); // its earlier state was not on this board: the counts are read again
    }
    if (c.status === 'closed') {
      if (disputes.value.delete(c.id)) triggerRef(disputes);
      recentDisputes.value = withRecent(recentDisputes.value, c);
    } else {
      disputes.value.set(c.id, c);
      triggerRef(disputes);
      if (recentDisputes.value.delete(c.id)) triggerRef(recentDisputes);
    }
    if (truncated.value) scheduleResync();
  }

  function applyTask(t: CommunityTask): void {
    const prev = tasks.value.get(t.id) ?? recentTasks.value.get(t.id) ?? null;
    if (prev && prev.timeline.length >= t.timeline.length) return;
    if (figures.value) {
      if (prev || isNewTask(t)) figures.value = moveTaskFigures(figures.value, prev, t, dayOf);
      else scheduleResync();
    }
    if (t.status === 'done' || t.status === 'cancelled') {
      if (tasks.value.delete(t.id)) triggerRef(tasks);
      recentTasks.value = withRecent(recentTasks.value, t);
    } else {
      tasks.value.set(t.id, t);
      triggerRef(tasks);
    }
    if (truncated.value) scheduleResync();
  }

  /** Starts (on first use) and returns the stop of one user: the console and the wall panel share one copy. */
  function use(): () => void {
    if (users++ === 0) {
      offCommunity = live.onCommunity((e) => receive(e));
      // A fresh live snapshot means changes may have been missed while away.
      offSnapshot = live.onSnapshot(() => { if (loaded.value) scheduleResync(0); });
      void load();
      reloadTimer = setInterval(() => {
        const day = dayOf(live.serverNow());
        if (!figures.value || figures.value.day !== day) void load();
      }, 60_000);
      slowTimer = setInterval(() => void load(), COMMUNITY_RELOAD_MS);
      clockTimer = setInterval(() => { now.value = live.serverNow(); }, 15_000);
    }
    let stopped = false;
    return () => {
      if (stopped) return;
      stopped = true;
      if (--users > 0) return;
      offCommunity?.(); offSnapshot?.();
      offCommunity = offSnapshot = null;
      clearInterval(reloadTimer); clearInterval(slowTimer); clearInterval(clockTimer); clearTimeout(resyncTimer);
      resyncTimer = undefined;
    };
  }

  // ---- derived ----
  const openDisputes = computed(() => { void version.value; return [...disputes.value.values()]; });
  const counts = computed(() => {
    void version.value;
    const c = stageCounts(disputes.value.values(), now.value);
    const b = board.value;
    if (!truncated.value || !b) return c;
    // More open cases than the board holds: the server's counts (from its indexes) say how many.
    const s = b.byStatus;
    const n = (...ks: string[]): number => ks.reduce((a, k) => a + (s[k] ?? 0), 0);
    return {
      byGroup: { route: n('accepted', 'escalated'), mediate: n('routed', 'mediating'), followup: n('mediated'), close: n('followed_up') },
      open: b.disputesTotal, overdue: Math.max(c.overdue, b.overdueNow.disputes), mayEscalate: c.mayEscalate,
      overdueMayEscalate: Math.max(c.overdueMayEscalate, b.overdueNow.disputesMayEscalate),
    };
  });
  const view = computed(() => (figures.value ? figureView(figures.value) : null));
  const overdueTaskCount = computed(() => { void version.value; return overdueTasks(tasks.value.values(), now.value); });
  const marks = computed(() => { void version.value; return escalationMarks(disputes.value.values(), now.value); });

  const disputeList = computed(() => {
    void version.value;
    const all = disputeOrder(disputes.value.values(), now.value);
    return stage.value ? all.filter((c) => stageGroupOf(c.status) === stage.value) : all;
  });
  const taskList = computed(() => { void version.value; return taskOrder(tasks.value.values()); });
  const selectedDispute = computed<DisputeCase | null>(() => {
    void version.value;
    const id = selectedDisputeId.value;
    return id ? disputes.value.get(id) ?? recentDisputes.value.get(id) ?? null : null;
  });
  const selectedTask = computed<CommunityTask | null>(() => {
    void version.value;
    const id = selectedTaskId.value;
    return id ? tasks.value.get(id) ?? recentTasks.value.get(id) ?? null : null;
  });
  const isOverdue = (c: DisputeCase): boolean => isDisputeOverdue(c, now.value);

  // ---- selection ----
  function step(delta: number): void {
    if (pane.value === 'disputes') {
      const list = disputeList.value;
      if (list.length === 0) return;
      const at = list.findIndex((c) => c.id === selectedDisputeId.value);
      selectedDisputeId.value = list[at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + delta))]!.id;
    } else {
      const list = taskList.value;
      if (list.length === 0) return;
      const at = list.findIndex((t) => t.id === selectedTaskId.value);
      selectedTaskId.value = list[at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + delta))]!.id;
    }
  }
  function selectDispute(id: string | null): void { selectedDisputeId.value = id; pane.value = 'disputes'; }
  function selectTask(id: string | null): void { selectedTaskId.value = id; pane.value = 'tasks'; }
  function setStage(s: StageGroup | null): void {
    stage.value = s;
    const list = disputeList.value;
    if (!list.some((c) => c.id === selectedDisputeId.value)) selectedDisputeId.value = list[0]?.id ?? null;
  }

  // ---- commands ----
  function say(tone: CommunityMessage['tone'], key: MessageKey, params: Record<string, string | number> = {}): void {
    message.value = { tone, text: i18n.global.t(key, params), at: Date.now() };
  }

  /** Sends one command (the same id on every retry) and shows what the answer holds at once; the live event that
   *  follows is then a replay of a state already shown. */
  async function run(what: string, path: string, body: object, done: MessageKey | null, params: Record<string, string | number>): Promise<CommunityCommandResult | null> {
    if (pending.value) return null;
    pending.value = what;
    say('info', 'community.msg.sending', { what: i18n.global.t(`community.action.${what}` as MessageKey) });
    try {
      const res = await sendWithRetry(
        (commandId) => apiPost<CommunityCommandResult>(path, { ...body, commandId }, { locale: prefs.locale }),
        newCommandId(),
        { ...retryOpts, onRetry: (n) => say('info', 'cmd.retrying', { n }) },
      );
      if (res.dispute) applyDispute(res.dispute);
      for (const t of res.tasks ?? []) applyTask(t);
      touch();
      if (done) say('ok', done, { ...params, ...(res.dispute ? { id: res.dispute.id } : {}) });
      return res;
    } catch (e) {
      message.value = { tone: 'error', text: e instanceof Error ? e.message : String(e), at: Date.now() };
      return null;
    } finally {
      pending.value = null;
    }
  }

  const dPath = (id: string, cmd: string): string => `/api/disputes/${encodeURIComponent(id)}/${cmd}`;
  const tPath = (id: string, cmd: string): string => `/api/tasks/${encodeURIComponent(id)}/${cmd}`;

  async function openDispute(body: object): Promise<DisputeCase | null> {
    const res = await run('open', '/api/disputes', body, 'community.msg.opened', {});
    if (res?.dispute) { stage.value = null; selectDispute(res.dispute.id); }
    return res?.dispute ?? null;
  }
  const disputeCommand = (what: 'route' | 'session' | 'followup' | 'close' | 'reopen', cmd: string) =>
    async (id: string, body: object): Promise<boolean> => (await run(what, dPath(id, cmd), body, `community.msg.${what}` as MessageKey, { id })) !== null;
  const route = disputeCommand('route', 'route');
  const session = disputeCommand('session', 'sessions');
  const followup = disputeCommand('followup', 'followup');
  const close = disputeCommand('close', 'close');
  const reopen = disputeCommand('reopen', 'reopen');

  async function orderTask(body: object): Promise<CommunityTask[] | null> {
    const res = await run('order', '/api/tasks', body, null, {});
    const made = res?.tasks ?? null;
    if (made?.length) {
      say('ok', 'community.msg.ordered', { n: made.length, id: made[0]!.id });
      selectTask(made[0]!.id);
    }
    return made;
  }
  const taskCommand = (what: 'review' | 'cancelTask' | 'accept' | 'feedback', cmd: string) =>
    async (id: string, body: object): Promise<boolean> => (await run(what, tPath(id, cmd), body, `community.msg.${what}` as MessageKey, { id })) !== null;
  const review = taskCommand('review', 'review');
  const cancelTask = taskCommand('cancelTask', 'cancel');
  const acceptTask = taskCommand('accept', 'accept');
  const feedback = taskCommand('feedback', 'feedback');

  function refuse(key: MessageKey, params: Record<string, string | number> = {}): void { say('error', key, params); }
  function clearMessage(): void { message.value = null; }
  /** For tests: no real waiting between retries. */
  function setRetryOptions(o: RetryOptions): void { retryOpts = o; }

  return {
    disputes, tasks, recentDisputes, recentTasks, version, board, figures, settings, loaded, loadError, truncated, now,
    pane, stage, selectedDisputeId, selectedTaskId, pending, message,
    canManage, canIntake, canReport,
    openDisputes, counts, view, overdueTaskCount, marks, disputeList, taskList, selectedDispute, selectedTask, isOverdue,
    use, load, receive, step, selectDispute, selectTask, setStage,
    openDispute, route, session, followup, close, reopen, orderTask, review, cancelTask, acceptTask, feedback,
    say, refuse, clearMessage, setRetryOptions,
  };
});

export type CommunityStore = ReturnType<typeof useCommunityStore>;
