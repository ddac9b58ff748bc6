// A Hugging Face BERT/RoBERTa config.json, validated and in camelCase. Missing fields take the defaults that
// transformers' BertConfig / RobertaConfig (and PretrainedConfig for labels) would give them, so a config means
// here what it means to the Python code that trained the checkpoint. Keys we do not model are kept in `extra` and
// written back unchanged.

export type ModelType = 'bert' | 'roberta';
export type ProblemType = 'single_label_classification' | 'multi_label_classification' | 'regression';

export interface ModelConfig {
  modelType: ModelType;
  vocabSize: number;
  hiddenSize: number;
  numHiddenLayers: number;
  numAttentionHeads: number;
  intermediateSize: number;
  hiddenAct: 'gelu'; // exact erf GELU, the only activation edgeclass implements
  maxPositionEmbeddings: number;
  typeVocabSize: number;
  layerNormEps: number;
  padTokenId: number;
  bosTokenId?: number;
  eosTokenId?: number;
  hiddenDropoutProb: number;
  attentionProbsDropoutProb: number;
  classifierDropout: number | null; // null: the heads use hiddenDropoutProb
  id2label: string[]; // index = label id; its length is num_labels
  problemType: ProblemType | null;
  architectures: string[];
  extra: Record<string, unknown>; // every other config.json key, verbatim
}

export class ModelConfigError extends Error {
  constructor(
    readonly field: string | null,
    message: string,
  ) {
    super(field ? `config.json: "${field}" ${message}` : `config.json: ${message}`);
    this.name = 'ModelConfigError';
  }
}

// transformers' class defaults. RobertaConfig's own defaults are BERT's except the vocabulary and special tokens;
// roberta-base's type_vocab_size 1, layer_norm_eps 1e-5 and max_position_embeddings 514 come from its config.json,
// not from the class, so a RoBERTa config.json that omits them gets the BERT values in Python too.
const DEFAULTS: Record<
  ModelType,
  Omit<ModelConfig, 'modelType' | 'id2label' | 'problemType' | 'architectures' | 'extra'>
> = {
  bert: {
    vocabSize: 30522,
    hiddenSize: 768,
    numHiddenLayers: 12,
    numAttentionHeads: 12,
    intermediateSize: 3072,
    hiddenAct: 'gelu',
    maxPositionEmbeddings: 512,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    padTokenId: 0,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    classifierDropout: null,
  },
  roberta: {
    vocabSize: 50265,
    hiddenSize: 768,
    numHiddenLayers: 12,
    numAttentionHeads: 12,
    intermediateSize: 3072,
    hiddenAct: 'gelu',
    maxPositionEmbeddings: 512,
    typeVocabSize: 2,
    layerNormEps: 1e-12,
    padTokenId: 1,
    bosTokenId: 0,
    eosTokenId: 2,
    hiddenDropoutProb: 0.1,
    attentionProbsDropoutProb: 0.1,
    classifierDropout: null,
  },
};

const PROBLEM_TYPES: readonly ProblemType[] = [
  'single_label_classification',
  'multi_label_classification',
  'regression',
];

// PretrainedConfig's num_labels default: two labels named LABEL_0, LABEL_1.
const DEFAULT_NUM_LABELS = 2;

// Keys parseModelConfig consumes; everything else goes to `extra`. num_labels and label2id are derived from
// id2label (transformers does not write num_labels, and rebuilds label2id on save), so they are consumed too.
const KNOWN_KEYS = new Set([
  'model_type',
  'vocab_size',
  'hidden_size',
  'num_hidden_layers',
  'num_attention_heads',
  'intermediate_size',
  'hidden_act',
  'max_position_embeddings',
  'type_vocab_size',
  'layer_norm_eps',
  'pad_token_id',
  'bos_token_id',
  'eos_token_id',
  'hidden_dropout_prob',
  'attention_probs_dropout_prob',
  'classifier_dropout',
  'id2label',
  'label2id',
  'num_labels',
  'problem_type',
  'architectures',
]);

