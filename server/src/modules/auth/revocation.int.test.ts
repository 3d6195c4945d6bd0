// Revocation across nodes: two server nodes on one Redis; a socket on node B whose session or account is ended
// through node A is cut off within a second and receives nothing once the call that ended it has returned,
// while positions and incidents flow the whole time. The sweep (SOCKET_AUTH_CHECK_MS) is left at its 30 s
// default, so only the revocation can end the socket in time.
import { afterAll, describe, expect, it } from 'vitest';
import { io, type Socket } from 'socket.io-client';
import { DEVICE_NAMESPACE } from '@ccr/shared';
import { deviceLogin, fixtureGridCentre, useTestbed, type TestServer } from '../../testing/index.js';

const bed = useTestbed('rv');
const RUNS = 3;
const PASSWORD = 'revocation-test-password';
/** Time from the revoking call to the socket's disconnect, per case (ms). */
const timings = new Map<string, number[]>();

type Node = TestServer & { prefix: string };

async function twoNodes(): Promise<{ a: Node; b: Node }> {
  const auth = { loginRateLimitPerMinute: 10_000 };
  const a = await bed.server({ nodeId: 'node-a', auth });
  const b = await bed.server({ nodeId: 'node-b', keyPrefix: a.prefix, auth });
  return { a, b };
}

/** Positions of every patrol car every 20 ms and an incident every 100 ms, until the test ends. */
function flow(prefix: string): void {
  const [lng, lat] = fixtureGridCentre(0, 0);
  let n = 0;
  const timer = setInterval(() => {
    n++;
    const ts = Date.now();
    const positions = ['P-01', 'P-02', 'P-03', 'P-04'].map((unitId, i) => ({ unitId, lng: lng + i * 0.001 + (n % 10) * 0.0001, lat, ts }));
    void bed.producer.publish(`${prefix}in:positions`, JSON.stringify(positions));
    if (n % 5 === 0) {
      void bed.producer.xAdd(`${prefix}in:incidents`, '*', {
        data: JSON.stringify({ id: `JQ-RV-${n}`, type: 'help', priority: 3, lng, lat, reportedAt: ts, source: 'online' }),
      });
    }
  }, 20);
  bed.onCleanup(() => clearInterval(timer));
}

/** A socket that records what it receives and when (performance.now()); it never reconnects by itself. */
class Watch {
  readonly socket: Socket;
  readonly got: { event: string; at: number }[] = [];
  disconnectedAt: number | undefined;
  private readonly connected: Promise<void>;

