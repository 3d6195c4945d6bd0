// A simulated person at a desk — the dispatcher, the community leader, the duty leader calling roll-calls and
// searches: one account's session over the HTTP API and the polling loop each of them runs. What each person does
// in a round is theirs; the session is this file's:
//   POST /api/auth/login { username, password } → { token, expiresAt }; POST /api/auth/refresh before expiresAt
//   a round every pollMs; while the server is away a capped back-off, said once per kind of trouble (and once when
//   it answers again); a 401 in a round ends the round and logs in again at once; a locked account or a rate-limited
//   login waits as long as the server says; a refused password stops for good, since retrying would lock the
//   account for the people who use it too.
import type { Rng } from '@ccr/shared/demo';

export interface DeskCall { status: number; body: Record<string, unknown> }

export interface DeskApi {
  /** One request as this account; null when the server could not be reached (said once, in the log). A 401 (the
   *  session ended) does not return: the round ends and the next one starts after a new login. */
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<DeskCall | null>;
  /** Says a lasting trouble once (not again until another trouble, or the server answers again). */
  noteTrouble(text: string): void;
}

/** What every demo desk (the community leader, the duty leader) is started with. */
export interface DeskLeaderOptions {
  serverUrl: string;
  /** The account; each desk has its demo default. */
  username?: string;
  password: string;
  rng: Rng;
  timeScale: number;
  log?: (line: string) => void;
  pollMs?: number;
}

export interface DeskSessionOptions {
  /** Names the actor in its log lines, e.g. 'auto-community'. */
  name: string;
  serverUrl: string;
  username: string;
  password: string;
  pollMs: number;
  log: (line: string) => void;
  /** After each login (1 for the first): e.g. to say what the actor will do. */
  onLogin?: (logins: number) => void;
  /** Back-off while the server is away: first delay, doubled per failure up to the maximum; default 1 s … 30 s. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** A token this close to its expiry is renewed; default 10 minutes (or half its life if shorter). */
  renewBeforeMs?: number;
  requestTimeoutMs?: number;
}

export interface DeskSession {
  /** True once the login was refused and the actor stopped. */
  stopped(): boolean;
  /** Logins (a first one, and each after a session ended) and renewals before expiry. */
  counts(): { logins: number; renewals: number };
  /** Stops after the request in flight (ended at once) and resolves when the loop has ended. */
  close(): Promise<void>;
}

/** Thrown by `call` on a 401: the round is cut short and the session logs in again. */
class SessionEnded extends Error {}

const errorText = (err: unknown): string => {
  const e = err as { cause?: { code?: string; message?: string }; message?: string; name?: string };
  if (e.name === 'TimeoutError') return 'timeout';
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
};
const httpText = (a: DeskCall): string => `HTTP ${a.status}${typeof a.body.message === 'string' ? ` ${a.body.message}` : ''}`;

