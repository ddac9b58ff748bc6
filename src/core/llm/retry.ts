// Bounded retries with exponential backoff and full jitter, each attempt under its own timeout. Clients decide
// what is retryable; this module only counts, waits and times out.

export interface RetryPolicy {
  /** Retries after the first attempt. */
  retries: number;
  /** Backoff before retry n (0-based): a random wait in [0, min(maxDelayMs, baseDelayMs * 2^n)]. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Longest wait a Retry-After header may impose; a longer one is cut to this. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { retries: 2, baseDelayMs: 250, maxDelayMs: 4000, maxRetryAfterMs: 20_000 };

export function backoffMs(policy: RetryPolicy, retry: number, random: () => number = Math.random): number {
  return Math.floor(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry));
}

/**
 * Milliseconds a response asks us to wait: `retry-after-ms` (OpenAI's), else `retry-after` in seconds or as an
 * HTTP date. null when absent or unreadable.
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | null {
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const value = headers.get('retry-after');
  if (value === null || value.trim() === '') return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.max(0, Number(value) * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The caller gave up (its AbortSignal fired): no more attempts. */
export class CancelledError extends Error {
  constructor() {
    super('the request was cancelled');
    this.name = 'CancelledError';
  }
}

export class TimeoutError extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

/**
 * Runs `task` with an AbortSignal that fires after `ms` (rejecting with TimeoutError, whatever the task does) or
 * when `outer` fires (rejecting with CancelledError).
 */
export async function withTimeout<T>(
  ms: number,
  task: (signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): Promise<T> {
  if (outer?.aborted) throw new CancelledError();
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  const stop = new Promise<never>((_, reject) => {
    const fail = (error: Error) => {
      controller.abort(error);
      reject(error);
    };
    timer = setTimeout(() => fail(new TimeoutError(ms)), ms);
    onAbort = () => fail(new CancelledError());
    outer?.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([task(controller.signal), stop]);
  } finally {
    clearTimeout(timer);
    if (onAbort) outer?.removeEventListener('abort', onAbort);
  }
}
