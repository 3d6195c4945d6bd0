// The volunteer's phone (/m/volunteer): its own Socket.IO connection to the /volunteer namespace, the profile the
// server sends, the search notices (协查) kept until acknowledged, the phone's position, and the outbox of reports
// (components/volunteer/outbox.ts) sent in order once connected. The session is the auth store's (a volunteer
// token from POST /api/auth/volunteer).
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { io, type Socket } from 'socket.io-client';
import {
  GUARD_WINDOWS, VOLUNTEER_NAMESPACE, type AckError, type GuardWindowName, type VolunteerClientToServerEvents, type VolunteerProfile, type VolunteerServerToClientEvents,
} from '@ccr/shared';
import { useAuthStore } from './auth';
import { usePrefsStore } from './prefs';
import { newCommandId } from '../components/dispatch/commands';
import { refusalText } from '../errors';
import type { MessageKey } from '../i18n';
import {
  enqueue, flushOutbox, OUTBOX_EVENTS, parseOutbox, RETRY_CODES, type OutboxItem, type OutboxKind, type SendResult,
} from '../components/volunteer/outbox';
import { searchEmit, useSearchNotices } from '../components/search/searches';

type VolunteerSocket = Socket<VolunteerServerToClientEvents, VolunteerClientToServerEvents>;
export const OUTBOX_STORAGE_KEY = 'ccr.volunteer.outbox';
const SEND_TIMEOUT_MS = 10_000;
/** The phone tells the server where it is at most this often (for a search's radius). */
const HERE_EVERY_MS = 60_000;

export interface Fix { lng: number; lat: number; accuracy: number | null; manual: boolean; at: number }

