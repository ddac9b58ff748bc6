// An OpenAI-compatible chat-completions client (POST {baseUrl}/chat/completions): OpenAI, and the many servers
// that speak its protocol (vLLM, llama.cpp, Ollama, gateways). `Authorization: Bearer <key>` from a secret, a
// timeout per attempt (the body read included), bounded retries with backoff on network errors, timeouts, 408,
// 429 and 5xx, honouring Retry-After. Uses only fetch, so it runs in workerd and on Node alike.
import { tokensOf, type ChatClient, type ChatRequest, type ChatResponse } from './chat.ts';
import { UpstreamError } from './errors.ts';
import {
  backoffMs,
  CancelledError,
  DEFAULT_RETRY,
  retryAfterMs,
  sleep,
  TimeoutError,
  withTimeout,
  type RetryPolicy,
} from './retry.ts';

/** What the endpoint supports for response_format: json_schema (decoding constrained), json_object, or neither. */
export type ResponseFormatSupport = 'json_schema' | 'json_object' | 'none';

export interface OpenAiClientOptions {
  /** e.g. https://api.openai.com/v1 */
  baseUrl: string;
  /** The secret key; no Authorization header without one (local servers often need none). */
  apiKey?: string;
  responseFormat?: ResponseFormatSupport;
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  fetch?: typeof fetch;
  /** Test hooks: jitter source and the wait between attempts. */
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE = (status: number) => status === 408 || status === 429 || status >= 500;

interface RawReply {
  status: number;
  headers: Headers;
  text: string;
}

export class OpenAiChatClient implements ChatClient {
  private readonly url: string;
  private readonly policy: RetryPolicy;

  constructor(private readonly options: OpenAiClientOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const body = JSON.stringify(this.body(request));
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const retries = request.retries ?? this.policy.retries;
    const doFetch = this.options.fetch ?? fetch;
    const wait = this.options.sleep ?? sleep;
    let last: UpstreamError | null = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      let delay = backoffMs(this.policy, attempt, this.options.random);
      try {
        const reply = await withTimeout<RawReply>(
          timeoutMs,
          async (signal) => {
            const res = await doFetch(this.url, { method: 'POST', headers, body, signal });
            return { status: res.status, headers: res.headers, text: await res.text() };
          },
          request.signal,
        );
        if (reply.status >= 200 && reply.status < 300) return this.read(reply);
        last = new UpstreamError(
          'http_error',
          `the chat endpoint answered ${reply.status}${this.errorDetail(reply.text)}`,
          reply.status,
        );
        if (!RETRYABLE(reply.status)) throw last;
        const asked = retryAfterMs(reply.headers);
        if (asked !== null) delay = Math.min(this.policy.maxRetryAfterMs, Math.max(delay, asked));
      } catch (err) {
        if (err instanceof UpstreamError || err instanceof CancelledError) throw err;
        last =
          err instanceof TimeoutError
            ? new UpstreamError(
                'timeout',
                `the chat endpoint did not answer within ${timeoutMs} ms (${attempt + 1} attempts)`,
              )
            : new UpstreamError(
                'unreachable',
                `the chat endpoint could not be reached: ${this.redact(err instanceof Error ? err.message : String(err))}`,
              );
      }
      if (request.signal?.aborted) throw new CancelledError();
      if (attempt < retries) await wait(delay);
    }
    throw last!;
  }

  private body(request: ChatRequest): Record<string, unknown> {
    const body: Record<string, unknown> = { model: request.model, messages: request.messages };
    if (request.temperature !== undefined) body.temperature = request.temperature;
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    const support = this.options.responseFormat ?? 'json_object';
    const wanted = request.responseFormat;
    if (wanted && support !== 'none') {
      body.response_format =
        wanted.type === 'json_schema' && support === 'json_schema'
          ? { type: 'json_schema', json_schema: { name: wanted.name, schema: wanted.schema, strict: true } }
          : { type: 'json_object' };
    }
    return body;
  }

  /** choices[0].message.content of a chat.completion; anything else is a protocol error, not retried. */
  private read(reply: RawReply): ChatResponse {
    let json: any;
    try {
      json = JSON.parse(reply.text);
    } catch {
      throw new UpstreamError(
        'bad_response',
        `the chat endpoint's reply is not JSON (${reply.text.length} bytes)`,
        reply.status,
      );
    }
    const choice = Array.isArray(json?.choices) ? json.choices[0] : undefined;
    const message = choice?.message;
    if (!message || typeof message !== 'object')
      throw new UpstreamError('bad_response', "the chat endpoint's reply has no choices[0].message", reply.status);
    // A refusal comes with content null; it is read as an (unusable) answer so the caller can correct or fail.
    const content =
      typeof message.content === 'string'
        ? message.content
        : typeof message.refusal === 'string'
          ? message.refusal
          : '';
    return {
      content,
      finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : null,
      totalTokens: tokensOf(json.usage),
    };
  }

  /** The upstream's own error message, short, without our key. */
  private errorDetail(text: string): string {
    let message: unknown;
    try {
      message = JSON.parse(text)?.error?.message;
    } catch {
      return '';
    }
    if (typeof message !== 'string' || !message) return '';
    const short = message.length > 200 ? `${message.slice(0, 197)}...` : message;
    return `: ${this.redact(short)}`;
  }

  private redact(text: string): string {
    const key = this.options.apiKey;
    return key ? text.split(key).join('[redacted]') : text;
  }
}
