// The tokenize operation with the keyword arguments and output names of Hugging Face's Python tokenizers
// (`tokenizer(text, text_pair, truncation=..., padding=..., return_offsets_mapping=...)`), over edgeclass's
// exact tokenizer. Knows nothing of HTTP: the route validates shapes and calls `tokenize`.
import {
  padEncodings,
  TokenizationError,
  type EncodeOptions,
  type Encoding,
  type PaddingParams,
  type TruncationParams,
  type TruncationStrategy,
} from '../tokenizer/index.ts';
import { RequestError } from './errors.ts';
import type { Limits } from './limits.ts';
import type { LoadedTokenizer } from './tokenizers.ts';

/** The limits a tokenize request is held to (src/core/limits.ts). */
export type TokenizeLimits = Pick<Limits, 'maxSequenceLength' | 'maxOutputRows' | 'maxOutputTokens'>;

/** No bounds: for callers inside the service (tests, benchmarks) whose inputs are not a stranger's. */
export const UNBOUNDED: TokenizeLimits = {
  maxSequenceLength: Number.POSITIVE_INFINITY,
  maxOutputRows: Number.POSITIVE_INFINITY,
  maxOutputTokens: Number.POSITIVE_INFINITY,
};

/** One text, or a [text, text_pair] pair. */
export type TokenizeInput = string | [string] | [string, string];

export interface TokenizeOptions {
  add_special_tokens?: boolean;
  truncation?: boolean | 'longest_first' | 'only_first' | 'only_second' | 'do_not_truncate';
  max_length?: number | null;
  stride?: number;
  truncation_side?: 'right' | 'left';
  padding?: boolean | 'longest' | 'max_length' | 'do_not_pad';
  padding_side?: 'right' | 'left';
  pad_to_multiple_of?: number | null;
  return_tokens?: boolean;
  return_offsets_mapping?: boolean;
  return_special_tokens_mask?: boolean;
  return_word_ids?: boolean;
  return_sequence_ids?: boolean;
  return_overflowing_tokens?: boolean;
  return_token_type_ids?: boolean;
  return_attention_mask?: boolean;
}

/** One row of the answer; optional fields appear when asked for (or, for type ids, by the model's default). */
export interface EncodingRow {
  input_ids: number[];
  token_type_ids?: number[];
  attention_mask?: number[];
  tokens?: string[];
  offset_mapping?: [number, number][];
  special_tokens_mask?: number[];
  word_ids?: (number | null)[];
  sequence_ids?: (number | null)[];
}

export interface TokenizeResult {
  encodings: EncodingRow[];
  /** Present with return_overflowing_tokens: the input index of each row. */
  overflow_to_sample_mapping?: number[];
  /** Non-pad tokens over all rows. */
  tokens: number;
}

export interface ResolvedInput {
  text: string;
  pair: string | null;
}

export interface ResolvedInputs {
  items: ResolvedInput[];
  /** Whether `inputs` was a list (errors then name `inputs[i]`). */
  batch: boolean;
}

/**
 * Normalizes `inputs` per the contract: a string; a [text, text_pair] pair; or a list whose items are texts,
 * [text] or [text, text_pair]. A list of exactly two strings is the pair form: to send two single texts as a
 * batch, write [["a"], ["b"]].
 */
export function resolveInputs(inputs: TokenizeInput | TokenizeInput[]): ResolvedInputs {
  if (typeof inputs === 'string') return { items: [{ text: inputs, pair: null }], batch: false };
  if (inputs.length === 2 && typeof inputs[0] === 'string' && typeof inputs[1] === 'string') {
    return { items: [{ text: inputs[0], pair: inputs[1] }], batch: false };
  }
  const items = (inputs as TokenizeInput[]).map((item) =>
    typeof item === 'string' ? { text: item, pair: null } : { text: item[0], pair: item.length === 2 ? item[1] : null },
  );
  return { items, batch: true };
}

