// The dispatcher console's state: which incident is selected, its recommendation, the units picked, and the
// commands. Commands go over HTTP (api.ts) with a command id chosen here and reused on every retry; their
// results arrive like every other change, as live deltas (stores/live.ts), so the console and the wall show
// the same picture. Incidents and units are read from the live store, never copied.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef, watch } from 'vue';
import type {
  CommandResult, Incident, Outcome, Recommendation, RingMinutes, UnitStatusRequest,
} from '@ccr/shared';
import { apiGet, apiPost } from '../api';
import { ApiError, describeError } from '../http';
import { useLiveStore } from './live';
import { usePrefsStore } from './prefs';
import { assignedUnits, duplicateView, queueOrder, stepSelection } from '../components/dispatch/queue';
import { newCommandId, sendWithRetry, type RetryOptions } from '../components/dispatch/commands';
import { callOutMessage } from '../components/dispatch/call-out';
import { i18n, type MessageKey } from '../i18n';
import { onNewP1 } from '../components/dispatch/attention';
import { actorName } from '../lib/actors';
import { useNameBook } from '../lib/nameBook';

/** A running recommendation goes stale as units move: refreshed this often while an incident is selected. */
export const RECOMMENDATION_REFRESH_MS = 15_000;
/** The tiered call-out of minimum emergency units: the 1-minute ring first, then 3, then 5. */
export const ALERT_TIERS: readonly RingMinutes[] = [1, 3, 5];

export type CommandKind = 'dispatch' | 'backup' | 'reassign' | 'cancel' | 'alert' | 'resolve' | 'close' | 'unitStatus' | 'acknowledge' | 'merge' | 'notDuplicate';

export interface ConsoleMessage { tone: 'ok' | 'error' | 'info'; text: string; at: number }

