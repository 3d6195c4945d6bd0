// The socket binding against a stand-in socket: what it sends on (re)connect, and how acks and deltas reach
// the store. (The store's own rules are in stores/live.test.ts.)
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { Ack, LiveDelta, LiveSubscribeRequest, LiveSubscribeResult, PositionFrame } from '@ccr/shared';
import { useLiveStore } from './stores/live';
import { connectLive, type LiveSocket, type SocketSession } from './socket';
import { delta, incident, snapshot, T0, todayStats, unit } from './test/fixtures';

type AckFn = (err: Error | null, res: Ack<LiveSubscribeResult>) => void;

class FakeSocket {
  connected = false;
  /** Socket.IO's `active`: false after a refusal by the server's middleware (then it does not retry). */
  active = true;
  connects = 0;
  handlers = new Map<string, ((...a: unknown[]) => void)[]>();
  subscribes: { req: LiveSubscribeRequest; ack: AckFn }[] = [];
  disconnected = false;

  on(ev: string, fn: (...a: unknown[]) => void): this {
    this.handlers.set(ev, [...(this.handlers.get(ev) ?? []), fn]);
    return this;
  }
  fire(ev: string, ...args: unknown[]): void {
    for (const fn of this.handlers.get(ev) ?? []) fn(...args);
  }
  timeout(): { emit: (ev: string, req: LiveSubscribeRequest, ack: AckFn) => void } {
    return { emit: (_ev, req, ack) => { this.subscribes.push({ req, ack }); } };
  }
  connect(): this { this.connects++; this.active = true; return this; }
  disconnect(): this { this.disconnected = true; this.connected = false; this.active = false; return this; }
  removeAllListeners(): this { this.handlers.clear(); return this; }

  up(): void { this.connected = true; this.active = true; this.fire('connect'); }
  /** The server's auth middleware says no (or cannot check): Socket.IO then stops retrying by itself. */
  refuse(code = 'unauthorized'): void {
    this.connected = false;
    this.active = false;
    this.fire('connect_error', Object.assign(new Error(code), { data: { code, message: code } }));
  }
  down(reason = 'transport close'): void { this.connected = false; this.fire('disconnect', reason); }
  lastSubscribe(): { req: LiveSubscribeRequest; ack: AckFn } { return this.subscribes.at(-1)!; }
}

class FakeSession implements SocketSession {
  current: string | null = 'tok-1';
  renewals = 0;
  renewResult = true;
  refusedCount = 0;
  listeners = new Set<(t: string | null) => void>();
  token(): string | null { return this.current; }
  renew(): Promise<boolean> { this.renewals++; return Promise.resolve(this.renewResult); }
  refused(): void { this.refusedCount++; this.set(null); }
  onTokenChange(cb: (t: string | null) => void): () => void { this.listeners.add(cb); return () => this.listeners.delete(cb); }
  set(t: string | null): void { this.current = t; for (const l of this.listeners) l(t); }
}

function setup() {
  const store = useLiveStore();
  const fake = new FakeSocket();
  const session = new FakeSession();
  const conn = connectLive(store, { socket: fake as unknown as LiveSocket, disconnectedAfterMs: 1000, session });
  return { store, fake, conn, session };
}

const ok = (data: LiveSubscribeResult): Ack<LiveSubscribeResult> => ({ ok: true, data });

