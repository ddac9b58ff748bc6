// Chat through the Workers AI binding (`[ai] binding = "AI"` in wrangler.toml), as documented: env.AI.run(model,
// { messages, max_tokens, temperature, response_format }) resolves to { response }, a string, or in JSON mode
// (response_format { type: "json_schema", json_schema }) possibly the parsed object. The binding has no abort
// signal, so a timeout stops waiting rather than the call; thrown errors (capacity, network) are retried with
// backoff, a bounded number of times.
import { tokensOf, type ChatClient, type ChatRequest, type ChatResponse } from './chat.ts';
import { UpstreamError } from './errors.ts';
import {
  backoffMs,
  CancelledError,
  DEFAULT_RETRY,
  sleep,
  TimeoutError,
  withTimeout,
  type RetryPolicy,
} from './retry.ts';

/** The part of the binding's documented interface that is used (Ai.run in @cloudflare/workers-types). */
export interface WorkersAiBinding {
  run(model: string, inputs: Record<string, unknown>, options?: Record<string, unknown>): Promise<unknown>;
}

export interface WorkersAiClientOptions {
  /** json_schema (Workers AI's JSON mode) or none, for models without JSON mode. */
  responseFormat?: 'json_schema' | 'none';
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Passed as run()'s third argument, e.g. { gateway: { id } } to go through AI Gateway. */
  runOptions?: Record<string, unknown>;
  random?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class WorkersAiChatClient implements ChatClient {
  private readonly policy: RetryPolicy;

  constructor(
    private readonly binding: WorkersAiBinding,
    private readonly options: WorkersAiClientOptions = {},
  ) {
    this.policy = { ...DEFAULT_RETRY, ...options.retry };
  }

  async complete(request: ChatRequest): Promise<ChatResponse> {
    const inputs: Record<string, unknown> = { messages: request.messages };
    if (request.maxTokens !== undefined) inputs.max_tokens = request.maxTokens;
    if (request.temperature !== undefined) inputs.temperature = request.temperature;
    if (request.responseFormat && (this.options.responseFormat ?? 'json_schema') === 'json_schema') {
      // Workers AI's JSON mode wants a schema; json_object alone becomes the schema of "some object".
      const schema = request.responseFormat.type === 'json_schema' ? request.responseFormat.schema : { type: 'object' };
      inputs.response_format = { type: 'json_schema', json_schema: schema };
    }
    const timeoutMs = request.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const retries = request.retries ?? this.policy.retries;
    const wait = this.options.sleep ?? sleep;
    let last: UpstreamError | null = null;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const result = await withTimeout(
          timeoutMs,
          () => this.binding.run(request.model, inputs, this.options.runOptions),
          request.signal,
        );
        return read(result);
      } catch (err) {
        if (err instanceof UpstreamError || err instanceof CancelledError) throw err;
        last =
          err instanceof TimeoutError
            ? new UpstreamError('timeout', `Workers AI did not answer within ${timeoutMs} ms (${attempt + 1} attempts)`)
            : new UpstreamError('http_error', `Workers AI failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      if (request.signal?.aborted) throw new CancelledError();
      if (attempt < retries) await wait(backoffMs(this.policy, attempt, this.options.random));
    }
    throw last!;
  }
}

function read(result: unknown): ChatResponse {
  if (typeof result !== 'object' || result === null || !('response' in result)) {
    throw new UpstreamError(
      'bad_response',
      'Workers AI returned no "response" (is the model a text-generation model?)',
    );
  }
  const { response, usage } = result as { response: unknown; usage?: unknown };
  const totalTokens = tokensOf(usage);
  if (typeof response === 'string') return { content: response, finishReason: null, totalTokens };
  if (typeof response === 'object' && response !== null && !Array.isArray(response))
    return { content: response as Record<string, unknown>, finishReason: null, totalTokens };
  // null (e.g. the model only made tool calls) or a number: an unusable answer the caller may correct.
  return {
    content: response === null || response === undefined ? '' : JSON.stringify(response),
    finishReason: null,
    totalTokens,
  };
}
