// A Hugging Face Llama config.json (LlamaConfig), validated and in camelCase. Missing fields take LlamaConfig's class
// defaults; keys we do not model stay in `extra` and are written back unchanged. What edgeclass does not build
// (rope_scaling, attention or MLP biases, another activation than SiLU) is refused by name.
import { describe, isIndex, ModelConfigError, readInt } from './config.ts';

export interface LlamaConfig {
  modelType: 'llama';
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  /** Grouped-query attention: query head j uses key/value head j // (heads / kv heads). */
  numKeyValueHeads: number;
  headDim: number;
  maxPositionEmbeddings: number;
  rmsNormEps: number;
  ropeTheta: number;
  /** lm_head shares embed_tokens' matrix (save_pretrained then writes no lm_head.weight). */
  tieWordEmbeddings: boolean;
  initializerRange: number;
  bosTokenId: number | null;
  /** One id, or several (Llama 3 stops on any of a list). */
  eosTokenId: number | number[] | null;
  padTokenId: number | null;
  architectures: string[];
  extra: Record<string, unknown>;
}

/** LlamaConfig's class defaults (transformers 4.4x). */
const DEFAULTS = {
  vocabSize: 32000,
  hiddenSize: 4096,
  intermediateSize: 11008,
  numHiddenLayers: 32,
  numAttentionHeads: 32,
  maxPositionEmbeddings: 2048,
  rmsNormEps: 1e-6,
  ropeTheta: 10000,
  initializerRange: 0.02,
  bosTokenId: 1,
  eosTokenId: 2,
};

const KNOWN_KEYS = new Set([
  'model_type',
  'vocab_size',
  'hidden_size',
  'intermediate_size',
  'num_hidden_layers',
  'num_attention_heads',
  'num_key_value_heads',
  'head_dim',
  'hidden_act',
  'max_position_embeddings',
  'rms_norm_eps',
  'rope_theta',
  'rope_scaling',
  'tie_word_embeddings',
  'initializer_range',
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
  'attention_bias',
  'mlp_bias',
  'architectures',
]);

function positive(j: Record<string, unknown>, key: string, fallback: number): number {
  const v = j[key] ?? fallback;
  if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v))
    throw new ModelConfigError(key, `must be a positive number, got ${describe(j[key])}`);
  return v;
}

function tokenId(j: Record<string, unknown>, key: string, fallback: number | null, vocab: number): number | null {
  const v = key in j ? j[key] : fallback;
  if (v === null || v === undefined) return null;
  if (!isIndex(v) || v >= vocab)
    throw new ModelConfigError(key, `must be a token id below vocab_size (${vocab}) or null, got ${describe(v)}`);
  return v;
}

/** Settings LlamaConfig has that change the math edgeclass builds: refused, not silently ignored. */
function refuseUnsupported(j: Record<string, unknown>): void {
  const act = j.hidden_act ?? 'silu';
  if (act !== 'silu') throw new ModelConfigError('hidden_act', `must be "silu" (SwiGLU), got ${describe(act)}`);
  const scaling = j.rope_scaling;
  if (scaling !== undefined && scaling !== null && (scaling as { rope_type?: unknown }).rope_type !== 'default')
    throw new ModelConfigError('rope_scaling', `is not supported (plain RoPE only), got ${describe(scaling)}`);
  for (const key of ['attention_bias', 'mlp_bias'])
    if (j[key] === true) throw new ModelConfigError(key, 'is not supported (Llama projections have no bias)');
}

