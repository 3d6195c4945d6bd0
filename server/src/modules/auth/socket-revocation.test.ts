// The revocation protocol without Redis: nodes on an in-memory bus whose deliveries the test controls, so the
// waiting for every node's confirmation is seen exactly (against a real Redis it is a matter of microseconds).
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import type { Server } from 'socket.io';
import type { RedisClient } from '../../plugins/redis.js';
import { CONFIRM_WITHIN_MS, SocketRevocations, type RevocationBus } from './socket-revocation.js';
import type { SocketAuthData, SocketEndedVia } from './socket-auth.js';

const HASH = 'a'.repeat(64);
const log = { warn: () => undefined } as unknown as FastifyBaseLogger;

/** Pub/sub where revocations wait in each subscriber's inbox until the test delivers them; confirmations go at once. */
class Bus implements RevocationBus {
  readonly subscribers: { inbox: string[]; onRevocation: (m: string) => void; onConfirmation: (m: string) => void }[] = [];
  publishRevocation(message: string): Promise<number> {
    for (const s of this.subscribers) s.inbox.push(message);
    return Promise.resolve(this.subscribers.length);
  }
  publishConfirmation(message: string): Promise<void> {
    for (const s of this.subscribers) s.onConfirmation(message);
    return Promise.resolve();
  }
  subscribeRevocations(_s: RedisClient, onRevocation: (m: string) => void, onConfirmation: (m: string) => void): Promise<void> {
    this.subscribers.push({ inbox: [], onRevocation, onConfirmation });
    return Promise.resolve();
  }
  deliver(node: number): void {
    const s = this.subscribers[node]!;
    for (const m of s.inbox.splice(0)) s.onRevocation(m);
  }
}

interface FakeSocket { data: SocketAuthData; connected: boolean; conn: { writeBuffer: unknown[]; packetsFn: unknown[] }; disconnect(close: boolean): void }

function fakeSocket(data: SocketAuthData, queued: unknown[] = []): FakeSocket {
  const s: FakeSocket = {
    data, connected: true, conn: { writeBuffer: [...queued], packetsFn: [] },
    disconnect(close) { expect(close).toBe(true); s.connected = false; },
  };
  return s;
}

async function node(bus: Bus, sockets: FakeSocket[]) {
  const io = { _nsps: new Map([['/', { sockets: new Map(sockets.map((s, i) => [String(i), s])) }]]) } as unknown as Server;
  const ended: [SocketEndedVia, number][] = [];
  let unconfirmed = 0;
  const r = new SocketRevocations(() => io, () => bus, log, (via, n) => ended.push([via, n]), () => unconfirmed++);
  await r.start(new EventEmitter() as unknown as RedisClient, () => undefined);
  return { r, ended, unconfirmed: () => unconfirmed };
}

const user = (username: string, hash = HASH): SocketAuthData => ({ user: { username, role: 'operator', displayName: username }, sessionHash: hash });

describe('socket revocations', () => {
  afterEach(() => { vi.useRealTimers(); });

  it('cut locally at once; the call resolves only when every node reached has cut its sockets and confirmed', async () => {
    const bus = new Bus();
    const here = fakeSocket(user('zhang'));
    const there = fakeSocket(user('zhang', 'b'.repeat(64)), ['a queued frame']);
    const bystander = fakeSocket(user('li', 'c'.repeat(64)));
    const a = await node(bus, [here]);
    const b = await node(bus, [there, bystander]);

    let done = false;
    const call = a.r.revoke({ kind: 'user', username: 'zhang' }).then((o) => { done = true; return o; });
    expect(here.connected).toBe(false);
    bus.deliver(0);
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false); // node B has not acted yet
    expect(there.connected).toBe(true);
    bus.deliver(1);
    expect(there.connected).toBe(false);
    expect(there.conn.writeBuffer).toEqual([]); // what was queued for it is dropped, not flushed
    expect(bystander.connected).toBe(true);
    expect(await call).toEqual({ nodes: 2, confirmed: 2 });
    expect(a.ended).toEqual([['revocation', 1]]);
    expect(b.ended).toEqual([['revocation', 1]]);
    expect(a.unconfirmed()).toBe(0);
  });

  it('a session revocation ends only that session\'s sockets', async () => {
    const bus = new Bus();
    const mine = fakeSocket(user('zhang'));
    const otherSession = fakeSocket(user('zhang', 'd'.repeat(64)));
    const a = await node(bus, [mine, otherSession]);
    const call = a.r.revoke({ kind: 'session', hash: HASH });
    bus.deliver(0);
    expect(await call).toEqual({ nodes: 1, confirmed: 1 });
    expect(mine.connected).toBe(false);
    expect(otherSession.connected).toBe(true);
  });

  it('a node that never confirms holds the call up for CONFIRM_WITHIN_MS at most, and is counted', async () => {
    vi.useFakeTimers();
    const bus = new Bus();
    const a = await node(bus, []);
    await node(bus, []); // hears nothing: its inbox is never delivered
    const call = a.r.revoke({ kind: 'user', username: 'zhang' });
    bus.deliver(0);
    await vi.advanceTimersByTimeAsync(CONFIRM_WITHIN_MS - 1);
    let done = false;
    void call.then(() => { done = true; });
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await call).toEqual({ nodes: 2, confirmed: 1 });
    expect(a.unconfirmed()).toBe(1);
  });

  it('an unreadable message is ignored; a revocation is remembered for sockets whose session was read before it', async () => {
    const bus = new Bus();
    const s = fakeSocket(user('zhang'));
    const b = await node(bus, [s]);
    for (const m of ['not json', '{"id":"x","kind":"user"}', JSON.stringify({ id: 'x', kind: 'session', hash: 'short' })]) bus.subscribers[0]!.onRevocation(m);
    expect(s.connected).toBe(true);

    const before = performance.now();
    bus.subscribers[0]!.onRevocation(JSON.stringify({ id: 'y', kind: 'user', username: 'zhang' }));
    expect(s.connected).toBe(false);
    expect(b.r.revokedSince('zhang', 'e'.repeat(64), before)).toBe(true); // any session of the account
    expect(b.r.revokedSince('li', HASH, before)).toBe(false);
    expect(b.r.revokedSince('zhang', HASH, performance.now() + 1)).toBe(false); // a connect that began after it
  });
});
