// The simulated volunteers (群防群治): a few dozen of the roster's volunteers, each logged in on their own terminal
// exactly as a real phone would (shared/src/volunteers.ts):
//   POST /api/auth/volunteer { volunteerId, key }  →  { token, expiresAt }   key = volunteerKey(DEVICE_SECRET, id)
//   Socket.IO namespace /volunteer, handshake auth.token                      ← search:issued (until acknowledged)
//   search:acknowledge { searchId } · search:sighting { commandId, searchId, lng, lat, text }  → (each answered)
// What a volunteer does with a search is responder-behaviour.ts's, when it is done search-answers.ts's (shared with
// the units' terminals); this file only talks, and keeps retrying with a capped back-off while the server is away.
import { io, type Socket } from 'socket.io-client';
import {
  VOLUNTEER_NAMESPACE, volunteerRecipient, type SearchNotice, type Volunteer,
  type VolunteerClientToServerEvents, type VolunteerServerToClientEvents,
} from '@ccr/shared';
import type { Rng } from '@ccr/shared/demo';
import { volunteerKey } from './provisioning.js';
import { whenAllConnected } from './fleet-ready.js';
import { searchAnswerPlan, type SearchAnswerPlan } from './responder-behaviour.js';
import { searchAnswers, type SearchAnswers, type SearchOut } from './search-answers.js';

export interface VolunteerFleetOptions {
  serverUrl: string;
  secret: string;
  volunteers: readonly Volunteer[];
  rng: Rng;
  timeScale: number;
  log?: (line: string) => void;
  /** What a volunteer does with a search; default searchAnswerPlan with `rng` (tests pin it). */
  answer?: (notice: SearchNotice) => SearchAnswerPlan;
  ackTimeoutMs?: number;
}
export interface VolunteerFleetStats { sessions: number; connected: number; searchesReceived: number; acknowledged: number; sightings: number; refused: number }
export interface VolunteerFleet { stats(): VolunteerFleetStats; whenConnected(timeoutMs: number): Promise<void>; close(): void }

/**
 * Who of the roster the demo drives: `count` volunteers taken a team at a time in turn, so every team has some
 * (pure; the roster's order decides).
 */
export function pickVolunteers(all: readonly Volunteer[], count: number): Volunteer[] {
  const byTeam = new Map<string, Volunteer[]>();
  for (const v of all) byTeam.set(v.teamId, [...(byTeam.get(v.teamId) ?? []), v]);
  const out: Volunteer[] = [];
  for (let k = 0; out.length < Math.min(count, all.length); k++) {
    for (const team of byTeam.values()) if (team[k] && out.length < count) out.push(team[k]!);
  }
  return out;
}

