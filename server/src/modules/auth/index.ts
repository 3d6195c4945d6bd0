// Accounts, sessions and the access rule for every route and socket: `app.auth` (auth-contract.ts).
// Registered first in buildApp so its onRoute hook sees every route and its onRequest hook guards them all;
// Redis, metrics and Socket.IO are reached only when first used.
import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import { Counter } from 'prom-client';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { AuthErrorSchema, refusal, type Role, type SessionUser } from '@ccr/shared';
import type { Socket } from 'socket.io';
import { DEMO_PASSWORD, type AuthConfig } from './auth-config.js';
import { AuthRepository } from './auth-repository.js';
import { hashPassword, sameSecret, verifyPassword } from './auth-service.js';
import { SessionService, bearerToken, deviceSecretId, type VerifiedSession } from './auth-sessions.js';
import { SocketSessionSweep, checkSocketEvent, guardedNamespaces, makeSocketGuard, type SocketRefusal, type SocketsEnded } from './socket-auth.js';
import { SocketRevocations } from './socket-revocation.js';
import { authRoutes } from './auth-routes.js';
import type { AuditEntryInput, RouteAccess } from './auth-contract.js';
import type { Keyspace } from '../../plugins/keyspace.js';

export type { AuthConfig } from './auth-config.js';
export type { RouteAccess, AuditEntryInput, SocketAccess } from './auth-contract.js';
export { loadAuthConfig, DEMO_PASSWORD } from './auth-config.js';
export { deviceKey, volunteerKey, DEMO_DEVICE_SECRET } from './device-key.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified session behind req.user (absent for public routes and the metrics scrape token). */
    session?: VerifiedSession;
  }
  interface FastifyContextConfig {
    /** /metrics: also accept METRICS_TOKEN as the bearer. */
    scrapeToken?: boolean;
  }
}

export interface AuthModuleOptions {
  keyspace: Keyspace;
  demoMode: boolean;
  producerToken: string | undefined;
  auth: AuthConfig;
  unitIds: readonly string[];
  /** The roster's names: a unit's terminal session is shown by its unit's name (巡逻车01), not its id. */
  unitNames?: ReadonlyMap<string, string>;
  /** Who may log in as a volunteer (the jurisdiction's volunteers.json). */
  volunteers?: readonly { id: string; name: string; teamId: string }[];
  /** The station's time zone, for times in messages (default Asia/Shanghai). */
  timeZone?: string;
}

type RefusalReason = 'no_token' | 'bad_token' | 'forbidden' | 'expired' | 'no_roles';

