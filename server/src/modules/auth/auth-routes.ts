// Login, device login, refresh, logout, me; and the admin's account routes. Every outcome is audited.
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  localClockTime, refusal,
  AccountSchema, AuthErrorSchema, ChangeRoleRequestSchema, CreateAccountRequestSchema, DeviceLoginRequestSchema,
  DisableAccountRequestSchema, LoginRequestSchema, LoginResponseSchema, ROLES, ResetPasswordRequestSchema,
  SessionUserSchema, UsernameSchema, VolunteerLoginRequestSchema, volunteerUsername, type Account, type Role, type SessionUser,
} from '@ccr/shared';
import type { AuthRepository, StoredAccount } from './auth-repository.js';
import { hashPassword, isLocked, sameSecret, tokenHash, verifyPassword } from './auth-service.js';
import type { IssuedSession, SessionService } from './auth-sessions.js';
import { deviceKey, volunteerKey } from './device-key.js';
import type { AuthConfig } from './auth-config.js';
import type { RevocationTarget } from './socket-revocation.js';
import { ApiErrorSchema, notFoundBody, refusalError } from '../http-errors.js';

export interface AuthRouteDeps {
  repo: () => AuthRepository;
  sessions: SessionService;
  config: AuthConfig;
  unitIds: ReadonlySet<string>;
  unitNames: ReadonlyMap<string, string>;
  /** The jurisdiction's volunteers (volunteers.json): who may log in as one, and their team. */
  volunteers: ReadonlyMap<string, { name: string; teamId: string }>;
  /** The station's time zone: times in messages are read there. */
  timeZone: string;
  /** A hash of a random password, verified against when the username is unknown so both cost the same. */
  dummyHash: string;
  countLogin(kind: 'password' | 'device' | 'volunteer', outcome: string): void;
  /** Ends the sockets of a session or account on every node (the sessions already ended in Redis); resolves
   *  when every node has, or after at most a second (a node that did not confirm ends them at its next sweep). */
  revoke(target: RevocationTarget): Promise<unknown>;
}

const ALL_ROLES: readonly Role[] = ROLES;
const ErrorResponses = { 400: AuthErrorSchema, 401: AuthErrorSchema, 403: AuthErrorSchema, 423: AuthErrorSchema, 429: AuthErrorSchema };

function toAccount(a: StoredAccount, now: number): Account {
  return {
    username: a.username, displayName: a.displayName, role: a.role, disabled: a.disabled, failedAttempts: a.failedAttempts,
    createdAt: a.createdAt, ...(a.lockedUntil > now ? { lockedUntil: a.lockedUntil } : {}),
  };
}

/** The 423 answer: the time in the station's zone for a person, the instant and the zone for a client. */
function locked(until: number, timeZone: string) {
  const at = localClockTime(until, timeZone);
  return { ...refusal('account_locked', { until, timeZone }, `too many failed logins: account locked until ${at} (${timeZone})`), lockedUntil: until };
}

const BAD_LOGIN = refusal('bad_credentials', {}, 'wrong username or password');

