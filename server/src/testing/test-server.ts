// Builds and starts the real app on a free port against a given Redis, for tests and the benchmark.
import { buildApp } from '../app.js';
import { loadConfig, type Config } from '../config.js';
import type { AuthConfig } from '../modules/auth/index.js';

export interface TestServer {
  app: Awaited<ReturnType<typeof buildApp>>;
  url: string;
  config: Config;
  close(): Promise<void>;
}

export type TestServerOverrides = Partial<Omit<Config, 'auth'>> & { auth?: Partial<AuthConfig> };

export async function startTestServer(overrides: TestServerOverrides & { redisUrl: string; jurisdictionDir: string }): Promise<TestServer> {
  const defaults = loadConfig({});
  // A cheap password hash: test servers create their demo accounts on every start.
  const auth: AuthConfig = { ...defaults.auth, scryptLogN: 10, ...overrides.auth };
  const config: Config = { ...defaults, port: 0, host: '127.0.0.1', clientDist: undefined, ...overrides, auth };
  const app = await buildApp(config, { logger: { level: process.env.TEST_LOG_LEVEL ?? 'silent' } });
  await app.listen({ port: config.port, host: config.host });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : config.port;
  return { app, url: `http://127.0.0.1:${port}`, config, close: () => app.close() };
}
