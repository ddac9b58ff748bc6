// Every request, observed once: a request id (the caller's x-request-id when it is a sane token, else a new UUID)
// echoed in the response, one JSON log line (id, method, path, route, status, duration), and the request metrics
// (src/core/telemetry.ts) where the runtime collects them. Registered first, so it sees the final response of
// everything after it, errors and 404s included.
import type { Context, MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from './deps.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Ids we echo and log as they came: no spaces, quotes or control characters, at most 128 characters. */
const INCOMING_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** Where request log lines go; null: nowhere. */
export type RequestLog = ((line: string) => void) | null;

/** EDGECLASS_REQUEST_LOG=off (a wrangler var, or an environment variable on Node) silences the request log. */
export function requestLogIsOff(setting: unknown): boolean {
  return typeof setting === 'string' && ['off', '0', 'false', 'none'].includes(setting.toLowerCase());
}

/** EDGECLASS_REQUEST_LOG=debug also logs the requests that are routine noise (see levelOf). */
function requestLogShowsDebug(setting: unknown): boolean {
  return typeof setting === 'string' && setting.toLowerCase() === 'debug';
}

/**
 * A worker's poll that finds no job is debug: a worker polls every few seconds, and a line for each would bury the
 * lines that matter (570 lines in 5 minutes of `npm start`, the admin token scrolled away).
 */
function levelOf(route: string, status: number): 'debug' | 'info' | 'error' {
  if (status >= 500 && status !== 501) return 'error';
  return route === '/internal/worker/claim' && status === 204 ? 'debug' : 'info';
}

/** The route pattern that answered (`/v1/fine_tuning/jobs/:fine_tuning_job_id`), 'unmatched' when none did. */
export function routeOf(c: Context): string {
  const route = matchedRoutes(c)[c.req.routeIndex];
  if (!route || route.path === '*' || route.path === '/*') return 'unmatched';
  return route.path;
}

export function requestIdOf(c: Context): string {
  const incoming = c.req.header(REQUEST_ID_HEADER);
  return incoming !== undefined && INCOMING_ID.test(incoming) ? incoming : crypto.randomUUID();
}

export function observeRequests(log: RequestLog): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const start = performance.now();
    const id = requestIdOf(c);
    c.header(REQUEST_ID_HEADER, id);
    try {
      await next();
    } finally {
      const seconds = (performance.now() - start) / 1000;
      const status = c.res.status;
      const route = routeOf(c);
      if (!c.res.headers.has(REQUEST_ID_HEADER)) {
        try {
          c.res.headers.set(REQUEST_ID_HEADER, id);
        } catch {
          /* immutable headers (a proxied response): the log still has the id */
        }
      }
      c.get('deps')?.telemetry?.request({ method: c.req.method, route, status, seconds });
      const setting = (c.env as Record<string, unknown> | undefined)?.EDGECLASS_REQUEST_LOG;
      const level = levelOf(route, status);
      if (log && !requestLogIsOff(setting) && (level !== 'debug' || requestLogShowsDebug(setting))) {
        log(
          JSON.stringify({
            level,
            msg: 'request',
            request_id: id,
            method: c.req.method,
            path: c.req.path,
            route,
            status,
            duration_ms: Math.round(seconds * 1e6) / 1e3,
          }),
        );
      }
    }
  };
}
