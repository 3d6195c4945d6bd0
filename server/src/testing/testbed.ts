// One private Redis, a producer connection and the fixture jurisdiction per test file; servers and mirrors
// made by a test are closed after it. Each server gets its own key prefix unless a test names one (to
// restart "the same" server), so tests never see each other's data.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { createClient } from 'redis';
import type { Config } from '../config.js';
import { LiveMirror } from './live-mirror.js';
import { startRedisServer, type RedisServerHandle } from './redis-server.js';
import { startTestServer, type TestServer } from './test-server.js';
import { writeFixtureJurisdiction } from './fixture-jurisdiction.js';

export interface Testbed {
  readonly redis: RedisServerHandle;
  readonly producer: ReturnType<typeof createClient>;
  readonly jurisdictionDir: string;
  server(overrides?: Partial<Config>): Promise<TestServer & { prefix: string }>;
  mirror(server: TestServer): LiveMirror;
  /** Runs after the current test, last registered first. */
  onCleanup(fn: () => Promise<void> | void): void;
}

export function useTestbed(name: string): Testbed {
  let redis: RedisServerHandle | undefined;
  let producer: ReturnType<typeof createClient> | undefined;
  let jurisdictionDir: string | undefined;
  let n = 0;
  const cleanup: (() => Promise<void> | void)[] = [];

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
    mirror(server) {
      const m = new LiveMirror(server.url);
      cleanup.push(() => m.close());
      return m;
    },
    onCleanup(fn) { cleanup.push(fn); },
  };
  return bed;
}