/** Hugging Face's rules for turning truncation/padding kwargs into the Rust tokenizer's parameters. */
export function encodeOptionsFor(
  loaded: LoadedTokenizer,
  options: TokenizeOptions,
  limits: TokenizeLimits = UNBOUNDED,
): EncodeOptions {
  const s = loaded.settings;
  checkSequenceLengths(options, limits);
  const maxLength = options.max_length ?? null;
  const padding = normalizePadding(options.padding);
  let truncation = normalizeTruncation(options.truncation);
  // transformers: max_length without an explicit truncation (and without padding) means longest_first.
  if (options.truncation === undefined && maxLength !== null && padding === null) truncation = 'longest_first';

  let truncationParams: TruncationParams | null = null;
  if (truncation) {
    const length = maxLength ?? s.modelMaxLength;
    if (length !== null) {
      truncationParams = {
        maxLength: length,
        strategy: truncation,
        stride: options.stride ?? 0,
        side: options.truncation_side ?? s.truncationSide,
        // Windows nobody asked for are not built; those asked for are bounded per request (tokenize below).
        overflow: options.return_overflowing_tokens ?? false,
      };
    }
  }

  let paddingParams: PaddingParams | null = null;
  if (padding) {
    if (s.padId === null || s.padToken === null) {
      throw new RequestError(
        'invalid_request',
        `model '${loaded.id}' defines no pad token, so it cannot pad`,
        'padding',
      );
    }
    let length: PaddingParams['length'] = 'longest';
    if (padding === 'max_length') {
      const target = maxLength ?? s.modelMaxLength;
      if (target === null)
        throw new RequestError(
          'invalid_request',
          "padding 'max_length' needs max_length: this model sets no model_max_length",
          'max_length',
        );
      if (target > limits.maxSequenceLength) {
        const why = maxLength === null ? `the model's model_max_length (${target})` : `max_length (${target})`;
        throw new RequestError(
          'invalid_request',
          `padding 'max_length' would pad every row to ${why}; the limit is ${limits.maxSequenceLength}: give a smaller max_length`,
          'max_length',
        );
      }
      length = target;
    }
    paddingParams = {
      length,
      side: options.padding_side ?? s.paddingSide,
      padId: s.padId,
      padTypeId: s.padTypeId,
      padToken: s.padToken,
      padToMultipleOf: options.pad_to_multiple_of ?? null,
    };
  }
  return { addSpecialTokens: options.add_special_tokens ?? true, truncation: truncationParams, padding: paddingParams };
}

/** max_length, stride and pad_to_multiple_of each at most the configured sequence length. */
function checkSequenceLengths(options: TokenizeOptions, limits: TokenizeLimits): void {
  for (const param of ['max_length', 'stride', 'pad_to_multiple_of'] as const) {
    const value = options[param];
    if (typeof value === 'number' && value > limits.maxSequenceLength) {
      throw new RequestError(
        'invalid_request',
        `${param} is ${value}; the limit is ${limits.maxSequenceLength} (EDGECLASS_MAX_SEQUENCE_LENGTH)`,
        param,
      );
    }
  }
}

function normalizeTruncation(t: TokenizeOptions['truncation']): TruncationStrategy | null {
  if (t === true) return 'longest_first';
  if (t === false || t === undefined || t === 'do_not_truncate') return null;
  return t;
}

function normalizePadding(p: TokenizeOptions['padding']): 'longest' | 'max_length' | null {
  if (p === true) return 'longest';
  if (p === false || p === undefined || p === 'do_not_pad') return null;
  return p;
}