export function parseModelConfig(json: unknown): ModelConfig {
  if (!isPlainObject(json)) throw new ModelConfigError(null, `must be a JSON object, got ${describe(json)}`);
  const modelType = json.model_type;
  if (modelType !== 'bert' && modelType !== 'roberta') {
    throw new ModelConfigError('model_type', `must be "bert" or "roberta", got ${describe(modelType)}`);
  }
  const d = DEFAULTS[modelType];
  const int = (key: string, fallback: number, min: number) => readInt(json, key, fallback, min);
  const prob = (key: string, fallback: number) => readProb(json, key, fallback);

  const hiddenAct = json.hidden_act ?? d.hiddenAct;
  if (hiddenAct !== 'gelu') {
    throw new ModelConfigError(
      'hidden_act',
      `must be "gelu" (exact erf GELU, the only activation supported), got ${describe(hiddenAct)}`,
    );
  }
  const layerNormEps = json.layer_norm_eps ?? d.layerNormEps;
  if (typeof layerNormEps !== 'number' || !(layerNormEps > 0) || !Number.isFinite(layerNormEps)) {
    throw new ModelConfigError('layer_norm_eps', `must be a positive number, got ${describe(layerNormEps)}`);
  }
  const classifierDropout = json.classifier_dropout === undefined ? d.classifierDropout : json.classifier_dropout;
  if (classifierDropout !== null) readProb(json, 'classifier_dropout', 0);

  const config: ModelConfig = {
    modelType,
    vocabSize: int('vocab_size', d.vocabSize, 1),
    hiddenSize: int('hidden_size', d.hiddenSize, 1),
    numHiddenLayers: int('num_hidden_layers', d.numHiddenLayers, 0),
    numAttentionHeads: int('num_attention_heads', d.numAttentionHeads, 1),
    intermediateSize: int('intermediate_size', d.intermediateSize, 1),
    hiddenAct,
    maxPositionEmbeddings: int('max_position_embeddings', d.maxPositionEmbeddings, 1),
    typeVocabSize: int('type_vocab_size', d.typeVocabSize, 1),
    layerNormEps,
    padTokenId: int('pad_token_id', d.padTokenId, 0),
    hiddenDropoutProb: prob('hidden_dropout_prob', d.hiddenDropoutProb),
    attentionProbsDropoutProb: prob('attention_probs_dropout_prob', d.attentionProbsDropoutProb),
    classifierDropout: classifierDropout as number | null,
    id2label: readLabels(json),
    problemType: readProblemType(json.problem_type),
    architectures: readArchitectures(json.architectures),
    extra: Object.fromEntries(Object.entries(json).filter(([k]) => !KNOWN_KEYS.has(k))),
  };
  // An explicit null is how PretrainedConfig spells "no such token"; treat it like an absent key.
  const bos = optionalInt(json, 'bos_token_id', d.bosTokenId);
  const eos = optionalInt(json, 'eos_token_id', d.eosTokenId);
  if (bos !== undefined) config.bosTokenId = bos;
  if (eos !== undefined) config.eosTokenId = eos;

  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new ModelConfigError(
      'hidden_size',
      `(${config.hiddenSize}) must be a multiple of num_attention_heads (${config.numAttentionHeads})`,
    );
  }
  if (config.padTokenId >= config.vocabSize) {
    throw new ModelConfigError('pad_token_id', `(${config.padTokenId}) must be below vocab_size (${config.vocabSize})`);
  }
  return config;
}

export function headDim(c: ModelConfig): number {
  return c.hiddenSize / c.numAttentionHeads;
}

