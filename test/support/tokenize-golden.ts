// Runs the cases of a tokenizer golden file (format tok-golden/v1, ../shared/golden/tokenize/README.md) through
// edgeclass's tokenizer and returns edgeclass's own outputs in the candidate format compare.mjs reads.
// Pure functions over parsed JSON, so the same code runs in Node and inside workerd.
import {
  type Tokenizer,
  TokenizationError,
  type EncodeOptions,
  type Encoding,
  type PaddingParams,
} from '../../src/tokenizer/index.ts';

export interface GoldenOptions {
  add_special_tokens: boolean;
  truncation: null | {
    max_length: number;
    strategy: 'longest_first' | 'only_first' | 'only_second';
    stride: number;
    direction: 'right' | 'left';
  };
  padding: null | {
    strategy: 'batch_longest' | 'fixed';
    length: number | null;
    direction: 'right' | 'left';
    pad_id: number;
    pad_type_id: number;
    pad_token: string;
    pad_to_multiple_of: number | null;
  };
}

export interface GoldenCase {
  id: string;
  op: 'encode' | 'encode_batch' | 'decode';
  config: string;
  input: any;
  options?: GoldenOptions;
  expected: unknown;
}

export interface GoldenEncoding {
  ids: number[];
  type_ids: number[];
  attention_mask: number[];
  tokens: string[];
  offsets: [number, number][];
  special_tokens_mask: number[];
  word_ids: (number | null)[];
  sequence_ids: (number | null)[];
  overflowing: GoldenEncoding[];
}

export function toGoldenEncoding(e: Encoding): GoldenEncoding {
  return {
    ids: e.ids,
    type_ids: e.typeIds,
    attention_mask: e.attentionMask,
    tokens: e.tokens,
    offsets: e.offsets,
    special_tokens_mask: e.specialTokensMask,
    word_ids: e.words,
    sequence_ids: e.sequenceIds(),
    overflowing: e.overflowing.map(toGoldenEncoding),
  };
}

export function toEncodeOptions(o: GoldenOptions): EncodeOptions {
  const padding: PaddingParams | null = o.padding && {
    length: o.padding.strategy === 'fixed' ? o.padding.length! : 'longest',
    side: o.padding.direction,
    padId: o.padding.pad_id,
    padTypeId: o.padding.pad_type_id,
    padToken: o.padding.pad_token,
    padToMultipleOf: o.padding.pad_to_multiple_of,
  };
  return {
    addSpecialTokens: o.add_special_tokens,
    truncation: o.truncation && {
      maxLength: o.truncation.max_length,
      strategy: o.truncation.strategy,
      stride: o.truncation.stride,
      side: o.truncation.direction,
    },
    padding,
  };
}

/** edgeclass's output for one case: an encoding, a list of them, {text}, or {error} for a refused input. */
export function runGoldenCase(tokenizer: Tokenizer, c: GoldenCase): unknown {
  try {
    if (c.op === 'decode') return { text: tokenizer.decode(c.input.ids, c.input.skip_special_tokens) };
    const options = toEncodeOptions(c.options!);
    if (c.op === 'encode') return toGoldenEncoding(tokenizer.encode(c.input.text, c.input.text_pair, options));
    const batch = c.input.batch.map((b: { text: string; text_pair: string | null }) => ({
      text: b.text,
      pair: b.text_pair,
    }));
    return tokenizer.encodeBatch(batch, options).map(toGoldenEncoding);
  } catch (err) {
    if (err instanceof TokenizationError) return { error: err.message };
    throw err;
  }
}
