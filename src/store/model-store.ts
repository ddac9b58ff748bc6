// Where model folders come from. A model id (a Hugging Face id such as `bert-base-uncased` or `org/name`) names a
// folder in the Hugging Face layout: config.json, tokenizer.json, tokenizer_config.json, onnx/model.onnx, ...
// The core asks a ModelStore for files and never learns whether they came from a directory, R2 or the Hub.

export interface ModelInfo {
  id: string;
  /** Files of the folder, relative paths with '/' separators. */
  files: string[];
  /** When the folder was made, in Unix seconds, where the store can tell (OpenAI's model `created`). */
  created?: number;
}

export interface ModelStore {
  /** A file of a model folder as bytes, or null when the model or the file is absent. */
  readBytes(modelId: string, file: string): Promise<Uint8Array | null>;
  /** The same as UTF-8 text. */
  readText(modelId: string, file: string): Promise<string | null>;
  /** Every model folder the store holds. */
  list(): Promise<ModelInfo[]>;
  /** Said in errors when a model is missing: how a user provides it to this store. */
  readonly howToProvide: string;
  /** Why a model is missing, when the store knows more than "not there" (e.g. a failed pull). */
  explainMissing?(modelId: string): string | null;
  /**
   * The identity of these files as they are now (sizes and modification times, etags; absent ones too), cheap to
   * take: a load that failed is retried once it changes (src/core/load-once.ts).
   */
  fingerprint?(modelId: string, files: readonly string[]): Promise<string>;
}

/** The store's fingerprint of a model's files; '' for a store that has none (failures then expire by time only). */
export function fingerprintOf(store: ModelStore, modelId: string, files: readonly string[]): Promise<string> {
  return store.fingerprint ? store.fingerprint(modelId, files) : Promise.resolve('');
}

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;
/** `ft:<base>:<suffix>:<job id>`: a fine-tuned model (suffix may be empty, as OpenAI's `ft:base:org::id`). */
const FINE_TUNED_ID = /^ft:([^:]+):([A-Za-z0-9._-]{0,64}):(ftjob-[A-Za-z0-9]{1,64})$/;

/**
 * Model ids are Hugging Face ids: one or two path segments of [A-Za-z0-9._-], no '..'; or fine-tuned ids
 * `ft:<Hugging Face id>:<suffix>:<job id>`, where ':' appears only as those three separators. Either way an id has
 * at most one '/', no empty, '.' or '..' segment, no backslash: safe to join into a path or a bucket key.
 */
export function isValidModelId(id: string): boolean {
  if (id.includes('..')) return false;
  if (HUB_ID.test(id)) return id.length <= 200;
  const ft = FINE_TUNED_ID.exec(id);
  return ft !== null && HUB_ID.test(ft[1]) && ft[1].length <= 200;
}

/** A fine-tuned model id (`ft:...`), as made by a fine-tuning job; its parts, or null. */
export function parseFineTunedModelId(id: string): { base: string; suffix: string; jobId: string } | null {
  const ft = FINE_TUNED_ID.exec(id);
  return ft && isValidModelId(id) ? { base: ft[1], suffix: ft[2], jobId: ft[3] } : null;
}

/**
 * File paths inside a model folder: relative, '/'-separated, no empty, '.' or '..' segments, no backslashes or NULs.
 * Checked before any store touches a disk or a bucket, so that a request can never name a file outside its model.
 */
export function isValidModelFilePath(file: string): boolean {
  if (file.length === 0 || file.length > 500 || /[\\\0]/.test(file)) return false;
  return file.split('/').every((segment) => segment !== '' && segment !== '.' && segment !== '..');
}

/** A model id or file path that could escape its folder: a caller's mistake (HTTP 400), not a missing model. */
export class InvalidModelPathError extends Error {
  override readonly name = 'InvalidModelPathError';
}

/** Throws InvalidModelPathError unless both the id and the file path are safe to join into a path or a key. */
export function assertSafeModelPath(modelId: string, file?: string): void {
  if (!isValidModelId(modelId)) throw new InvalidModelPathError(`invalid model id '${modelId}'`);
  if (file !== undefined && !isValidModelFilePath(file)) {
    throw new InvalidModelPathError(`invalid file path '${file}' in model '${modelId}'`);
  }
}

/** A model file parsed as a JSON object, or null when the store lacks it or it is not a JSON object. */
export async function readJsonObject(
  store: ModelStore,
  id: string,
  file: string,
): Promise<Record<string, unknown> | null> {
  const text = await store.readText(id, file);
  try {
    const value = text === null ? null : JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}
