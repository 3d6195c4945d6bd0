// What the command room gets from the volunteers (群防群治): the open clue queue, the broadcast searches (协查) and
// the school-gate board (护学岗). Loaded over HTTP when a screen starts (and again after a fresh snapshot, when
// deltas may have been missed), then kept current from the live store's clue:changed, search:changed and
// guard:checked-in. Commands carry a command id reused on every retry, like the dispatch console's.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { Clue, ClueDismissReason, GridCollection, GuardBoard, IncidentType, Priority, Search, StartSearch } from '@ccr/shared';
import { apiGet, apiPost } from '../api';
import { useLiveStore } from './live';
import { i18n, type MessageKey } from '../i18n';
import { sendWithRetry } from '../components/dispatch/commands';
import { applyCheckIn, gridOfficerAt, guardSummary, searchForIncident, upsertClue, upsertSearch } from '../components/volunteer/desk';

/** The board's states move with the clock (a window opens, ends): fetched again this often. */
export const GUARD_REFRESH_MS = 60_000;
/** A clue turned into a task is due this long after. */
export const CLUE_TASK_DUE_MS = 24 * 3_600_000;

export const useVolunteerDeskStore = defineStore('volunteerDesk', () => {
  const live = useLiveStore();
  const clues = shallowRef<Clue[]>([]);
  const clueTotal = ref(0);
  const searches = shallowRef(new Map<string, Search>());
  const guard = shallowRef<GuardBoard | null>(null);
  const pending = ref<string | null>(null);
  const message = shallowRef<{ tone: 'ok' | 'error'; text: string; at: number } | null>(null);
  let users = 0;
  let offLive: (() => void) | null = null;
  let offSnapshot: (() => void) | null = null;
  let guardTimer: ReturnType<typeof setInterval> | undefined;
  let wantClues = false;

  const guardFlags = computed(() => guardSummary(guard.value));
  const searchFor = (incidentId: string | null): Search | null => searchForIncident(searches.value.values(), incidentId);

  function say(tone: 'ok' | 'error', key: MessageKey, params: Record<string, string | number> = {}): void {
    message.value = { tone, text: i18n.global.t(key, params), at: Date.now() };
  }
  function sayError(e: unknown): void { message.value = { tone: 'error', text: e instanceof Error ? e.message : String(e), at: Date.now() }; }

  async function loadClues(): Promise<void> {
    try {
      const res = await apiGet<{ total: number; items: Clue[] }>('/api/clues?limit=200');
      clues.value = res.items.filter((c) => c.status === 'open');
      clueTotal.value = res.total;
    } catch { /* the queue stays as it was; the next snapshot loads it again */ }
  }
  async function loadSearches(): Promise<void> {
    try {
      const list = await apiGet<Search[]>('/api/searches');
      let next = new Map<string, Search>([...searches.value].filter(([, s]) => s.status !== 'active'));
      for (const s of list) next = upsertSearch(next, s, Date.now());
      searches.value = next;
    } catch { /* kept */ }
  }
  async function loadGuard(): Promise<void> {
    try { guard.value = await apiGet<GuardBoard>('/api/guard-posts'); } catch { /* kept */ }
  }

  /** A screen starts using the desk: `withClues` for the console (the wall needs only the 护学岗 board). */
  function start(opts: { clues?: boolean } = {}): void {
    users++;
    if (opts.clues) { wantClues = true; void loadClues(); void loadSearches(); }
    if (users > 1) return;
    void loadGuard();
    guardTimer = setInterval(() => void loadGuard(), GUARD_REFRESH_MS);
    offLive = live.onVolunteers((ev) => {
      if (ev.type === 'clue:changed') {
        const had = clues.value.some((c) => c.id === ev.clue.id);
        clues.value = upsertClue(clues.value, ev.clue);
        if (!had && ev.clue.status === 'open') clueTotal.value++;
        else if (had && ev.clue.status !== 'open') clueTotal.value = Math.max(0, clueTotal.value - 1);
      } else if (ev.type === 'search:changed') searches.value = upsertSearch(searches.value, ev.search, Date.now());
      else if (guard.value) guard.value = applyCheckIn(guard.value, ev);
    });
    offSnapshot = live.onSnapshot(() => {
      void loadGuard();
      if (wantClues) { void loadClues(); void loadSearches(); }
    });
  }
  function stop(): void {
    if (--users > 0) return;
    users = 0;
    wantClues = false;
    offLive?.(); offSnapshot?.();
    offLive = offSnapshot = null;
    clearInterval(guardTimer);
  }

  async function command<T>(what: string, path: string, body: object): Promise<T | null> {
    if (pending.value) return null;
    pending.value = what;
    try {
      return await sendWithRetry((commandId) => apiPost<T>(path, { commandId, ...body }));
    } catch (e) {
      sayError(e);
      return null;
    } finally {
      pending.value = null;
    }
  }
  const cluePath = (id: string, cmd: string): string => `/api/clues/${encodeURIComponent(id)}/${cmd}`;

  async function clueToIncident(id: string, type: IncidentType, priority: Priority): Promise<Clue | null> {
    const c = await command<Clue>('incident', cluePath(id, 'incident'), { type, priority });
    if (c) { clues.value = upsertClue(clues.value, c); say('ok', 'volunteer.console.madeIncident', { id, incident: c.incidentId ?? '' }); }
    return c;
  }
  async function clueToTask(clue: Clue, grids: GridCollection | null): Promise<Clue | null> {
    const officer = grids ? gridOfficerAt(grids, clue.lng, clue.lat) : null;
    if (!officer) { say('error', 'volunteer.console.noGrid'); return null; }
    const ordered = await command<{ tasks: { id: string }[] }>('task', '/api/tasks', {
      target: { kind: 'unit', unitId: officer }, category: 'clue', kind: 'clue_check',
      instructions: i18n.global.t('volunteer.console.taskInstructions', { text: clue.text }).slice(0, 1000),
      dueAt: Date.now() + CLUE_TASK_DUE_MS, requires: { text: true, count: false, location: true },
    });
    const taskId = ordered?.tasks[0]?.id;
    if (!taskId) return null;
    const c = await command<Clue>('task', cluePath(clue.id, 'task'), { taskId });
    if (c) { clues.value = upsertClue(clues.value, c); say('ok', 'volunteer.console.madeTask', { id: clue.id, task: taskId }); }
    return c;
  }
  async function dismissClue(id: string, reason: ClueDismissReason): Promise<Clue | null> {
    const c = await command<Clue>('dismiss', cluePath(id, 'dismiss'), { reason });
    if (c) { clues.value = upsertClue(clues.value, c); say('ok', 'volunteer.console.dismissed', { id }); }
    return c;
  }

  async function startSearch(req: Omit<StartSearch, 'commandId'>): Promise<Search | null> {
    const s = await command<Search>('search', '/api/searches', req);
    if (s) { searches.value = upsertSearch(searches.value, s, Date.now()); say('ok', 'volunteer.console.started', { n: s.recipients.length }); }
    return s;
  }
  async function endSearch(id: string, how: 'found' | 'cancel'): Promise<Search | null> {
    const s = await command<Search>(how, `/api/searches/${encodeURIComponent(id)}/${how}`, {});
    if (s) searches.value = upsertSearch(searches.value, s, Date.now());
    return s;
  }

  return {
    clues, clueTotal, searches, guard, guardFlags, pending, message, searchFor,
    start, stop, loadClues, loadGuard, clueToIncident, clueToTask, dismissClue, startSearch, endSearch,
  };
});