export const useDispatchStore = defineStore('dispatch', () => {
  const live = useLiveStore();
  const nameBook = useNameBook();
  const prefs = usePrefsStore();

  const selectedId = ref<string | null>(null);
  const recommendation = shallowRef<Recommendation | null>(null);
  const recommendationError = ref<string | null>(null);
  const loadingRecommendation = ref(false);
  /** Candidate unit ids the dispatcher picked (1–9), in the order picked. */
  const picked = ref<string[]>([]);
  /** The assigned unit a reassign replaces (clicked in the detail); the first one on its way when unset. */
  const reassignFrom = ref<string | null>(null);
  const note = ref('');
  const pending = ref<CommandKind | null>(null);
  const message = shallowRef<ConsoleMessage | null>(null);
  /** A close/cancel dialog is open (set by the view): the dispatcher is mid-command. */
  const dialogOpen = ref(false);
  /** A new P1 that arrived while the dispatcher was mid-command: shown until they turn to it or it is handled. */
  const waitingP1 = ref<string | null>(null);
  /** Incident id → the largest ring already alerted. */
  const alerted = ref(new Map<string, RingMinutes>());
  let recSeq = 0;
  /** Only while the console is on screen does the store fetch recommendations. */
  let active = true;
  let recTimer: ReturnType<typeof setTimeout> | undefined;
  let retryOpts: RetryOptions = {};

  const locale = computed(() => prefs.locale);
  const queue = computed<Incident[]>(() => {
    void live.incidentsVersion;
    return queueOrder(live.incidents.values());
  });
  const selected = computed<Incident | null>(() => {
    void live.incidentsVersion;
    return selectedId.value ? live.incidents.get(selectedId.value) ?? null : null;
  });
  const assigned = computed(() => {
    void live.unitsVersion;
    return selected.value ? assignedUnits(selected.value, live.units) : [];
  });
  /** 疑似重复 of the selected incident: the original it names, distance and time, and whether M can merge now. */
  const duplicate = computed(() => {
    void live.incidentsVersion;
    return selected.value ? duplicateView(selected.value, live.incidents) : null;
  });
  const candidates = computed(() => (recommendation.value && recommendation.value.incidentId === selectedId.value ? recommendation.value.candidates : []));
  const rings = computed(() => (recommendation.value && recommendation.value.incidentId === selectedId.value ? recommendation.value.rings : []));
  const nextAlertRing = computed<RingMinutes | null>(() => {
    const id = selectedId.value;
    if (!id) return null;
    const done = alerted.value.get(id);
    if (done === undefined) return ALERT_TIERS[0]!;
    const k = ALERT_TIERS.indexOf(done);
    return ALERT_TIERS[k + 1] ?? null;
  });

  function say(tone: ConsoleMessage['tone'], key: MessageKey, params?: Record<string, string | number>): void {
    message.value = { tone, text: i18n.global.t(key, params ?? {}), at: Date.now() };
  }
  function sayError(e: unknown): void {
    let text = e instanceof Error ? e.message : String(e);
    // A refusal names units and people by id; the dispatcher knows them by name.
    const params = e instanceof ApiError ? e.body?.params : undefined;
    if (e instanceof ApiError && params) {
      const given: Record<string, string> = {};
      const unitId = params.unitId;
      const name = typeof unitId === 'string' ? live.units.get(unitId)?.name : undefined;
      if (typeof unitId === 'string' && name && name !== unitId) given.unitId = `${name}（${unitId}）`;
      if (typeof params.by === 'string') given.by = actorName(params.by, locale.value, nameBook.value);
      text = describeError(e.status, e.body, locale.value, given);
    }
    message.value = { tone: 'error', text, at: Date.now() };
  }

  // ---- selection ----
  function select(id: string | null): void {
    if (id === selectedId.value) return;
    selectedId.value = id;
    picked.value = [];
    reassignFrom.value = null;
    note.value = '';
    recommendation.value = null;
    recommendationError.value = null;
    void loadRecommendation();
  }
  function step(delta: number): void {
    select(stepSelection(queue.value, selectedId.value, delta));
  }

  // The selected incident left the board (closed, cancelled, merged): take the one now in its place.
  let lastIndex = 0;
  watch(queue, (q) => {
    // The call-out record matters only while its incident is open; a console left on for months would
    // otherwise keep one entry for every incident it ever called out for.
    if ([...alerted.value.keys()].some((k) => !live.incidents.has(k))) {
      alerted.value = new Map([...alerted.value].filter(([k]) => live.incidents.has(k)));
    }
    const id = selectedId.value;
    const at = id ? q.findIndex((i) => i.id === id) : -1;
    if (at >= 0) { lastIndex = at; return; }
    if (q.length === 0) { if (id) select(null); return; }
    select(q[Math.min(lastIndex, q.length - 1)]!.id);
  });

  // A new priority-1 incident: turn to it unless the dispatcher is mid-command (then say so). The tone is the
  // app's (App.vue), the same on every screen.
  live.onAlarm((alarm) => {
    if (!active || alarm.repeats > 0) return;
    const id = alarm.incident.id;
    const decision = onNewP1(id, {
      selectedId: selectedId.value, pending: pending.value !== null, picked: picked.value.length,
      reassignChosen: reassignFrom.value !== null, noteTyped: note.value.trim() !== '', dialogOpen: dialogOpen.value,
    });
    if (decision === 'select') {
      select(id);
      say('info', 'console.p1Selected', { incident: id });
    } else if (decision === 'announce') {
      waitingP1.value = id;
      say('info', 'console.p1Waiting', { incident: id });
    }
  });
  watch([selectedId, () => live.incidentsVersion], () => {
    const w = waitingP1.value;
    if (w && (w === selectedId.value || !live.incidents.has(w))) waitingP1.value = null;
  });

  // ---- recommendation ----
  async function loadRecommendation(): Promise<void> {
    clearTimeout(recTimer);
    const id = selectedId.value;
    const inc = selected.value;
    const mine = ++recSeq;
    if (!active || !id || !inc) { loadingRecommendation.value = false; return; }
    loadingRecommendation.value = true;
    try {
      const rec = await apiGet<Recommendation>(`/api/incidents/${encodeURIComponent(id)}/recommendations`, { locale: locale.value });
      if (mine !== recSeq) return;
      recommendation.value = rec;
      recommendationError.value = null;
      // Picks that are no longer offered (sent elsewhere meanwhile) are dropped.
      const offered = new Set(rec.candidates.map((c) => c.unitId));
      picked.value = picked.value.filter((u) => offered.has(u));
    } catch (e) {
      if (mine !== recSeq) return;
      recommendationError.value = e instanceof Error ? e.message : String(e);
    } finally {
      if (mine === recSeq) {
        loadingRecommendation.value = false;
        recTimer = setTimeout(() => { void loadRecommendation(); }, RECOMMENDATION_REFRESH_MS);
      }
    }
  }

  function togglePick(rank: number): void {
    const c = candidates.value[rank - 1];
    if (!c) return;
    picked.value = picked.value.includes(c.unitId) ? picked.value.filter((u) => u !== c.unitId) : [...picked.value, c.unitId];
  }

  /** Names for messages (the dispatcher reads names, not ids). */
  const names = (ids: readonly string[]): string => ids.map((id) => live.units.get(id)?.name ?? id).join('、');

  /** The units a dispatch or backup sends: the picked ones, else the top recommendation. */
  function unitsToSend(): string[] {
    if (picked.value.length > 0) return [...picked.value];
    const top = candidates.value[0];
    return top ? [top.unitId] : [];
  }

  // ---- commands ----
  async function run(kind: CommandKind, path: string, body: (commandId: string) => object, done: MessageKey | null, params: Record<string, string | number> = {}): Promise<CommandResult | null> {
    if (pending.value) return null; // one command at a time: a second Enter must not send a second unit
    pending.value = kind;
    say('info', 'cmd.sending', { what: i18n.global.t(`cmd.${kind}`) });
    try {
      const res = await sendWithRetry(
        (commandId) => apiPost<CommandResult>(path, body(commandId), { locale: locale.value }),
        newCommandId(),
        { ...retryOpts, onRetry: (n) => say('info', 'cmd.retrying', { n }) },
      );
      if (done) say('ok', done, params); // null: the caller says what happened from the answer
      return res;
    } catch (e) {
      sayError(e);
      return null;
    } finally {
      pending.value = null;
      void loadRecommendation();
    }
  }

  const incidentPath = (id: string, cmd: string): string => `/api/incidents/${encodeURIComponent(id)}/${cmd}`;
  const withNote = <T extends object>(b: T): T & { note?: string } => (note.value.trim() ? { ...b, note: note.value.trim().slice(0, 500) } : b);

  /** Enter: the first units to a waiting incident; more units (backup) to one already being handled. */
  async function dispatch(): Promise<void> {
    const inc = selected.value;
    if (!inc) return;
    if (inc.status !== 'received') return backup();
    const unitIds = unitsToSend();
    if (unitIds.length === 0) { say('error', 'cmd.noCandidate'); return; }
    const res = await run('dispatch', incidentPath(inc.id, 'dispatch'), (commandId) => withNote({ unitIds, commandId }), 'cmd.dispatched', { units: names(unitIds), incident: inc.id });
    if (res) { picked.value = []; note.value = ''; }
  }

  async function backup(): Promise<void> {
    const inc = selected.value;
    if (!inc) return;
    const unitIds = unitsToSend();
    if (unitIds.length === 0) { say('error', 'cmd.noCandidate'); return; }
    const res = await run('backup', incidentPath(inc.id, 'backup'), (commandId) => withNote({ unitIds, commandId }), 'cmd.backedUp', { units: names(unitIds), incident: inc.id });
    if (res) { picked.value = []; note.value = ''; }
  }

  async function reassign(): Promise<void> {
    const inc = selected.value;
    if (!inc) return;
    const from = reassignFrom.value ?? assigned.value.find((u) => u.status === 'dispatched' || u.status === 'en_route')?.id ?? assigned.value[0]?.id;
    if (!from) { say('error', 'cmd.noAssigned'); return; }
    const to = unitsToSend()[0];
    if (!to) { say('error', 'cmd.noCandidate'); return; }
    const res = await run('reassign', incidentPath(inc.id, 'reassign'), (commandId) => withNote({ fromUnitId: from, toUnitId: to, commandId }), 'cmd.reassigned', { from: names([from]), to: names([to]) });
    if (res) { picked.value = []; reassignFrom.value = null; }
  }

  async function cancel(reason: string): Promise<boolean> {
    const inc = selected.value;
    if (!inc) return false;
    const r = reason.trim();
    if (!r) { say('error', 'cmd.reasonNeeded'); return false; }
    return (await run('cancel', incidentPath(inc.id, 'cancel'), (commandId) => ({ commandId, reason: r.slice(0, 500) }), 'cmd.cancelled', { incident: inc.id })) !== null;
  }

  async function alertEmergency(): Promise<void> {
    const inc = selected.value;
    const ring = nextAlertRing.value;
    if (!inc) return;
    if (ring === null) { say('info', 'cmd.allAlerted'); return; }
    const inRing = rings.value.find((r) => r.minutes === ring)?.units.length ?? null;
    const res = await run('alert', incidentPath(inc.id, 'alert-emergency-units'), (commandId) => withNote({ commandId, ring }), null);
    if (!res) return;
    alerted.value = new Map(alerted.value).set(inc.id, ring);
    // What it reached, from the answer: an empty ring says so instead of "alerted".
    const m = callOutMessage(ring, res.units.length, inRing, nextAlertRing.value);
    say(m.tone, m.key, m.params);
  }

  async function resolve(): Promise<void> {
    const inc = selected.value;
    if (!inc) return;
    const res = await run('resolve', incidentPath(inc.id, 'resolve'), (commandId) => withNote({ commandId }), 'cmd.resolved', { incident: inc.id });
    if (res) note.value = '';
  }

  async function close(outcome: Outcome, closeNote: string): Promise<boolean> {
    const inc = selected.value;
    if (!inc) return false;
    const n = closeNote.trim();
    return (await run('close', incidentPath(inc.id, 'close'), (commandId) => ({ commandId, outcome, ...(n ? { note: n.slice(0, 500) } : {}) }), 'cmd.closed', { incident: inc.id })) !== null;
  }

  /** 确认警报: ends the selected incident's alarm on every wall (dispatching does it too). */
  async function acknowledge(): Promise<void> {
    const inc = selected.value;
    if (!inc) return;
    if (inc.alarmAcknowledged) { say('info', 'cmd.alreadyAcknowledged', { by: inc.alarmAcknowledged.by }); return; }
    await run('acknowledge', incidentPath(inc.id, 'acknowledge'), (commandId) => ({ commandId }), 'cmd.acknowledged', { incident: inc.id });
  }

  /** Whether M may open its dialog; says why not (not flagged, or the original has ended: 409 otherwise). */
  function mergeReady(): boolean {
    const dup = duplicate.value;
    if (!dup) { say('error', 'cmd.notFlagged'); return false; }
    if (!dup.mergeable) { say('error', 'cmd.originalGone', { id: dup.of }); return false; }
    return true;
  }

  /** M (after the dialog's Enter): the selected suspected duplicate joins the incident it repeats. */
  async function merge(mergeNote: string): Promise<boolean> {
    const inc = selected.value;
    const dup = duplicate.value;
    if (!inc) return false;
    if (!dup) { say('error', 'cmd.notFlagged'); return false; }
    const n = mergeNote.trim();
    return (await run('merge', incidentPath(inc.id, 'merge'), (commandId) => ({ commandId, intoIncidentId: dup.of, ...(n ? { note: n.slice(0, 500) } : {}) }), 'cmd.merged', { incident: inc.id, into: dup.of })) !== null;
  }

  /** D: 不是重复 — the flag goes for good and the incident is dispatched like any other. */
  async function notDuplicate(): Promise<void> {
    const inc = selected.value;
    if (!inc) return;
    if (!duplicate.value) { say('error', 'cmd.notFlagged'); return; }
    const res = await run('notDuplicate', incidentPath(inc.id, 'not-duplicate'), (commandId) => withNote({ commandId }), 'cmd.notDuplicateDone', { incident: inc.id });
    if (res) note.value = '';
  }

  async function setUnitStatus(unitId: string, status: UnitStatusRequest['status']): Promise<void> {
    await run('unitStatus', `/api/units/${encodeURIComponent(unitId)}/status`, (commandId) => ({ commandId, status }), 'cmd.unitStatusSet', { unit: names([unitId]), status: i18n.global.t(`unitStatus.${status}`) });
  }

  function clear(): void {
    picked.value = [];
    reassignFrom.value = null;
    message.value = null;
  }

  function start(): void {
    active = true;
    void loadRecommendation();
  }

  function stop(): void {
    active = false;
    clearTimeout(recTimer);
    recSeq++;
  }

  /** For tests: no real waiting between retries. */
  function setRetryOptions(o: RetryOptions): void { retryOpts = o; }

  return {
    selectedId, selected, queue, assigned, recommendation, recommendationError, loadingRecommendation, candidates, rings,
    picked, reassignFrom, note, pending, message, alerted, nextAlertRing, dialogOpen, waitingP1, duplicate,
    select, step, togglePick, loadRecommendation, dispatch, backup, reassign, cancel, alertEmergency, resolve, close, acknowledge, mergeReady, merge, notDuplicate,
    setUnitStatus, clear, start, stop, setRetryOptions,
  };
});

export type DispatchStore = ReturnType<typeof useDispatchStore>;
