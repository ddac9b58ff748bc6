// Sentence embeddings: tokenize, run, pool over real tokens, optionally shorten (Matryoshka-style `dimensions`)
// and L2-normalize. Pooling defaults to the model's sentence-transformers Pooling module (mean without one);
// normalization defaults to on, as text-embeddings-inference and OpenAI's embeddings.
import type { EncodedRow } from '../inference/rows.ts';
import { countTokens, encodeRows, encodeText } from './encode.ts';
import { RequestError } from './errors.ts';
import { hiddenStatesOutput, runRows } from './infer.ts';
import type { Limits } from './limits.ts';
import type { LoadedModel, ModelRegistry } from './model-registry.ts';
import { l2Normalize, poolRow, type Pooling } from './pooling.ts';

export interface EmbeddingOptions {
  pooling?: Pooling;
  normalize?: boolean;
  /** Keep the first `dimensions` components (then normalize). */
  dimensions?: number;
}

export interface ResolvedEmbeddingOptions {
  pooling: Pooling;
  normalize: boolean;
  dimensions: number | null;
}

export interface EmbeddingsResult {
  embeddings: Float32Array[];
  /** Tokens read, special tokens included. */
  tokens: number;
  options: ResolvedEmbeddingOptions;
}

export function resolveEmbeddingOptions(model: LoadedModel, options: EmbeddingOptions): ResolvedEmbeddingOptions {
  let pooling = options.pooling;
  if (pooling === undefined) {
    const st = model.sentenceTransformers;
    if (st && st.pooling === null) {
      throw new RequestError(
        'unsupported_model',
        `model '${model.id}': its sentence-transformers pooling mode is not one edgeclass computes; pass pooling (mean, cls or max)`,
        'pooling',
      );
    }
    pooling = st?.pooling ?? 'mean';
  }
  const dimensions = options.dimensions ?? null;
  const width = model.config.hiddenSize;
  if (dimensions !== null && width !== null && dimensions > width) {
    throw new RequestError(
      'invalid_request',
      `dimensions is ${dimensions}, but the embeddings of '${model.id}' have ${width}`,
      'dimensions',
    );
  }
  return { pooling, normalize: options.normalize ?? true, dimensions };
}

/** Pools and shapes one row's hidden states; `width` checks `dimensions` against the model's hidden size. */
export function embeddingFromHidden(
  hidden: { data: Float32Array; dims: readonly number[] },
  length: number,
  options: ResolvedEmbeddingOptions,
): Float32Array {
  let vector = poolRow(hidden, length, options.pooling);
  if (options.dimensions !== null) {
    if (options.dimensions > vector.length) {
      throw new RequestError(
        'invalid_request',
        `dimensions is ${options.dimensions}, but this model's embeddings have ${vector.length}`,
        'dimensions',
      );
    }
    vector = vector.slice(0, options.dimensions);
  }
  return options.normalize ? l2Normalize(vector) : vector;
}

/** Embeds rows already tokenized (the classify embedding strategy mixes texts and label hypotheses in one call). */
export async function embedRows(
  model: LoadedModel,
  rows: readonly EncodedRow[],
  options: ResolvedEmbeddingOptions,
): Promise<Float32Array[]> {
  const output = hiddenStatesOutput(model);
  const outputs = await runRows(model, rows, [output]);
  return outputs.map((out, i) => embeddingFromHidden(out[output], rows[i].ids.length, options));
}

/** `param(i)` names input i in errors (`input[2]`). */
export async function embedTexts(
  model: LoadedModel,
  texts: readonly string[],
  options: EmbeddingOptions,
  param: (i: number) => string,
): Promise<EmbeddingsResult> {
  const resolved = resolveEmbeddingOptions(model, options);
  const rows = encodeRows(model, () => texts.map((text, i) => encodeText(model, text, param(i))));
  return { embeddings: await embedRows(model, rows, resolved), tokens: countTokens(rows), options: resolved };
}

export interface EmbeddingsRequest extends EmbeddingOptions {
  model: string;
  /** Texts, or token ids of the model's vocabulary (OpenAI's token input), embedded as given. */
  input: string | string[] | number[] | number[][];
  /** The graph variant (transformers.js' dtype names); EDGECLASS_MODEL_DTYPE's when absent. */
  dtype?: string;
}

/** The request's inputs as texts or as token-id rows, and the name of each in errors. */
function splitInput(input: EmbeddingsRequest['input']) {
  const batch = Array.isArray(input) && (input.length === 0 || typeof input[0] !== 'number');
  const items = (batch ? input : [input]) as (string | number[])[];
  const param = (i: number) => (batch ? `input[${i}]` : 'input');
  return { items, param };
}

/** Checks the sizes before any work: count, characters of texts, ids of token lists (the token budget). */
function checkSizes(items: readonly (string | number[])[], limits: Limits, param: (i: number) => string): void {
  if (items.length === 0) throw new RequestError('invalid_request', 'input must not be empty', 'input');
  if (items.length > limits.maxEmbeddingInputs) {
    throw new RequestError(
      'invalid_request',
      `input has ${items.length} items; the limit is ${limits.maxEmbeddingInputs}`,
      'input',
    );
  }
  let chars = 0;
  let ids = 0;
  items.forEach((item, i) => {
    if (typeof item === 'string' && item.length > limits.maxTextChars) {
      throw new RequestError(
        'invalid_request',
        `${param(i)} has ${item.length} characters; the limit is ${limits.maxTextChars}`,
        param(i),
      );
    }
    if (typeof item === 'string') chars += item.length;
    else ids += item.length;
  });
  // Each text costs about one token per few characters, each id one: both bounded before anything is tokenized or run.
  if (chars > limits.maxPairChars || ids > limits.maxOutputTokens) {
    throw new RequestError(
      'invalid_request',
      `input is too large: ${chars} characters and ${ids} token ids; the limits are ${limits.maxPairChars} and ${limits.maxOutputTokens}`,
      'input',
    );
  }
}

/** Token ids as one row, each checked against the vocabulary and the model's length. */
function tokenRow(model: LoadedModel, ids: readonly number[], param: string): EncodedRow {
  if (ids.length > model.maxLength) {
    throw new RequestError(
      'invalid_request',
      `${param} has ${ids.length} token ids; '${model.id}' reads at most ${model.maxLength}`,
      param,
    );
  }
  ids.forEach((id, j) => {
    if (model.tokenizer.tokenizer.idToToken(id) === undefined)
      throw new RequestError(
        'invalid_request',
        `${param}[${j}]: ${id} is not in the vocabulary of '${model.id}'`,
        param,
      );
  });
  return { ids, typeIds: null };
}

/** The /v1/embeddings operation: limits, model, embeddings in input order. */
export async function createEmbeddings(
  models: ModelRegistry,
  limits: Limits,
  request: EmbeddingsRequest,
): Promise<EmbeddingsResult> {
  const { items, param } = splitInput(request.input);
  checkSizes(items, limits, param);
  const model = await models.get(request.model, request.dtype);
  if (items.every((item) => typeof item === 'string')) return embedTexts(model, items as string[], request, param);
  const resolved = resolveEmbeddingOptions(model, request);
  const rows = items.map((item, i) =>
    typeof item === 'string' ? encodeText(model, item, param(i)) : tokenRow(model, item, param(i)),
  );
  return { embeddings: await embedRows(model, rows, resolved), tokens: countTokens(rows), options: resolved };
}
