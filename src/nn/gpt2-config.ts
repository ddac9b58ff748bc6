// A Hugging Face GPT-2 config.json (GPT2Config), validated and in camelCase. Missing fields take GPT2Config's
// class defaults, so a config means here what it means to transformers; keys we do not model stay in `extra` and
// are written back unchanged. Kept apart from config.ts (the BERT/RoBERTa ModelConfig) because the two share
// almost no field names: GPT-2 says n_embd, n_layer, n_head, n_positions, layer_norm_epsilon.
import { ModelConfigError } from './config.ts';

/**
 * GPT-2's MLP activations that edgeclass implements: gelu_new and gelu_pytorch_tanh are the same tanh
 * approximation (0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))), gelu is the exact erf GELU.
 */
export type Gpt2Activation = 'gelu_new' | 'gelu_pytorch_tanh' | 'gelu';
const ACTIVATIONS: readonly Gpt2Activation[] = ['gelu_new', 'gelu_pytorch_tanh', 'gelu'];

export interface Gpt2Config {
  modelType: 'gpt2';
  vocabSize: number;
  /** Context length: rows of the position embedding table. */
  nPositions: number;
  nEmbd: number;
  nLayer: number;
  nHead: number;
  /** MLP width; null means 4 * n_embd. */
  nInner: number | null;
  activationFunction: Gpt2Activation;
  layerNormEpsilon: number;
  residPdrop: number;
  embdPdrop: number;
  attnPdrop: number;
  initializerRange: number;
  /** Divide attention scores by sqrt(head_dim). */
  scaleAttnWeights: boolean;
  /** Also divide them by layer index + 1 (GPT-2 with Mistral's stability trick). */
  scaleAttnByInverseLayerIdx: boolean;
  /** lm_head shares wte's matrix (GPT2LMHeadModel always ties unless told not to). */
  tieWordEmbeddings: boolean;
  bosTokenId?: number;
  eosTokenId?: number;
  padTokenId?: number;
  architectures: string[];
  extra: Record<string, unknown>;
}

/** GPT2Config's class defaults (transformers), for what a config.json leaves out. */
export const GPT2_DEFAULTS = {
  vocabSize: 50257,
  nPositions: 1024,
  nEmbd: 768,
  nLayer: 12,
  nHead: 12,
  activationFunction: 'gelu_new' as Gpt2Activation,
  layerNormEpsilon: 1e-5,
  residPdrop: 0.1,
  embdPdrop: 0.1,
  attnPdrop: 0.1,
  initializerRange: 0.02,
  bosTokenId: 50256,
  eosTokenId: 50256,
};

const KNOWN_KEYS = new Set([
  'model_type',
  'vocab_size',
  'n_positions',
  'n_embd',
  'n_layer',
  'n_head',
  'n_inner',
  'activation_function',
  'layer_norm_epsilon',
  'resid_pdrop',
  'embd_pdrop',
  'attn_pdrop',
  'initializer_range',
  'scale_attn_weights',
  'scale_attn_by_inverse_layer_idx',
  'tie_word_embeddings',
  'bos_token_id',
  'eos_token_id',
  'pad_token_id',
  'architectures',
  'add_cross_attention',
]);

export function isGpt2ConfigJson(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as Record<string, unknown>).model_type === 'gpt2';
}

