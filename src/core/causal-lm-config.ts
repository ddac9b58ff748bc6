// What strategy llm reads from a decoder-only LM's config.json, whatever the family (GPT-2, Llama, Mistral, Qwen,
// SmolLM, Phi, Gemma...): each family spells the same few facts its own way (n_positions or
// max_position_embeddings, n_head or num_attention_heads), and transformers' defaults fill what a config omits.
import type { CacheShape } from '../inference/hf-inputs.ts';

/** config model_type values of decoder-only LMs whose onnx-community exports strategy llm scores with. */
export const CAUSAL_LM_TYPES: ReadonlySet<string> = new Set([
  'gpt2',
  'gpt_neox',
  'gptj',
  'gpt_bigcode',
  'llama',
  'mistral',
  'mixtral',
  'qwen2',
  'qwen3',
  'phi',
  'phi3',
  'gemma',
  'gemma2',
  'gemma3_text',
  'granite',
  'olmo',
  'olmo2',
  'stablelm',
  'starcoder2',
  'smollm3',
  'cohere',
  'falcon',
  'opt',
  'bloom',
]);

export interface CausalLmConfig {
  modelType: string;
  vocabSize: number | null;
  /** The longest row the model takes (its position table or RoPE's trained range). */
  maxLength: number;
  bosTokenId: number | null;
  eosTokenId: number | null;
  padTokenId: number | null;
  /** For a graph whose past_key_values axes are symbolic. */
  cache: CacheShape;
}

/** Whether a parsed config.json is a decoder-only LM: a known model_type, or an architecture *ForCausalLM. */
export function isCausalLmConfig(json: unknown): boolean {
  if (!json || typeof json !== 'object') return false;
  const { model_type: type, architectures } = json as { model_type?: unknown; architectures?: unknown };
  if (typeof type === 'string' && CAUSAL_LM_TYPES.has(type)) return true;
  return Array.isArray(architectures) && architectures.some((a) => typeof a === 'string' && /ForCausalLM$/.test(a));
}

/** transformers' fallback for a context length the config does not state. */
const DEFAULT_MAX_LENGTH = 2048;

/** The facts strategy llm needs; lenient (a field that is absent or malformed is null). */
export function parseCausalLmConfig(json: Record<string, unknown>): CausalLmConfig {
  const int = (...keys: string[]) => {
    for (const key of keys) if (Number.isInteger(json[key]) && (json[key] as number) >= 0) return json[key] as number;
    return null;
  };
  // eos may be a list (Llama 3): the first is the one padding uses.
  const eos = Array.isArray(json.eos_token_id) ? json.eos_token_id[0] : json.eos_token_id;
  const heads = int('num_attention_heads', 'n_head', 'num_heads');
  const hidden = int('hidden_size', 'n_embd', 'd_model');
  const modelType = typeof json.model_type === 'string' ? json.model_type : 'unknown';
  const gpt2 = modelType === 'gpt2';
  return {
    modelType,
    vocabSize: int('vocab_size'),
    maxLength:
      int('max_position_embeddings', 'n_positions', 'n_ctx', 'seq_length') ?? (gpt2 ? 1024 : DEFAULT_MAX_LENGTH),
    // GPT2Config's defaults where a GPT-2 config leaves the special tokens out.
    bosTokenId: int('bos_token_id') ?? (gpt2 ? 50256 : null),
    eosTokenId: Number.isInteger(eos) ? (eos as number) : gpt2 ? 50256 : null,
    padTokenId: int('pad_token_id'),
    cache: {
      kvHeads: int('num_key_value_heads', 'num_kv_heads', 'multi_query_group_num') ?? heads,
      headDim: int('head_dim') ?? (heads && hidden ? hidden / heads : null),
    },
  };
}
