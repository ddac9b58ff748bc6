// The local `llm` strategy: a causal LM (any decoder-only graph with Hugging Face's names: input_ids and what else
// it declares -> logits [B, T, V]) scores how likely each label is as the continuation of a prompt about the input.
//
// Scores.
// - Single-label: s(label) = log p(" label" | prompt), summed over the label's tokens, then a softmax over the
//   labels. The sum is the log-probability of the whole label string, so the softmax is exactly the model's
//   distribution restricted to the label set: p(label | prompt, the answer is one of the labels). A per-token mean
//   (`lengthNormalize: true`) is offered for label sets whose lengths differ a lot, but it is not a probability
//   and it favours long labels whose later tokens are predictable, so it is off by default.
// - Multi-label: each label is asked about on its own ("Does the category X apply? Answer yes or no. Answer:"),
//   and its score is p(" yes") / (p(" yes") + p(" no")) = sigmoid(log p(" yes") - log p(" no")): an independent
//   probability per label, the log-likelihood ratio of the two answers squashed to [0, 1].
//
// Batching. Every (input, label) continuation of a request is laid out as rows; a row serves every continuation
// whose tokens (but the last) it already contains, so labels of one token share one row per prompt and the yes/no
// pair of a question shares one row. Rows are sorted by length and run in as few runs as the logits budget
// allows. Only the log-softmax at the positions that predict label tokens is computed.
//
// Nothing here touches a runtime: a CausalLm is built around a session runner `run(feeds) => outputs`, which
// onnxruntime-node, onnxruntime-web and the inference runtime all provide.
import type { Tokenizer } from '../../tokenizer/index.ts';
import { buildFeeds, type CacheShape, type FeedSpec } from '../../inference/hf-inputs.ts';
import type { InputInfo, Tensor } from '../../inference/runtime.ts';
import { parseGpt2Config } from '../../nn/gpt2-config.ts';
import { RequestError } from '../errors.ts';
import {
  checkLabels,
  checkTemplate,
  DEFAULT_MULTI_LABEL_TEMPLATE,
  DEFAULT_SINGLE_LABEL_TEMPLATE,
  NO,
  renderTemplate,
  YES,
} from './llm-prompt.ts';

/** An int64 feed (what the tests' direct runners build). */
export interface Int64Feed {
  data: BigInt64Array;
  dims: number[];
}

export interface FloatOutput {
  data: Float32Array;
  dims: readonly number[];
}

/** One inference call: onnxruntime's session.run, reduced to what a causal LM needs. */
export type SessionRun = (feeds: Record<string, Tensor>) => Promise<Record<string, FloatOutput>>;

/** A causal language model as the scorer sees it: a tokenizer and next-token logits. */
export interface CausalLm {
  /** Token ids of `text`, no special tokens added. */
  encode(text: string): number[];
  /** Put before every prompt (GPT-2's habit with <|endoftext|>), or null for none. */
  readonly bosTokenId: number | null;
  /** The longest row the model takes (n_positions). */
  readonly maxLength: number;
  readonly vocabSize: number;
  /** The most logits (rows x tokens x vocab) one call to `logits` should produce; callers split their rows. */
  readonly maxLogitsPerRun: number;
  /** Logits [B, T, V] of `rows` (T the longest row; shorter rows are padded on the right). */
  logits(rows: number[][]): Promise<FloatOutput>;
  /**
   * For an instruct model (a chat_template in tokenizer_config.json): the prompt as the model's own template
   * renders it for one user message, ready for the answer. Absent for a base model.
   */
  readonly chat?: (userMessage: string) => string;
}

export interface CausalLmOptions {
  tokenizer: Pick<Tokenizer, 'encode'>;
  run: SessionRun;
  vocabSize: number;
  maxLength: number;
  bosTokenId?: number | null;
  /** Any id works (padded positions are masked); the eos or 0 by default. */
  padTokenId?: number;
  /** The session's input names, when known: feeds it lacks (e.g. position_ids) are left out. */
  inputNames?: readonly string[];
  /** Their declared types and shapes (an empty past_key_values is made from them) and the config's cache axes. */
  inputs?: readonly InputInfo[];
  cache?: CacheShape;
  /** Default 8M floats (32 MB) of logits per run. */
  maxLogitsPerRun?: number;
  chat?: (userMessage: string) => string;
}

const DEFAULT_INPUTS = ['input_ids', 'attention_mask', 'position_ids'];

/**
 * A CausalLm over a session runner. Feeds the graph's declared inputs as transformers.js does for decoder-only
 * models (../../inference/hf-inputs.ts: position_ids = cumsum(attention_mask) - 1, an empty past_key_values).
 */
