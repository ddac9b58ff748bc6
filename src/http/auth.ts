// Who may call what. User routes: `Authorization: Bearer <API key>` (hashed and looked up in the database). Key management:
// the admin token (EDGECLASS_ADMIN_KEY). The worker API: an HMAC over each request with EDGECLASS_WORKER_SECRET
// (src/jobs/protocol.ts). Each is a route middleware, run before the request is validated, so an unauthenticated
// caller learns nothing about the body it sent.
import type { Context, MiddlewareHandler } from 'hono';
import { RequestError } from '../core/errors.ts';
import { howToSet } from '../core/settings.ts';
import type { JobsContext } from '../jobs/context.ts';
import { authenticate, bearerToken, isAdminToken } from '../jobs/keys.ts';
import { takeNonce } from '../jobs/nonces.ts';
import { bodyMatches, SIGNATURE_HEADERS, verifyHeaders } from '../jobs/protocol.ts';
import type { AppEnv } from './deps.ts';

const NO_STORAGE =
  'fine-tuning needs its storage: D1, R2 and a Queue at the edge (run `npm start` or `wrangler dev`), or a data folder on Node (`edgeclass serve --data-dir`, on by default); this server has neither';

/** The fine-tuning core's context for this request; 501 where the runtime has no storage for it. */
export function jobsContext(c: Context<AppEnv>): JobsContext {
  const provider = c.get('deps').jobs;
  if (!provider) throw new RequestError('not_implemented', NO_STORAGE);
  return provider.context((work) => {
    const logged = work.catch((err) =>
      console.error(
        JSON.stringify({ level: 'error', msg: 'deferred work failed', path: c.req.path, error: String(err) }),
      ),
    );
    try {
      c.executionCtx.waitUntil(logged);
    } catch {
      // No execution context (Node, app.request in tests): the promise runs on by itself.
    }
  });
}

/** A user route: a valid API key. */
export const requireApiKey: MiddlewareHandler<AppEnv> = async (c, next) => {
  const jobs = jobsContext(c);
  const token = bearerToken(c.req.header('authorization'));
  if (!token) throw new RequestError('unauthenticated', 'missing API key: send Authorization: Bearer <key>');
  const principal = await authenticate(jobs, token);
  if (!principal) throw new RequestError('unauthenticated', 'invalid API key');
  c.set('auth', { jobs, owner: principal.owner, keyId: principal.keyId });
  await next();
};

/** Key management: the admin token. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  const jobs = jobsContext(c);
  if (!jobs.config.adminKey)
    throw new RequestError(
      'unavailable',
      `key management is off: ${howToSet('EDGECLASS_ADMIN_KEY', '<a long random token>', 'secret')}`,
    );
  const token = bearerToken(c.req.header('authorization'));
  if (!token || !(await isAdminToken(jobs, token)))
    throw new RequestError(
      'unauthenticated',
      'this route needs the admin token (EDGECLASS_ADMIN_KEY) as Authorization: Bearer',
    );
  c.set('auth', { jobs, owner: '', keyId: null });
  await next();
};

/**
 * A worker route, authenticated from its headers before any body is read: x-edgeclass-timestamp within the
 * tolerance, a nonce not seen before, and x-edgeclass-signature the HMAC of the time, the nonce, the method, the path
 * as sent (with its query) and the body's digest (x-edgeclass-content-sha256). Forged, stale, replayed or unsigned:
 * 401, whatever the body. Bodies of PUT (uploads, up to EDGECLASS_MAX_ARTIFACT_BYTES) are streamed by their route,
 * the store checking the digest; every other body is small (the request limit) and checked here.
 */
export const requireWorkerSignature: MiddlewareHandler<AppEnv> = async (c, next) => {
  const jobs = jobsContext(c);
  const secret = jobs.config.workerSecret;
  if (!secret)
    throw new RequestError(
      'unavailable',
      `the worker API is off: ${howToSet('EDGECLASS_WORKER_SECRET', '<a long random secret>', 'secret')}`,
    );
  const url = new URL(c.req.url);
  const headers = { get: (name: string) => c.req.header(name) ?? null };
  const now = Math.floor(jobs.now() / 1000);
  const verified = await verifyHeaders(secret, c.req.method, url.pathname + url.search, headers, now);
  if (!verified) {
    throw new RequestError(
      'unauthenticated',
      'invalid worker signature: sign the request with EDGECLASS_WORKER_SECRET (x-edgeclass-timestamp, x-edgeclass-nonce, x-edgeclass-content-sha256, x-edgeclass-signature)',
    );
  }
  if (!(await takeNonce(jobs, verified.nonce, verified.timestamp))) {
    throw new RequestError(
      'unauthenticated',
      'replayed worker request: this x-edgeclass-nonce was already used (sign each try anew)',
      SIGNATURE_HEADERS.nonce,
    );
  }
  if (
    c.req.method !== 'PUT' &&
    !(await bodyMatches(new Uint8Array(await c.req.arrayBuffer()), verified.contentSha256))
  ) {
    throw new RequestError(
      'unauthenticated',
      'invalid worker signature: the body does not match x-edgeclass-content-sha256',
      SIGNATURE_HEADERS.contentSha256,
    );
  }
  c.set('auth', { jobs, owner: '', keyId: null });
  await next();
};
