// A simulated person at a desk — the community leader, the duty leader calling roll-calls and searches: one
// account's session over the HTTP API (logs in, renews before expiry, logs in again after a 401) and the polling
// loop each of them runs (a round every pollMs; backoff when the server is away; stops for good when the login is
// refused, since retrying would lock the account). What each person does in a round is theirs.

export interface DeskCall { status: number; body: Record<string, unknown> }

export interface DeskApi {
  /** One request as this account; null when the server could not be reached (said once, in the log). */
  call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<DeskCall | null>;
  /** Says a lasting trouble once (not again until another trouble or a success). */
  noteTrouble(text: string): void;
}

export interface DeskSessionOptions {
  /** Names the actor in its log lines, e.g. 'auto-community'. */
  name: string;
  serverUrl: string;
  username: string;
  password: string;
  pollMs: number;
  log: (line: string) => void;
}

export interface DeskSession {
  /** True once the login was refused and the actor stopped. */
  stopped(): boolean;
  close(): Promise<void>;
}

/** Runs `round` every pollMs as the account; a round answers false when it could not do its work (then: backoff). */
export function startDeskSession(o: DeskSessionOptions, round: (api: DeskApi) => Promise<boolean>): DeskSession {
  const base = o.serverUrl.replace(/\/+$/, '');
  const stopping = new AbortController();
  let closed = false;
  let stopped = false;
  let token: { value: string; expiresAt: number } | undefined;
  let trouble: string | undefined;
  const noteTrouble = (text: string): void => { if (trouble !== text) { trouble = text; o.log(`${o.name}: ${text}`); } };

  async function call(method: 'GET' | 'POST', path: string, body?: unknown): Promise<DeskCall | null> {
    try {
      const res = await fetch(`${base}${path}`, {
        method, signal: AbortSignal.any([stopping.signal, AbortSignal.timeout(10_000)]),
        headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? { authorization: `Bearer ${token.value}` } : {}) },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const parsed = (await res.json().catch(() => ({}))) as unknown;
      if (res.status === 401) token = undefined;
      return { status: res.status, body: parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {} };
    } catch (err) {
      noteTrouble(`server ${base} not available (${(err as Error).message}); trying again`);
      return null;
    }
  }

  async function login(): Promise<boolean | 'stop'> {
    if (token && token.expiresAt - Date.now() > 60_000) return true;
    token = undefined;
    const a = await call('POST', '/api/auth/login', { username: o.username, password: o.password });
    if (!a) return false;
    if (a.status === 200 && typeof a.body.token === 'string' && typeof a.body.expiresAt === 'number') {
      token = { value: a.body.token, expiresAt: a.body.expiresAt };
      trouble = undefined;
      return true;
    }
    if (a.status === 401 || a.status === 403) {
      o.log(`${o.name}: login as ${o.username} refused (HTTP ${a.status}); not trying again (would lock the account)`);
      return 'stop';
    }
    noteTrouble(`login failed (HTTP ${a.status}); trying again`);
    return false;
  }

  const api: DeskApi = { call, noteTrouble };
  let wake: (() => void) | undefined;
  const loop = (async () => {
    let failures = 0;
    while (!closed) {
      let wait = o.pollMs;
      try {
        const s = await login();
        if (s === 'stop') { stopped = true; return; }
        if (!s || !(await round(api))) wait = Math.min(30_000, 1_000 * 2 ** Math.min(failures++, 5));
        else failures = 0;
      } catch (err) {
        noteTrouble(`unexpected error (${(err as Error).message}); carrying on`);
        wait = 30_000;
      }
      if (!closed) await new Promise<void>((r) => { const t = setTimeout(r, wait); wake = () => { clearTimeout(t); r(); }; });
    }
  })();

  return {
    stopped: () => stopped,
    async close() { closed = true; stopping.abort(); wake?.(); await loop.catch(() => {}); },
  };
}
