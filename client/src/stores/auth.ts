// The session: who is logged in, the token every request and the socket handshake carry, and its renewal.
// A wall is logged in once and then runs untouched for months, so the token is renewed well before it
// expires and a renewal that fails because the server is away is retried — only the server saying "no"
// (401) ends a session. The session lives in localStorage so a reload (or a second tab) keeps it.
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import {
  COMMUNITY_INTAKE_ROLES, DISPATCH_ROLES, VIEW_ROLES, type LoginRequest, type LoginResponse, type Role, type SessionUser, type VolunteerLoginRequest,
} from '@ccr/shared';
import { ApiError, request } from '../http';

export const AUTH_STORAGE_KEY = 'ccr.auth';
/** Renew at the latest this long before expiry… */
export const REFRESH_MARGIN_MS = 60_000;
/** …and at least this often, so an idle timeout on the server never catches a screen that nobody touches. */
export const REFRESH_EVERY_MS = 5 * 60_000;
/** A failed renewal (server away) is retried after this, doubling up to REFRESH_RETRY_MAX_MS. */
export const REFRESH_RETRY_MS = 5_000;
export const REFRESH_RETRY_MAX_MS = 60_000;

/** Why a session ended: shown on the login page. */
export type EndReason = 'logout' | 'expired' | 'refused';

interface Saved { token: string; expiresAt: number; user: SessionUser; /** server clock − client clock */ skewMs?: number }

function isSaved(v: unknown): v is Saved {
  const s = v as Saved;
  return !!s && typeof s.token === 'string' && typeof s.expiresAt === 'number' && !!s.user && typeof s.user.role === 'string' && typeof s.user.username === 'string';
}

function readSaved(): Saved | null {
  try {
    const raw = globalThis.localStorage?.getItem(AUTH_STORAGE_KEY);
    if (!raw) return null;
    const v: unknown = JSON.parse(raw);
    return isSaved(v) ? v : null;
  } catch {
    return null;
  }
}

function writeSaved(s: Saved | null): void {
  try {
    if (s) globalThis.localStorage?.setItem(AUTH_STORAGE_KEY, JSON.stringify(s));
    else globalThis.localStorage?.removeItem(AUTH_STORAGE_KEY);
  } catch {
    // storage blocked: the session lasts for this page only
  }
}

/** When to renew a token that expires at `expiresAt`: pure, so the schedule is tested without timers. */
export function refreshDelay(expiresAt: number, now: number): number {
  const left = expiresAt - now;
  return Math.max(1_000, Math.min(REFRESH_EVERY_MS, left - REFRESH_MARGIN_MS, left / 2));
}

export const canView = (role: Role | undefined): boolean => !!role && VIEW_ROLES.includes(role);
export const canDispatch = (role: Role | undefined): boolean => !!role && DISPATCH_ROLES.includes(role);

/** Who may open the community console (社区警务台): those who may open cases and order tasks. */
export const canUseCommunity = (role: Role | undefined): boolean => !!role && COMMUNITY_INTAKE_ROLES.includes(role);

/** Where a role lands after logging in without a target: the community leader at the community console. */
export function homeFor(role: Role): string {
  if (role === 'community') return '/community';
  if (role === 'volunteer') return '/m/volunteer';
  return canDispatch(role) ? '/dispatch' : '/';
}

/** Only same-site paths are followed after a login (never `//evil.example`). */
export function safeRedirect(v: unknown): string | null {
  if (typeof v !== 'string' || !v.startsWith('/') || v.startsWith('//') || v.startsWith('/login')) return null;
  return v;
}

/** The guard's decision, pure: true to go on, or where to go instead. */
export function guardDecision(
  to: { meta: { public?: boolean; roles?: readonly Role[] }; fullPath: string },
  session: { loggedIn: boolean; role: Role | undefined },
): true | { name: 'login'; query: Record<string, string> } {
  if (to.meta.public) return true;
  const roles = to.meta.roles ?? VIEW_ROLES;
  if (!session.loggedIn) return { name: 'login', query: { redirect: to.fullPath } };
  if (!session.role || !roles.includes(session.role)) return { name: 'login', query: { redirect: to.fullPath, denied: '1' } };
  return true;
}

