// One HTTP exchange, without a session: JSON in and out, a Bearer token when given, and every failure an ApiError
// whose `message` is a sentence a dispatcher can read, said from the catalogue by the server's code and params
// (./errors.ts). The session's calls (./api.ts) and the session itself (stores/auth.ts: login, renewal) stand on it.
import type { Locale } from '@ccr/shared';
import { refusalText } from './errors';
import { tl, type Params } from './i18n';

/** What the server sends on failure (@ccr/shared ApiErrorSchema), plus the fields some errors add. */
export interface ErrorBody {
  /** A code of @ccr/shared's ERRORS. */
  error?: string;
  /** English, for logs: a person reads the catalogue's sentence for `error` and `params`. */
  message?: string;
  params?: Record<string, string | number>;
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

/** A readable sentence for a failed response, from the catalogue by the server's code and params (errors.ts); an
 *  answer with no code (a gateway's) by its status. `given`: params the caller can say better. Pure. */
export function describeError(status: number, body: ErrorBody | null, locale: Locale = 'zh-CN', given: Params = {}): string {
  if (typeof body?.error === 'string') {
    const text = refusalText({ code: body.error, params: body.params, message: body.message }, locale, given);
    if (text) return text;
  }
  if (status === 502 || status === 503 || status === 504) return tl('err.unavailable', locale, { status });
  if (status >= 500) return tl('err.server', locale, { status });
  return tl('err.unknown', locale, { message: (body?.message ?? body?.error ?? String(status)).slice(0, 300) });
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
