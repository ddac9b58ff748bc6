// An encoder's config.json (BERT, RoBERTa, XLM-RoBERTa, DistilBERT), validated and in camelCase. Missing fields take
// the defaults that the architecture's transformers config class (and PretrainedConfig for labels) would give them,
// so a config means here what it means to the Python code that trained the checkpoint. Keys we do not model are kept
// in `extra` and written back unchanged. The defaults and key names are each architecture's (src/nn/arch/); this
// file reads and writes a config given them. Which architecture a config.json is: src/nn/arch/index.ts.

/** The encoder model types (src/nn/arch/ has one module for each). */
export type ModelType = 'bert' | 'roberta' | 'xlm-roberta' | 'distilbert';
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

/** The fields an encoder config has defaults for (transformers' config class defaults). */
export type EncoderDefaults = Omit<ModelConfig, 'modelType' | 'id2label' | 'problemType' | 'architectures' | 'extra'>;

/** Fields that config.json spells differently per architecture (DistilBERT says dim, n_layers, ...). */
export type EncoderField =
  | 'vocabSize'
  | 'hiddenSize'
  | 'numHiddenLayers'
  | 'numAttentionHeads'
  | 'intermediateSize'
  | 'hiddenAct'
  | 'maxPositionEmbeddings'
  | 'typeVocabSize'
  | 'layerNormEps'
  | 'padTokenId'
  | 'hiddenDropoutProb'
  | 'attentionProbsDropoutProb'
  | 'classifierDropout';

/**
 * How an architecture's config.json reads: its class defaults and the key of each field. A null key: the
 * architecture has no such setting and the default is fixed (DistilBERT's LayerNorm eps 1e-12, hard-coded in HF).
 */
export interface EncoderConfigSpec {
  defaults: EncoderDefaults;
  keys: Record<EncoderField, string | null>;
  /** A setting the architecture has but edgeclass does not implement: [key, why], or null. */
  refuse?: (json: Record<string, unknown>) => [string, string] | null;
}

// PretrainedConfig's num_labels default: two labels named LABEL_0, LABEL_1.
const DEFAULT_NUM_LABELS = 2;

const PROBLEM_TYPES: readonly ProblemType[] = [
  'single_label_classification',
  'multi_label_classification',
  'regression',
];

// Keys every encoder config consumes besides its field keys; everything else goes to `extra`. num_labels and
// label2id are derived from id2label (transformers does not write num_labels, and rebuilds label2id on save).
const COMMON_KEYS = [
  'model_type',
  'bos_token_id',
  'eos_token_id',
  'id2label',
  'label2id',
  'num_labels',
  'problem_type',
  'architectures',
];