export function authRoutes(base: FastifyInstance, deps: AuthRouteDeps): void {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { sessions, config } = deps;
  const who = (req: FastifyRequest): SessionUser => {
    if (!req.user) throw new Error('auth hook did not set req.user');
    return req.user;
  };
  const audit = (req: FastifyRequest, user: string, role: SessionUser['role'] | 'anonymous', action: string, target: string, outcome: 'ok' | 'refused' | 'error', detail: Record<string, unknown> = {}) =>
    app.audit.record({ user, role, action, target, outcome, detail: { ip: req.ip, ...detail } });

  /**
   * Issues a session for an account, then reads the account again: a disable, role change or password reset
   * racing this login revokes the account's sessions before this one is stored, so the new session would outlive
   * it. An admin writes the account before revoking; read after our write, either the change is seen here or its
   * revocation comes after our write and ends the new session too. `renewing`: the session a refresh renews,
   * which must still stand once the new one is stored.
   */
  const issueForAccount = async (account: StoredAccount, user: SessionUser, now: number, renewing?: string): Promise<IssuedSession | null> => {
    const issued = await sessions.issue(user, now);
    const after = await deps.repo().getAccount(user.username);
    const unchanged = after !== null && !after.disabled && after.role === user.role && after.passwordHash === account.passwordHash;
    if (unchanged && (!renewing || (await deps.repo().sessionsAlive([renewing]))[0])) return issued;
    await sessions.revoke({ user, hash: tokenHash(issued.token), expiresAt: issued.expiresAt });
    return null;
  };
  const accountChanged = () => refusalError(401, refusal('account_changed', {}, 'the account changed: log in again'));

  app.post('/api/auth/login', {
    config: { public: true },
    schema: {
      tags: ['auth'], summary: 'Log in with username and password; send the token as Authorization: Bearer … and as the Socket.IO auth.token',
      body: LoginRequestSchema, response: { 200: LoginResponseSchema, ...ErrorResponses },
    },
  }, async (req, reply) => {
    const { username, password } = req.body;
    const now = Date.now();
    const limited = await app.loginRateLimit(req, username);
    if (limited) {
      deps.countLogin('password', 'rate_limited');
      await audit(req, username, 'anonymous', 'auth.login', `account:${username}`, 'refused', { reason: 'rate_limited' });
      return reply.code(429).header('retry-after', String(limited.retryAfterS)).send(
        refusal('rate_limited', { seconds: limited.retryAfterS }, `too many login attempts: retry in ${limited.retryAfterS} s`),
      );
    }
    const account = await deps.repo().getAccount(username);
    // A name without an account locks like one (auth-repository.ts): 423 does not tell which names exist.
    const lock = account ?? { failedAttempts: 0, lockedUntil: await deps.repo().unknownLockedUntil(username) };
    if (isLocked(lock, now)) {
      deps.countLogin('password', 'locked');
      // Nobody proved who they are: the caller is anonymous; the account's role is detail, not the actor's.
      await audit(req, username, 'anonymous', 'auth.login', `account:${username}`, 'refused', { reason: account ? 'locked' : 'locked_unknown_user', lockedUntil: lock.lockedUntil, ...(account ? { accountRole: account.role } : {}) });
      return reply.code(423).send(locked(lock.lockedUntil, deps.timeZone));
    }
    const ok = await verifyPassword(password, account?.passwordHash ?? deps.dummyHash);
    if (!account || !ok) {
      const lockedUntil = account
        ? await deps.repo().recordFailure(username, now, config.loginMaxFailures, config.loginLockMs)
        : await deps.repo().recordUnknownFailure(username, now, config.loginMaxFailures, config.loginLockMs);
      deps.countLogin('password', lockedUntil ? 'locked' : 'bad_credentials');
      await audit(req, username, 'anonymous', 'auth.login', `account:${username}`, 'refused',
        { reason: account ? 'bad_password' : 'unknown_user', ...(account ? { accountRole: account.role } : {}), ...(lockedUntil ? { lockedUntil } : {}) });
      if (lockedUntil) return reply.code(423).send(locked(lockedUntil, deps.timeZone));
      return reply.code(401).send(BAD_LOGIN);
    }
    if (account.disabled) {
      deps.countLogin('password', 'disabled');
      await audit(req, username, account.role, 'auth.login', `account:${username}`, 'refused', { reason: 'disabled' });
      return reply.code(403).send(refusal('account_disabled', {}, 'this account is disabled'));
    }
    if (account.failedAttempts > 0 || account.lockedUntil > 0) await deps.repo().updateAccount(username, { failedAttempts: 0, lockedUntil: 0 });
    const issued = await issueForAccount(account, { username: account.username, role: account.role, displayName: account.displayName }, now);
    if (!issued) {
      await audit(req, username, account.role, 'auth.login', `account:${username}`, 'refused', { reason: 'account_changed' });
      throw accountChanged();
    }
    deps.countLogin('password', 'ok');
    await audit(req, username, account.role, 'auth.login', `account:${username}`, 'ok');
    return issued;
  });

  app.post('/api/auth/device', {
    config: { public: true },
    schema: {
      tags: ['auth'], summary: 'A unit terminal logs in with its provisioning key (HMAC of its unit id with DEVICE_SECRET)',
      body: DeviceLoginRequestSchema, response: { 200: LoginResponseSchema, ...ErrorResponses },
    },
  }, async (req, reply) => {
    const { unitId, key } = req.body;
    // Per address and unit, without the cap over all names from one address: a key is an HMAC check, not a slow
    // hash, and a depot (or the simulator) logs in a whole roster from one address — that cap would keep most of
    // it offline for minutes. (Not per unit alone: anyone could then keep a unit's terminal out with wrong keys.)
    const limited = await app.loginRateLimit(req, `device:${unitId}`, { perAddress: false });
    if (limited) {
      deps.countLogin('device', 'rate_limited');
      return reply.code(429).header('retry-after', String(limited.retryAfterS)).send(refusal('rate_limited', { seconds: limited.retryAfterS }, `retry in ${limited.retryAfterS} s`));
    }
    const secret = config.deviceSecret;
    const ok = secret !== undefined && deps.unitIds.has(unitId) && sameSecret(key, deviceKey(secret, unitId));
    if (!ok) {
      deps.countLogin('device', 'bad_credentials');
      await audit(req, `device:${unitId}`, 'anonymous', 'auth.device', `unit:${unitId}`, 'refused', { reason: secret ? 'bad_key' : 'no_device_secret' });
      return reply.code(401).send(secret ? refusal('bad_device_key', {}, 'wrong unit or device key') : refusal('device_login_closed', {}, 'device login is closed: set DEVICE_SECRET'));
    }
    const issued = await sessions.issue({ username: `device:${unitId}`, role: 'device', displayName: deps.unitNames.get(unitId) ?? unitId, unitId }, Date.now());
    deps.countLogin('device', 'ok');
    await audit(req, `device:${unitId}`, 'device', 'auth.device', `unit:${unitId}`, 'ok');
    return issued;
  });

  app.post('/api/auth/volunteer', {
    config: { public: true },
    schema: {
      tags: ['auth'], summary: 'A volunteer\'s terminal logs in with their provisioning key (HMAC of "volunteer:<id>" with DEVICE_SECRET)',
      body: VolunteerLoginRequestSchema, response: { 200: LoginResponseSchema, ...ErrorResponses },
    },
  }, async (req, reply) => {
    const { volunteerId, key } = req.body;
    const username = volunteerUsername(volunteerId);
    // Per address and volunteer, as for unit terminals (an HMAC check, not a slow hash).
    const limited = await app.loginRateLimit(req, username, { perAddress: false });
    if (limited) {
      deps.countLogin('volunteer', 'rate_limited');
      return reply.code(429).header('retry-after', String(limited.retryAfterS)).send(refusal('rate_limited', { seconds: limited.retryAfterS }, `retry in ${limited.retryAfterS} s`));
    }
    const secret = config.deviceSecret;
    const v = deps.volunteers.get(volunteerId);
    const ok = secret !== undefined && v !== undefined && sameSecret(key, volunteerKey(secret, volunteerId));
    if (!ok || !v) {
      deps.countLogin('volunteer', 'bad_credentials');
      await audit(req, username, 'anonymous', 'auth.volunteer', username, 'refused', { reason: secret ? 'bad_key' : 'no_device_secret' });
      return reply.code(401).send(secret ? refusal('bad_volunteer_key', {}, 'wrong volunteer id or key') : refusal('device_login_closed', {}, 'device login is closed: set DEVICE_SECRET'));
    }
    const issued = await sessions.issue({ username, role: 'volunteer', displayName: v.name, unitId: v.teamId, volunteerId }, Date.now());
    deps.countLogin('volunteer', 'ok');
    await audit(req, username, 'volunteer', 'auth.volunteer', username, 'ok', { teamId: v.teamId });
    return issued;
  });

  app.post('/api/auth/refresh', {
    config: { roles: ALL_ROLES },
    schema: {
      tags: ['auth'], summary: 'A fresh token for the same user (the old one stays valid until its own end); a 24/7 screen calls this before expiresAt',
      response: { 200: LoginResponseSchema, 400: AuthErrorSchema },
    },
  }, async (req, reply) => {
    const user = who(req);
    // A static credential (PRODUCER_TOKEN) is no session: renewing it would mint a stored session that outlives
    // the token's rotation and could be renewed for ever.
    if (!req.session?.hash) return reply.code(400).send(refusal('static_token', {}, 'a static token (PRODUCER_TOKEN) has no session to renew'));
    let account: StoredAccount | null = null;
    if (user.role === 'device' && !(user.unitId && deps.unitIds.has(user.unitId))) {
      // A unit taken off the roster keeps no terminal.
      await audit(req, user.username, user.role, 'auth.refresh', `account:${user.username}`, 'refused', { reason: 'unit_not_in_roster' });
      throw accountChanged();
    }
    if (user.role === 'volunteer' && !(user.volunteerId && deps.volunteers.get(user.volunteerId)?.teamId === user.unitId)) {
      // A volunteer taken off the list (or moved to another team) keeps no terminal under the old token.
      await audit(req, user.username, user.role, 'auth.refresh', `account:${user.username}`, 'refused', { reason: 'volunteer_not_in_roster' });
      throw accountChanged();
    }
    if (user.role !== 'device' && user.role !== 'volunteer') {
      account = await deps.repo().getAccount(user.username);
      // A session outlives neither its account's disabling nor a role change (both revoke), but check anyway.
      if (!account || account.disabled || account.role !== user.role) {
        await audit(req, user.username, user.role, 'auth.refresh', `account:${user.username}`, 'refused', { reason: 'account_changed' });
        throw accountChanged();
      }
    }
    // A renewal hands out a new token like a login does: audited like one.
    const issued = account ? await issueForAccount(account, user, Date.now(), req.session.hash) : await sessions.issue(user, Date.now());
    if (!issued) {
      await audit(req, user.username, user.role, 'auth.refresh', `account:${user.username}`, 'refused', { reason: 'account_changed' });
      throw accountChanged();
    }
    await audit(req, user.username, user.role, 'auth.refresh', `account:${user.username}`, 'ok');
    return issued;
  });

  app.post('/api/auth/logout', {
    config: { roles: ALL_ROLES },
    schema: { tags: ['auth'], summary: 'Ends this token\'s session (its sockets are disconnected)', response: { 204: Type.Null() } },
  }, async (req, reply) => {
    const user = who(req);
    if (req.session) {
      await sessions.revoke(req.session);
      if (req.session.hash) await deps.revoke({ kind: 'session', hash: req.session.hash });
    }
    await audit(req, user.username, user.role, 'auth.logout', `account:${user.username}`, 'ok');
    return reply.code(204).send(null);
  });

  app.get('/api/auth/me', {
    config: { roles: ALL_ROLES },
    schema: { tags: ['auth'], summary: 'Who this token belongs to', response: { 200: SessionUserSchema } },
  }, async (req) => who(req));

  // ── accounts (admin) ────────────────────────────────────────────────────────────────────────────────────
  const adminOnly = { roles: ['admin'] as const satisfies readonly Role[] };
  const AccountParams = Type.Object({ username: UsernameSchema });
  const notFound = (reply: FastifyReply, username: string) =>
    reply.code(404).send(notFoundBody('account', username));
  const changed = async (req: FastifyRequest, action: string, username: string, detail: Record<string, unknown>) => {
    const admin = who(req);
    const ended = await sessions.revokeUser(username);
    await deps.revoke({ kind: 'user', username });
    await audit(req, admin.username, admin.role, action, `account:${username}`, 'ok', { ...detail, sessionsEnded: ended });
  };
  const refuseSelf = async (req: FastifyRequest, reply: FastifyReply, action: string, username: string) => {
    const admin = who(req);
    if (admin.username !== username) return false;
    await audit(req, admin.username, admin.role, action, `account:${username}`, 'refused', { reason: 'self' });
    await reply.code(409).send(refusal('self_change', {}, 'an admin cannot change their own role or disable themselves'));
    return true;
  };
  const NotFound = ApiErrorSchema;
  // A device token speaks for one unit and comes only from its provisioning key; an account cannot be one.
  const refuseDeviceRole = async (req: FastifyRequest, reply: FastifyReply, action: string, username: string, role: Role) => {
    if (role !== 'device' && role !== 'volunteer') return false;
    const admin = who(req);
    await audit(req, admin.username, admin.role, action, `account:${username}`, 'refused', { reason: `${role}_role` });
    await reply.code(400).send(refusal('bad_role', {}, `the ${role} role comes only from a provisioning key (POST /api/auth/${role}), not from an account`));
    return true;
  };

  app.get('/api/accounts', {
    config: adminOnly,
    schema: { tags: ['accounts'], summary: 'All accounts', response: { 200: Type.Array(AccountSchema) } },
  }, async () => {
    const now = Date.now();
    return (await deps.repo().listAccounts()).map((a) => toAccount(a, now));
  });

  app.post('/api/accounts', {
    config: adminOnly,
    schema: { tags: ['accounts'], summary: 'Create an account (any role but device)', body: CreateAccountRequestSchema, response: { 201: AccountSchema, 400: ApiErrorSchema, 409: NotFound } },
  }, async (req, reply) => {
    const admin = who(req);
    const { username, displayName, role, password } = req.body;
    if (await refuseDeviceRole(req, reply, 'account.create', username, role)) return reply;
    const now = Date.now();
    const account: StoredAccount = { username, displayName, role, passwordHash: await hashPassword(password, config.scryptLogN), disabled: false, failedAttempts: 0, lockedUntil: 0, createdAt: now };
    if (!(await deps.repo().createAccount(account))) {
      await audit(req, admin.username, admin.role, 'account.create', `account:${username}`, 'refused', { reason: 'exists' });
      return reply.code(409).send(refusal('exists', { username }, `account "${username}" already exists`));
    }
    await audit(req, admin.username, admin.role, 'account.create', `account:${username}`, 'ok', { role });
    return reply.code(201).send(toAccount(account, now));
  });

  app.put('/api/accounts/:username/role', {
    config: adminOnly,
    schema: { tags: ['accounts'], summary: 'Change an account\'s role (ends its sessions)', params: AccountParams, body: ChangeRoleRequestSchema, response: { 200: AccountSchema, 400: ApiErrorSchema, 404: NotFound, 409: NotFound } },
  }, async (req, reply) => {
    const { username } = req.params;
    if (await refuseSelf(req, reply, 'account.role', username)) return reply;
    if (await refuseDeviceRole(req, reply, 'account.role', username, req.body.role)) return reply;
    const before = await deps.repo().getAccount(username);
    if (!before || !(await deps.repo().updateAccount(username, { role: req.body.role }))) return notFound(reply, username);
    await changed(req, 'account.role', username, { from: before.role, to: req.body.role });
    return toAccount({ ...before, role: req.body.role }, Date.now());
  });

  app.put('/api/accounts/:username/disabled', {
    config: adminOnly,
    schema: { tags: ['accounts'], summary: 'Disable or re-enable an account (disabling ends its sessions)', params: AccountParams, body: DisableAccountRequestSchema, response: { 200: AccountSchema, 404: NotFound, 409: NotFound } },
  }, async (req, reply) => {
    const { username } = req.params;
    if (await refuseSelf(req, reply, 'account.disable', username)) return reply;
    const before = await deps.repo().getAccount(username);
    if (!before || !(await deps.repo().updateAccount(username, { disabled: req.body.disabled }))) return notFound(reply, username);
    await changed(req, 'account.disable', username, { disabled: req.body.disabled });
    return toAccount({ ...before, disabled: req.body.disabled }, Date.now());
  });

  app.put('/api/accounts/:username/password', {
    config: adminOnly,
    schema: { tags: ['accounts'], summary: 'Set a new password (also unlocks; ends the account\'s sessions)', params: AccountParams, body: ResetPasswordRequestSchema, response: { 200: AccountSchema, 404: NotFound } },
  }, async (req, reply) => {
    const { username } = req.params;
    const before = await deps.repo().getAccount(username);
    const passwordHash = await hashPassword(req.body.password, config.scryptLogN);
    if (!before || !(await deps.repo().updateAccount(username, { passwordHash, failedAttempts: 0, lockedUntil: 0 }))) return notFound(reply, username);
    await changed(req, 'account.password', username, {});
    return toAccount({ ...before, failedAttempts: 0, lockedUntil: 0 }, Date.now());
  });
}
