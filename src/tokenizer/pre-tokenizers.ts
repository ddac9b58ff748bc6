// Pre-tokenizers named in tokenizer.json, built as Rust's tokenizers reads them, and the plan the tokenizer runs:
// span stages over one shared string when no stage rewrites text (optionally ending in a ByteLevel whose byte
// mapping then happens per word), otherwise every stage over aligned splits.
import type { NormalizedText } from './normalized.ts';
import { patternRegex } from './patterns.ts';
import {
  isSpanPreTokenizer,
  splitBehavior,
  type PreTokenizer,
  type SpanPreTokenizer,
} from './pre-tokenizers/pre-tokenizer.ts';
import {
  BertPreTokenizer,
  CharDelimiterSplit,
  DigitsPreTokenizer,
  PunctuationPreTokenizer,
  SplitPreTokenizer,
  WhitespacePreTokenizer,
  WhitespaceSplit,
} from './pre-tokenizers/splitting.ts';
import { ByteLevelPreTokenizer, MetaspacePreTokenizer, type PrependScheme } from './pre-tokenizers/transforming.ts';
import { UnicodeScriptsPreTokenizer } from './pre-tokenizers/unicode-scripts.ts';

export type { PreTokenizer, SpanPreTokenizer } from './pre-tokenizers/pre-tokenizer.ts';
export { BertPreTokenizer, ByteLevelPreTokenizer };

export class SequencePreTokenizer implements PreTokenizer {
  constructor(readonly stages: PreTokenizer[]) {}
  preTokenize(split: NormalizedText, out: NormalizedText[]): void {
    let splits = [split];
    for (const stage of this.stages) {
      const next: NormalizedText[] = [];
      for (const s of splits) stage.preTokenize(s, next);
      splits = next;
    }
    for (const s of splits) out.push(s);
  }
}

/** What the tokenizer runs: `spans` (fast path) or, when null, `stages` over aligned splits. */
export interface PreTokenizerPlan {
  spans: SpanPreTokenizer[] | null;
  /** Fast path only: words reach the model as UTF-8 bytes in the byte-level alphabet. */
  byteLevelWords: boolean;
  stages: PreTokenizer[];
}

export function planPreTokenizer(root: PreTokenizer | null): PreTokenizerPlan {
  const stages: PreTokenizer[] = [];
  const flatten = (p: PreTokenizer) => {
    if (p instanceof SequencePreTokenizer) p.stages.forEach(flatten);
    else stages.push(p);
  };
  if (root) flatten(root);
  const last = stages[stages.length - 1];
  const byteLevelWords = last instanceof ByteLevelPreTokenizer && !last.addPrefixSpace;
  const spanStages = byteLevelWords ? stages.slice(0, -1) : stages;
  const fast = spanStages.every((s) => isSpanPreTokenizer(s) && !(s instanceof ByteLevelPreTokenizer));
  return {
    spans: fast ? [...(spanStages as SpanPreTokenizer[]), ...(byteLevelWords ? [last as SpanPreTokenizer] : [])] : null,
    byteLevelWords: fast && byteLevelWords,
    stages,
  };
}

const SUPPORTED =
  'BertPreTokenizer, ByteLevel, Sequence, Whitespace, WhitespaceSplit, Metaspace, Split, Punctuation, Digits, CharDelimiterSplit, UnicodeScripts';

export function preTokenizerFromJson(json: unknown): PreTokenizer | null {
  if (json === null || json === undefined) return null;
  const c = json as Record<string, any>;
  switch (c.type) {
    case 'BertPreTokenizer':
      return new BertPreTokenizer();
    case 'ByteLevel':
      return new ByteLevelPreTokenizer(c.add_prefix_space ?? true, c.use_regex ?? true);
    case 'Sequence':
      if (!Array.isArray(c.pretokenizers)) throw new Error("pre_tokenizer 'Sequence' has no 'pretokenizers' list");
      return new SequencePreTokenizer(c.pretokenizers.map((p: unknown) => preTokenizerFromJson(p) ?? fail('null')));
    case 'Whitespace':
      return new WhitespacePreTokenizer();
    case 'WhitespaceSplit':
      return new WhitespaceSplit();
    case 'Metaspace':
      return new MetaspacePreTokenizer(c.replacement ?? '▁', prependScheme(c), c.split ?? true);
    case 'Split':
      return new SplitPreTokenizer(
        patternRegex(c.pattern, "pre_tokenizer 'Split'"),
        splitBehavior(c.behavior, "pre_tokenizer 'Split'"),
        c.invert ?? false,
      );
    case 'Punctuation':
      return new PunctuationPreTokenizer(splitBehavior(c.behavior ?? 'Isolated', "pre_tokenizer 'Punctuation'"));
    case 'Digits':
      return new DigitsPreTokenizer(c.individual_digits ?? false);
    case 'CharDelimiterSplit': {
      const d = [...String(c.delimiter ?? '')];
      if (d.length !== 1) throw new Error("pre_tokenizer 'CharDelimiterSplit': delimiter must be one character");
      return new CharDelimiterSplit(d[0].codePointAt(0)!);
    }
    case 'UnicodeScripts':
      return new UnicodeScriptsPreTokenizer();
    default:
      return fail(c.type);
  }
}

function fail(type: unknown): never {
  throw new Error(`unsupported pre_tokenizer '${type}': edgeclass supports ${SUPPORTED}`);
}

/** Metaspace's scheme; the legacy add_prefix_space false means never (and contradicts any other scheme). */
function prependScheme(c: Record<string, any>): PrependScheme {
  const scheme = c.prepend_scheme ?? 'always';
  if (!['first', 'never', 'always'].includes(scheme))
    throw new Error(`pre_tokenizer 'Metaspace': unsupported prepend_scheme '${scheme}'`);
  if (c.add_prefix_space === false) {
    if (scheme !== 'never')
      throw new Error("pre_tokenizer 'Metaspace': add_prefix_space does not match declared prepend_scheme");
    return 'never';
  }
  return scheme;
}