export const useAuthStore = defineStore('auth', () => {
  const saved = readSaved();
  // A stored token is kept even if it looks expired by this machine's clock: the server decides (the first
  // renewal is then due at once), so a wall with a wrong clock is not thrown out.
  const token = ref<string | null>(saved?.token ?? null);
  const expiresAt = ref(saved?.expiresAt ?? 0);
  const user = shallowRef<SessionUser | null>(saved?.user ?? null);
  /** Server clock − client clock, from the Date header of the last login/renewal (expiresAt is server time). */
  let skewMs = saved?.skewMs ?? 0;
  /** Why the last session ended (for the login page); cleared by a login. */
  const endReason = ref<EndReason | null>(null);
  const refreshing = ref(false);

  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let retryDelay = REFRESH_RETRY_MS;
  let inflight: Promise<boolean> | null = null;
  const listeners = new Set<(token: string | null) => void>();

  const loggedIn = computed(() => token.value !== null);
  const role = computed<Role | undefined>(() => user.value?.role);

  function measureSkew(res: Response): void {
    const date = Date.parse(res.headers.get('date') ?? '');
    // The header has whole seconds: only a skew beyond that is worth correcting.
    if (Number.isFinite(date)) skewMs = Math.abs(date - Date.now()) > 2_000 ? date - Date.now() : 0;
  }

  function setSession(s: Saved | null): void {
    const changed = token.value !== (s?.token ?? null);
    token.value = s?.token ?? null;
    expiresAt.value = s?.expiresAt ?? 0;
    user.value = s?.user ?? null;
    writeSaved(s ? { ...s, skewMs } : null);
    schedule();
    if (changed) for (const l of listeners) l(token.value);
  }

  function schedule(delay?: number): void {
    clearTimeout(refreshTimer);
    refreshTimer = undefined;
    if (!token.value) return;
    refreshTimer = setTimeout(() => { void refresh(); }, delay ?? refreshDelay(expiresAt.value, Date.now() + skewMs));
  }

  async function login(req: LoginRequest): Promise<SessionUser> {
    return begin(await request<LoginResponse>('/api/auth/login', { method: 'POST', body: req, token: null, onResponse: measureSkew }));
  }

  /** A volunteer's phone (/m/volunteer) logs in with the provisioning key the station gave it. */
  async function loginVolunteer(req: VolunteerLoginRequest): Promise<SessionUser> {
    return begin(await request<LoginResponse>('/api/auth/volunteer', { method: 'POST', body: req, token: null, onResponse: measureSkew }));
  }

  function begin(res: LoginResponse): SessionUser {
    endReason.value = null;
    retryDelay = REFRESH_RETRY_MS;
    setSession({ token: res.token, expiresAt: res.expiresAt, user: res.user });
    return res.user;
  }

  /**
   * Renews the token. True when the session is alive afterwards. A network failure keeps the session and
   * retries with backoff (the server may be restarting); a 401 ends it.
   */
  function refresh(): Promise<boolean> {
    if (inflight) return inflight;
    const current = token.value;
    if (!current) return Promise.resolve(false);
    refreshing.value = true;
    inflight = request<LoginResponse>('/api/auth/refresh', { method: 'POST', token: current, onResponse: measureSkew })
      .then((res) => {
        retryDelay = REFRESH_RETRY_MS;
        // A logout or a new login while this was in flight wins.
        if (token.value === current) setSession({ token: res.token, expiresAt: res.expiresAt, user: res.user });
        return true;
      }, (e: unknown) => {
        if (token.value !== current) return token.value !== null;
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) {
          sessionEnded('expired');
          return false;
        }
        // Server away or busy: keep the token (it may well still be valid) and try again soon.
        schedule(retryDelay);
        retryDelay = Math.min(retryDelay * 2, REFRESH_RETRY_MAX_MS);
        return true;
      })
      .finally(() => { inflight = null; refreshing.value = false; });
    return inflight;
  }

  async function logout(): Promise<void> {
    const current = token.value;
    sessionEnded('logout');
    if (current) {
      try {
        await request('/api/auth/logout', { method: 'POST', token: current, timeoutMs: 5_000 });
      } catch {
        // the token is forgotten here either way; the server expires it
      }
    }
  }

  /** The server refused the session (401 on a request, a refused socket handshake, or a failed renewal). */
  function sessionEnded(reason: EndReason): void {
    if (!token.value) return;
    endReason.value = reason;
    setSession(null);
  }

  /** Another tab logged in, renewed or logged out: follow it. */
  function adoptStored(): void {
    const s = readSaved();
    if (s?.token === token.value) return;
    const changed = token.value !== (s?.token ?? null);
    token.value = s?.token ?? null;
    expiresAt.value = s?.expiresAt ?? 0;
    user.value = s?.user ?? null;
    skewMs = s?.skewMs ?? skewMs;
    schedule();
    if (changed) for (const l of listeners) l(token.value);
  }

  function onTokenChange(cb: (token: string | null) => void): () => void {
    listeners.add(cb);
    return () => listeners.delete(cb);
  }

  if (typeof window !== 'undefined') {
    window.addEventListener('storage', (e) => { if (e.key === AUTH_STORAGE_KEY) adoptStored(); });
  }
  schedule();

  return {
    token, expiresAt, user, role, loggedIn, endReason, refreshing,
    login, loginVolunteer, refresh, logout, sessionEnded, onTokenChange, adoptStored,
  };
});

export type AuthStore = ReturnType<typeof useAuthStore>;
