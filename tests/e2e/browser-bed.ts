// What a browser test file stands on: a private redis-server, the built client served by the real server (demo
// jurisdiction, its own key prefix), Chromium, and a Redis client to play the producer — started once per file,
// stopped after it.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createClient } from 'redis';
import type { Browser } from 'playwright-core';
import { startRedisServer, startTestServer, type RedisServerHandle, type TestServer, type TestServerOverrides } from '@ccr/server/testing';
import { DEMO_JURISDICTION_DIR } from '@ccr/server/jurisdiction';
import { launchChromium } from './browser.js';
import { REPO_ROOT, buildClient } from './client-build.js';

export const ARTIFACTS = join(REPO_ROOT, '.artifacts', 'e2e');

export interface BrowserBed {
  readonly redis: RedisServerHandle;
  readonly server: TestServer;
  readonly browser: Browser;
  readonly producer: ReturnType<typeof createClient>;
}

export function useBrowserBed(keyPrefix: string, overrides: Omit<TestServerOverrides, 'keyPrefix' | 'clientDist'> = {}): BrowserBed {
  let redis: RedisServerHandle | undefined;
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  let producer: ReturnType<typeof createClient> | undefined;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const [r, clientDist, b] = await Promise.all([startRedisServer(), buildClient(), launchChromium()]);
    redis = r;
    browser = b;
    server = await startTestServer({ redisUrl: r.url, jurisdictionDir: DEMO_JURISDICTION_DIR, ...overrides, keyPrefix, clientDist });
    producer = createClient({ url: r.url });
    await producer.connect();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await producer?.close();
    await server?.close();
    await redis?.dispose();
  });
  const need = <T>(v: T | undefined): T => { if (v === undefined) throw new Error('the browser bed is not up (used outside a test?)'); return v; };
  return {
    get redis() { return need(redis); },
    get server() { return need(server); },
    get browser() { return need(browser); },
    get producer() { return need(producer); },
  };
}