export function parseLlamaConfig(json: unknown): LlamaConfig {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ModelConfigError(null, `must be a JSON object, got ${describe(json)}`);
  const j = json as Record<string, unknown>;
  if (j.model_type !== 'llama')
    throw new ModelConfigError('model_type', `must be "llama", got ${describe(j.model_type)}`);
  refuseUnsupported(j);
  const d = DEFAULTS;
  const heads = readInt(j, 'num_attention_heads', d.numAttentionHeads, 1);
  const hidden = readInt(j, 'hidden_size', d.hiddenSize, 1);
  const kvHeads = readInt(j, 'num_key_value_heads', heads, 1);
  if (heads % kvHeads !== 0)
    throw new ModelConfigError('num_key_value_heads', `(${kvHeads}) must divide num_attention_heads (${heads})`);
  const headDim = j.head_dim === undefined || j.head_dim === null ? hidden / heads : readInt(j, 'head_dim', 0, 2);
  if (!Number.isInteger(headDim) || headDim % 2 !== 0)
    throw new ModelConfigError('head_dim', `must be an even integer (RoPE rotates halves), got ${headDim}`);
  const vocabSize = readInt(j, 'vocab_size', d.vocabSize, 1);
  const eosRaw = 'eos_token_id' in j ? j.eos_token_id : d.eosTokenId;
  const eosTokenId = Array.isArray(eosRaw)
    ? eosRaw.map((_, i) => tokenId({ [`eos_token_id[${i}]`]: eosRaw[i] }, `eos_token_id[${i}]`, null, vocabSize)!)
    : tokenId({ eos_token_id: eosRaw }, 'eos_token_id', null, vocabSize);
  const tie = j.tie_word_embeddings ?? false;
  if (typeof tie !== 'boolean')
    throw new ModelConfigError('tie_word_embeddings', `must be true or false, got ${describe(tie)}`);
  return {
    modelType: 'llama',
    vocabSize,
    hiddenSize: hidden,
    intermediateSize: readInt(j, 'intermediate_size', d.intermediateSize, 1),
    numHiddenLayers: readInt(j, 'num_hidden_layers', d.numHiddenLayers, 0),
    numAttentionHeads: heads,
    numKeyValueHeads: kvHeads,
    headDim,
    maxPositionEmbeddings: readInt(j, 'max_position_embeddings', d.maxPositionEmbeddings, 1),
    rmsNormEps: positive(j, 'rms_norm_eps', d.rmsNormEps),
    ropeTheta: positive(j, 'rope_theta', d.ropeTheta),
    tieWordEmbeddings: tie,
    initializerRange: positive(j, 'initializer_range', d.initializerRange),
    bosTokenId: tokenId(j, 'bos_token_id', d.bosTokenId, vocabSize),
    eosTokenId,
    padTokenId: tokenId(j, 'pad_token_id', null, vocabSize),
    architectures: Array.isArray(j.architectures) ? j.architectures.filter((a) => typeof a === 'string') : [],
    extra: Object.fromEntries(Object.entries(j).filter(([k]) => !KNOWN_KEYS.has(k))),
  };
}

/** What LlamaConfig.save_pretrained writes: snake_case keys, sorted. */
export function toHfLlamaConfigJson(c: LlamaConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...c.extra,
    model_type: 'llama',
    architectures: c.architectures.length ? [...c.architectures] : ['LlamaForCausalLM'],
    vocab_size: c.vocabSize,
    hidden_size: c.hiddenSize,
    intermediate_size: c.intermediateSize,
    num_hidden_layers: c.numHiddenLayers,
    num_attention_heads: c.numAttentionHeads,
    num_key_value_heads: c.numKeyValueHeads,
    head_dim: c.headDim,
    hidden_act: 'silu',
    max_position_embeddings: c.maxPositionEmbeddings,
    rms_norm_eps: c.rmsNormEps,
    rope_theta: c.ropeTheta,
    rope_scaling: null,
    attention_bias: false,
    mlp_bias: false,
    tie_word_embeddings: c.tieWordEmbeddings,
    initializer_range: c.initializerRange,
    bos_token_id: c.bosTokenId,
    eos_token_id: c.eosTokenId,
  };
  if (c.padTokenId !== null) out.pad_token_id = c.padTokenId;
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  );
}