  constructor(url: string, token: string, nsp = '') {
    this.socket = io(`${url}${nsp}`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
    this.socket.onAny((event: string) => this.got.push({ event, at: performance.now() }));
    this.socket.on('disconnect', () => { this.disconnectedAt ??= performance.now(); });
    this.connected = new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('connect_error', reject);
    });
    bed.onCleanup(() => void this.socket.close());
  }

  async subscribe(): Promise<void> {
    await this.connected;
    const res = (await this.socket.timeout(5_000).emitWithAck('live:subscribe', {})) as { ok: boolean };
    expect(res.ok).toBe(true);
  }

  async ready(): Promise<void> {
    await this.connected;
  }

  after(t: number, event?: string): number {
    return this.got.filter((g) => g.at > t && (!event || g.event === event)).length;
  }

  async until(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const end = performance.now() + timeoutMs;
    while (!predicate()) {
      if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

/** Whether a fresh connection with this token is let in. */
async function refused(url: string, token: string, nsp = ''): Promise<string | undefined> {
  const socket = io(`${url}${nsp}`, { transports: ['websocket'], reconnection: false, forceNew: true, auth: { token } });
  try {
    return await new Promise<string | undefined>((resolve) => {
      socket.once('connect', () => resolve(undefined));
      socket.once('connect_error', (err: Error & { data?: { code?: string } }) => resolve(err.data?.code ?? err.message));
    });
  } finally {
    socket.close();
  }
}

const json = (method: string, body: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

interface Case {
  name: string;
  /** Only the session the call is made with (logout), or every session of the account. */
  scope: 'session' | 'account';
  end(a: Node, username: string, token: string): Promise<Response>;
}

const CASES: Case[] = [
  { name: 'disable', scope: 'account', end: (a, u) => bed.fetch(a, `/api/accounts/${u}/disabled`, json('PUT', { disabled: true })) },
  { name: 'role change', scope: 'account', end: (a, u) => bed.fetch(a, `/api/accounts/${u}/role`, json('PUT', { role: 'leader' })) },
  { name: 'password reset', scope: 'account', end: (a, u) => bed.fetch(a, `/api/accounts/${u}/password`, json('PUT', { password: 'another-password-1' })) },
  { name: 'logout', scope: 'session', end: (a, _u, token) => fetch(`${a.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }) },
];

describe('revocation reaches every node at once', () => {
  afterAll(() => {
    if (!process.env.CCR_TEST_FIGURES) return;
    const all = [...timings].filter(([name]) => name !== 'sweep on resubscribe').flatMap(([, ms]) => ms);
    for (const [name, ms] of [...timings, ['all revocations', all] as const]) {
      const sorted = [...ms].sort((x, y) => x - y);
      process.stdout.write(`revocation ${name}: call → disconnect median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(1)} ms, max ${sorted.at(-1)!.toFixed(1)} ms over ${ms.length} runs\n`);
    }
  });

  it.each(CASES)('$name through node A cuts off the socket on node B within 1 s; nothing reaches it after the call returns', async (c) => {
    const { a, b } = await twoNodes();
    flow(a.prefix);
    // A screen of another account on B: proves the flow goes on after the revocation.
    const control = new Watch(b.url, await bed.token(b, 'operator'));
    await control.subscribe();

    for (let run = 0; run < RUNS; run++) {
      const username = `rv-${c.name.replace(/\W/g, '')}-${run}`;
      const created = await bed.fetch(a, '/api/accounts', json('POST', { username, displayName: username, role: 'dispatcher', password: PASSWORD }));
      expect(created.status).toBe(201);
      const { token } = await bed.login(a, username, PASSWORD);
      const { token: otherToken } = await bed.login(a, username, PASSWORD);
      const victim = new Watch(b.url, token);
      // Another session of the same account, also on B: ended too by an account change, kept by a logout.
      const sibling = new Watch(b.url, otherToken);
      await Promise.all([victim.subscribe(), sibling.subscribe()]);
      const since = performance.now();
      await victim.until(() => victim.after(since, 'live:updated') >= 1 && victim.after(since, 'units:moved') >= 3, 5_000, 'deltas and frames reaching the socket');

      const t0 = performance.now();
      const res = await c.end(a, username, token);
      const returned = performance.now();
      expect(res.status).toBeLessThan(300);
      await victim.until(() => victim.disconnectedAt !== undefined, 1_000, `the socket on node B to be disconnected after ${c.name}`);
      const tookMs = victim.disconnectedAt! - t0;
      expect(tookMs).toBeLessThan(1_000);
      timings.set(c.name, [...(timings.get(c.name) ?? []), tookMs]);

      // The flow goes on (a delta and a frame reach the other account's screen); nothing of it reaches the revoked socket.
      await control.until(() => control.after(returned, 'units:moved') > 0 && control.after(returned, 'live:updated') > 0, 5_000, 'the flow going on after the call');
      expect(victim.after(returned), `events received after the ${c.name} call returned`).toBe(0);
      expect(control.after(returned, 'units:moved')).toBeGreaterThan(0);
      expect(control.after(returned, 'live:updated')).toBeGreaterThan(0);
      if (c.scope === 'session') {
        expect(sibling.disconnectedAt).toBeUndefined();
        expect(sibling.after(returned, 'units:moved')).toBeGreaterThan(0);
      } else {
        expect(sibling.disconnectedAt).toBeDefined();
        expect(sibling.after(returned)).toBe(0);
      }
      expect(await refused(b.url, token)).toBe('unauthorized');
      sibling.socket.close();
    }
  });

  it('a device logout through node A cuts off its terminal on node B; an order issued after reaches only its other session', async () => {
    const { a, b } = await twoNodes();
    const [lng, lat] = fixtureGridCentre(1, 0);
    await bed.producer.xAdd(`${a.prefix}in:incidents`, '*', {
      data: JSON.stringify({ id: 'JQ-RV-DEV', type: 'theft', priority: 1, lng, lat, reportedAt: Date.now(), source: '110' }),
    });
    const { token } = await deviceLogin(a, 'P-02');
    const { token: otherToken } = await deviceLogin(a, 'P-02');
    const victim = new Watch(b.url, token, DEVICE_NAMESPACE);
    const sibling = new Watch(b.url, otherToken, DEVICE_NAMESPACE);
    await Promise.all([victim.ready(), sibling.ready()]);
    const wall = bed.mirror(a);
    await wall.ready();
    await wall.waitFor(() => wall.incidents.has('JQ-RV-DEV'), 5_000, 'the incident');

    const t0 = performance.now();
    const res = await fetch(`${a.url}/api/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    const returned = performance.now();
    expect(res.status).toBe(204);
    const dispatched = await bed.fetch(a, '/api/incidents/JQ-RV-DEV/dispatch', json('POST', { unitIds: ['P-02'], commandId: 'rv-dev-1' }), 'dispatcher');
    expect(dispatched.status).toBe(200);
    await sibling.until(() => sibling.after(returned, 'order:issued') === 1, 2_000, 'the order on the other session');
    await victim.until(() => victim.disconnectedAt !== undefined, 1_000, 'the terminal on node B to be disconnected');
    const tookMs = victim.disconnectedAt! - t0;
    expect(tookMs).toBeLessThan(1_000);
    timings.set('device logout', [tookMs]);
    expect(victim.after(returned)).toBe(0);
    expect(await refused(b.url, token, DEVICE_NAMESPACE)).toBe('unauthorized');
  });

  it('a revocation whose message a node missed is caught by the sweep it runs as soon as its subscription is back', async () => {
    const { a, b } = await twoNodes();
    flow(a.prefix);
    const username = 'rv-lost';
    expect((await bed.fetch(a, '/api/accounts', json('POST', { username, displayName: username, role: 'dispatcher', password: PASSWORD }))).status).toBe(201);
    const victim = new Watch(b.url, (await bed.login(a, username, PASSWORD)).token);
    await victim.subscribe();

    // The sessions end with no message heard (as when Redis restarts between), then the subscriptions drop and
    // come back: only the sweep on resubscribing can end the socket within the second (the periodic one is 30 s).
    const hashes = await bed.producer.sMembers(`${a.prefix}auth:sessions-of:${username}`);
    expect(hashes.length).toBeGreaterThan(0);
    await bed.producer.del(hashes.map((h) => `${a.prefix}auth:session:${h}`));
    const t0 = performance.now();
    const clients = String(await bed.producer.sendCommand(['CLIENT', 'LIST', 'TYPE', 'pubsub']));
    const ids = clients.split('\n').filter((l) => l.includes('name=ccr-auth-revocations')).map((l) => /\bid=(\d+)/.exec(l)![1]!);
    expect(ids).toHaveLength(2);
    for (const id of ids) await bed.producer.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    await victim.until(() => victim.disconnectedAt !== undefined, 1_000, 'the sweep after the subscription came back');
    timings.set('sweep on resubscribe', [victim.disconnectedAt! - t0]);
    const metrics = await (await bed.fetch(b, '/metrics')).text();
    expect(metrics).toMatch(/ccr_socket_revoked_total\{via="sweep"\} 1\b/);
  });
});