export function startVolunteerFleet(o: VolunteerFleetOptions): VolunteerFleet {
  const log = o.log ?? (() => {});
  const base = o.serverUrl.replace(/\/+$/, '');
  const ackTimeoutMs = o.ackTimeoutMs ?? 10_000;
  const stats: VolunteerFleetStats = { sessions: o.volunteers.length, connected: 0, searchesReceived: 0, acknowledged: 0, sightings: 0, refused: 0 };
  let closed = false;
  let trouble: string | undefined;
  const noteTrouble = (text: string): void => { if (trouble !== text) { trouble = text; log(`volunteers: ${text}`); } };
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    if (closed) return;
    const t = setTimeout(() => { timers.delete(t); if (!closed) fn(); }, ms);
    timers.add(t);
  };

  class Session {
    readonly socket: Socket<VolunteerServerToClientEvents, VolunteerClientToServerEvents>;
    private token: { value: string; expiresAt: number } | undefined;
    private failures = 0;
    private readonly searches: SearchAnswers;
    private readonly outbox: SearchOut[] = [];
    private sending = false;
    private wasConnected = false;

    constructor(readonly v: Volunteer) {
      this.searches = searchAnswers({
        recipient: volunteerRecipient(v.id), later, push: (x) => this.push(x),
        plan: (n) => (o.answer ? o.answer(n) : searchAnswerPlan(o.rng, o.timeScale, n, n.radiusM)),
      });
      this.socket = io(`${base}${VOLUNTEER_NAMESPACE}`, {
        autoConnect: false, forceNew: true, transports: ['websocket'], reconnectionDelay: 1_000, reconnectionDelayMax: 30_000,
        auth: (cb) => cb({ token: this.token?.value ?? '' }),
      });
      this.socket.on('connect', () => { this.wasConnected = true; stats.connected++; this.failures = 0; trouble = undefined; void this.flush(); });
      this.socket.on('disconnect', (reason) => {
        if (this.wasConnected) { this.wasConnected = false; stats.connected--; }
        if (!this.socket.active && reason === 'io server disconnect') this.retry();
      });
      this.socket.on('connect_error', (err) => {
        if (this.socket.active) return noteTrouble(`server ${base} unreachable (${err.message}); reconnecting`);
        this.token = undefined; // refused by the namespace: log in again
        this.failures++;
        this.retry();
      });
      this.socket.on('search:issued', (raw) => this.receive(raw));
    }

    private retry(): void { later(Math.min(30_000, 1_000 * 2 ** Math.min(this.failures, 5)) * (0.5 + Math.random() * 0.5), () => void this.begin()); }

    async begin(): Promise<void> {
      if (closed || this.socket.connected || this.socket.active) return;
      if (!this.token || this.token.expiresAt - Date.now() < 60_000) {
        try {
          const res = await fetch(`${base}/api/auth/volunteer`, {
            method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(10_000),
            body: JSON.stringify({ volunteerId: this.v.id, key: volunteerKey(o.secret, this.v.id) }),
          });
          const body = (await res.json().catch(() => ({}))) as { token?: unknown; expiresAt?: unknown };
          if (!res.ok || typeof body.token !== 'string' || typeof body.expiresAt !== 'number') {
            noteTrouble(`login refused (HTTP ${res.status}): is DEVICE_SECRET the server's, volunteers.json the same? retrying`);
            this.failures++;
            return this.retry();
          }
          this.token = { value: body.token, expiresAt: body.expiresAt };
        } catch (err) {
          noteTrouble(`server ${base} not available (${(err as Error).message}); retrying`);
          this.failures++;
          return this.retry();
        }
      }
      if (!closed) this.socket.connect();
    }

    private receive(raw: unknown): void {
      if (this.searches.receive(raw) === 'new') stats.searchesReceived++;
    }

    private push(x: SearchOut): void { this.outbox.push(x); void this.flush(); }

    private async flush(): Promise<void> {
      if (this.sending) return;
      this.sending = true;
      try {
        while (this.outbox.length > 0 && this.socket.connected && !closed) {
          const x = this.outbox[0]!;
          let res: { ok: true } | { ok: false; error: { code: string; message: string } };
          try {
            const t = this.socket.timeout(ackTimeoutMs);
            res = x.event === 'search:acknowledge' ? await t.emitWithAck('search:acknowledge', { searchId: x.searchId, status: x.status })
              : await t.emitWithAck('search:sighting', { commandId: x.commandId, searchId: x.searchId, lng: x.lng, lat: x.lat, text: x.text });
          } catch {
            if (this.socket.connected) later(ackTimeoutMs, () => void this.flush());
            return;
          }
          if (!res.ok && res.error.code === 'unavailable') { later(5_000, () => void this.flush()); return; }
          this.outbox.shift();
          this.searches.answered(x, res.ok);
          if (!res.ok) {
            stats.refused++;
            log(`${this.v.id}: ${x.event} ${x.searchId} refused: ${res.error.code} ${res.error.message}`);
          } else if (x.event === 'search:acknowledge') {
            if (x.quiet) continue;
            stats.acknowledged++;
            log(`${this.v.id} ${this.v.name}: 协查 ${x.searchId} 收到`);
          } else {
            stats.sightings++;
            log(`${this.v.id} ${this.v.name}: 协查 ${x.searchId} 发现线索 ${x.text}`);
          }
        }
      } finally {
        this.sending = false;
      }
    }

    close(): void { this.socket.removeAllListeners(); this.socket.disconnect(); }
  }

  const sessions = o.volunteers.map((v) => new Session(v));
  // A few at a time, so a roster starting together does not trip the login rate limit.
  sessions.forEach((s, k) => later(k * 100, () => void s.begin()));
  if (sessions.length) log(`volunteers: ${sessions.length} volunteer terminals logging in at ${base}${VOLUNTEER_NAMESPACE}`);
  return {
    stats: () => ({ ...stats }),
    whenConnected: (timeoutMs) => whenAllConnected(() => ({ connected: stats.connected, sessions: stats.sessions, closed }), timeoutMs, 'volunteers'),
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sessions) s.close();
    },
  };
}
