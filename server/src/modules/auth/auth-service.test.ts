import { describe, expect, it } from 'vitest';
import { hashPassword, isLocked, newToken, sameSecret, sessionRemainingMs, tokenHash, verifyPassword } from './auth-service.js';
import { bearerToken } from './auth-sessions.js';
import { deviceKey } from './device-key.js';

describe('passwords', () => {
  it('verify against their own hash only, with a fresh salt each time', async () => {
    const a = await hashPassword('correct horse', 10);
    const b = await hashPassword('correct horse', 10);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^scrypt\$10\$/);
    expect(await verifyPassword('correct horse', a)).toBe(true);
    expect(await verifyPassword('correct horse', b)).toBe(true);
    expect(await verifyPassword('correct hors', a)).toBe(false);
    expect(await verifyPassword('correct horse', 'not-a-hash')).toBe(false);
  });

  it('keep the cost they were made with', async () => {
    const h = await hashPassword('pw-123456', 11);
    expect(h.split('$')[1]).toBe('11');
    expect(await verifyPassword('pw-123456', h)).toBe(true);
  });
});

describe('tokens and secrets', () => {
  it('tokens are long, random, and stored only as their hash', () => {
    const t = newToken();
    expect(t.length).toBeGreaterThanOrEqual(43);
    expect(newToken()).not.toBe(t);
    expect(tokenHash(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(tokenHash(t)).toBe(tokenHash(t));
  });

  it('compares secrets of any length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', 'x')).toBe(false);
  });

  it('reads a bearer header', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer  xyz ')).toBe('xyz');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });

  it('derives a device key per unit', () => {
    expect(deviceKey('s', 'P-01')).not.toBe(deviceKey('s', 'P-02'));
    expect(deviceKey('s', 'P-01')).not.toBe(deviceKey('t', 'P-01'));
    expect(deviceKey('s', 'P-01')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('session lifetimes', () => {
  const policy = { ttlMs: 10_000, idleMs: 3_000 };
  it('a use slides the idle window, never past the absolute end', () => {
    expect(sessionRemainingMs({ createdAt: 0, expiresAt: 10_000 }, policy, 1_000)).toBe(3_000);
    expect(sessionRemainingMs({ createdAt: 0, expiresAt: 10_000 }, policy, 8_000)).toBe(2_000);
    expect(sessionRemainingMs({ createdAt: 0, expiresAt: 10_000 }, policy, 10_000)).toBe(0);
    expect(sessionRemainingMs({ createdAt: 0, expiresAt: 10_000 }, policy, 12_000)).toBeLessThan(0);
  });
});

describe('lockout', () => {
  it('is locked strictly before lockedUntil', () => {
    expect(isLocked({ failedAttempts: 0, lockedUntil: 0 }, 5)).toBe(false);
    expect(isLocked({ failedAttempts: 0, lockedUntil: 100 }, 99)).toBe(true);
    expect(isLocked({ failedAttempts: 0, lockedUntil: 100 }, 100)).toBe(false);
  });
});