export function createCausalLm(o: CausalLmOptions): CausalLm {
  const spec: FeedSpec = {
    inputNames: o.inputNames ?? DEFAULT_INPUTS,
    inputs: o.inputs,
    padId: o.padTokenId ?? 0,
    cache: o.cache,
  };
  return {
    encode: (text) => o.tokenizer.encode(text, null, { addSpecialTokens: false }).ids,
    bosTokenId: o.bosTokenId ?? null,
    maxLength: o.maxLength,
    vocabSize: o.vocabSize,
    maxLogitsPerRun: o.maxLogitsPerRun ?? 8 * 1024 * 1024,
    chat: o.chat,
    async logits(rows) {
      const B = rows.length;
      for (const row of rows) {
        if (row.length === 0) throw new Error('a causal LM row needs at least one token');
        if (row.length > o.maxLength)
          throw new Error(`a row of ${row.length} tokens exceeds the model's ${o.maxLength} positions`);
      }
      const feeds = buildFeeds(
        rows.map((ids) => ({ ids })),
        spec,
      );
      const T = feeds.input_ids.dims[1];
      const out = (await o.run(feeds)).logits;
      if (!out) throw new Error('the causal LM returned no "logits" output');
      if (out.dims.length !== 3 || out.dims[0] !== B || out.dims[1] !== T || out.dims[2] !== o.vocabSize) {
        throw new Error(
          `the causal LM returned logits [${out.dims.join(', ')}], expected [${B}, ${T}, ${o.vocabSize}]`,
        );
      }
      return out;
    },
  };
}

/**
 * A CausalLm for a GPT-2 folder: its config.json (parsed JSON), its tokenizer and a runner for its
 * onnx/model.onnx. bos is prepended when the config names one; padding uses eos.
 */
export function createGpt2CausalLm(
  configJson: unknown,
  tokenizer: Pick<Tokenizer, 'encode'>,
  run: SessionRun,
  options: { inputNames?: readonly string[]; maxLogitsPerRun?: number; prependBos?: boolean } = {},
): CausalLm {
  const c = parseGpt2Config(configJson);
  return createCausalLm({
    tokenizer,
    run,
    vocabSize: c.vocabSize,
    maxLength: c.nPositions,
    bosTokenId: options.prependBos === false ? null : (c.bosTokenId ?? null),
    padTokenId: c.padTokenId ?? c.eosTokenId ?? 0,
    inputNames: options.inputNames,
    maxLogitsPerRun: options.maxLogitsPerRun,
  });
}

// Continuation scoring --------------------------------------------------------------------------------------------

export interface ContinuationGroup {
  /** The prompt's token ids (bos included if wanted). */
  prompt: number[];
  /** Continuations to score after it. */
  targets: number[][];
}

interface Row {
  tokens: number[];
  /** log-sum-exp of the logits at a position, computed once per position that some target needs. */
  logZ: Map<number, number>;
}

/** Rows for each group (see the header), and which row scores each target. */
function layOutRows(groups: ContinuationGroup[]): { rows: Row[]; rowOf: number[][] } {
  const rows: Row[] = [];
  const rowOf = groups.map((g) => {
    if (g.prompt.length === 0) throw new Error('a continuation needs a non-empty prompt (add a bos token)');
    const mine: number[] = [];
    const assigned = new Array<number>(g.targets.length).fill(-1);
    const order = g.targets.map((_, i) => i).sort((a, b) => g.targets[b].length - g.targets[a].length);
    for (const i of order) {
      const needed = g.prompt.concat(g.targets[i].slice(0, -1));
      let r = mine.find(
        (k) => rows[k].tokens.length >= needed.length && needed.every((id, j) => rows[k].tokens[j] === id),
      );
      if (r === undefined) {
        r = rows.push({ tokens: needed, logZ: new Map() }) - 1;
        mine.push(r);
      }
      assigned[i] = r;
    }
    return assigned;
  });
  return { rows, rowOf };
}

/** Positions of each row whose next-token distribution some target reads. */
function neededPositions(groups: ContinuationGroup[], rowOf: number[][], rowCount: number): Set<number>[] {
  const needed = Array.from({ length: rowCount }, () => new Set<number>());
  groups.forEach((g, gi) =>
    g.targets.forEach((t, ti) => {
      for (let k = 0; k < t.length; k++) needed[rowOf[gi][ti]].add(g.prompt.length - 1 + k);
    }),
  );
  return needed;
}

/**
 * log p(target | prompt) = sum over the target's tokens of log softmax(logits at the previous position)[token],
 * for every target of every group, in one or a few runs.
 */
export async function scoreContinuations(lm: CausalLm, groups: ContinuationGroup[]): Promise<number[][]> {
  const { rows, rowOf } = layOutRows(groups);
  const positions = neededPositions(groups, rowOf, rows.length);
  const V = lm.vocabSize;
  // Per row, the logits at the needed positions, copied out of the run's output (which may be reused).
  const kept: Map<number, Float32Array>[] = rows.map(() => new Map());
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].tokens.length - rows[b].tokens.length);
  for (let start = 0; start < order.length; ) {
    // Rows sorted by length: grow the chunk while its padded logits stay within the budget.
    let end = start + 1;
    while (end < order.length && (end - start + 1) * rows[order[end]].tokens.length * V <= lm.maxLogitsPerRun) end++;
    const chunk = order.slice(start, end);
    const out = await lm.logits(chunk.map((r) => rows[r].tokens));
    const T = out.dims[1];
    chunk.forEach((r, b) => {
      for (const p of positions[r]) {
        const at = (b * T + p) * V;
        const logits = out.data.slice(at, at + V);
        kept[r].set(p, logits);
        rows[r].logZ.set(p, logSumExp(logits));
      }
    });
    start = end;
  }
  return groups.map((g, gi) =>
    g.targets.map((t, ti) => {
      const r = rowOf[gi][ti];
      let sum = 0;
      t.forEach((token, k) => {
        const p = g.prompt.length - 1 + k;
        sum += kept[r].get(p)![token] - rows[r].logZ.get(p)!;
      });
      return sum;
    }),
  );
}

