// The error an LLM upstream (a chat-completions endpoint, the Workers AI binding) causes: unreachable, timing out,
// refusing, or answering with something unusable even after a correction. The HTTP layer answers it with
// {"error": {"message", "type": "server_error", "param": null, "code": "upstream_error"}} and `status` (502, or 504 for a timeout); the
// message never carries the API key or the upstream's full body.

export type UpstreamFailure =
  | 'timeout' // every attempt ran past the timeout
  | 'unreachable' // network errors on every attempt
  | 'http_error' // a status that is not retried, or retries exhausted on 429/5xx
  | 'bad_response' // the upstream's reply is not the protocol's shape
  | 'bad_answer'; // the model's answer stayed malformed or off-label after a corrective retry

export class UpstreamError extends Error {
  readonly type = 'upstream_error';

  constructor(
    readonly failure: UpstreamFailure,
    message: string,
    /** The upstream's last HTTP status, when there was one. */
    readonly upstreamStatus: number | null = null,
  ) {
    super(message);
    this.name = 'UpstreamError';
  }

  /** The status the client gets: 504 when the upstream timed out, else 502. */
  get status(): 502 | 504 {
    return this.failure === 'timeout' ? 504 : 502;
  }

  /** The HTTP body, in the API's one error shape. */
  toErrorBody(): { error: { message: string; type: 'server_error'; param: null; code: 'upstream_error' } } {
    return { error: { message: this.message, type: 'server_error', param: null, code: this.type } };
  }
}
