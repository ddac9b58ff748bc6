// Tokenizing for inference: special tokens added, inputs longer than the model takes truncated (texts from the
// end, as transformers' `truncation=True`; pairs with `only_first`, so the second sequence, a hypothesis, survives
// whole), no padding (the runner pads each run to its longest row).
import { TokenizationError, type EncodeOptions } from '../tokenizer/index.ts';
import type { EncodedRow } from '../inference/rows.ts';
import { RequestError } from './errors.ts';
import type { LoadedModel } from './model-registry.ts';
import { secondsSince } from './telemetry.ts';

function options(model: LoadedModel, strategy: 'longest_first' | 'only_first'): EncodeOptions {
  return {
    addSpecialTokens: true,
    // overflow false: inference reads the kept tokens only, so the cut ones are not built into windows.
    truncation: {
      maxLength: model.maxLength,
      strategy,
      stride: 0,
      side: model.tokenizer.settings.truncationSide,
      overflow: false,
    },
    padding: null,
  };
}

/** One text -> one row. `param` names the input in errors (`inputs[3]`). */
export function encodeText(model: LoadedModel, text: string, param: string): EncodedRow {
  return encode(model, text, null, options(model, 'longest_first'), param);
}

/** (text, pair) -> one row, truncating only the text. */
export function encodePair(model: LoadedModel, text: string, pair: string, param: string): EncodedRow {
  return encode(model, text, pair, options(model, 'only_first'), param);
}

function encode(model: LoadedModel, text: string, pair: string | null, opts: EncodeOptions, param: string): EncodedRow {
  try {
    const e = model.tokenizer.tokenizer.encode(text, pair, opts);
    return { ids: e.ids, typeIds: e.typeIds };
  } catch (err) {
    if (err instanceof TokenizationError) throw new RequestError('invalid_request', `${param}: ${err.message}`, param);
    throw err;
  }
}

/** A request's rows, encoded by `encodeAll`; the time it took goes to the model's telemetry (tokenization). */
export function encodeRows(model: LoadedModel, encodeAll: () => EncodedRow[]): EncodedRow[] {
  if (!model.telemetry) return encodeAll();
  const start = performance.now();
  const rows = encodeAll();
  model.telemetry.tokenization(model.id, secondsSince(start), countTokens(rows));
  return rows;
}

/** Tokens the model reads for these rows: the `usage` figure. */
export function countTokens(rows: readonly EncodedRow[]): number {
  let n = 0;
  for (const row of rows) n += row.ids.length;
  return n;
}
