// Sessions: opaque bearer tokens whose hashes live in Redis with an absolute end and a sliding idle window.
// Static credentials from the environment (PRODUCER_TOKEN) are checked here too, in constant time.
import { createHmac } from 'node:crypto';
import type { SessionUser } from '@ccr/shared';
import type { AuthRepository } from './auth-repository.js';
import { newToken, sameSecret, sessionRemainingMs, tokenHash, type SessionPolicy } from './auth-service.js';

export interface VerifiedSession {
  user: SessionUser;
  /** Absent for static credentials, which no session store holds. */
  hash?: string;
  expiresAt: number;
}

export interface IssuedSession {
  token: string;
  expiresAt: number;
  user: SessionUser;
}

export const PRODUCER_TOKEN_USER: SessionUser = { username: 'producer-token', role: 'producer', displayName: 'PRODUCER_TOKEN' };

export class SessionService {
  constructor(
    private readonly repo: () => AuthRepository,
    readonly policy: SessionPolicy,
    private readonly producerToken: string | undefined,
    /** deviceSecretId(DEVICE_SECRET): device sessions issued under another secret are refused. */
    private readonly currentDeviceSecretId: string | undefined = undefined,
  ) {}

  async issue(user: SessionUser, now: number): Promise<IssuedSession> {
    const token = newToken();
    const expiresAt = now + this.policy.ttlMs;
    const times = { createdAt: now, expiresAt };
    const device = (user.role === 'device' || user.role === 'volunteer') && this.currentDeviceSecretId ? { deviceSecretId: this.currentDeviceSecretId } : {};
    await this.repo().saveSession(tokenHash(token), { ...times, user, ...device }, sessionRemainingMs(times, this.policy, now));
    return { token, expiresAt, user };
  }

  /** The session behind a token, its idle window slid by this use; null when unknown, expired or revoked. */
  async verify(token: string | undefined, now: number): Promise<VerifiedSession | null> {
    if (!token || token.length > 512) return null;
    if (this.producerToken && sameSecret(token, this.producerToken)) return { user: PRODUCER_TOKEN_USER, expiresAt: Number.POSITIVE_INFINITY };
    const hash = tokenHash(token);
    return this.verifyHash(hash, now);
  }

  async verifyHash(hash: string, now: number): Promise<VerifiedSession | null> {
    const session = await this.repo().getSession(hash);
    if (!session) return null;
    // A unit terminal's session ends with the secret its key came from: rotating DEVICE_SECRET cuts off every
    // terminal and volunteer phone (a stolen one included) until it logs in with a key of the new secret.
    if ((session.user.role === 'device' || session.user.role === 'volunteer') && session.deviceSecretId !== this.currentDeviceSecretId) {
      await this.repo().deleteSession(hash, session.user.username);
      return null;
    }
    if (!(await this.repo().touchSession(hash, sessionRemainingMs(session, this.policy, now)))) return null;
    return { user: session.user, hash, expiresAt: session.expiresAt };
  }

  async revoke(session: VerifiedSession): Promise<void> {
    if (session.hash) await this.repo().deleteSession(session.hash, session.user.username);
  }

  revokeUser(username: string): Promise<number> {
    return this.repo().deleteUserSessions(username);
  }
}

/** Names a device secret in stored sessions without storing the secret. */
export function deviceSecretId(secret: string): string {
  return createHmac('sha256', secret).update('ccr device session').digest('hex').slice(0, 32);
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}