function logSumExp(x: Float32Array): number {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) if (x[i] > max) max = x[i];
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += Math.exp(x[i] - max);
  return max + Math.log(sum);
}

// Classification --------------------------------------------------------------------------------------------------

export interface LocalLmOptions {
  multiLabel: boolean;
  /** See llm-prompt.ts: {text} required, {labels} optional, {label} required for multi-label. */
  promptTemplate?: string;
  /** Single-label: score labels by their mean token log-probability instead of the sum (see the header). */
  lengthNormalize?: boolean;
}

/**
 * Per input, per label (in the given order): probabilities summing to 1 (single-label), or independent
 * probabilities in [0, 1] (multi-label). Inputs too long for the model are cut at the end of the text; the
 * instruction and the answer cue are kept.
 */
export async function classifyWithLocalLm(
  lm: CausalLm,
  inputs: string[],
  labels: string[],
  options: LocalLmOptions,
): Promise<number[][]> {
  checkLabels(labels);
  const template =
    options.promptTemplate ?? (options.multiLabel ? DEFAULT_MULTI_LABEL_TEMPLATE : DEFAULT_SINGLE_LABEL_TEMPLATE);
  if (options.promptTemplate !== undefined) checkTemplate(template, options.multiLabel);
  const encodeTarget = (text: string, param: string) => {
    const ids = lm.encode(text);
    if (ids.length === 0)
      throw new RequestError('invalid_request', `${param} ${JSON.stringify(text.trim())} has no tokens`, 'labels');
    return ids;
  };

  if (!options.multiLabel) {
    // After a chat template's generation prompt the answer starts a fresh turn: no leading space.
    const lead = lm.chat ? '' : ' ';
    const targets = labels.map((l, i) => encodeTarget(`${lead}${l}`, `labels[${i}]`));
    const room = lm.maxLength - (Math.max(...targets.map((t) => t.length)) - 1);
    const groups = inputs.map((text) => ({ prompt: promptIds(lm, template, { text, labels }, room), targets }));
    const logProbs = await scoreContinuations(lm, groups);
    return logProbs.map((row) => softmax(options.lengthNormalize ? row.map((lp, i) => lp / targets[i].length) : row));
  }

  const answers = lm.chat
    ? [encodeTarget(YES.trimStart(), 'the answer'), encodeTarget(NO.trimStart(), 'the answer')]
    : [encodeTarget(YES, 'the answer'), encodeTarget(NO, 'the answer')];
  const room = lm.maxLength - (Math.max(...answers.map((t) => t.length)) - 1);
  const groups = inputs.flatMap((text) =>
    labels.map((label) => ({ prompt: promptIds(lm, template, { text, labels, label }, room), targets: answers })),
  );
  const logProbs = await scoreContinuations(lm, groups);
  return inputs.map((_, i) =>
    labels.map((_, j) => {
      const [yes, no] = logProbs[i * labels.length + j];
      return 1 / (1 + Math.exp(no - yes));
    }),
  );
}

/**
 * The prompt's ids (bos first when the model has one; an instruct model's prompt is its chat template's rendering
 * of the prompt as one user message, which places its own special tokens), at most `room` of them: when the prompt is too long the
 * text is cut at its end, by the share of tokens in excess, until it fits (a few tokenizations at most).
 */
function promptIds(
  lm: CausalLm,
  template: string,
  values: { text: string; labels: string[]; label?: string },
  room: number,
): number[] {
  const bos = lm.bosTokenId === null ? [] : [lm.bosTokenId];
  let text = values.text;
  for (let attempt = 0; ; attempt++) {
    const prompt = renderTemplate(template, { ...values, text });
    const ids = bos.concat(lm.encode(lm.chat ? lm.chat(prompt) : prompt));
    if (ids.length <= room) return ids;
    const textTokens = lm.encode(text).length;
    const excess = ids.length - room;
    if (text.length === 0 || textTokens <= excess || attempt >= 8) {
      if (text.length === 0 || attempt >= 8) {
        throw new RequestError(
          'too_large',
          `the prompt and labels do not fit in the model's ${lm.maxLength} positions even without the input text`,
          'labels',
        );
      }
      text = '';
      continue;
    }
    let keep = Math.floor(text.length * ((textTokens - excess) / textTokens) * 0.97);
    if (keep > 0 && /[\uD800-\uDBFF]/.test(text[keep - 1])) keep--; // do not split a surrogate pair
    text = text.slice(0, Math.min(keep, text.length - 1));
  }
}

function softmax(x: number[]): number[] {
  const max = Math.max(...x);
  const e = x.map((v) => Math.exp(v - max));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / z);
}
