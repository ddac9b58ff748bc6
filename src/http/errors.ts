// The one error shape every client sees, OpenAI's: {"error": {"message", "type", "param", "code"}}. `type` is
// OpenAI's category (invalid_request_error for the caller's mistakes, server_error for ours) and `code` edgeclass's
// kind (src/core/errors.ts), so the official SDKs raise the same error classes they raise against OpenAI and a client
// can still tell the kinds apart. 5xx messages are short, never a stack trace.
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ZodError } from 'zod';
import { InferenceError, RequestError, type ErrorKind } from '../core/errors.ts';
import { UpstreamError } from '../core/llm/errors.ts';

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const STATUS: Record<ErrorKind, ContentfulStatusCode> = {
  invalid_request: 400,
  model_not_found: 404,
  unsupported_model: 400,
  too_large: 413,
  unauthenticated: 401,
  not_found: 404,
  conflict: 409,
  not_implemented: 501,
  unavailable: 503,
};

/**
 * Statuses the official SDKs retry by default (409 and 5xx) that no retry can change: a conflict with the current
 * state, an operation this runtime does not offer, a service not configured. `x-should-retry: false` stops them.
 */
const NOT_RETRYABLE = new Set<number>([409, 501, 503]);

/** OpenAI's error type for a status: the caller's mistake or ours. */
export function errorType(status: number): string {
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

export function errorResponse(
  c: Context,
  status: ContentfulStatusCode,
  code: string,
  message: string,
  param: string | null = null,
) {
  if (NOT_RETRYABLE.has(status)) c.header('x-should-retry', 'false');
  return c.json<ErrorBody>({ error: { message, type: errorType(status), param, code } }, status);
}

/** `['inputs', 3, 1]` -> `inputs[3][1]`; `['truncation']` -> `truncation`. */
export function paramName(path: readonly PropertyKey[]): string | null {
  if (!path.length) return null;
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

type Issue = ZodError['issues'][number];

/** The most specific issue: inside a union, the branch that got deepest into the value names the field best. */
function mostSpecific(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !('errors' in issue)) return issue;
  let best: Issue = issue;
  for (const branch of issue.errors as Issue[][]) {
    for (const inner of branch) {
      const candidate = mostSpecific({ ...inner, path: [...issue.path, ...inner.path] } as Issue);
      if (candidate.path.length > best.path.length) best = candidate;
    }
  }
  return best;
}

/** A failed schema check: the first issue, its message and the field it is about. */
export function validationError(c: Context, error: ZodError) {
  const issue = error.issues[0] && mostSpecific(error.issues[0]);
  const param = paramName(issue?.path ?? []);
  const message = issue ? `${param ?? 'body'}: ${issue.message}` : 'invalid request body';
  return errorResponse(c, 400, 'invalid_request', message, param);
}

export function handleError(err: unknown, c: Context) {
  if (err instanceof RequestError) {
    if (err.kind === 'unauthenticated') c.header('WWW-Authenticate', 'Bearer');
    return errorResponse(c, STATUS[err.kind], err.kind, err.message, err.param);
  }
  if (err instanceof InferenceError) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'inference failed',
        path: c.req.path,
        model: err.modelId,
        error: err.message,
      }),
    );
    return errorResponse(c, 500, 'inference_error', err.message);
  }
  if (err instanceof UpstreamError) {
    console.error(
      JSON.stringify({
        level: 'error',
        msg: 'upstream failed',
        path: c.req.path,
        failure: err.failure,
        status: err.upstreamStatus,
        error: err.message,
      }),
    );
    return errorResponse(c, err.status, err.type, err.message);
  }
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    if (status === 400)
      return errorResponse(c, 400, 'invalid_request', `${err.message}: the body must be a JSON object`);
    if (status === 413) return errorResponse(c, 413, 'too_large', err.message);
    if (status === 415) return errorResponse(c, 415, 'unsupported_media_type', 'Content-Type must be application/json');
    return errorResponse(c, status, status >= 500 ? 'server_error' : 'invalid_request', err.message);
  }
  console.error(
    JSON.stringify({
      level: 'error',
      msg: 'unhandled error',
      path: c.req.path,
      error: err instanceof Error ? err.message : String(err),
    }),
  );
  return errorResponse(c, 500, 'server_error', 'internal error: the request could not be completed');
}
