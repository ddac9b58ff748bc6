// UnicodeScripts: cuts text where the Unicode script changes, with the reference's table (older than JavaScript's
// \p{Script}, see scripts/gen-unicode-scripts.mjs) and its adjustments, taken from SentencePiece's
// IsValidSentencePiece: Hiragana, Katakana and U+30FC count as Han, so Japanese stays in one word; ' ' is Any.
import { SCRIPT_NAMES, SCRIPT_RUN_IDS, SCRIPT_RUN_STARTS } from '../unicode-scripts-table.ts';
import { SpanSplitter } from './pre-tokenizer.ts';

const ANY = 0;
const HAN = SCRIPT_NAMES.indexOf('Han');
const HIRAGANA = SCRIPT_NAMES.indexOf('Hiragana');
const KATAKANA = SCRIPT_NAMES.indexOf('Katakana');
const PROLONGED_SOUND_MARK = 0x30fc;

// The run of the last lookup: text mostly stays in one script for a while, so most lookups end here.
let cachedFrom = 0;
let cachedTo = 0;
let cachedId = 0;

/** The table's script of `cp`: the run whose start is the last one <= cp. */
export function rawScript(cp: number): number {
  if (cp >= cachedFrom && cp < cachedTo) return cachedId;
  let lo = 0;
  let hi = SCRIPT_RUN_STARTS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (SCRIPT_RUN_STARTS[mid] <= cp) lo = mid;
    else hi = mid - 1;
  }
  cachedFrom = SCRIPT_RUN_STARTS[lo];
  cachedTo = lo + 1 < SCRIPT_RUN_STARTS.length ? SCRIPT_RUN_STARTS[lo + 1] : 0x110000;
  cachedId = SCRIPT_RUN_IDS[lo];
  return cachedId;
}

function fixedScript(cp: number): number {
  if (cp === PROLONGED_SOUND_MARK) return HAN;
  if (cp === 0x20) return ANY;
  const script = rawScript(cp);
  return script === HIRAGANA || script === KATAKANA ? HAN : script;
}

export class UnicodeScriptsPreTokenizer extends SpanSplitter {
  /**
   * A word starts at each character whose script is not Any and differs from the last non-Any script seen, so Any
   * characters (spaces, unassigned code points) join the word before them. Leading Any characters precede the first
   * cut and belong to no word: the reference drops them (and a split of Any characters only yields nothing).
   */
  split(text: string, from: number, to: number, spans: number[]): void {
    let last = -1;
    let start = -1;
    for (let i = from; i < to; ) {
      const cp = text.codePointAt(i)!;
      const script = fixedScript(cp);
      if (script !== ANY && script !== last) {
        if (start >= 0) spans.push(start, i);
        start = i;
        last = script;
      }
      i += cp > 0xffff ? 2 : 1;
    }
    if (start >= 0) spans.push(start, to);
  }
}
