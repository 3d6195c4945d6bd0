// The session store against a stand-in fetch and localStorage: login, renewal before expiry, a server that is
// away (keep the session, retry), a server that says no (end it), and the pure guard decisions.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import type { LoginResponse } from '@ccr/shared';
import {
  AUTH_STORAGE_KEY, REFRESH_EVERY_MS, REFRESH_MARGIN_MS, REFRESH_RETRY_MS, guardDecision, homeFor, refreshDelay, safeRedirect, useAuthStore,
} from './auth';

const T0 = Date.UTC(2026, 10, 23, 1, 0, 0);

class MemoryStorage {
  m = new Map<string, string>();
  getItem(k: string): string | null { return this.m.get(k) ?? null; }
  setItem(k: string, v: string): void { this.m.set(k, v); }
  removeItem(k: string): void { this.m.delete(k); }
}

type Reply = { status: number; body?: unknown } | 'network';
let replies: Reply[] = [];
let calls: { url: string; init: RequestInit }[] = [];
let storage: MemoryStorage;

function session(token: string, ttlMs = 8 * 3600_000): LoginResponse {
  return { token, expiresAt: Date.now() + ttlMs, user: { username: 'operator', role: 'operator', displayName: '值班员' } };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(T0);
  setActivePinia(createPinia());
  storage = new MemoryStorage();
  vi.stubGlobal('localStorage', storage);
  replies = [];
  calls = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    const r = replies.shift() ?? { status: 500 };
    if (r === 'network') throw new TypeError('Failed to fetch');
    return new Response(r.body === undefined ? '' : JSON.stringify(r.body), { status: r.status, headers: { 'content-type': 'application/json' } });
  });
});
afterEach(() => {
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('auth store', () => {
  it('logs in, keeps the session in localStorage and sends no token with the login', async () => {
    replies.push({ status: 200, body: session('tok-1') });
    const auth = useAuthStore();
    await auth.login({ username: 'operator', password: 'pw' });
    expect(auth.token).toBe('tok-1');
    expect(auth.role).toBe('operator');
    expect(JSON.parse(storage.getItem(AUTH_STORAGE_KEY)!).token).toBe('tok-1');
    expect(new Headers(calls[0]!.init.headers).get('authorization')).toBeNull();
    // a reload finds it again
    setActivePinia(createPinia());
    expect(useAuthStore().token).toBe('tok-1');
  });

  it('says "wrong password" and "locked until hh:mm" in Chinese', async () => {
    const auth = useAuthStore();
    replies.push({ status: 401, body: { error: 'bad_credentials', params: {}, message: 'wrong username or password' } });
    await expect(auth.login({ username: 'operator', password: 'x' })).rejects.toThrow('用户名或密码错误');
    const until = new Date(2026, 10, 23, 9, 41).getTime();
    replies.push({ status: 423, body: { error: 'account_locked', params: { until, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }, message: 'locked', lockedUntil: until } });
    await expect(auth.login({ username: 'operator', password: 'x' })).rejects.toThrow('账号已锁定，请于 09:41:00 后再试');
    replies.push('network');
    await expect(auth.login({ username: 'operator', password: 'x' })).rejects.toThrow('无法连接服务器');
    expect(auth.loggedIn).toBe(false);
  });

  it('renews the token before it expires, with the current token, and keeps renewing', async () => {
    replies.push({ status: 200, body: session('tok-1', 3600_000) });
    const auth = useAuthStore();
    await auth.login({ username: 'operator', password: 'pw' });
    replies.push({ status: 200, body: session('tok-2', 3600_000) });
    await vi.advanceTimersByTimeAsync(REFRESH_EVERY_MS);
    expect(calls[1]!.url).toBe('/api/auth/refresh');
    expect(new Headers(calls[1]!.init.headers).get('authorization')).toBe('Bearer tok-1');
    expect(auth.token).toBe('tok-2');
    replies.push({ status: 200, body: session('tok-3', 3600_000) });
    await vi.advanceTimersByTimeAsync(REFRESH_EVERY_MS);
    expect(auth.token).toBe('tok-3');
  });

  it('keeps the session while the server is away and renews when it is back', async () => {
    replies.push({ status: 200, body: session('tok-1', 3600_000) });
    const auth = useAuthStore();
    await auth.login({ username: 'operator', password: 'pw' });
    replies.push('network', { status: 503 }, 'network');
    await vi.advanceTimersByTimeAsync(REFRESH_EVERY_MS);
    await vi.advanceTimersByTimeAsync(REFRESH_RETRY_MS);
    await vi.advanceTimersByTimeAsync(REFRESH_RETRY_MS * 2);
    expect(calls).toHaveLength(4);
    expect(auth.token).toBe('tok-1');
    replies.push({ status: 200, body: session('tok-2', 3600_000) });
    await vi.advanceTimersByTimeAsync(REFRESH_RETRY_MS * 4);
    expect(auth.token).toBe('tok-2');
  });

  it('ends the session when the server refuses the renewal', async () => {
    replies.push({ status: 200, body: session('tok-1', 3600_000) });
    const auth = useAuthStore();
    await auth.login({ username: 'operator', password: 'pw' });
    const seen: (string | null)[] = [];
    auth.onTokenChange((t) => seen.push(t));
    replies.push({ status: 401, body: { error: 'unauthorized', params: {}, message: 'session expired' } });
    await vi.advanceTimersByTimeAsync(REFRESH_EVERY_MS);
    expect(auth.loggedIn).toBe(false);
    expect(auth.endReason).toBe('expired');
    expect(seen).toEqual([null]);
    expect(storage.getItem(AUTH_STORAGE_KEY)).toBeNull();
  });

  it('forgets the token on logout even when the server is unreachable', async () => {
    replies.push({ status: 200, body: session('tok-1') }, 'network');
    const auth = useAuthStore();
    await auth.login({ username: 'operator', password: 'pw' });
    await auth.logout();
    expect(auth.loggedIn).toBe(false);
    expect(auth.endReason).toBe('logout');
    expect(calls[1]!.url).toBe('/api/auth/logout');
  });

  it('schedules renewal before expiry and at least every few minutes', () => {
    expect(refreshDelay(T0 + 8 * 3600_000, T0)).toBe(REFRESH_EVERY_MS);
    expect(refreshDelay(T0 + 3 * 60_000, T0)).toBe(90_000);
    expect(refreshDelay(T0 + 10 * 60_000, T0)).toBe(REFRESH_EVERY_MS);
    expect(refreshDelay(T0 + 8 * 60_000, T0)).toBe(4 * 60_000); // half of what is left
    expect(refreshDelay(T0 + 90_000, T0)).toBe(90_000 - REFRESH_MARGIN_MS);
    expect(refreshDelay(T0 - 1000, T0)).toBe(1000); // already past (or a wrong clock): ask the server at once
  });
});

describe('route guard', () => {
  const wall = { meta: { roles: ['operator', 'dispatcher', 'leader', 'admin'] as const }, fullPath: '/' };
  const console_ = { meta: { roles: ['dispatcher', 'leader'] as const }, fullPath: '/dispatch?x=1' };
  it('sends a visitor without a session to the login page with the way back', () => {
    expect(guardDecision(wall, { loggedIn: false, role: undefined })).toEqual({ name: 'login', query: { redirect: '/' } });
  });
  it('lets a view role onto the wall and only dispatch roles onto the console', () => {
    expect(guardDecision(wall, { loggedIn: true, role: 'operator' })).toBe(true);
    expect(guardDecision(console_, { loggedIn: true, role: 'operator' })).toEqual({ name: 'login', query: { redirect: '/dispatch?x=1', denied: '1' } });
    expect(guardDecision(console_, { loggedIn: true, role: 'dispatcher' })).toBe(true);
    expect(guardDecision(console_, { loggedIn: true, role: 'leader' })).toBe(true);
    expect(guardDecision(wall, { loggedIn: true, role: 'device' })).toEqual({ name: 'login', query: { redirect: '/', denied: '1' } });
  });
  it('guards a route that names no roles with the view roles, and lets the login page through', () => {
    expect(guardDecision({ meta: {}, fullPath: '/stats' }, { loggedIn: true, role: 'producer' })).not.toBe(true);
    expect(guardDecision({ meta: { public: true }, fullPath: '/login' }, { loggedIn: false, role: undefined })).toBe(true);
  });
  it('follows only same-site redirects and lands each role at home', () => {
    expect(safeRedirect('/dispatch')).toBe('/dispatch');
    expect(safeRedirect('//evil.example/')).toBeNull();
    expect(safeRedirect('https://evil.example/')).toBeNull();
    expect(safeRedirect('/login?redirect=/')).toBeNull();
    expect(homeFor('dispatcher')).toBe('/dispatch');
    expect(homeFor('operator')).toBe('/');
    expect(homeFor('community')).toBe('/community');
  });
});