/** Tokenizes a batch. One bad input fails the whole request, naming it (`inputs[3]`). */
export function tokenize(
  loaded: LoadedTokenizer,
  inputs: ResolvedInput[],
  options: TokenizeOptions,
  inputsAreBatch = true,
  limits: TokenizeLimits = UNBOUNDED,
): TokenizeResult {
  const encodeOptions = encodeOptionsFor(loaded, options, limits);
  let windows = 0;
  let windowTokens = 0;
  const encodings = inputs.map((input, i) => {
    try {
      const truncation = encodeOptions.truncation && {
        ...encodeOptions.truncation,
        // What the windows of the inputs before this one left of the request's budgets.
        maxOverflowWindows: limits.maxOutputRows - inputs.length - windows,
        maxOverflowTokens: limits.maxOutputTokens - windowTokens,
      };
      const encoding = loaded.tokenizer.encode(input.text, input.pair, { ...encodeOptions, truncation, padding: null });
      windows += encoding.overflowing.length;
      for (const window of encoding.overflowing) windowTokens += window.length;
      return encoding;
    } catch (err) {
      if (err instanceof TokenizationError) {
        const where = inputsAreBatch ? `inputs[${i}]` : 'inputs';
        throw new RequestError(
          'invalid_request',
          `${where}: ${err.message}`,
          err.param === 'stride' || err.param === 'max_length' ? err.param : where,
        );
      }
      throw err;
    }
  });
  checkOutputSize(encodings, encodeOptions.padding ?? null, limits);
  // Padding is decided over the whole batch (its longest main encoding), then applied to every window.
  if (encodeOptions.padding) padEncodings(encodings, encodeOptions.padding);
  return toResult(loaded, encodings, options);
}

/** Rows and tokens the answer would hold, padding included, counted before any row is padded or converted. */
function checkOutputSize(encodings: Encoding[], padding: PaddingParams | null, limits: TokenizeLimits): void {
  let target = 0;
  if (padding) {
    target = padding.length === 'longest' ? Math.max(0, ...encodings.map((e) => e.length)) : padding.length;
    const multiple = padding.padToMultipleOf;
    if (multiple && target % multiple > 0) target += multiple - (target % multiple);
  }
  let rows = 0;
  let tokens = 0;
  for (const e of encodings) {
    for (const row of [e, ...e.overflowing]) {
      rows++;
      tokens += Math.max(row.length, target);
    }
  }
  if (rows > limits.maxOutputRows) {
    throw new RequestError(
      'invalid_request',
      `the answer would have ${rows} rows (inputs and their overflow windows); the limit is ${limits.maxOutputRows}: raise max_length, lower stride or send fewer inputs`,
      'return_overflowing_tokens',
    );
  }
  if (tokens > limits.maxOutputTokens) {
    throw new RequestError(
      'invalid_request',
      `the answer would hold ${tokens} tokens${padding ? ' after padding' : ''}; the limit is ${limits.maxOutputTokens}: send fewer or shorter inputs${padding ? ', or pad less' : ''}`,
      padding ? 'padding' : 'inputs',
    );
  }
}

function toResult(loaded: LoadedTokenizer, encodings: Encoding[], options: TokenizeOptions): TokenizeResult {
  const rows: EncodingRow[] = [];
  const mapping: number[] = [];
  const withOverflow = options.return_overflowing_tokens ?? false;
  let tokens = 0;
  const visit = (e: Encoding, sample: number) => {
    rows.push(toRow(loaded, e, options));
    mapping.push(sample);
    for (const m of e.attentionMask) tokens += m;
    if (withOverflow) for (const o of e.overflowing) visit(o, sample);
  };
  encodings.forEach((e, i) => visit(e, i));
  return { encodings: rows, ...(withOverflow ? { overflow_to_sample_mapping: mapping } : {}), tokens };
}

function toRow(loaded: LoadedTokenizer, e: Encoding, o: TokenizeOptions): EncodingRow {
  const row: EncodingRow = { input_ids: e.ids };
  if (o.return_token_type_ids ?? loaded.settings.hasTokenTypeIds) row.token_type_ids = e.typeIds;
  if (o.return_attention_mask ?? true) row.attention_mask = e.attentionMask;
  if (o.return_tokens) row.tokens = e.tokens;
  if (o.return_offsets_mapping) row.offset_mapping = e.offsets;
  if (o.return_special_tokens_mask) row.special_tokens_mask = e.specialTokensMask;
  if (o.return_word_ids) row.word_ids = e.words;
  if (o.return_sequence_ids) row.sequence_ids = e.sequenceIds();
  return row;
}
