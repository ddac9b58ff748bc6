// Pre-tokenizers that rewrite the text of their splits: ByteLevel (bytes in GPT-2's alphabet, optional prefix
// space) and Metaspace (spaces become '▁', one is prepended). In the fast path a trailing ByteLevel without
// prefix space only splits, and the byte mapping happens per word (byte-level-words.ts).
import { codePoints, sliceNormalized, transformRange, type NormalizedText } from '../normalized.ts';
import { WHITE_SPACE } from '../onig-regex.ts';
import { ByteLevelNormalizer, Replace } from '../normalizers/simple.ts';
import { applyBehavior, charPieces, SpanSplitter } from './pre-tokenizer.ts';

/**
 * GPT-2's split regex. Rust's regex engine reads \s as Unicode White_Space, so the class is spelled out (JS's \s
 * differs on U+0085 and U+FEFF).
 */
const GPT2_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WHITE_SPACE}\\p{L}\\p{N}]+|[${WHITE_SPACE}]+(?![^${WHITE_SPACE}])|[${WHITE_SPACE}]+`,
  'gu',
);

const toBytes = new ByteLevelNormalizer();

export class ByteLevelPreTokenizer extends SpanSplitter {
  private readonly words: number[] = [];

  constructor(
    readonly addPrefixSpace: boolean,
    private readonly useRegex: boolean,
  ) {
    super();
  }

  /** The regex split alone (no prefix space, no byte mapping): the fast path's view. */
  split(text: string, from: number, to: number, spans: number[]): void {
    if (!this.useRegex) {
      if (to > from) spans.push(from, to);
      return;
    }
    const segment = from === 0 && to === text.length ? text : text.slice(from, to);
    GPT2_PATTERN.lastIndex = 0;
    for (let m = GPT2_PATTERN.exec(segment); m; m = GPT2_PATTERN.exec(segment)) {
      spans.push(from + m.index, from + m.index + m[0].length);
    }
  }

  override preTokenize(split: NormalizedText, out: NormalizedText[]): void {
    let s = split;
    if (this.addPrefixSpace && !s.text.startsWith(' ')) s = prepend(s, [0x20]);
    const spans = this.words;
    spans.length = 0;
    this.split(s.text, 0, s.text.length, spans);
    for (let k = 0; k < spans.length; k += 2)
      if (spans[k + 1] > spans[k]) out.push(toBytes.normalize(sliceNormalized(s, spans[k], spans[k + 1])));
  }
}

/** Rust's NormalizedString::prepend: the new characters align to the first character. */
function prepend(n: NormalizedText, chars: number[]): NormalizedText {
  if (!n.text.length) return n;
  const first = n.text.codePointAt(0)!;
  const all = [...chars, first];
  return transformRange(
    n,
    0,
    first > 0xffff ? 2 : 1,
    all,
    all.map((_, i) => (i === 0 ? 0 : 1)),
  );
}

export type PrependScheme = 'first' | 'never' | 'always';

/** Metaspace: ' ' -> replacement, the replacement prepended (per scheme), then split before each replacement. */
export class MetaspacePreTokenizer {
  private readonly replacement: number[];
  private readonly spaces: Replace;
  private readonly pieces: number[] = [];
  private readonly spans: number[] = [];

  constructor(
    replacement: string,
    private readonly scheme: PrependScheme,
    private readonly splitWords: boolean,
  ) {
    this.replacement = codePoints(replacement);
    if (this.replacement.length !== 1) throw new Error("pre_tokenizer 'Metaspace': replacement must be one character");
    this.spaces = new Replace(/ /gu, replacement);
  }

  preTokenize(split: NormalizedText, out: NormalizedText[]): void {
    let s = this.spaces.normalize(split);
    const r = this.replacement[0];
    const startsWithReplacement = s.text.codePointAt(0) === r;
    if (!startsWithReplacement && (this.scheme === 'always' || (this.scheme === 'first' && originalStart(s) === 0)))
      s = prepend(s, this.replacement);
    if (!this.splitWords) {
      if (s.text.length) out.push(s);
      return;
    }
    const pieces = this.pieces;
    const spans = this.spans;
    pieces.length = spans.length = 0;
    charPieces(s.text, 0, s.text.length, (cp) => cp === r, pieces);
    applyBehavior(pieces, 'MergedWithNext', 0, spans);
    for (let k = 0; k < spans.length; k += 2) out.push(sliceNormalized(s, spans[k], spans[k + 1]));
  }
}

/** Where this split starts in the sequence: Rust's offsets_original().0. */
function originalStart(n: NormalizedText): number {
  return n.base;
}