export const useVolunteerStore = defineStore('volunteer', () => {
  const auth = useAuthStore();
  const prefs = usePrefsStore();
  const connected = ref(false);
  const profile = shallowRef<VolunteerProfile | null>(null);
  const outbox = shallowRef<OutboxItem[]>(parseOutbox(readStored()));
  const fix = shallowRef<Fix | null>(null);
  const geoError = ref<string | null>(null);
  /** The last thing to tell the volunteer: a catalogue key (volunteer.msg.…), or a refusal's sentence. */
  const message = shallowRef<{ tone: 'ok' | 'error' | 'info'; key: MessageKey; text?: string } | null>(null);
  let socket: VolunteerSocket | null = null;
  let watchId: number | null = null;
  let flushing = false;
  let hereSentAt = 0;

  // 协查: the notice list and its answers are the unit terminal's too; the items go into this phone's outbox.
  const searches = useSearchNotices({ queue: (item) => queue(item.kind, searchEmit(item)[1], item.id) });
  const { notices, active } = searches;
  const isGuard = computed(() => profile.value?.volunteerKind === 'school_guard');

  function readStored(): string | null {
    try { return globalThis.localStorage?.getItem(OUTBOX_STORAGE_KEY) ?? null; } catch { return null; }
  }
  function setOutbox(next: OutboxItem[]): void {
    outbox.value = next;
    try { globalThis.localStorage?.setItem(OUTBOX_STORAGE_KEY, JSON.stringify(next)); } catch { /* storage blocked: kept for this page */ }
  }

  /** The post's check-in the server confirmed (the window it counted for, and when), shown until the page reloads:
   *  checking in again is harmless (the window's first check-in stands). */
  const checkedIn = shallowRef<{ window: GuardWindowName; at: number } | null>(null);
  function noteCheckIn(data: unknown): void {
    const w = (data as { window?: unknown } | undefined)?.window;
    if ((GUARD_WINDOWS as readonly unknown[]).includes(w)) checkedIn.value = { window: w as GuardWindowName, at: Date.now() };
  }

  function say(tone: 'ok' | 'error' | 'info', key: MessageKey, text?: string): void { message.value = { tone, key, ...(text ? { text } : {}) }; }

  function send(item: OutboxItem): Promise<SendResult> {
    const s = socket;
    if (!s?.connected) return Promise.resolve({ ok: false, code: 'network', retry: true });
    return new Promise((resolve) => {
      // One event per kind, each with its own payload type: sent untyped, the payload was built for its kind.
      const timed = s.timeout(SEND_TIMEOUT_MS) as unknown as { emit(ev: string, payload: unknown, cb: (err: Error | null, res: { ok: boolean; data?: unknown; error?: AckError }) => void): void };
      timed.emit(OUTBOX_EVENTS[item.kind], item.payload, (err, res) => {
        if (err) return resolve({ ok: false, code: 'timeout', retry: true });
        if (res.ok) {
          if (item.kind === 'checkin') noteCheckIn(res.data);
          return resolve({ ok: true });
        }
        const code = res.error?.code ?? 'unknown';
        if (code === 'unauthorized') { void auth.refresh(); return resolve({ ok: false, code, retry: true }); }
        resolve({ ok: false, code, message: res.error ? refusalText(res.error, prefs.locale) ?? res.error.message : undefined, retry: RETRY_CODES.has(code) });
      });
    });
  }

  /** Sends what is queued, in order; once at a time. */
  async function flush(): Promise<void> {
    if (flushing || !socket?.connected || outbox.value.length === 0) return;
    flushing = true;
    try {
      const out = await flushOutbox(outbox.value, send);
      const done = new Set([...out.sent, ...out.refused.map((r) => r.item)].map((i) => i.id));
      // Items queued while this flush ran stay behind the ones it left.
      setOutbox(outbox.value.filter((i) => !done.has(i.id)));
      const last = out.refused.at(-1);
      if (last) say('error', 'volunteer.msg.refused', last.message ?? last.code);
      else if (out.sent.some((i) => i.kind !== 'ack')) say('ok', kindSent(out.sent.filter((i) => i.kind !== 'ack').at(-1)!.kind));
    } finally {
      flushing = false;
    }
    // Left behind (the server could not act just now): try again shortly while connected.
    if (outbox.value.length && socket?.connected) setTimeout(() => void flush(), 3_000);
  }

  function kindSent(kind: OutboxKind): MessageKey {
    return kind === 'clue' ? 'volunteer.msg.sentClue' : kind === 'sighting' ? 'volunteer.msg.sentSighting' : 'volunteer.msg.sentCheckin';
  }

  function queue(kind: OutboxKind, payload: Record<string, unknown>, id = newCommandId()): void {
    setOutbox(enqueue(outbox.value, { kind, id, payload: kind === 'ack' ? payload : { commandId: id, ...payload }, queuedAt: Date.now() }));
    if (!socket?.connected) say('info', 'volunteer.msg.queued');
    void flush();
  }

  function here(): { lng: number; lat: number } | null {
    return fix.value ? { lng: fix.value.lng, lat: fix.value.lat } : null;
  }

  // ---- actions ----
  function acknowledge(searchId: string): void { searches.acknowledge(searchId); }
  function reportSighting(searchId: string, text: string): boolean {
    if (searches.reportSighting(searchId, text, here())) return true;
    say('error', 'volunteer.msg.needFix');
    return false;
  }
  function reportClue(text: string): boolean {
    const p = here();
    if (!p) { say('error', 'volunteer.msg.needFix'); return false; }
    queue('clue', { text, lng: p.lng, lat: p.lat });
    return true;
  }
  function checkIn(): boolean {
    const p = here();
    if (!p) { say('error', 'volunteer.msg.needFix'); return false; }
    queue('checkin', { lng: p.lng, lat: p.lat });
    return true;
  }
  function setManualFix(lng: number, lat: number): void {
    fix.value = { lng, lat, accuracy: null, manual: true, at: Date.now() };
    tellHere(true);
  }

  function tellHere(force = false): void {
    const p = here();
    if (!p || !socket?.connected || (!force && Date.now() - hereSentAt < HERE_EVERY_MS)) return;
    hereSentAt = Date.now();
    socket.timeout(SEND_TIMEOUT_MS).emit('volunteer:here', p, () => undefined);
  }

  function watchPosition(): void {
    const geo = globalThis.navigator?.geolocation;
    if (!geo) { geoError.value = 'unsupported'; return; }
    watchId = geo.watchPosition((pos) => {
      geoError.value = null;
      // A manual position stays until the phone has a fix of its own.
      fix.value = { lng: pos.coords.longitude, lat: pos.coords.latitude, accuracy: pos.coords.accuracy ?? null, manual: false, at: pos.timestamp || Date.now() };
      tellHere();
    }, (e) => { geoError.value = e.code === 1 ? 'denied' : 'unavailable'; }, { enableHighAccuracy: true, maximumAge: 30_000, timeout: 20_000 });
  }

  // ---- connection ----
  function start(): void {
    if (socket) return;
    const s: VolunteerSocket = io(VOLUNTEER_NAMESPACE, {
      path: '/socket.io', transports: ['websocket', 'polling'], reconnectionDelay: 1_000, reconnectionDelayMax: 10_000,
      auth: (cb: (d: object) => void) => cb({ token: auth.token ?? '' }),
    });
    socket = s;
    s.on('connect', () => { connected.value = true; tellHere(true); void flush(); });
    s.on('disconnect', (reason) => {
      connected.value = false;
      if (reason === 'io server disconnect') setTimeout(() => { if (socket === s) s.connect(); }, 1_000);
    });
    s.on('connect_error', (err) => {
      connected.value = false;
      if (s.active) return;
      const code = (err as { data?: { code?: string } }).data?.code;
      if (code === 'forbidden') return auth.sessionEnded('refused');
      void auth.refresh().then((alive) => { if (alive && socket === s) setTimeout(() => s.connect(), 1_000); });
    });
    s.on('volunteer:profile', (p) => { profile.value = p; });
    s.on('search:issued', (n) => searches.receive(n));
    watchPosition();
  }

  function stop(): void {
    socket?.removeAllListeners();
    socket?.disconnect();
    socket = null;
    connected.value = false;
    if (watchId !== null) globalThis.navigator?.geolocation?.clearWatch(watchId);
    watchId = null;
  }

  return {
    connected, profile, notices, outbox, fix, geoError, message, active, isGuard, checkedIn,
    start, stop, flush, acknowledge, reportSighting, reportClue, checkIn, setManualFix,
  };
});
