// The inputs of a graph exported with Hugging Face's names (Optimum, transformers.js, onnx-community), fed from
// rows of token ids. A graph says what it takes; each name it may declare has one meaning:
// - input_ids, attention_mask (1 on real tokens), token_type_ids (the row's, else 0): [B, T] int64;
// - position_ids: cumsum(attention_mask) - 1, and 1 on padding, as transformers does for decoders: [B, T] int64;
// - past_key_values.*: an empty cache of the declared element type and shape (its batch axis B, its past-length axis
//   0), so a decoder exported with a cache runs as one without: [B, kv_heads, 0, head_dim];
// - use_cache_branch (merged decoders): false, the branch that takes no cache: [1] bool;
// - num_logits_to_keep / logits_to_keep: 0, every position's logits: int64 scalar.
// Any other input cannot be satisfied from text: a model loading such a graph is refused, naming the inputs.
import type { InputInfo, Tensor, TensorType } from './runtime.ts';

/** A row of a run: its token ids (all attended) and, for models that take them, its token type ids. */
export interface FeedRow {
  ids: readonly number[];
  typeIds?: readonly number[] | null;
}

/** Where the config fills a past_key_values axis the graph leaves symbolic (transformers.js' own exports do). */
export interface CacheShape {
  kvHeads: number | null;
  headDim: number | null;
}

/** What a batch needs to know about its model's inputs. */
export interface FeedSpec {
  /** The graph's input names. */
  inputNames: readonly string[];
  /** Their declared types and shapes, where the runtime reports them (needed for past_key_values). */
  inputs?: readonly InputInfo[];
  /** Written into padding positions (masked out; RoBERTa derives position ids from it). */
  padId: number;
  /** The config's cache geometry, for symbolic past_key_values axes. */
  cache?: CacheShape;
}

const ROW_INPUTS = new Set(['input_ids', 'attention_mask', 'token_type_ids', 'position_ids']);
const PAST = /^past_key_values\.\d+\.(key|value)$/;
const LOGITS_TO_KEEP = new Set(['num_logits_to_keep', 'logits_to_keep']);

/** The inputs of the spec's graph that edgeclass cannot feed (empty: every one can be). */
export function unsatisfiableInputs(spec: FeedSpec): string[] {
  const missing = spec.inputNames.includes('input_ids') ? [] : ['input_ids (absent)'];
  for (const name of spec.inputNames) {
    if (ROW_INPUTS.has(name) || name === 'use_cache_branch' || LOGITS_TO_KEEP.has(name)) continue;
    if (PAST.test(name)) {
      const reason = emptyCacheProblem(spec, name);
      if (reason) missing.push(`${name} (${reason})`);
      continue;
    }
    missing.push(name);
  }
  return missing;
}

/** The feeds of one run: rows right-padded to the longest. */
export function buildFeeds(rows: readonly FeedRow[], spec: FeedSpec): Record<string, Tensor> {
  const B = rows.length;
  let T = 0;
  for (const row of rows) T = Math.max(T, row.ids.length);
  const wants = (name: string) => spec.inputNames.includes(name);
  const ids = new BigInt64Array(B * T).fill(BigInt(spec.padId)); // [B, T]
  const mask = new BigInt64Array(B * T); // [B, T]
  const types = wants('token_type_ids') ? new BigInt64Array(B * T) : null; // [B, T]
  const positions = wants('position_ids') ? new BigInt64Array(B * T).fill(1n) : null; // [B, T]
  for (let b = 0; b < B; b++) {
    const row = rows[b];
    const base = b * T;
    for (let t = 0; t < row.ids.length; t++) {
      ids[base + t] = BigInt(row.ids[t]);
      mask[base + t] = 1n;
      if (types && row.typeIds) types[base + t] = BigInt(row.typeIds[t]);
      if (positions) positions[base + t] = BigInt(t);
    }
  }
  const dims = [B, T];
  const feeds: Record<string, Tensor> = { input_ids: { type: 'int64', data: ids, dims } };
  if (wants('attention_mask')) feeds.attention_mask = { type: 'int64', data: mask, dims };
  if (types) feeds.token_type_ids = { type: 'int64', data: types, dims };
  if (positions) feeds.position_ids = { type: 'int64', data: positions, dims };
  for (const name of spec.inputNames) {
    if (PAST.test(name)) feeds[name] = emptyCache(spec, name, B);
    else if (name === 'use_cache_branch') feeds[name] = { type: 'bool', data: new Uint8Array(1), dims: [1] };
    else if (LOGITS_TO_KEEP.has(name)) feeds[name] = { type: 'int64', data: new BigInt64Array(1), dims: [] };
  }
  return feeds;
}

const CACHE_TYPES: Partial<Record<string, TensorType>> = { float32: 'float32', float16: 'float16' };

/** Why an empty cache cannot be made for `name`, or null when it can. */
function emptyCacheProblem(spec: FeedSpec, name: string): string | null {
  const info = spec.inputs?.find((i) => i.name === name);
  if (!info) return 'the runtime does not report its shape';
  if (!CACHE_TYPES[info.type]) return `element type ${info.type}`;
  const dims = cacheDims(info.shape, spec.cache, 1);
  if (dims === null) return `shape [${info.shape.join(', ')}] has an axis the config does not size`;
  if (!dims.includes(0)) return `shape [${info.shape.join(', ')}] has no past-length axis to leave empty`;
  return null;
}

function emptyCache(spec: FeedSpec, name: string, batch: number): Tensor {
  const info = spec.inputs!.find((i) => i.name === name)!;
  const type = CACHE_TYPES[info.type]!;
  const dims = cacheDims(info.shape, spec.cache, batch)!;
  return { type, data: type === 'float16' ? new Uint16Array(0) : new Float32Array(0), dims };
}

/**
 * [batch, kv_heads, past_len, head_dim] from a declared shape: axis 0 is the batch, a symbolic axis naming a
 * sequence or past length is 0, other symbolic axes come from the config (heads at 1, head size last); null when
 * one cannot be sized.
 */
function cacheDims(shape: readonly (number | string)[], cache: CacheShape | undefined, batch: number): number[] | null {
  const dims = shape.map((d, axis): number | null => {
    if (typeof d === 'number' && d >= 0) return axis === 0 ? batch : d;
    if (axis === 0) return batch;
    if (/past|seq|length|len/i.test(String(d)) || (axis === 2 && shape.length === 4)) return 0;
    if (axis === 1 && shape.length === 4) return cache?.kvHeads ?? null;
    if (axis === shape.length - 1) return cache?.headDim ?? null;
    return null;
  });
  return dims.every((d): d is number => d !== null) ? dims : null;
}
