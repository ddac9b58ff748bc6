// How pre-tokenizers see text. Most only cut it into words: they implement `split`, which appends word spans and
// lets the tokenizer keep one shared string (the fast path). Those that rewrite it (ByteLevel, Metaspace) work on
// aligned splits, as Rust's PreTokenizedString does; every pre-tokenizer implements that general form.
import { sliceNormalized, type NormalizedText } from '../normalized.ts';

export interface PreTokenizer {
  /** The splits of `split`, appended to `out`; empty splits are dropped, as in the reference. */
  preTokenize(split: NormalizedText, out: NormalizedText[]): void;
}

export interface SpanPreTokenizer extends PreTokenizer {
  /** Appends [start, end) pairs of the words of text[from, to) to `spans`; the text itself is unchanged. */
  split(text: string, from: number, to: number, spans: number[]): void;
}

export function isSpanPreTokenizer(p: PreTokenizer): p is SpanPreTokenizer {
  return typeof (p as SpanPreTokenizer).split === 'function';
}

/** The general form of a span pre-tokenizer: its spans, as slices of the aligned split. */
export abstract class SpanSplitter implements SpanPreTokenizer {
  private readonly spans: number[] = [];

  abstract split(text: string, from: number, to: number, spans: number[]): void;

  preTokenize(split: NormalizedText, out: NormalizedText[]): void {
    const spans = this.spans;
    spans.length = 0;
    this.split(split.text, 0, split.text.length, spans);
    for (let k = 0; k < spans.length; k += 2)
      if (spans[k + 1] > spans[k]) out.push(sliceNormalized(split, spans[k], spans[k + 1]));
  }
}

export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';
const BEHAVIORS = new Set(['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous']);

export function splitBehavior(value: unknown, where: string): SplitBehavior {
  if (typeof value === 'string' && BEHAVIORS.has(value)) return value as SplitBehavior;
  throw new Error(`${where}: unsupported behavior '${value}' (expected one of ${[...BEHAVIORS].join(', ')})`);
}

/**
 * Rust's NormalizedString::split: `pieces` are [start, end, isMatch] triples covering the text in order (relative
 * to `from`); the behavior decides what becomes a word. Empty words are left out.
 */
export function applyBehavior(pieces: number[], behavior: SplitBehavior, from: number, spans: number[]): void {
  const push = (s: number, e: number) => {
    if (e > s) spans.push(from + s, from + e);
  };
  const n = pieces.length;
  switch (behavior) {
    case 'Isolated':
      for (let k = 0; k < n; k += 3) push(pieces[k], pieces[k + 1]);
      return;
    case 'Removed':
      for (let k = 0; k < n; k += 3) if (!pieces[k + 2]) push(pieces[k], pieces[k + 1]);
      return;
    case 'Contiguous': {
      let s = -1;
      let e = -1;
      let previous = 0;
      for (let k = 0; k < n; k += 3) {
        const isMatch = pieces[k + 2];
        if (s >= 0 && isMatch === previous) e = pieces[k + 1];
        else {
          if (s >= 0) push(s, e);
          s = pieces[k];
          e = pieces[k + 1];
        }
        previous = isMatch;
      }
      if (s >= 0) push(s, e);
      return;
    }
    case 'MergedWithPrevious': {
      let s = -1;
      let e = -1;
      let previous = 0;
      for (let k = 0; k < n; k += 3) {
        const isMatch = pieces[k + 2];
        if (s >= 0 && isMatch && !previous) e = pieces[k + 1];
        else {
          if (s >= 0) push(s, e);
          s = pieces[k];
          e = pieces[k + 1];
        }
        previous = isMatch;
      }
      if (s >= 0) push(s, e);
      return;
    }
    case 'MergedWithNext': {
      // Built from the end, as the reference folds the reversed list.
      const out: number[] = [];
      let previous = 0;
      for (let k = n - 3; k >= 0; k -= 3) {
        const isMatch = pieces[k + 2];
        if (out.length && isMatch && !previous) out[out.length - 2] = pieces[k];
        else out.push(pieces[k], pieces[k + 1]);
        previous = isMatch;
      }
      for (let k = out.length - 2; k >= 0; k -= 2) push(out[k], out[k + 1]);
      return;
    }
  }
}

/** Rust's Pattern for a char predicate: each matching character is a match of its own. */
export function charPieces(text: string, from: number, to: number, test: (cp: number) => boolean, out: number[]) {
  if (from === to) {
    out.push(0, 0, 0);
    return;
  }
  let last = 0;
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (test(cp)) {
      if (last < i - from) out.push(last, i - from, 0);
      out.push(i - from, i - from + width, 1);
      last = i - from + width;
    }
    i += width;
  }
  if (last < to - from) out.push(last, to - from, 0);
}
