// Errors the core raises for a caller's mistake. They carry what a client needs (a kind, a message, the offending
// parameter) and nothing of HTTP: the HTTP layer maps kinds to status codes (src/http/errors.ts).

export type ErrorKind =
  | 'invalid_request' // malformed or contradictory input
  | 'model_not_found' // the model id names nothing the store has
  | 'unsupported_model' // the model exists but uses a pipeline edgeclass refuses
  | 'too_large'; // a size limit was exceeded

export class RequestError extends Error {
  constructor(readonly kind: ErrorKind, message: string, readonly param: string | null = null) {
    super(message);
    this.name = 'RequestError';
  }
}
