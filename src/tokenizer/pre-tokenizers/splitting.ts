// Pre-tokenizers that only cut text into words: BertPreTokenizer, Whitespace, WhitespaceSplit, Punctuation,
// Digits, Split, CharDelimiterSplit. Each is a span splitter (see pre-tokenizer.ts), with the reference's rules.
import { findMatches } from '../onig-regex.ts';
import { isBertPunctuation, isWhitespace } from '../unicode.ts';
import { applyBehavior, charPieces, SpanSplitter, type SplitBehavior } from './pre-tokenizer.ts';

/** BertPreTokenizer: whitespace separates words and is dropped; each punctuation character is a word of its own. */
export class BertPreTokenizer extends SpanSplitter {
  split(text: string, from: number, to: number, spans: number[]): void {
    let wordStart = -1;
    for (let i = from; i < to; ) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        // ASCII fast path: letters and digits extend a word, space ends it, punctuation is a word.
        if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
          if (wordStart >= 0) spans.push(wordStart, i);
          wordStart = -1;
        } else if (isBertPunctuation(c)) {
          if (wordStart >= 0) spans.push(wordStart, i);
          wordStart = -1;
          spans.push(i, i + 1);
        } else if (wordStart < 0) {
          wordStart = i;
        }
        i++;
        continue;
      }
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      if (isWhitespace(cp)) {
        if (wordStart >= 0) spans.push(wordStart, i);
        wordStart = -1;
      } else if (isBertPunctuation(cp)) {
        if (wordStart >= 0) spans.push(wordStart, i);
        wordStart = -1;
        spans.push(i, i + width);
      } else if (wordStart < 0) {
        wordStart = i;
      }
      i += width;
    }
    if (wordStart >= 0) spans.push(wordStart, to);
  }
}

/** Whitespace: the words of Rust's regex \\w+|[^\\w\\s]+ (Unicode classes); whitespace is dropped. */
const WHITESPACE_WORDS =
  /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/gu;

export class WhitespacePreTokenizer extends SpanSplitter {
  split(text: string, from: number, to: number, spans: number[]): void {
    const segment = text.slice(from, to);
    WHITESPACE_WORDS.lastIndex = 0;
    for (let m = WHITESPACE_WORDS.exec(segment); m; m = WHITESPACE_WORDS.exec(segment))
      spans.push(from + m.index, from + m.index + m[0].length);
  }
}

/** A pre-tokenizer that splits on a character predicate with a behavior. */
class CharPredicateSplitter extends SpanSplitter {
  private readonly pieces: number[] = [];
  constructor(
    private readonly test: (cp: number) => boolean,
    private readonly behavior: SplitBehavior,
  ) {
    super();
  }

  split(text: string, from: number, to: number, spans: number[]): void {
    const pieces = this.pieces;
    pieces.length = 0;
    charPieces(text, from, to, this.test, pieces);
    applyBehavior(pieces, this.behavior, from, spans);
  }
}

/** WhitespaceSplit: whitespace (Rust's char::is_whitespace) separates words and is dropped. */
export class WhitespaceSplit extends CharPredicateSplitter {
  constructor() {
    super(isWhitespace, 'Removed');
  }
}

/** Punctuation: ASCII or Unicode punctuation characters, with a behavior (Isolated by default). */
export class PunctuationPreTokenizer extends CharPredicateSplitter {
  constructor(behavior: SplitBehavior) {
    super(isBertPunctuation, behavior);
  }
}

const NUMERIC = /\p{N}/u;
/** Rust's char::is_numeric: General_Category N. */
function isNumeric(cp: number): boolean {
  if (cp < 0x80) return cp >= 0x30 && cp <= 0x39;
  return NUMERIC.test(String.fromCodePoint(cp));
}

/** Digits: numbers isolated, one digit at a time or as contiguous runs. */
export class DigitsPreTokenizer extends CharPredicateSplitter {
  constructor(individualDigits: boolean) {
    super(isNumeric, individualDigits ? 'Isolated' : 'Contiguous');
  }
}

/** CharDelimiterSplit: one delimiter character separates words and is dropped. */
export class CharDelimiterSplit extends CharPredicateSplitter {
  constructor(delimiter: number) {
    super((cp) => cp === delimiter, 'Removed');
  }
}

/** Split: a string or regex pattern with a behavior; invert swaps what counts as a match. */
export class SplitPreTokenizer extends SpanSplitter {
  private readonly pieces: number[] = [];
  constructor(
    private readonly regex: RegExp,
    private readonly behavior: SplitBehavior,
    private readonly invert: boolean,
  ) {
    super();
  }

  split(text: string, from: number, to: number, spans: number[]): void {
    const pieces = this.pieces;
    pieces.length = 0;
    // The pattern sees this split only: lookarounds stop at its ends, as in the reference.
    findMatches(this.regex, from === 0 && to === text.length ? text : text.slice(from, to), pieces);
    if (this.invert) for (let k = 2; k < pieces.length; k += 3) pieces[k] = pieces[k] ? 0 : 1;
    applyBehavior(pieces, this.behavior, from, spans);
  }
}
