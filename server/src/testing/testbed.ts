// One private Redis, a producer connection and the fixture jurisdiction per test file; servers and mirrors
// made by a test are closed after it. Each server gets its own key prefix unless a test names one (to
// restart "the same" server), so tests never see each other's data.
//
// With CCR_TEST_REDIS=cluster (the `server-cluster` project of vitest.config.ts) the private Redis is a 3-master
// Redis Cluster instead (testing/redis-cluster.ts) and every server runs with REDIS_CLUSTER: each server's prefix
// becomes its own hash tag, so one file's servers spread over the masters. A test names keys from `server.prefix`
// (the deployment's key base, tagged on a cluster) or `bed.base(prefix)`, and opens clients with `bed.connect()`.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createClient } from 'redis';
import { keyBase } from '../plugins/keyspace.js';
import { connectClusterClient } from './cluster-client.js';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster.js';
import type { LoginResponse, Role } from '@ccr/shared';
import { LiveMirror } from './live-mirror.js';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';
import { startTestServer, type TestServer, type TestServerOverrides } from './test-server.js';
import { login, tokenCache } from './auth-helpers.js';
import { writeFixtureJurisdiction } from './fixture-jurisdiction.js';

type Client = ReturnType<typeof createClient>;

/** Whether this run's test beds are Redis Clusters (CCR_TEST_REDIS=cluster). */
export const onCluster = process.env.CCR_TEST_REDIS === 'cluster';

export interface Testbed {
  /** Whether the bed is a 3-master Redis Cluster (CCR_TEST_REDIS=cluster) rather than one redis-server. */
  readonly cluster: boolean;
  /** The one redis-server (not on a cluster bed: there, use connect()). */
  readonly redis: RedisServerHandle;
  /** A connection of the bed's Redis (on a cluster, each call goes to the master of the names it carries). */
  readonly producer: Client;
  readonly jurisdictionDir: string;
  /** A server; `prefix` is its deployment's key base (what every key and channel starts with: on a cluster the
   *  prefix as a hash tag). `keyPrefix` may be given as a prefix or as another server's base, for a second node. */
  server(overrides?: TestServerOverrides): Promise<TestServer & { prefix: string }>;
  /** The key base of the deployment whose KEY_PREFIX is `prefix`. */
  base(prefix: string): string;
  /** A new connection of the bed's Redis (like producer), closed after the test. On a cluster, a command that names
   *  no key (INFO, MULTI) goes to the master of `home` (a deployment's base). */
  connect(home?: string): Promise<Client>;
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
  let cluster: RedisClusterHandle | undefined;
  let producer: Client | undefined;
  let jurisdictionDir: string | undefined;
  let n = 0;
  const cleanup: (() => Promise<void> | void)[] = [];
  const token = tokenCache();

  const open = async (home?: string): Promise<Client> => {
    if (cluster) return connectClusterClient(cluster.url, home);
    const c = createClient({ url: need(redis).url });
    await c.connect();
    return c;
  };
  beforeAll(async () => {
    if (onCluster) cluster = await startRedisCluster();
    else redis = await startRedisServer();
    producer = await open();
    jurisdictionDir = await writeFixtureJurisdiction();
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    await producer?.close();
    await redis?.dispose();
    await cluster?.dispose();
  });

  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('testbed used outside a test');
    return v;
  };
  const base = (prefix: string): string => keyBase({ keyPrefix: prefix, cluster: onCluster });
  const bed: Testbed = {
    cluster: onCluster,
    get redis() {
      if (onCluster) throw new Error('a cluster test bed has no single redis-server: use bed.connect() for a client');
      return need(redis);
    },
    get producer() { return need(producer); },
    get jurisdictionDir() { return need(jurisdictionDir); },
    async server(overrides = {}) {
      // Another server's base names the same deployment: its prefix is the base without the tag's braces.
      const prefix = overrides.keyPrefix?.replace(/[{}]/g, '') ?? `${name}${++n}:`;
      const redisUrl = cluster ? cluster.url : need(redis).url;
      const s = await startTestServer({ redisUrl, redisCluster: onCluster, jurisdictionDir: need(jurisdictionDir), frameIntervalMs: 50, ...overrides, keyPrefix: prefix });
      cleanup.push(() => s.close());
      return Object.assign(s, { prefix: base(prefix) });
    },
    base,
    async connect(home) {
      const c = await open(home);
      cleanup.push(async () => { await c.close().catch(() => undefined); });
      return c;
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
