// The chat client the deployment configures. Settings come from the environment (wrangler vars and secrets, or
// process.env); the key is a secret (`wrangler secret put EDGECLASS_LLM_API_KEY`), never a var or a request field.
//   EDGECLASS_LLM_PROVIDER        openai | workers-ai (default: workers-ai when an AI binding is given and no base
//                                 URL is set, else openai)
//   EDGECLASS_LLM_BASE_URL        OpenAI-compatible base URL, default https://api.openai.com/v1
//   EDGECLASS_LLM_API_KEY         the key (OPENAI_API_KEY is read too)
//   EDGECLASS_LLM_RESPONSE_FORMAT json_schema | json_object | none: what the endpoint supports
//   EDGECLASS_LLM_TIMEOUT_MS      per attempt, default 30000
//   EDGECLASS_LLM_RETRIES         retries after the first attempt, default 2
//   EDGECLASS_LLM_MODELS          the upstream model names /v1/classify may forward to (remoteLlmFromEnv)
import type { ChatClient, RemoteLlm } from './chat.ts';
import { OpenAiChatClient, type ResponseFormatSupport } from './openai.ts';
import { WorkersAiChatClient, type WorkersAiBinding } from './workers-ai.ts';

export function chatClientFromEnv(env: Record<string, unknown>, ai?: WorkersAiBinding | null): ChatClient | null {
  const str = (key: string) => (typeof env[key] === 'string' && env[key] !== '' ? (env[key] as string) : undefined);
  const int = (key: string) => {
    const raw = str(key);
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${key} must be a non-negative integer, got '${raw}'`);
    return n;
  };
  const provider = str('EDGECLASS_LLM_PROVIDER') ?? (ai && !str('EDGECLASS_LLM_BASE_URL') ? 'workers-ai' : 'openai');
  const timeoutMs = int('EDGECLASS_LLM_TIMEOUT_MS');
  const retries = int('EDGECLASS_LLM_RETRIES');
  const retry = retries === undefined ? undefined : { retries };
  const format = str('EDGECLASS_LLM_RESPONSE_FORMAT');
  if (format !== undefined && !['json_schema', 'json_object', 'none'].includes(format)) {
    throw new Error(`EDGECLASS_LLM_RESPONSE_FORMAT must be json_schema, json_object or none, got '${format}'`);
  }
  if (provider === 'workers-ai') {
    if (!ai) return null;
    return new WorkersAiChatClient(ai, {
      timeoutMs,
      retry,
      responseFormat: format === 'none' ? 'none' : 'json_schema',
    });
  }
  if (provider !== 'openai') throw new Error(`EDGECLASS_LLM_PROVIDER must be openai or workers-ai, got '${provider}'`);
  const baseUrl = str('EDGECLASS_LLM_BASE_URL');
  const apiKey = str('EDGECLASS_LLM_API_KEY') ?? str('OPENAI_API_KEY');
  if (!baseUrl && !apiKey) return null;
  return new OpenAiChatClient({
    baseUrl: baseUrl ?? 'https://api.openai.com/v1',
    apiKey,
    timeoutMs,
    retry,
    responseFormat: format as ResponseFormatSupport | undefined,
  });
}

/**
 * The remote side of strategy llm: the chat client, and EDGECLASS_LLM_MODELS, a comma-separated list of the
 * upstream model names requests may name (e.g. "gpt-4o-mini,@cf/meta/llama-3.1-8b-instruct"). The list is the
 * operator's choice of what the service spends money on, and it keeps a remote name from ever being looked up in
 * the model store (or pulled from the Hub). Null when no client is configured.
 */
export function remoteLlmFromEnv(env: Record<string, unknown>, ai?: WorkersAiBinding | null): RemoteLlm | null {
  const client = chatClientFromEnv(env, ai);
  if (!client) return null;
  const raw = typeof env.EDGECLASS_LLM_MODELS === 'string' ? env.EDGECLASS_LLM_MODELS : '';
  return {
    client,
    models: new Set(
      raw
        .split(',')
        .map((m) => m.trim())
        .filter(Boolean),
    ),
  };
}
