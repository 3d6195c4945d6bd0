// One private Redis, a producer connection and the fixture jurisdiction per test file; servers and mirrors
// made by a test are closed after it. Each server gets its own key prefix unless a test names one (to
// restart "the same" server), so tests never see each other's data.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createClient } from 'redis';
import type { LoginResponse, Role } from '@ccr/shared';
import { LiveMirror } from './live-mirror.js';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';
import { startTestServer, type TestServer, type TestServerOverrides } from './test-server.js';
import { login, tokenCache } from './auth-helpers.js';
import { writeFixtureJurisdiction } from './fixture-jurisdiction.js';

export interface Testbed {
  readonly redis: RedisServerHandle;
  readonly producer: ReturnType<typeof createClient>;
  readonly jurisdictionDir: string;
  server(overrides?: TestServerOverrides): Promise<TestServer & { prefix: string }>;
  /** A mirror logged in as `role` (default operator, the wall); it logs in again on each reconnect if need be. */
  mirror(server: TestServer, role?: Role): LiveMirror;
  /** A bearer token of any role for this server (cached per server and role; `device` speaks for unitId, default P-01). */
  token(server: TestServer, role: Role, unitId?: string): Promise<string>;
  /** `{ authorization: 'Bearer …' }` for fetch / app.inject. */
  headers(server: TestServer, role: Role, unitId?: string): Promise<{ authorization: string }>;
  /** Logs in with a username and password (the demo accounts' password is server.config.auth.demoPassword). */
  login(server: TestServer, username: string, password: string): Promise<LoginResponse>;
  /** fetch(server.url + path) with a bearer token of `role` (default admin, who may read every read route and /metrics). */
  fetch(server: TestServer, path: string, init?: RequestInit, role?: Role): Promise<Response>;
  /** Runs after the current test, last registered first. */
  onCleanup(fn: () => Promise<void> | void): void;
  /** `nodes` servers sharing one key prefix (one deployment) on an append-only Redis of their own (appendfsync
   *  always: it can be crashed and restarted losing nothing acknowledged), and a client of that Redis that rides
   *  out its restarts. All closed after the test. */
  deployment(prefix: string, nodes: number, overrides?: TestServerOverrides): Promise<{ redis: RedisServerHandle; client: ReturnType<typeof createClient>; nodes: TestServer[] }>;
}

export function useTestbed(name: string): Testbed {
  let redis: RedisServerHandle | undefined;
  let producer: ReturnType<typeof createClient> | undefined;
  let jurisdictionDir: string | undefined;
  let n = 0;
  const cleanup: (() => Promise<void> | void)[] = [];
  const token = tokenCache();

  beforeAll(async () => {
    redis = await startRedisServer();
    producer = createClient({ url: redis.url });
    await producer.connect();
    jurisdictionDir = await writeFixtureJurisdiction();
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await producer?.close();
    await redis?.dispose();
  });

  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('testbed used outside a test');
    return v;
  };
  const bed: Testbed = {
    get redis() { return need(redis); },
    get producer() { return need(producer); },
    get jurisdictionDir() { return need(jurisdictionDir); },
    async server(overrides = {}) {
      const prefix = overrides.keyPrefix ?? `${name}${++n}:`;
      const s = await startTestServer({ redisUrl: need(redis).url, jurisdictionDir: need(jurisdictionDir), frameIntervalMs: 50, ...overrides, keyPrefix: prefix });
      cleanup.push(() => s.close());
      return Object.assign(s, { prefix });
    },
    mirror(server, role = 'operator') {
      const m = new LiveMirror(server.url, { token: () => token(server, role) });
      cleanup.push(() => m.close());
      return m;
    },
    token,
    async headers(server, role, unitId) { return { authorization: `Bearer ${await token(server, role, unitId)}` }; },
    login,
    async fetch(server, path, init = {}, role = 'admin') {
      const headers = new Headers(init.headers);
      if (!headers.has('authorization')) headers.set('authorization', `Bearer ${await token(server, role)}`);
      return fetch(`${server.url}${path}`, { ...init, headers });
    },
    onCleanup(fn) { cleanup.push(fn); },
    async deployment(prefix, nodes, overrides = {}) {
      const own = await startRedisServer({ appendOnly: true });
      cleanup.push(() => own.dispose());
      const client = createClient({ url: own.url });
      client.on('error', () => { /* reconnects after a restart */ });
      await client.connect();
      cleanup.push(async () => { await client.close().catch(() => undefined); });
      const out: TestServer[] = [];
      for (let i = 0; i < nodes; i++) {
        const s = await startTestServer({ redisUrl: own.url, jurisdictionDir: need(jurisdictionDir), ...overrides, keyPrefix: prefix, nodeId: `node-${i}-${prefix}` });
        cleanup.push(() => s.close());
        out.push(s);
      }
      return { redis: own, client, nodes: out };
    },
  };
  return bed;
}
