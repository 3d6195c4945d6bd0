// Sending a command safely: one command id per intended action, generated here, and the SAME id on every retry
// after a network failure — the server applies a command id once, so a retry can never send a unit twice.
import { ApiError } from '../../http';

/** 24 random bytes as hex: within CommandIdSchema (8–64 of [A-Za-z0-9_-]). crypto.getRandomValues works on
 *  plain-http intranet pages too, where crypto.randomUUID does not exist. */
export function newCommandId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `c${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export interface RetryOptions {
  /** Waits before the 2nd, 3rd, … attempt. */
  delaysMs?: readonly number[];
  sleep?: (ms: number) => Promise<void>;
  /** Told before each retry (the console shows "重试中…"). */
  onRetry?: (attempt: number, error: ApiError) => void;
}

export const DEFAULT_RETRY_DELAYS_MS = [500, 1_500, 4_000] as const;
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `send(commandId)` and retries it with the same id while the failure says the request may not have reached
 * the server (ApiError.retryable). Any answer from the server — success, 409, 400 — ends it.
 */
export async function sendWithRetry<T>(send: (commandId: string) => Promise<T>, commandId = newCommandId(), opts: RetryOptions = {}): Promise<T> {
  const delays = opts.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const sleep = opts.sleep ?? wait;
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(commandId);
    } catch (e) {
      if (!(e instanceof ApiError) || !e.retryable || attempt >= delays.length) throw e;
      opts.onRetry?.(attempt + 1, e);
      await sleep(delays[attempt]!);
    }
  }
}
