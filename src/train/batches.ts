// From examples to padded batches: tokenize once (truncated to max_length), then per epoch a seeded order with
// length bucketing (shuffle, sort within chunks of many batches, shuffle the batches) and dynamic padding.
import type { Tokenizer } from '../tokenizer/index.ts';
import { labelId, type RawExample } from './data.ts';
import { shuffle, streamFor } from './rng.ts';

export interface EncodedExample {
  ids: number[];
  typeIds: number[];
  /** Class id, or the multi-hot label ids for multi-label. */
  label: number | number[];
}

export interface Batch {
  size: number;
  length: number;
  inputIds: BigInt64Array; // [B, T]
  attentionMask: BigInt64Array; // [B, T]
  tokenTypeIds: BigInt64Array; // [B, T]
  /** int64 class ids [B], or float32 multi-hot [B, C]. */
  labels: BigInt64Array | Float32Array;
  indices: number[];
}

export function encodeExamples(
  tokenizer: Tokenizer,
  examples: RawExample[],
  labels: string[],
  maxLength: number,
): EncodedExample[] {
  const truncation = { maxLength, strategy: 'longest_first' as const, stride: 0, side: 'right' as const };
  return examples.map((e, i) => {
    const enc = tokenizer.encode(e.text, e.pair, { truncation });
    const label = Array.isArray(e.label)
      ? e.label.map((l) => labelId(l, labels, i + 1))
      : labelId(e.label, labels, i + 1);
    return { ids: enc.ids, typeIds: enc.typeIds, label };
  });
}

/** The batches of one epoch, as example indices; a function of (seed, epoch) only. */
export function epochPlan(
  examples: EncodedExample[],
  batchSize: number,
  seed: number,
  epoch: number,
  bucket = true,
): number[][] {
  const order = shuffle(
    examples.map((_, i) => i),
    streamFor(seed, 'shuffle', epoch),
  );
  const chunk = bucket ? batchSize * 50 : order.length;
  const batches: number[][] = [];
  for (let c = 0; c < order.length; c += chunk) {
    const part = order.slice(c, c + chunk);
    if (bucket) part.sort((a, b) => examples[a].ids.length - examples[b].ids.length);
    for (let b = 0; b < part.length; b += batchSize) batches.push(part.slice(b, b + batchSize));
  }
  return bucket ? shuffle(batches, streamFor(seed, 'batches', epoch)) : batches;
}

export function collate(
  examples: EncodedExample[],
  indices: number[],
  padId: number,
  numLabels: number,
  multiLabel: boolean,
): Batch {
  const B = indices.length;
  const T = Math.max(...indices.map((i) => examples[i].ids.length));
  const inputIds = new BigInt64Array(B * T).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(B * T);
  const tokenTypeIds = new BigInt64Array(B * T);
  const labels = multiLabel ? new Float32Array(B * numLabels) : new BigInt64Array(B);
  indices.forEach((idx, b) => {
    const e = examples[idx];
    for (let t = 0; t < e.ids.length; t++) {
      inputIds[b * T + t] = BigInt(e.ids[t]);
      attentionMask[b * T + t] = 1n;
      tokenTypeIds[b * T + t] = BigInt(e.typeIds[t]);
    }
    if (multiLabel) for (const l of e.label as number[]) (labels as Float32Array)[b * numLabels + l] = 1;
    else (labels as BigInt64Array)[b] = BigInt(e.label as number);
  });
  return { size: B, length: T, inputIds, attentionMask, tokenTypeIds, labels, indices };
}
