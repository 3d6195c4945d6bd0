// The client's one HTTP wrapper: JSON in and out, the session's Bearer token, a 401 ends the session (the
// router then shows the login page), and every failure becomes an ApiError whose `message` is a sentence a
// dispatcher can read (Chinese by default). Callers never parse error bodies themselves.
import type { CommandConflict, Locale } from '@ccr/shared';
import { localClockTime } from '@ccr/shared';
import { tl } from './i18n';
import { useAuthStore } from './stores/auth';

/** What the server sends on failure (see server/src/modules/http-errors.ts), plus the fields some errors add. */
export interface ErrorBody {
  error?: string;
  message?: string;
  /** Epoch ms or ISO time until which an account is locked. */
  lockedUntil?: number | string;
  attemptsLeft?: number;
  [k: string]: unknown;
}

export class ApiError extends Error {
  /** HTTP status, or 0 when the server could not be reached (then `retryable`). */
  readonly status: number;
  /** The server's error code (`unit_unavailable`, …), or `network` / `timeout`. */
  readonly code: string;
  readonly body: ErrorBody | null;
  /** True when the request may not have reached the server: a retry with the same command id is safe and wanted. */
  readonly retryable: boolean;
  constructor(status: number, code: string, message: string, body: ErrorBody | null, retryable: boolean) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.body = body;
    this.retryable = retryable;
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  /** Bearer token; `null` sends none. */
  token?: string | null;
  timeoutMs?: number;
  signal?: AbortSignal;
  locale?: Locale;
  fetchImpl?: typeof fetch;
  /** Sees the raw response (headers) of a successful exchange. */
  onResponse?: (res: Response) => void;
}

const DEFAULT_TIMEOUT_MS = 15_000;

/** The first (Chinese) half of the server's "中文 / English" messages, or the English half in English. */
export function serverMessage(message: string | undefined, locale: Locale): string | undefined {
  if (!message) return undefined;
  const cut = message.indexOf(' / ');
  if (cut < 0) return message;
  return locale === 'en' ? message.slice(cut + 3) : message.slice(0, cut);
}

/** When a lock ends, as a person there reads it: hh:mm:ss in the station's zone (the server names it in
 *  `params`), else in this browser's. */
function lockTime(body: ErrorBody | null): string | null {
  const params = typeof body?.params === 'object' && body.params !== null ? (body.params as Record<string, unknown>) : {};
  const v = typeof params.until === 'number' ? params.until : body?.lockedUntil;
  if (v === undefined) return null;
  const ms = typeof v === 'number' ? v : Date.parse(v);
  if (!Number.isFinite(ms)) return null;
  const zone = typeof params.timeZone === 'string' ? params.timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone;
  try {
    return localClockTime(ms, zone);
  } catch {
    return localClockTime(ms, Intl.DateTimeFormat().resolvedOptions().timeZone); // a zone this browser does not know
  }
}

/** A readable sentence for a failed response. Pure: tested without a server. */
export function describeError(status: number, body: ErrorBody | null, locale: Locale = 'zh-CN'): string {
  const code = body?.error ?? '';
  const detail = serverMessage(body?.message, locale);
  if (code === 'bad_credentials' || code === 'invalid_credentials') {
    return typeof body?.attemptsLeft === 'number' && body.attemptsLeft > 0 && body.attemptsLeft < 5
      ? tl('err.invalidCredentialsLeft', locale, { n: body.attemptsLeft })
      : tl('err.invalidCredentials', locale);
  }
  if (code === 'account_locked' || status === 423 || (body?.lockedUntil !== undefined)) {
    const time = lockTime(body);
    return time ? tl('err.locked', locale, { time }) : tl('err.lockedNoTime', locale);
  }
  if (code === 'account_disabled') return tl('err.disabled', locale);
  if (code === 'unit_unavailable') {
    const c = body as Partial<CommandConflict>;
    const unit = c.unitId ?? '?';
    if (c.heldByIncidentId) return tl('err.unitUnavailable', locale, { unit, incident: c.heldByIncidentId, by: c.heldBy ?? '?' });
    if (c.unitStatus) return tl('err.unitUnavailableStatus', locale, { unit, status: tl(`label.unitStatus.${c.unitStatus}`, locale) });
    return detail ?? tl('err.unitUnavailableStatus', locale, { unit, status: '?' });
  }
  if (code === 'illegal_transition') return detail ?? tl('err.illegalTransition', locale, { detail: code });
  if (code === 'command_id_reused') return tl('err.commandIdReused', locale);
  // The server's sentence says how many seconds to wait.
  if (status === 429) return detail ?? tl('err.rateLimited', locale);
  if (status === 401) return detail ?? tl('err.unauthorized', locale);
  if (status === 403) return tl('err.forbidden', locale);
  if (status === 404) return detail ?? tl('err.notFound', locale);
  if (status === 400 || status === 422) return tl('err.badRequest', locale, { detail: detail ?? code });
  if (status === 502 || status === 503 || status === 504) return tl('err.unavailable', locale, { status });
  if (status >= 500) return tl('err.server', locale, { status });
  return detail ?? tl('err.server', locale, { status });
}

async function readBody(res: Response): Promise<unknown> {
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { message: text.slice(0, 200) };
  }
}

/** One HTTP exchange, no session handling: the login and refresh calls use it directly. */
export async function request<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const locale = opts.locale ?? 'zh-CN';
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const onOuterAbort = (): void => ctrl.abort();
  opts.signal?.addEventListener('abort', onOuterAbort);
  let res: Response;
  try {
    res = await (opts.fetchImpl ?? fetch)(path, {
      method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: ctrl.signal,
    });
  } catch (_e) {
    const timedOut = ctrl.signal.aborted && !opts.signal?.aborted;
    throw new ApiError(0, timedOut ? 'timeout' : 'network', tl(timedOut ? 'err.timeout' : 'err.network', locale), null, true);
  } finally {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onOuterAbort);
  }
  let body: unknown;
  try {
    body = await readBody(res);
  } catch (_e) {
    throw new ApiError(0, 'network', tl('err.network', locale), null, true);
  }
  if (!res.ok) {
    const eb = (body && typeof body === 'object' ? body : null) as ErrorBody | null;
    // A gateway in front of a restarting server answers 502/503/504: the command may not have run.
    const retryable = res.status === 502 || res.status === 503 || res.status === 504;
    throw new ApiError(res.status, eb?.error ?? `http_${res.status}`, describeError(res.status, eb, locale), eb, retryable);
  }
  opts.onResponse?.(res);
  return body as T;
}

/** An authenticated call with the current session. A 401 ends the session (the router shows the login page). */
export async function api<T>(path: string, opts: Omit<RequestOptions, 'token'> = {}): Promise<T> {
  const auth = useAuthStore();
  try {
    return await request<T>(path, { ...opts, token: auth.token });
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) auth.sessionEnded('expired');
    throw e;
  }
}

export const apiGet = <T>(path: string, opts: Omit<RequestOptions, 'token' | 'method' | 'body'> = {}): Promise<T> => api<T>(path, { ...opts, method: 'GET' });
export const apiPost = <T>(path: string, body: unknown, opts: Omit<RequestOptions, 'token' | 'method' | 'body'> = {}): Promise<T> => api<T>(path, { ...opts, method: 'POST', body });