/** Reads an encoder config.json with the architecture's defaults and key names (see src/nn/arch/). */
export function parseEncoderConfig(
  json: Record<string, unknown>,
  modelType: ModelType,
  spec: EncoderConfigSpec,
): ModelConfig {
  const d = spec.defaults;
  const k = spec.keys;
  const refused = spec.refuse?.(json);
  if (refused) throw new ModelConfigError(refused[0], refused[1]);
  // A field the architecture has no key for keeps its default; otherwise config.json's value, checked.
  const value = (field: EncoderField) => (k[field] === null ? d[field] : (json[k[field]!] ?? d[field]));
  const int = (field: EncoderField, min: number) =>
    k[field] === null ? (d[field] as number) : readInt(json, k[field]!, d[field] as number, min);
  const prob = (field: EncoderField) =>
    k[field] === null ? (d[field] as number) : readProb(json, k[field]!, d[field] as number);

  const hiddenAct = value('hiddenAct');
  if (hiddenAct !== 'gelu') {
    throw new ModelConfigError(
      k.hiddenAct,
      `must be "gelu" (exact erf GELU, the only activation supported), got ${describe(hiddenAct)}`,
    );
  }
  const layerNormEps = value('layerNormEps');
  if (typeof layerNormEps !== 'number' || !(layerNormEps > 0) || !Number.isFinite(layerNormEps)) {
    throw new ModelConfigError(k.layerNormEps, `must be a positive number, got ${describe(layerNormEps)}`);
  }
  const classifierDropout = k.classifierDropout === null ? d.classifierDropout : value('classifierDropout');
  if (classifierDropout !== null && k.classifierDropout !== null) readProb(json, k.classifierDropout, 0);

  const known = new Set([...COMMON_KEYS, ...Object.values(k).filter((key): key is string => key !== null)]);
  const config: ModelConfig = {
    modelType,
    vocabSize: int('vocabSize', 1),
    hiddenSize: int('hiddenSize', 1),
    numHiddenLayers: int('numHiddenLayers', 0),
    numAttentionHeads: int('numAttentionHeads', 1),
    intermediateSize: int('intermediateSize', 1),
    hiddenAct,
    maxPositionEmbeddings: int('maxPositionEmbeddings', 1),
    typeVocabSize: int('typeVocabSize', 1),
    layerNormEps,
    padTokenId: int('padTokenId', 0),
    hiddenDropoutProb: prob('hiddenDropoutProb'),
    attentionProbsDropoutProb: prob('attentionProbsDropoutProb'),
    classifierDropout: classifierDropout as number | null,
    id2label: readLabels(json),
    problemType: readProblemType(json.problem_type),
    architectures: readArchitectures(json.architectures),
    extra: Object.fromEntries(Object.entries(json).filter(([key]) => !known.has(key))),
  };
  // An explicit null is how PretrainedConfig spells "no such token"; treat it like an absent key.
  const bos = optionalInt(json, 'bos_token_id', d.bosTokenId);
  const eos = optionalInt(json, 'eos_token_id', d.eosTokenId);
  if (bos !== undefined) config.bosTokenId = bos;
  if (eos !== undefined) config.eosTokenId = eos;

  if (config.hiddenSize % config.numAttentionHeads !== 0) {
    throw new ModelConfigError(
      k.hiddenSize,
      `(${config.hiddenSize}) must be a multiple of ${k.numAttentionHeads} (${config.numAttentionHeads})`,
    );
  }
  if (config.padTokenId >= config.vocabSize) {
    throw new ModelConfigError(
      k.padTokenId,
      `(${config.padTokenId}) must be below ${k.vocabSize} (${config.vocabSize})`,
    );
  }
  return config;
}

export function headDim(c: ModelConfig): number {
  return c.hiddenSize / c.numAttentionHeads;
}

// What transformers' save_pretrained writes for this config: snake_case keys in sorted order, id2label with string
// keys and the matching label2id, no num_labels (a derived property). Absent optional values (problem_type null,
// no bos/eos, no architectures) are left out as PretrainedConfig's diff-against-defaults does.
export function encoderConfigJson(config: ModelConfig, spec: EncoderConfigSpec): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config.extra, model_type: config.modelType };
  for (const [field, key] of Object.entries(spec.keys) as [EncoderField, string | null][]) {
    if (key !== null) out[key] = config[field];
  }
  out.id2label = Object.fromEntries(config.id2label.map((label, i) => [String(i), label]));
  out.label2id = Object.fromEntries(config.id2label.map((label, i) => [label, i]));
  // A token the class defaults but this config lacks must be written as null, or reading back would restore it.
  const d = spec.defaults;
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

export function readProblemType(raw: unknown): ProblemType | null {
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

export function readInt(json: Record<string, unknown>, key: string, fallback: number, min: number): number {
  const v = json[key] ?? fallback;
  if (!isIndex(v) || v < min)
    throw new ModelConfigError(key, `must be an integer >= ${min}, got ${describe(json[key])}`);
  return v;
}

export function optionalInt(
  json: Record<string, unknown>,
  key: string,
  fallback: number | undefined,
): number | undefined {
  if (!(key in json)) return fallback;
  const v = json[key];
  if (v === null) return undefined;
  if (!isIndex(v)) throw new ModelConfigError(key, `must be a non-negative integer or null, got ${describe(v)}`);
  return v;
}

export function readProb(json: Record<string, unknown>, key: string, fallback: number): number {
  const v = json[key] ?? fallback;
  if (typeof v !== 'number' || !(v >= 0 && v <= 1))
    throw new ModelConfigError(key, `must be a probability in [0, 1], got ${describe(json[key])}`);
  return v;
}

export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

export function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
