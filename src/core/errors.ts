// Errors the core raises for a caller's mistake. They carry what a client needs (a kind, a message, the offending
// parameter) and nothing of HTTP: the HTTP layer maps kinds to status codes (src/http/errors.ts).

export type ErrorKind =
  | 'invalid_request' // malformed or contradictory input
  | 'model_not_found' // the model id names nothing the store has
  | 'unsupported_model' // the model exists but uses a pipeline edgeclass refuses
  | 'too_large' // a size limit was exceeded
  | 'unauthenticated' // no API key, or one that is unknown or revoked
  | 'not_found' // the thing named does not exist (or belongs to another key: the same answer, so nothing leaks)
  | 'conflict' // the request contradicts the current state (an Idempotency-Key reused, a stale lease, a replay)
  | 'not_implemented' // this runtime does not offer the operation (e.g. fine-tuning on Node)
  | 'unavailable'; // the operation is not configured here (e.g. the worker API without a secret)

export class RequestError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly param: string | null = null,
  ) {
    super(message);
    this.name = 'RequestError';
  }
}

/**
 * Our failure, not the caller's: the inference runtime could not load a model's graph or failed while running it.
 * The message (the runtime's own, prefixed with the model) is safe to show; the service answers 500 and goes on.
 */
export class InferenceError extends Error {
  constructor(
    message: string,
    readonly modelId: string,
  ) {
    super(message);
    this.name = 'InferenceError';
  }
}

/** Wraps whatever a runtime threw into an InferenceError that names the model and what was being done. */
export function inferenceError(modelId: string, doing: string, err: unknown): InferenceError {
  if (err instanceof InferenceError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  return new InferenceError(`inference failed: ${doing} model '${modelId}': ${reason}`, modelId);
}

/**
 * Whether a failed model load is worth remembering (src/core/load-once.ts): the model is missing, refused, or its
 * graph does not load, which the same files will do again. Anything else (a store that did not answer) is retried.
 */
export function isLastingLoadFailure(err: unknown): boolean {
  return err instanceof RequestError || err instanceof InferenceError;
}
