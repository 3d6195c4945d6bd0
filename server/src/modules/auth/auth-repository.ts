// Accounts and sessions in Redis, so every node and a restarted node see the same logins, and a revoked token
// is revoked everywhere. The only file that knows the auth keys.
import type { Role, SessionUser } from '@ccr/shared';
import type { RedisClient } from '../../plugins/redis.js';
import { LuaScript } from '../../plugins/lua-script.js';
import type { Keyspace } from '../../plugins/keyspace.js';
import type { SessionTimes } from './auth-service.js';

export interface StoredAccount {
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  failedAttempts: number;
  lockedUntil: number;
  createdAt: number;
}

export interface StoredSession extends SessionTimes {
  user: SessionUser;
  /** Device sessions: which DEVICE_SECRET issued them (deviceSecretId), so rotating the secret ends them. */
  deviceSecretId?: string;
}

// One more failure, atomically: the maxFailures-th locks the account and starts a fresh count.
// Returns lockedUntil (0 when not locked by this failure). Unknown accounts are left alone.
const RECORD_FAILURE = new LuaScript('auth-record-failure', `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local n = redis.call('HINCRBY', KEYS[1], 'failedAttempts', 1)
if n >= tonumber(ARGV[2]) then
  local until_ = tonumber(ARGV[1]) + tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'failedAttempts', 0, 'lockedUntil', until_)
  return until_
end
return 0
`);

// The same count for a name that has no account, in a key that expires: without it, five failures lock a real
// account (423) but never an unknown name, which tells a guesser which names exist.
const RECORD_UNKNOWN_FAILURE = new LuaScript('auth-record-unknown-failure', `
local n = redis.call('HINCRBY', KEYS[1], 'failedAttempts', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
if n >= tonumber(ARGV[2]) then
  local until_ = tonumber(ARGV[1]) + tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], 'failedAttempts', 0, 'lockedUntil', until_)
  return until_
end
return 0
`);

// Create only when absent, and index it, in one step (two nodes seeding demo accounts at once make one).
const CREATE_ACCOUNT = new LuaScript('auth-create-account', `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
redis.call('SADD', KEYS[2], ARGV[2])
return 1
`);

export class AuthRepository {
  constructor(private readonly redis: RedisClient, private readonly ks: Keyspace) {}

  private accountKey(username: string): string { return this.ks.auth.account(username); }
  private get accountsKey(): string { return this.ks.auth.accounts; }
  private sessionKey(hash: string): string { return this.ks.auth.session(hash); }
  private userSessionsKey(username: string): string { return this.ks.auth.sessionsOf(username); }
  private unknownKey(username: string): string { return this.ks.auth.unknown(username); }
  private refusalsKey(address: string, minute: number): string { return this.ks.auth.refusals(address, minute); }
  /** Pub/sub: revocations every node acts on, and each node's confirmation (socket-revocation.ts). */
  private get revocationsChannel(): string { return this.ks.auth.revocations; }
  private get confirmationsChannel(): string { return this.ks.auth.revocationsDone; }

  async createAccount(a: StoredAccount): Promise<boolean> {
    const fields = [
      'username', a.username, 'displayName', a.displayName, 'role', a.role, 'passwordHash', a.passwordHash,
      'disabled', a.disabled ? '1' : '0', 'failedAttempts', String(a.failedAttempts), 'lockedUntil', String(a.lockedUntil),
      'createdAt', String(a.createdAt),
    ];
    return (await CREATE_ACCOUNT.run(this.redis, [this.accountKey(a.username), this.accountsKey], fields)) === 1;
  }

  async getAccount(username: string): Promise<StoredAccount | null> {
    const h = await this.redis.hGetAll(this.accountKey(username));
    if (!h.username) return null;
    return {
      username: h.username, displayName: h.displayName ?? h.username, role: h.role as Role, passwordHash: h.passwordHash ?? '',
      disabled: h.disabled === '1', failedAttempts: Number(h.failedAttempts ?? 0), lockedUntil: Number(h.lockedUntil ?? 0),
      createdAt: Number(h.createdAt ?? 0),
    };
  }

  async listAccounts(): Promise<StoredAccount[]> {
    const names = await this.redis.sMembers(this.accountsKey);
    const all = await Promise.all(names.map((n) => this.getAccount(n)));
    return all.filter((a): a is StoredAccount => a !== null).sort((a, b) => a.username.localeCompare(b.username));
  }