/** Runs `round` every pollMs as the account; a round answers false when it could not do its work (then: backoff). */
export function startDeskSession(o: DeskSessionOptions, round: (api: DeskApi) => Promise<boolean>): DeskSession {
  const base = o.serverUrl.replace(/\/+$/, '');
  const retryMinMs = o.retryMinMs ?? 1_000;
  const retryMaxMs = o.retryMaxMs ?? 30_000;
  const timeoutMs = o.requestTimeoutMs ?? 10_000;
  const stopping = new AbortController();
  let closed = false;
  let stopped = false;
  const counts = { logins: 0, renewals: 0 };
  let session: { token: string; expiresAt: number; issuedAt: number } | undefined;
  let trouble: string | undefined;
  const noteTrouble = (text: string): void => {
    if (trouble === text || closed) return;
    trouble = text;
    o.log(`${o.name}: ${text}`);
  };
  const troubleOver = (): void => {
    if (trouble === undefined) return;
    trouble = undefined;
    o.log(`${o.name}: server ${base} answering again`);
  };

  /** One request; a network failure is an answer too (`reason`), so the caller decides what it means. */
  async function request(method: 'GET' | 'POST', path: string, body: unknown, token: string | undefined): Promise<DeskCall | { reason: string }> {
    try {
      const res = await fetch(`${base}${path}`, {
        method, signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(timeoutMs)]),
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const parsed = (await res.json().catch(() => ({}))) as unknown;
      return { status: res.status, body: parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {} };
    } catch (err) {
      return { reason: errorText(err) };
    }
  }

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<DeskCall | null> {
    const a = await request(method, path, body, session?.token);
    if ('reason' in a) {
      noteTrouble(`server ${base} not available (${a.reason}); trying again`);
      return null;
    }
    if (a.status === 401) {
      session = undefined;
      throw new SessionEnded(httpText(a));
    }
    return a;
  }

  /** Logs in or renews: 0 when there is a session, else how long to wait (-1: the usual back-off), or 'stop'. */
  async function ensureSession(): Promise<number | 'stop'> {
    const now = Date.now();
    if (session) {
      const renewBefore = o.renewBeforeMs ?? Math.min(10 * 60_000, (session.expiresAt - session.issuedAt) / 2);
      if (session.expiresAt - now > renewBefore) return 0;
      const a = await request('POST', '/api/auth/refresh', undefined, session.token);
      if (!('reason' in a) && a.status === 200 && typeof a.body.token === 'string' && typeof a.body.expiresAt === 'number') {
        session = { token: a.body.token, expiresAt: a.body.expiresAt, issuedAt: now };
        counts.renewals++;
        return 0;
      }
      if ('reason' in a || a.status >= 500 || a.status === 429) {
        // Still valid for a while: carry on with it, and try the renewal again next round.
        if (session.expiresAt > now + 5_000) return 0;
        noteTrouble(`server ${base} not available (${'reason' in a ? a.reason : httpText(a)}); trying again`);
        return -1;
      }
      session = undefined; // 401 and the like: log in again
    }
    const a = await request('POST', '/api/auth/login', { username: o.username, password: o.password }, undefined);
    if ('reason' in a) {
      noteTrouble(`server ${base} not available (${a.reason}); trying again`);
      return -1;
    }
    if (a.status === 200 && typeof a.body.token === 'string' && typeof a.body.expiresAt === 'number') {
      session = { token: a.body.token, expiresAt: a.body.expiresAt, issuedAt: now };
      counts.logins++;
      o.onLogin?.(counts.logins);
      return 0;
    }
    if (a.status === 401 || a.status === 403) {
      // Trying again would lock the account (five failures) for the people who use it too.
      o.log(
        `${o.name}: login as ${o.username} refused (${httpText(a)}); not trying again. ` +
          'Is the server in demo mode, and CCR_DEMO_PASSWORD the same for both? Restart the simulator to try again',
      );
      return 'stop';
    }
    if (a.status === 423) {
      const until = typeof a.body.lockedUntil === 'number' ? a.body.lockedUntil : now + 60_000;
      noteTrouble(`account ${o.username} is locked (${httpText(a)}); waiting`);
      return Math.max(1_000, until - now + 1_000);
    }
    if (a.status === 429) {
      noteTrouble(`login rate-limited (${httpText(a)}); waiting`);
      return 15_000;
    }
    noteTrouble(`login failed (${httpText(a)}); trying again`);
    return -1;
  }

  const api: DeskApi = { call, noteTrouble };
  let wake: (() => void) | undefined;
  const loop = (async () => {
    let failures = 0;
    let ended = 0;
    const backoff = (): number => Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(failures++, 16));
    while (!closed) {
      let wait = o.pollMs;
      try {
        const s = await ensureSession();
        if (s === 'stop') { stopped = true; return; }
        if (s !== 0) wait = s > 0 ? s : backoff();
        else if (await round(api)) {
          failures = 0;
          ended = 0;
          troubleOver();
        } else wait = backoff();
      } catch (err) {
        // A 401: log in again at once (and only after a pause should a fresh session end too).
        if (err instanceof SessionEnded) wait = ended++ === 0 ? 0 : Math.min(retryMaxMs, retryMinMs * 2 ** Math.min(ended, 16));
        else {
          noteTrouble(`unexpected error (${(err as Error).message}); carrying on`);
          wait = retryMaxMs;
        }
      }
      if (!closed && wait > 0) await new Promise<void>((r) => { const t = setTimeout(r, wait); wake = () => { clearTimeout(t); r(); }; });
    }
  })();

  return {
    stopped: () => stopped,
    counts: () => ({ ...counts }),
    async close() { closed = true; stopping.abort(); wake?.(); await loop.catch(() => {}); },
  };
}