export function parseGpt2Config(json: unknown): Gpt2Config {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new ModelConfigError(null, `must be a JSON object, got ${describe(json)}`);
  const j = json as Record<string, unknown>;
  if (j.model_type !== 'gpt2')
    throw new ModelConfigError('model_type', `must be "gpt2", got ${describe(j.model_type)}`);
  const d = GPT2_DEFAULTS;
  const activation = j.activation_function ?? d.activationFunction;
  if (!ACTIVATIONS.includes(activation as Gpt2Activation)) {
    throw new ModelConfigError(
      'activation_function',
      `must be one of ${ACTIVATIONS.join(', ')}, got ${describe(activation)}`,
    );
  }
  if (j.add_cross_attention === true)
    throw new ModelConfigError('add_cross_attention', 'is not supported (edgeclass builds decoder-only GPT-2)');
  const eps = j.layer_norm_epsilon ?? d.layerNormEpsilon;
  if (typeof eps !== 'number' || !(eps > 0) || !Number.isFinite(eps)) {
    throw new ModelConfigError('layer_norm_epsilon', `must be a positive number, got ${describe(eps)}`);
  }
  const range = j.initializer_range ?? d.initializerRange;
  if (typeof range !== 'number' || !(range >= 0))
    throw new ModelConfigError('initializer_range', `must be a non-negative number, got ${describe(range)}`);
  const nInner = j.n_inner === undefined || j.n_inner === null ? null : readInt(j, 'n_inner', 0, 1);
  const config: Gpt2Config = {
    modelType: 'gpt2',
    vocabSize: readInt(j, 'vocab_size', d.vocabSize, 1),
    nPositions: readInt(j, 'n_positions', d.nPositions, 1),
    nEmbd: readInt(j, 'n_embd', d.nEmbd, 1),
    nLayer: readInt(j, 'n_layer', d.nLayer, 0),
    nHead: readInt(j, 'n_head', d.nHead, 1),
    nInner,
    activationFunction: activation as Gpt2Activation,
    layerNormEpsilon: eps,
    residPdrop: readProb(j, 'resid_pdrop', d.residPdrop),
    embdPdrop: readProb(j, 'embd_pdrop', d.embdPdrop),
    attnPdrop: readProb(j, 'attn_pdrop', d.attnPdrop),
    initializerRange: range,
    scaleAttnWeights: readBool(j, 'scale_attn_weights', true),
    scaleAttnByInverseLayerIdx: readBool(j, 'scale_attn_by_inverse_layer_idx', false),
    tieWordEmbeddings: readBool(j, 'tie_word_embeddings', true),
    architectures:
      Array.isArray(j.architectures) && j.architectures.every((a) => typeof a === 'string') ? [...j.architectures] : [],
    extra: Object.fromEntries(Object.entries(j).filter(([k]) => !KNOWN_KEYS.has(k))),
  };
  for (const [key, field, fallback] of [
    ['bos_token_id', 'bosTokenId', d.bosTokenId],
    ['eos_token_id', 'eosTokenId', d.eosTokenId],
    ['pad_token_id', 'padTokenId', undefined],
  ] as const) {
    if (!(key in j)) {
      // The class default (50256) names no token of a smaller vocabulary: then the model has no such token.
      if (fallback !== undefined && fallback < config.vocabSize) config[field] = fallback;
      continue;
    }
    const v = j[key];
    if (v === null) continue;
    if (!isIndex(v) || v >= config.vocabSize)
      throw new ModelConfigError(
        key,
        `must be a token id below vocab_size (${config.vocabSize}) or null, got ${describe(v)}`,
      );
    config[field] = v;
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new ModelConfigError('n_embd', `(${config.nEmbd}) must be a multiple of n_head (${config.nHead})`);
  }
  return config;
}

/** The MLP width: n_inner, or 4 * n_embd as GPT2MLP takes it. */
export function gpt2Inner(c: Gpt2Config): number {
  return c.nInner ?? 4 * c.nEmbd;
}

/** What save_pretrained writes: snake_case keys, sorted; absent token ids as null where the class has a default. */
export function toHfGpt2ConfigJson(c: Gpt2Config): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...c.extra,
    model_type: 'gpt2',
    vocab_size: c.vocabSize,
    n_positions: c.nPositions,
    n_embd: c.nEmbd,
    n_layer: c.nLayer,
    n_head: c.nHead,
    n_inner: c.nInner,
    activation_function: c.activationFunction,
    layer_norm_epsilon: c.layerNormEpsilon,
    resid_pdrop: c.residPdrop,
    embd_pdrop: c.embdPdrop,
    attn_pdrop: c.attnPdrop,
    initializer_range: c.initializerRange,
    scale_attn_weights: c.scaleAttnWeights,
    scale_attn_by_inverse_layer_idx: c.scaleAttnByInverseLayerIdx,
    tie_word_embeddings: c.tieWordEmbeddings,
    bos_token_id: c.bosTokenId ?? null,
    eos_token_id: c.eosTokenId ?? null,
  };
  if (c.padTokenId !== undefined) out.pad_token_id = c.padTokenId;
  if (c.architectures.length > 0) out.architectures = [...c.architectures];
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  );
}

function readInt(j: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const v = j[key] ?? fallback;
  if (!isIndex(v) || v < min) throw new ModelConfigError(key, `must be an integer >= ${min}, got ${describe(j[key])}`);
  return v;
}

function readProb(j: Record<string, unknown>, key: string, fallback: number): number {
  const v = j[key] ?? fallback;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ModelConfigError(key, `must be a probability in [0, 1], got ${describe(j[key])}`);
  return v;
}

function readBool(j: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const v = j[key] ?? fallback;
  if (typeof v !== 'boolean') throw new ModelConfigError(key, `must be true or false, got ${describe(j[key])}`);
  return v;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