export const authModule = fp<AuthModuleOptions>(
  async (app, opts) => {
    const config = opts.auth;
    let repo: AuthRepository | undefined;
    const repository = (): AuthRepository => (repo ??= new AuthRepository(app.redis.command, opts.keyspace));
    const sessions = new SessionService(
      repository, { ttlMs: config.sessionTtlMs, idleMs: config.sessionIdleMs }, opts.producerToken,
      config.deviceSecret ? deviceSecretId(config.deviceSecret) : undefined,
    );
    const dummyHash = await hashPassword(randomBytes(16).toString('hex'), config.scryptLogN);

    let counters: { refused: Counter<'kind' | 'reason'>; logins: Counter<'kind' | 'outcome'> } | undefined;
    const metrics = () => (counters ??= {
      refused: new Counter({ name: 'ccr_auth_refused_total', help: 'Requests and socket events refused (401/403), by kind and reason', labelNames: ['kind', 'reason'] as const, registers: [app.metrics.registry] }),
      logins: new Counter({ name: 'ccr_auth_logins_total', help: 'Login attempts, by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers: [app.metrics.registry] }),
    });

    // ── routes: collect, document, deny by default ─────────────────────────────────────────────────────────
    const routes: RouteAccess[] = [];
    let registeringPublic = 0;
    app.addHook('onRoute', (route: RouteOptions) => {
      if (registeringPublic > 0) route.config = { ...route.config, public: true };
      const cfg = route.config ?? {};
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        routes.push({ method, url: route.url, roles: cfg.roles, public: cfg.public === true, scrapeToken: cfg.scrapeToken === true });
      }
      if (!cfg.public && route.schema && !route.schema.hide) {
        // Same object @fastify/swagger keeps, so the document shows the scheme and the refusals.
        route.schema.security ??= [{ bearerAuth: [] }];
        route.schema.response = { 401: AuthErrorSchema, 403: AuthErrorSchema, ...(route.schema.response as object | undefined) };
      }
    });

    // Anyone can be refused without logging in, so an anonymous caller could fill Redis (the live store) with audit
    // entries. Each address gets ANONYMOUS_AUDIT_PER_MINUTE itemised refusals a minute, then one entry saying the rest
    // are only counted (ccr_auth_refused_total keeps every one). Refusals of logged-in users are always itemised.
    const auditRefusal = async (entry: AuditEntryInput, address: string, user?: SessionUser): Promise<void> => {
      if (!user) {
        let n: number;
        try {
          n = await repository().countAnonymousRefusal(address, Date.now());
        } catch {
          n = 1; // Redis away: the audit write fails fast too and is counted there
        }
        if (n > ANONYMOUS_AUDIT_PER_MINUTE + 1) return;
        if (n === ANONYMOUS_AUDIT_PER_MINUTE + 1) {
          entry = { ...entry, detail: { ...entry.detail, throttled: true, note: `more than ${ANONYMOUS_AUDIT_PER_MINUTE} anonymous refusals from this address this minute: the rest are counted, not itemised` } };
        }
      }
      await app.audit.record(entry);
    };

    const refuseHttp = async (req: FastifyRequest, reply: FastifyReply, status: 401 | 403, reason: RefusalReason, message: string, user?: SessionUser) => {
      metrics().refused.inc({ kind: 'http', reason });
      await auditRefusal({
        user: user?.username ?? 'anonymous', role: user?.role ?? 'anonymous', action: 'http.refused',
        target: `route:${req.method} ${req.routeOptions.url ?? req.url}`, outcome: 'refused', detail: { reason, status, ip: req.ip },
      }, req.ip, user);
      return reply.code(status).send(refusal(status === 401 ? 'unauthorized' : 'forbidden', {}, message));
    };

    app.addHook('onRequest', async (req, reply) => {
      // The not-found handler serves the client's pages (public) and 404s; it has no route to protect.
      if (req.is404) return;
      const cfg = req.routeOptions.config;
      if (cfg.public) return;
      const where = `${req.method} ${req.routeOptions.url ?? req.url}`;
      if (!cfg.roles) {
        return refuseHttp(req, reply, 403, 'no_roles', `${where} declares no roles and is refused to everyone`);
      }
      const token = bearerToken(req.headers.authorization);
      if (!token) return refuseHttp(req, reply, 401, 'no_token', 'authentication required (Authorization: Bearer <token>)');
      if (cfg.scrapeToken && config.metricsToken && sameSecret(token, config.metricsToken)) return;
      let session: VerifiedSession | null;
      try {
        session = await sessions.verify(token, Date.now());
      } catch (err) {
        req.log.warn({ err: (err as Error).message }, 'session check failed');
        return reply.code(503).send(refusal('unavailable', {}, 'sessions unavailable (Redis), retry shortly'));
      }
      if (!session) return refuseHttp(req, reply, 401, 'bad_token', 'the token is invalid or has expired: log in again');
      if (!cfg.roles.includes(session.user.role)) {
        return refuseHttp(req, reply, 403, 'forbidden', `role "${session.user.role}" may not use ${where} (allowed: ${cfg.roles.join(', ')})`, session.user);
      }
      req.user = session.user;
      req.session = session;
    });

    // ── sockets ────────────────────────────────────────────────────────────────────────────────────────────
    const refuseSocket: SocketRefusal = (socket, event, reason, user) => {
      metrics().refused.inc({ kind: 'socket', reason });
      void auditRefusal({
        user: user?.username ?? 'anonymous', role: user?.role ?? 'anonymous', action: 'socket.refused',
        target: `socket:${socket.nsp.name}:${event}`, outcome: 'refused', detail: { reason, ip: socket.handshake.address },
      }, socket.handshake.address, user);
    };
    const socketsEnded: SocketsEnded = (via, n) => app.metrics.socketsRevoked.inc({ via }, n);
    const sweep = new SocketSessionSweep(() => app.io, sessions, config.socketCheckMs, (err) => app.log.warn({ err: err.message }, 'socket session sweep failed'), socketsEnded);
    const revocations = new SocketRevocations(() => app.io, repository, app.log, socketsEnded, () => app.metrics.revocationsUnconfirmed.inc());
    const revokedSince = revocations.revokedSince.bind(revocations);

    app.decorate('auth', {
      socketGuard: (roles: readonly Role[]) => makeSocketGuard(sessions, roles, refuseSocket, revokedSince),
      requireSocketRole: async (socket: Socket, roles: readonly Role[], event: string) => {
        const access = await checkSocketEvent(sessions, socket, roles, event, refuseSocket, socketsEnded);
        return access.ok ? access.user : null;
      },
      socketAccess: (socket: Socket, roles: readonly Role[], event: string) => checkSocketEvent(sessions, socket, roles, event, refuseSocket, socketsEnded),
      async publicRoutes(register: () => PromiseLike<unknown>) {
        registeringPublic++;
        try { await register(); } finally { registeringPublic--; }
      },
      routes: () => routes,
      sweepSockets: () => sweep.sweep(),
      socketNamespaces: () => guardedNamespaces(app.io),
    });

    authRoutes(app, {
      repo: repository, sessions, config, unitIds: new Set(opts.unitIds), unitNames: opts.unitNames ?? new Map(), dummyHash,
      volunteers: new Map((opts.volunteers ?? []).map((v) => [v.id, { name: v.name, teamId: v.teamId }])), timeZone: opts.timeZone ?? 'Asia/Shanghai',
      countLogin: (kind, outcome) => metrics().logins.inc({ kind, outcome }),
      revoke: (target) => revocations.revoke(target),
    });

    app.addHook('onReady', async () => {
      await revocations.start(await app.redis.dedicated('auth-revocations'), () => void sweep.sweep());
      await seedAccounts(app, repository(), opts, config, (username) => revocations.revoke({ kind: 'user', username }));
      sweep.start();
    });
    app.addHook('preClose', async () => {
      sweep.stop();
      revocations.stop();
    });
  },
  // app.audit is used only at request time and on ready: the audit module registers after this one, so its route is seen here.
  { name: 'auth' },
);

/** Itemised audit entries per address and minute for refusals of callers who are not logged in. */
export const ANONYMOUS_AUDIT_PER_MINUTE = 20;

const DEMO_ACCOUNTS: readonly [string, string, Role][] = [['admin', '系统管理员', 'admin'], ['leader', '值班领导', 'leader'], ['dispatcher', '调度员', 'dispatcher'], ['operator', '大屏值守', 'operator'], ['community', '社区警务队长', 'community']];

type RevokeUser = (username: string) => Promise<unknown>;

async function seedAccounts(app: FastifyInstance, repo: AuthRepository, opts: AuthModuleOptions, config: AuthConfig, revokeUser: RevokeUser): Promise<void> {
  const now = Date.now();
  const create = async (username: string, displayName: string, role: Role, password: string) =>
    repo.createAccount({ username, displayName, role, passwordHash: await hashPassword(password, config.scryptLogN), disabled: false, failedAttempts: 0, lockedUntil: 0, createdAt: now });
  if (opts.demoMode && config.demoPassword) {
    const demo = DEMO_ACCOUNTS;
    const made: string[] = [];
    for (const [username, displayName, role] of demo) {
      if (!(await repo.getAccount(username)) && (await create(username, displayName, role, config.demoPassword))) made.push(username);
    }
    const fromEnv = process.env.CCR_DEMO_PASSWORD ? '(CCR_DEMO_PASSWORD)' : config.demoPassword;
    app.log.info({ accounts: demo.map(([u, , r]) => `${u} (${r})`), password: fromEnv, created: made }, `demo accounts: ${demo.map(([u]) => u).join(', ')}; password ${fromEnv}`);
  }
  if (!opts.demoMode) await retireDemoAccounts(app, repo, revokeUser);
  if (config.adminUser && config.adminPassword) {
    const admins = (await repo.listAccounts()).filter((a) => a.role === 'admin' && !a.disabled);
    if (admins.length > 0) {
      app.log.info({ admins: admins.map((a) => a.username) }, 'CCR_ADMIN_USER not used: an admin account exists');
    } else if (await create(config.adminUser, config.adminUser, 'admin', config.adminPassword)) {
      await app.audit.record({ user: 'system', role: 'system', action: 'account.create', target: `account:${config.adminUser}`, outcome: 'ok', detail: { role: 'admin', from: 'CCR_ADMIN_USER' } });
      app.log.info({ admin: config.adminUser }, 'first admin account created from CCR_ADMIN_USER');
    } else {
      app.log.warn({ admin: config.adminUser }, 'CCR_ADMIN_USER names an existing account that is not an enabled admin: no admin created');
    }
  } else if (!opts.demoMode && (await repo.listAccounts()).every((a) => a.role !== 'admin' || a.disabled)) {
    app.log.warn('no admin account: set CCR_ADMIN_USER and CCR_ADMIN_PASSWORD to create the first one');
  }
}

/**
 * Outside demo mode, a demo account left from an earlier demo run (same Redis) whose password is still the
 * published one is disabled, its sessions ended: otherwise leaving demo mode would keep admin/ccr-demo-2026.
 */
async function retireDemoAccounts(app: FastifyInstance, repo: AuthRepository, revokeUser: RevokeUser): Promise<void> {
  const published = [DEMO_PASSWORD, ...(process.env.CCR_DEMO_PASSWORD ? [process.env.CCR_DEMO_PASSWORD] : [])];
  for (const username of DEMO_ACCOUNTS.map(([u]) => u)) {
    const a = await repo.getAccount(username);
    if (!a || a.disabled) continue;
    let demo = false;
    for (const password of published) demo ||= await verifyPassword(password, a.passwordHash);
    if (!demo) continue;
    await repo.updateAccount(username, { disabled: true });
    const ended = await repo.deleteUserSessions(username);
    // Nodes still in demo mode may hold its sockets.
    await revokeUser(username);
    app.log.warn({ account: username }, 'demo account with the published demo password disabled (not in demo mode): set a new password to use it');
    await app.audit.record({ user: 'system', role: 'system', action: 'account.disable', target: `account:${username}`, outcome: 'ok', detail: { disabled: true, reason: 'demo_password_outside_demo_mode', sessionsEnded: ended } });
  }
}

export { authData } from './socket-auth.js';