// What transformers' save_pretrained writes for this config: snake_case keys in sorted order, id2label with string
// keys and the matching label2id, no num_labels (a derived property). Absent optional values (problem_type null,
// no bos/eos, no architectures) are left out as PretrainedConfig's diff-against-defaults does.
export function toHfConfigJson(config: ModelConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {
    ...config.extra,
    model_type: config.modelType,
    vocab_size: config.vocabSize,
    hidden_size: config.hiddenSize,
    num_hidden_layers: config.numHiddenLayers,
    num_attention_heads: config.numAttentionHeads,
    intermediate_size: config.intermediateSize,
    hidden_act: config.hiddenAct,
    max_position_embeddings: config.maxPositionEmbeddings,
    type_vocab_size: config.typeVocabSize,
    layer_norm_eps: config.layerNormEps,
    pad_token_id: config.padTokenId,
    hidden_dropout_prob: config.hiddenDropoutProb,
    attention_probs_dropout_prob: config.attentionProbsDropoutProb,
    classifier_dropout: config.classifierDropout,
    id2label: Object.fromEntries(config.id2label.map((label, i) => [String(i), label])),
    label2id: Object.fromEntries(config.id2label.map((label, i) => [label, i])),
  };
  // A token the class defaults but this config lacks must be written as null, or reading back would restore it.
  const d = DEFAULTS[config.modelType];
  if (config.bosTokenId !== undefined || d.bosTokenId !== undefined) out.bos_token_id = config.bosTokenId ?? null;
  if (config.eosTokenId !== undefined || d.eosTokenId !== undefined) out.eos_token_id = config.eosTokenId ?? null;
  if (config.problemType !== null) out.problem_type = config.problemType;
  if (config.architectures.length > 0) out.architectures = [...config.architectures];
  return Object.fromEntries(
    Object.keys(out)
      .sort()
      .map((k) => [k, out[k]]),
  );
}

// id2label wins over num_labels (as in PretrainedConfig); if both are given they must agree. Keys may be "0" or 0
// in Python but are always strings in JSON; they must cover 0..n-1 because labels are indexed by logit position.
function readLabels(json: Record<string, unknown>): string[] {
  const raw = json.id2label;
  const numLabels = json.num_labels;
  if (numLabels !== undefined && numLabels !== null && !(isIndex(numLabels) && numLabels >= 1)) {
    throw new ModelConfigError('num_labels', `must be a positive integer, got ${describe(numLabels)}`);
  }
  if (raw === undefined || raw === null) {
    const n = (numLabels as number | null | undefined) ?? DEFAULT_NUM_LABELS;
    return Array.from({ length: n }, (_, i) => `LABEL_${i}`);
  }
  if (!isPlainObject(raw))
    throw new ModelConfigError('id2label', `must be an object {"0": "label", ...}, got ${describe(raw)}`);
  const entries = Object.entries(raw);
  if (entries.length === 0) throw new ModelConfigError('id2label', 'must name at least one label');
  const labels: string[] = new Array(entries.length);
  for (const [key, label] of entries) {
    const id = /^(0|[1-9][0-9]*)$/.test(key) ? Number(key) : NaN;
    if (!(id < entries.length)) {
      throw new ModelConfigError(
        'id2label',
        `keys must be the ids 0..${entries.length - 1}, got ${JSON.stringify(key)}`,
      );
    }
    if (typeof label !== 'string')
      throw new ModelConfigError(`id2label.${key}`, `must be a string, got ${describe(label)}`);
    labels[id] = label;
  }
  if (typeof numLabels === 'number' && numLabels !== labels.length) {
    throw new ModelConfigError(
      'num_labels',
      `(${numLabels}) disagrees with id2label, which names ${labels.length} labels`,
    );
  }
  return labels;
}

function readProblemType(raw: unknown): ProblemType | null {
  if (raw === undefined || raw === null) return null;
  if (!PROBLEM_TYPES.includes(raw as ProblemType)) {
    throw new ModelConfigError(
      'problem_type',
      `must be one of ${PROBLEM_TYPES.join(', ')} or null, got ${describe(raw)}`,
    );
  }
  return raw as ProblemType;
}

function readArchitectures(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || !raw.every((a) => typeof a === 'string')) {
    throw new ModelConfigError('architectures', `must be an array of strings, got ${describe(raw)}`);
  }
  return [...raw];
}

function readInt(json: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const v = json[key] ?? fallback;
  if (!isIndex(v) || v < min)
    throw new ModelConfigError(key, `must be an integer >= ${min}, got ${describe(json[key])}`);
  return v;
}

function optionalInt(json: Record<string, unknown>, key: string, fallback: number | undefined): number | undefined {
  if (!(key in json)) return fallback;
  const v = json[key];
  if (v === null) return undefined;
  if (!isIndex(v)) throw new ModelConfigError(key, `must be a non-negative integer or null, got ${describe(v)}`);
  return v;
}

function readProb(json: Record<string, unknown>, key: string, fallback: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ModelConfigError(key, `must be a probability in [0, 1], got ${describe(json[key])}`);
  return v;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
