// The client's calls with the session: the session's Bearer token on every request, and a 401 ends the session
// (the router then shows the login page). Callers never parse error bodies themselves: a failure is an ApiError
// (./http.ts) whose message is already a sentence.
import { ApiError, request, type RequestOptions } from './http';
import { useAuthStore } from './stores/auth';

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
