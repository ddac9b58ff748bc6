// Request limits. Defaults follow the service contract; each can be set through the environment (wrangler vars or
// process.env) under the name in ENV_NAMES.

export interface Limits {
  /** Largest request body accepted, in bytes (413 above it). */
  maxBodyBytes: number;
  /** Most inputs (texts or pairs) in one request (400 above it). */
  maxInputs: number;
  /** Longest text, in characters (400 above it); also the longest classify label. */
  maxTextChars: number;
  /** Most inputs of one embeddings request (400 above it): OpenAI's 2,048, within the token budget. */
  maxEmbeddingInputs: number;
  /** Most candidate labels in one classify request (400 above it). */
  maxLabels: number;
  /** Most (text, label) pairs one classify request may run, inputs x labels, for the nli strategy (400 above it). */
  maxPairs: number;
  /**
   * Most characters one nli request tokenizes: each text once per label, beside its label sentence, summed over the
   * pairs (400 above it). Counted before any is tokenized: a text is not tokenized once and reused.
   */
  maxPairChars: number;
  /**
   * Largest sequence length a request may name: max_length, stride, pad_to_multiple_of, and the length padding
   * 'max_length' pads to (a tokenizer's model_max_length included) (400 above it).
   */
  maxSequenceLength: number;
  /** Most encoding rows one tokenize request answers, overflow windows included (400 above it). */
  maxOutputRows: number;
  /** Most tokens one tokenize request answers over all rows, padding included; also ids one detokenize reads. */
  maxOutputTokens: number;
  /** Longest hypothesis_template, in characters (400 above it). */
  maxTemplateChars: number;
  /** Most characters of label sentences one classify request makes: the template filled with each label, summed. */
  maxHypothesisChars: number;
  /** Memory the label embedding cache may hold (keys and vectors), in bytes, per process or isolate. */
  labelCacheBytes: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxBodyBytes: 2 * 1024 * 1024,
  maxInputs: 256,
  maxTextChars: 100_000,
  maxEmbeddingInputs: 2048,
  maxLabels: 64,
  maxPairs: 2048,
  // About 0.7 s of tokenizing (bert-base-uncased, 5.9M characters/s on the loaded 2-core dev machine), and room for a
  // full 2 MiB body under one or two labels.
  maxPairChars: 4_000_000,
  maxSequenceLength: 16_384,
  maxOutputRows: 8192,
  maxOutputTokens: 1_048_576,
  maxTemplateChars: 1000,
  maxHypothesisChars: 100_000,
  labelCacheBytes: 64 * 1024 * 1024,
};

const ENV_NAMES: Record<keyof Limits, string> = {
  maxBodyBytes: 'EDGECLASS_MAX_BODY_BYTES',
  maxInputs: 'EDGECLASS_MAX_INPUTS',
  maxTextChars: 'EDGECLASS_MAX_TEXT_CHARS',
  maxEmbeddingInputs: 'EDGECLASS_MAX_EMBEDDING_INPUTS',
  maxLabels: 'EDGECLASS_MAX_LABELS',
  maxPairs: 'EDGECLASS_MAX_PAIRS',
  maxPairChars: 'EDGECLASS_MAX_PAIR_CHARS',
  maxSequenceLength: 'EDGECLASS_MAX_SEQUENCE_LENGTH',
  maxOutputRows: 'EDGECLASS_MAX_OUTPUT_ROWS',
  maxOutputTokens: 'EDGECLASS_MAX_OUTPUT_TOKENS',
  maxTemplateChars: 'EDGECLASS_MAX_TEMPLATE_CHARS',
  maxHypothesisChars: 'EDGECLASS_MAX_HYPOTHESIS_CHARS',
  labelCacheBytes: 'EDGECLASS_LABEL_CACHE_BYTES',
};

/** The environment variable that sets each limit (the README's Limits table lists them). */
export const LIMIT_ENV_NAMES: Readonly<Record<keyof Limits, string>> = ENV_NAMES;

export function limitsFromEnv(env: Record<string, unknown>): Limits {
  return readPositiveInts(env, DEFAULT_LIMITS, ENV_NAMES);
}

/** How inference runs: batch sizes (both runtimes) and onnxruntime-node threads. Not request limits: no errors. */
export interface InferenceSettings {
  /** Padded tokens per run (rows x longest row). */
  maxBatchTokens: number;
  /** Rows per run. */
  maxBatchRows: number;
  /** onnxruntime-node intra-op threads per session; 0: the cores shared out over the sessions. */
  ortThreads: number;
  /** onnxruntime-node sessions per model, each in a worker thread, running at once; 0: as many as threads allow. */
  ortWorkers: number;
}

export const DEFAULT_INFERENCE_SETTINGS: InferenceSettings = {
  maxBatchTokens: 4096,
  maxBatchRows: 64,
  ortThreads: 0,
  ortWorkers: 0,
};

const INFERENCE_ENV_NAMES: Record<keyof InferenceSettings, string> = {
  maxBatchTokens: 'EDGECLASS_MAX_BATCH_TOKENS',
  maxBatchRows: 'EDGECLASS_MAX_BATCH_ROWS',
  ortThreads: 'EDGECLASS_ORT_THREADS',
  ortWorkers: 'EDGECLASS_ORT_WORKERS',
};

export function inferenceSettingsFromEnv(env: Record<string, unknown>): InferenceSettings {
  return readPositiveInts(env, DEFAULT_INFERENCE_SETTINGS, INFERENCE_ENV_NAMES, ['ortThreads', 'ortWorkers']);
}

function readPositiveInts<T extends object>(
  env: Record<string, unknown>,
  defaults: T,
  names: Record<keyof T, string>,
  zeroAllowed: (keyof T)[] = [],
): T {
  const values = { ...defaults };
  for (const key of Object.keys(names) as (keyof T)[]) {
    const raw = env[names[key]];
    if (raw === undefined || raw === '') continue;
    const value = Number(raw);
    const min = zeroAllowed.includes(key) ? 0 : 1;
    if (!Number.isInteger(value) || value < min)
      throw new Error(`${names[key]} must be a ${min ? 'positive' : 'non-negative'} integer, got '${raw}'`);
    (values as Record<keyof T, number>)[key] = value;
  }
  return values;
}