  /** Updates fields of an existing account; false when it does not exist. */
  async updateAccount(username: string, patch: Partial<Pick<StoredAccount, 'role' | 'passwordHash' | 'disabled' | 'failedAttempts' | 'lockedUntil'>>): Promise<boolean> {
    const key = this.accountKey(username);
    const fields: Record<string, string> = {};
    if (patch.role !== undefined) fields.role = patch.role;
    if (patch.passwordHash !== undefined) fields.passwordHash = patch.passwordHash;
    if (patch.disabled !== undefined) fields.disabled = patch.disabled ? '1' : '0';
    if (patch.failedAttempts !== undefined) fields.failedAttempts = String(patch.failedAttempts);
    if (patch.lockedUntil !== undefined) fields.lockedUntil = String(patch.lockedUntil);
    // Accounts are never deleted (only disabled), so a check before the write cannot race a removal.
    if ((await this.redis.exists(key)) === 0) return false;
    await this.redis.hSet(key, fields);
    return true;
  }

  /** Counts a failed login; returns the lock end when this failure locked the account, else 0. */
  async recordFailure(username: string, now: number, maxFailures: number, lockMs: number): Promise<number> {
    return Number(await RECORD_FAILURE.run(this.redis, [this.accountKey(username)], [now, maxFailures, lockMs]));
  }

  /** Failed logins of a name without an account: its lock end (0 when not locked). */
  async unknownLockedUntil(username: string): Promise<number> {
    return Number((await this.redis.hGet(this.unknownKey(username), 'lockedUntil')) ?? 0);
  }

  /** Counts a failed login of a name without an account, like recordFailure; forgotten a day after the last. */
  async recordUnknownFailure(username: string, now: number, maxFailures: number, lockMs: number): Promise<number> {
    return Number(await RECORD_UNKNOWN_FAILURE.run(this.redis, [this.unknownKey(username)], [now, maxFailures, lockMs, lockMs + 86_400_000]));
  }

  /** Counts an anonymous refusal from an address in the current minute (all nodes together); returns the count. */
  async countAnonymousRefusal(address: string, now: number): Promise<number> {
    // While Redis is away a command would wait for it: fail at once so the refusal is answered, not held.
    if (!this.redis.isReady) throw new Error('redis not ready');
    const key = this.refusalsKey(address, Math.floor(now / 60_000));
    const [n] = (await this.redis.multi().incr(key).expire(key, 120).exec()) as unknown as [number, number];
    return Number(n);
  }

  async saveSession(hash: string, session: StoredSession, ttlMs: number): Promise<void> {
    const userKey = this.userSessionsKey(session.user.username);
    await this.redis.multi()
      .set(this.sessionKey(hash), JSON.stringify(session), { expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) } })
      .sAdd(userKey, hash)
      // The index outlives none of its sessions by much: it is refreshed with each new one.
      .pExpire(userKey, Math.max(1, session.expiresAt - session.createdAt))
      .exec();
  }

  async getSession(hash: string): Promise<StoredSession | null> {
    // While Redis is away a read would wait for it: fail at once so a request is answered 503, not held.
    if (!this.redis.isReady) throw new Error('redis not ready');
    const raw = await this.redis.get(this.sessionKey(hash));
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  }

  /** Slides the idle window; false when the session is gone. */
  async touchSession(hash: string, ttlMs: number): Promise<boolean> {
    if (ttlMs <= 0) {
      await this.redis.del(this.sessionKey(hash));
      return false;
    }
    return (await this.redis.pExpire(this.sessionKey(hash), Math.ceil(ttlMs))) === 1;
  }

  /** Which of these sessions still exist (one round trip for a node's sockets). */
  async sessionsAlive(hashes: string[]): Promise<boolean[]> {
    if (hashes.length === 0) return [];
    const counts = await Promise.all(hashes.map((h) => this.redis.exists(this.sessionKey(h))));
    return counts.map((n) => n === 1);
  }

  async deleteSession(hash: string, username: string): Promise<void> {
    await this.redis.multi().del(this.sessionKey(hash)).sRem(this.userSessionsKey(username), hash).exec();
  }

  /** Ends every session of an account (role change, disable, password reset). */
  async deleteUserSessions(username: string): Promise<number> {
    const key = this.userSessionsKey(username);
    const hashes = await this.redis.sMembers(key);
    const m = this.redis.multi();
    for (const h of hashes) m.del(this.sessionKey(h));
    m.del(key);
    await m.exec();
    return hashes.length;
  }

  /** Publishes a revocation; returns how many subscribers (one per node) it reached. */
  async publishRevocation(message: string): Promise<number> {
    return this.redis.publish(this.revocationsChannel, message);
  }

  async publishConfirmation(message: string): Promise<void> {
    await this.redis.publish(this.confirmationsChannel, message);
  }

  /** Subscribes a dedicated connection to both channels (node-redis subscribes again after a reconnect). */
  async subscribeRevocations(subscriber: RedisClient, onRevocation: (message: string) => void, onConfirmation: (message: string) => void): Promise<void> {
    await subscriber.subscribe(this.revocationsChannel, onRevocation);
    await subscriber.subscribe(this.confirmationsChannel, onConfirmation);
  }
}