describe('live socket binding', () => {
  beforeEach(() => { setActivePinia(createPinia()); vi.useFakeTimers(); vi.setSystemTime(T0); });
  afterEach(() => vi.useRealTimers());

  it('subscribes without `since` first, then from the last sequence number after a reconnect', () => {
    const { store, fake } = setup();
    expect(store.connection).toBe('connecting');
    fake.up();
    expect(store.connection).toBe('connected');
    expect(fake.lastSubscribe().req).toEqual({});
    fake.lastSubscribe().ack(null, ok({ mode: 'snapshot', snapshot: snapshot({ seq: '1000-0', serverTime: T0 }) }));
    fake.fire('live:updated', delta('1000-1', { type: 'stats:today', today: todayStats(3) }));
    expect(store.today?.total).toBe(3);

    fake.down();
    expect(store.connection).toBe('reconnecting');
    fake.fire('connect_error', new Error('refused'));
    expect(store.connection).toBe('reconnecting');
    vi.advanceTimersByTime(1000);
    expect(store.connection).toBe('disconnected');
    fake.fire('connect_error', new Error('refused')); // retries go on; the state stays red
    vi.advanceTimersByTime(5000);
    expect(store.connection).toBe('disconnected');
    fake.up();
    expect(store.connection).toBe('connected');
    expect(fake.lastSubscribe().req).toEqual({ since: '1000-1' });
    fake.lastSubscribe().ack(null, ok({ mode: 'replay', deltas: [delta('1000-2', { type: 'stats:today', today: todayStats(4) })] }));
    expect(store.today?.total).toBe(4);
  });

  it('turns red when the first connection does not come', () => {
    const { store, fake } = setup();
    fake.fire('connect_error', new Error('refused'));
    expect(store.connection).toBe('connecting');
    vi.advanceTimersByTime(1000);
    expect(store.connection).toBe('disconnected');
  });

  it('buffers deltas that arrive before the ack and applies the newer ones after it', () => {
    const { store, fake } = setup();
    fake.up();
    const d = (seq: string, id: string): LiveDelta => delta(seq, { type: 'incident:reported', incident: incident({ id }) });
    fake.fire('live:updated', d('999-0', 'OLD'));
    fake.fire('live:updated', d('1000-5', 'NEW'));
    expect(store.incidents.size).toBe(0);
    fake.lastSubscribe().ack(null, ok({ mode: 'snapshot', snapshot: snapshot({ seq: '1000-0' }) }));
    expect([...store.incidents.keys()]).toEqual(['NEW']);
  });

  it('passes position frames to the store', () => {
    const { store, fake } = setup();
    fake.up();
    fake.lastSubscribe().ack(null, ok({ mode: 'snapshot', snapshot: snapshot({ units: [unit({ id: 'P-01' })] }) }));
    const frame: PositionFrame = { frame: 1, sentAt: T0, positions: [['P-01', 116.7, 39.1, T0 + 1, null, null]] };
    fake.fire('units:moved', frame);
    expect(store.positions.get('P-01')?.[1]).toBe(116.7);
  });

  it('retries a subscribe that timed out, and falls back to a snapshot when resuming is refused', () => {
    const { store, fake } = setup();
    fake.up();
    fake.lastSubscribe().ack(new Error('timeout'), undefined as unknown as Ack<LiveSubscribeResult>);
    expect(fake.subscribes).toHaveLength(1);
    vi.advanceTimersByTime(2000);
    expect(fake.subscribes).toHaveLength(2);
    fake.lastSubscribe().ack(null, ok({ mode: 'snapshot', snapshot: snapshot({ seq: '5-0' }) }));
    fake.down();
    fake.up();
    expect(fake.lastSubscribe().req).toEqual({ since: '5-0' });
    fake.lastSubscribe().ack(null, { ok: false, error: { code: 'BAD_SINCE', message: 'too old' } });
    vi.advanceTimersByTime(0);
    expect(fake.lastSubscribe().req).toEqual({});
    expect(store.lastSeq).toBeNull();
  });

  it('ignores an ack that belongs to a connection that has since dropped', () => {
    const { store, fake } = setup();
    fake.up();
    const stale = fake.lastSubscribe();
    fake.down();
    fake.up();
    stale.ack(null, ok({ mode: 'snapshot', snapshot: snapshot({ seq: '1-0', today: todayStats(1) }) }));
    expect(store.hasSnapshot).toBe(false);
    fake.lastSubscribe().ack(null, ok({ mode: 'snapshot', snapshot: snapshot({ seq: '2-0', today: todayStats(2) }) }));
    expect(store.today?.total).toBe(2);
  });

  it('renews the token once when the server refuses the handshake, and ends the session when refused again', async () => {
    const { fake, session } = setup();
    fake.refuse();
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.renewals).toBe(1);
    expect(fake.connects).toBe(1); // tried again with the renewed token
    expect(session.refusedCount).toBe(0);
    fake.refuse();
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.refusedCount).toBe(1);
    expect(session.current).toBeNull();
  });

  it('ends the session when the renewal after a refusal is refused', async () => {
    const { fake, session } = setup();
    session.renewResult = false;
    fake.refuse();
    await vi.advanceTimersByTimeAsync(1000);
    expect(session.refusedCount).toBe(1);
    expect(fake.connects).toBe(0);
  });

  it('tries again later, keeping the session, when the server cannot check the token just now', async () => {
    const { fake, session } = setup();
    fake.refuse('unavailable');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(session.renewals).toBe(0);
    expect(session.refusedCount).toBe(0);
    expect(fake.connects).toBe(1);
  });

  it('ends the session at once when its role may not connect', async () => {
    const { fake, session } = setup();
    fake.refuse('forbidden');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(session.refusedCount).toBe(1);
    expect(fake.connects).toBe(0);
  });

  it('does not count a network failure as a refusal', async () => {
    const { fake, session } = setup();
    fake.fire('connect_error', new Error('xhr poll error')); // still active: Socket.IO retries by itself
    await vi.advanceTimersByTimeAsync(2000);
    expect(session.renewals).toBe(0);
  });

  it('disconnects on logout and connects when a session begins', () => {
    const { store, fake, session } = setup();
    fake.up();
    session.set(null);
    expect(fake.disconnected).toBe(true);
    expect(store.connection).toBe('disconnected');
    session.set('tok-2');
    expect(fake.connects).toBe(1);
  });

  it('closes cleanly', () => {
    const { store, fake, conn } = setup();
    fake.up();
    conn.close();
    expect(fake.disconnected).toBe(true);
    expect(fake.handlers.size).toBe(0);
    expect(store.connection).toBe('disconnected');
  });
});
