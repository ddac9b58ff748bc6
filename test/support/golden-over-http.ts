// Golden cases as HTTP requests: the Rust-level options of a case become the Python-style kwargs of
// /v1/tokenize, and the expected nested encodings become the response's flat rows (depth-first windows).
import type { GoldenCase, GoldenEncoding } from './tokenize-golden.ts';

export interface HttpCase {
  id: string;
  path: '/v1/tokenize' | '/v1/detokenize';
  body: Record<string, unknown>;
  /** null when the reference rejects the input: the API must answer 400. */
  expected: unknown | null;
}

/** The first case of every op:config, and the first error case of every config that has one. */
export function samplePerConfig(cases: GoldenCase[]): GoldenCase[] {
  const picked = new Map<string, GoldenCase>();
  for (const c of cases) {
    const isError = isErrorOutput(c.expected);
    const key = `${c.op}:${c.config}:${isError ? 'error' : 'ok'}`;
    if (!picked.has(key)) picked.set(key, c);
  }
  return [...picked.values()];
}

function isErrorOutput(v: unknown): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && 'error' in v;
}

type Row = Record<string, unknown>;

function rowsOf(e: GoldenEncoding): Row[] {
  const row: Row = {
    input_ids: e.ids,
    token_type_ids: e.type_ids,
    attention_mask: e.attention_mask,
    tokens: e.tokens,
    offset_mapping: e.offsets,
    special_tokens_mask: e.special_tokens_mask,
    word_ids: e.word_ids,
    sequence_ids: e.sequence_ids,
  };
  return [row, ...e.overflowing.flatMap(rowsOf)];
}

export function toHttpCase(model: string, c: GoldenCase): HttpCase {
  if (c.op === 'decode') {
    return {
      id: c.id,
      path: '/v1/detokenize',
      body: {
        model,
        ids: c.input.ids,
        skip_special_tokens: c.input.skip_special_tokens,
        clean_up_tokenization_spaces: false,
      },
      expected: isErrorOutput(c.expected) ? null : c.expected,
    };
  }
  const o = c.options!;
  const body: Record<string, unknown> = {
    model,
    add_special_tokens: o.add_special_tokens,
    return_tokens: true,
    return_offsets_mapping: true,
    return_special_tokens_mask: true,
    return_word_ids: true,
    return_sequence_ids: true,
    return_token_type_ids: true,
    return_attention_mask: true,
    return_overflowing_tokens: true,
  };
  if (o.truncation) {
    Object.assign(body, {
      truncation: o.truncation.strategy,
      max_length: o.truncation.max_length,
      stride: o.truncation.stride,
      truncation_side: o.truncation.direction,
    });
  } else {
    body.truncation = false;
  }
  if (o.padding) {
    body.padding_side = o.padding.direction;
    if (o.padding.strategy === 'fixed') {
      body.padding = 'max_length';
      body.max_length = o.padding.length;
    } else {
      body.padding = 'longest';
    }
  }
  if (c.op === 'encode') {
    body.inputs = c.input.text_pair === null ? c.input.text : [c.input.text, c.input.text_pair];
  } else {
    // [[text]] items keep a batch of two single texts from reading as one pair.
    body.inputs = c.input.batch.map((b: { text: string; text_pair: string | null }) =>
      b.text_pair === null ? [b.text] : [b.text, b.text_pair],
    );
  }
  if (isErrorOutput(c.expected)) return { id: c.id, path: '/v1/tokenize', body, expected: null };
  const encodings = c.op === 'encode' ? [c.expected as GoldenEncoding] : (c.expected as GoldenEncoding[]);
  const rows: Row[] = [];
  const mapping: number[] = [];
  encodings.forEach((e, i) =>
    rowsOf(e).forEach((r) => {
      rows.push(r);
      mapping.push(i);
    }),
  );
  return { id: c.id, path: '/v1/tokenize', body, expected: { encodings: rows, overflow_to_sample_mapping: mapping } };
}
