// What the remote `llm` strategy needs from a chat model: one completion for a list of messages. Implemented by
// the OpenAI-compatible HTTP client (openai.ts) and the Workers AI binding client (workers-ai.ts).
import type { ChatMessage } from '../classify/llm-prompt.ts';

export type { ChatMessage };

/** Ask for JSON: any object (json_object), or one that fits a JSON schema (json_schema, decoding constrained). */
export type ResponseFormat =
  | { type: 'json_object' }
  | { type: 'json_schema'; name: string; schema: Record<string, unknown> };

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  temperature?: number;
  maxTokens?: number;
  /** What the caller would like; each client sends what its endpoint supports (see its `responseFormat` option). */
  responseFormat?: ResponseFormat;
  /** Per-attempt timeout and retries after the first attempt; the client's defaults when absent. */
  timeoutMs?: number;
  retries?: number;
  /** Aborts the call and any retry (e.g. a sibling input failed and the whole request is lost). */
  signal?: AbortSignal;
}

export interface ChatResponse {
  /** The assistant's message: text, or an already parsed object (Workers AI in JSON mode). */
  content: string | Record<string, unknown>;
  finishReason: string | null;
  /** Prompt and completion tokens, when the upstream reports them (OpenAI's usage.total_tokens). */
  totalTokens: number | null;
}

export interface ChatClient {
  complete(request: ChatRequest): Promise<ChatResponse>;
}

/** A chat endpoint and the upstream model names /v1/classify may forward to it (EDGECLASS_LLM_MODELS). */
export interface RemoteLlm {
  client: ChatClient;
  models: ReadonlySet<string>;
}

/** usage.total_tokens (OpenAI's name, which Workers AI uses too), when it is a count. */
export function tokensOf(usage: unknown): number | null {
  const total = (usage as { total_tokens?: unknown } | null | undefined)?.total_tokens;
  return Number.isInteger(total) && (total as number) >= 0 ? (total as number) : null;
}
