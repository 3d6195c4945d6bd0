// Auth rules without I/O: password hashing, opaque tokens, session lifetimes, lockout arithmetic.
import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost as log2(N); r=8, p=1. 15 → 32 MiB and tens of ms per hash on this kind of machine. */
export const DEFAULT_SCRYPT_LOG_N = 15;
const KEY_LEN = 32;

function scryptAsync(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, KEY_LEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

function scryptOptions(logN: number): ScryptOptions {
  const N = 2 ** logN;
  // maxmem must exceed 128·N·r or Node refuses the cost.
  return { N, r: 8, p: 1, maxmem: 256 * N * 8 };
}

/** `scrypt$<logN>$<salt b64>$<hash b64>`: the cost travels with the hash, so it can be raised later. */
export async function hashPassword(password: string, logN = DEFAULT_SCRYPT_LOG_N): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, scryptOptions(logN));
  return `scrypt$${logN}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, logN, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !logN || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await scryptAsync(password, Buffer.from(salt, 'base64'), scryptOptions(Number(logN)));
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Compares two secrets in constant time whatever their lengths (hashing first equalises the lengths). */
export function sameSecret(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/** A bearer token: 256 random bits. Only its hash is stored, so a copy of Redis does not hand out sessions. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface SessionTimes {
  createdAt: number;
  /** Absolute end, whatever the activity. */
  expiresAt: number;
}

export interface SessionPolicy {
  /** Absolute lifetime of a token. */
  ttlMs: number;
  /** A token unused for this long expires (each use or connected socket slides it). */
  idleMs: number;
}

/** How long the stored session may still live after a use at `now`: the idle window, cut by the absolute end. */
export function sessionRemainingMs(times: SessionTimes, policy: SessionPolicy, now: number): number {
  return Math.min(policy.idleMs, times.expiresAt - now);
}

export interface LoginState {
  failedAttempts: number;
  lockedUntil: number;
}

export function isLocked(state: LoginState, now: number): boolean {
  return state.lockedUntil > now;
}
