// HTTP to the Hub with the two policies every request needs: the token goes to the Hub's own origin and nowhere
// else (LFS files redirect to a CDN that must not see it), and transient failures are retried a bounded number
// of times.
import { HubError } from './hub-error.ts';

export interface HubConnection {
  /** HF_ENDPOINT without a trailing slash, e.g. https://huggingface.co */
  endpoint: string;
  token?: string;
  /** Retries after the first attempt of each request or download, for dropped connections and 5xx/429. */
  maxRetries: number;
  /** Base of the exponential backoff between retries. */
  retryDelayMs: number;
}

export interface HubFetchOptions {
  method: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  /**
   * `all` follows every redirect (downloads reach the CDN); `relative` only those without a host, as
   * huggingface_hub does for HEAD, so that a renamed repository is followed but the LFS redirect's own headers
   * (X-Linked-Etag, X-Linked-Size) are kept.
   */
  redirects: 'all' | 'relative';
}

const MAX_REDIRECTS = 10;

export async function hubFetch(connection: HubConnection, url: string, options: HubFetchOptions): Promise<Response> {
  const hubOrigin = new URL(connection.endpoint).origin;
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...options.headers };
    if (connection.token && target.origin === hubOrigin) headers.authorization = `Bearer ${connection.token}`;
    const response = await fetchOrExplain(target, { method: options.method, headers, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || location === null) return response;
    if (options.redirects === 'relative' && !isRelativeLocation(location)) return response;
    if (hop >= MAX_REDIRECTS) throw new HubError('invalid-response', `too many redirects from ${url}`);
    await response.body?.cancel();
    target = new URL(location, target);
  }
}

/** Runs `attempt` until it succeeds, fails for good, or has been retried `maxRetries` times. */
export async function withRetries<T>(
  connection: HubConnection,
  attempt: (attemptIndex: number) => Promise<T>,
): Promise<T> {
  for (let attemptIndex = 0; ; attemptIndex++) {
    try {
      return await attempt(attemptIndex);
    } catch (err) {
      if (!(err instanceof HubError) || !err.retryable || attemptIndex >= connection.maxRetries) throw err;
      await sleep(Math.min(connection.retryDelayMs * 2 ** attemptIndex, 30_000));
    }
  }
}

/**
 * Errors meaning "there is no Hub at this address right now" (refused, unknown host, no route): retrying them only
 * delays the message, and a pull interrupted this way resumes from `<file>.incomplete` on the next run anyway.
 */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * A failed connection as a HubError naming the host, not an undici stack. `whileReading`: the connection broke
 * after the response began (a dropped download), which is always worth a retry with resume.
 */
export function connectionError(url: URL | string, err: unknown, whileReading = false): HubError {
  const host = new URL(url).host;
  const cause = (err as { cause?: { code?: string; message?: string } } | null)?.cause;
  const reason = cause?.message ?? (err instanceof Error ? err.message : String(err));
  const unreachable = UNREACHABLE_CODES.has(cause?.code ?? '') || reason === 'bad port';
  return new HubError('unreachable', `connection to ${host} failed: ${reason}`, whileReading || !unreachable);
}

async function fetchOrExplain(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    throw connectionError(url, err);
  }
}

function isRelativeLocation(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:/i.test(location) && !location.startsWith('//');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
