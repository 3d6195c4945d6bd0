// Auth, audit and HTTP-hardening settings from the environment (listed in the README). Demo defaults exist in
// demo mode only: outside it there is no default password, device secret or scrape token.
import { DEFAULT_SCRYPT_LOG_N } from './auth-service.js';
import { DEMO_DEVICE_SECRET } from './device-key.js';

export const DEMO_PASSWORD = 'ccr-demo-2026';

export interface AuthConfig {
  /** Password of the demo accounts admin, leader, dispatcher, operator (demo mode only). */
  demoPassword: string | undefined;
  /** First admin outside demo mode, created only when no admin exists. */
  adminUser: string | undefined;
  adminPassword: string | undefined;
  /** Secret the unit terminals' provisioning keys derive from (deviceKey). */
  deviceSecret: string | undefined;
  /** Bearer token a Prometheus scraper may use on /metrics (admins may always read it). */
  metricsToken: string | undefined;
  /** Absolute lifetime of a session token. */
  sessionTtlMs: number;
  /** A session unused for this long ends; requests and a connected socket keep it alive. */
  sessionIdleMs: number;
  /** How often each node re-checks its sockets' sessions (ends revoked/expired ones, keeps live ones alive). */
  socketCheckMs: number;
  loginMaxFailures: number;
  loginLockMs: number;
  /** log2 of scrypt's N for new password hashes. */
  scryptLogN: number;
  auditRetentionDays: number;
  /** Requests per minute per client address, all routes. */
  rateLimitPerMinute: number;
  /** Login attempts per minute per client address and username. */
  loginRateLimitPerMinute: number;
}

type IntReader = (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) => number;

export function loadAuthConfig(env: NodeJS.ProcessEnv, demoMode: boolean, int: IntReader): AuthConfig {
  const config: AuthConfig = {
    demoPassword: demoMode ? env.CCR_DEMO_PASSWORD || DEMO_PASSWORD : undefined,
    adminUser: env.CCR_ADMIN_USER || undefined,
    adminPassword: env.CCR_ADMIN_PASSWORD || undefined,
    deviceSecret: env.DEVICE_SECRET || (demoMode ? DEMO_DEVICE_SECRET : undefined),
    metricsToken: env.METRICS_TOKEN || undefined,
    sessionTtlMs: int(env, 'SESSION_TTL_MS', 12 * 3_600_000, 1_000, 30 * 86_400_000),
    sessionIdleMs: int(env, 'SESSION_IDLE_MS', 30 * 60_000, 1_000, 30 * 86_400_000),
    socketCheckMs: int(env, 'SOCKET_AUTH_CHECK_MS', 30_000, 100, 3_600_000),
    loginMaxFailures: int(env, 'LOGIN_MAX_FAILURES', 5, 1, 100),
    loginLockMs: int(env, 'LOGIN_LOCK_MS', 10 * 60_000, 100, 86_400_000),
    scryptLogN: int(env, 'PASSWORD_SCRYPT_LOG_N', DEFAULT_SCRYPT_LOG_N, 10, 20),
    auditRetentionDays: int(env, 'AUDIT_RETENTION_DAYS', 365, 1, 36_500),
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 1_200, 10, 1_000_000),
    loginRateLimitPerMinute: int(env, 'LOGIN_RATE_LIMIT_PER_MINUTE', 10, 1, 10_000),
  };
  // A connected screen keeps its session alive only at each sweep: the idle window must span two sweeps.
  if (config.sessionIdleMs < 2 * config.socketCheckMs) {
    throw new Error(`配置错误 / bad setting: SESSION_IDLE_MS (${config.sessionIdleMs}) must be at least twice SOCKET_AUTH_CHECK_MS (${config.socketCheckMs})`);
  }
  return config;
}
