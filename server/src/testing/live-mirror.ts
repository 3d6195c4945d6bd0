// A Socket.IO client that keeps a copy of the live picture exactly as a screen would: snapshot, then
// ordered deltas, resuming from its last sequence after a reconnect. Used by tests and the benchmark.
import { io, type Socket } from 'socket.io-client';
import {
  compareSeq, isOpenStatus, type ClientToServerEvents, type Incident, type LiveDelta, type LiveSubscribeResult,
  type LiveUnit, type PositionFrame, type ServerToClientEvents, type TodayStats, type Ack,
} from '@ccr/shared';

export class LiveMirror {
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  seq: string | undefined;
  units = new Map<string, LiveUnit>();
  incidents = new Map<string, Incident>();
  today: TodayStats | undefined;
  deltas: LiveDelta[] = [];
  frames: PositionFrame[] = [];
  subscriptions: LiveSubscribeResult['mode'][] = [];
  private buffered: LiveDelta[] | null = null;
  private listeners = new Set<() => void>();

  /** `token`: the bearer sent in the handshake (a function is asked again on every reconnect). */
  constructor(url: string, opts: { keepFrames?: boolean; token?: string | (() => Promise<string>) } = {}) {
    const { token } = opts;
    this.socket = io(url, {
      transports: ['websocket'], reconnectionDelay: 100, reconnectionDelayMax: 500,
      auth: (cb) => {
        if (typeof token !== 'function') return cb(token ? { token } : {});
        token().then((t) => cb({ token: t }), () => cb({}));
      },
    });
    this.socket.on('connect', () => void this.subscribe());
    this.socket.on('live:updated', (d) => {
      if (this.buffered) this.buffered.push(d);
      else this.apply(d);
    });
    this.socket.on('units:moved', (f) => {
      if (opts.keepFrames !== false) this.frames.push(f);
      for (const [id, lng, lat, ts, speed, heading] of f.positions) {
        const u = this.units.get(id);
        if (u && (!u.position || u.position.ts <= ts)) {
          u.position = { lng, lat, ts, ...(speed !== null ? { speed } : {}), ...(heading !== null ? { heading } : {}) };
        }
      }
      this.changed();
    });
  }

  private async subscribe(): Promise<void> {
    this.buffered = [];
    const res = (await this.socket.emitWithAck('live:subscribe', this.seq ? { since: this.seq } : {})) as Ack<LiveSubscribeResult>;
    if (!res.ok) throw new Error(res.error.message);
    const pending = this.buffered;
    this.buffered = null;
    this.subscriptions.push(res.data.mode);
    if (res.data.mode === 'snapshot') {
      const s = res.data.snapshot;
      this.seq = s.seq;
      this.units = new Map(s.units.map((u) => [u.id, u]));
      this.incidents = new Map(s.incidents.map((i) => [i.id, i]));
      this.today = s.today;
    } else {
      for (const d of res.data.deltas) this.apply(d);
    }
    for (const d of pending) this.apply(d);
    this.changed();
  }

  private apply(d: LiveDelta): void {
    if (this.seq && compareSeq(d.seq, this.seq) <= 0) return;
    this.seq = d.seq;
    this.deltas.push(d);
    const e = d.event;
    if (e.type === 'incident:reported' || e.type === 'incident:updated') {
      if (isOpenStatus(e.incident.status)) this.incidents.set(e.incident.id, e.incident);
      else this.incidents.delete(e.incident.id);
    } else if (e.type === 'unit:updated') {
      this.units.set(e.unit.id, e.unit);
    } else if (e.type === 'units:freshness') {
      for (const id of e.stale) { const u = this.units.get(id); if (u) u.stale = true; }
      for (const id of e.fresh) { const u = this.units.get(id); if (u) u.stale = false; }
    } else if (e.type === 'units:frozen') {
      for (const [k, id] of e.frozen.entries()) { const u = this.units.get(id); if (u) u.frozenSince = e.since?.[k] ?? d.at; }
      for (const id of e.moving) { const u = this.units.get(id); if (u) delete u.frozenSince; }
    } else if (e.type === 'stats:today') {
      this.today = e.today;
    }
    this.changed();
  }

  private changed(): void {
    for (const l of this.listeners) l();
  }

  /** Resolves when `predicate` holds, checking after every change; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (predicate()) { cleanup(); resolve(); }
      };
      const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)); }, timeoutMs);
      const cleanup = (): void => { clearTimeout(timer); this.listeners.delete(check); };
      this.listeners.add(check);
    });
  }

  ready(timeoutMs = 5_000): Promise<void> {
    return this.waitFor(() => this.subscriptions.length > 0 && this.buffered === null, timeoutMs, 'subscription');
  }

  close(): void {
    this.socket.close();
  }
}
