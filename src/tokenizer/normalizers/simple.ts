// The small normalizers of tokenizer.json: Lowercase, Strip, StripAccents, Replace, Prepend, ByteLevel, Sequence.
import { BYTE_TO_CHAR } from '../byte-level-alphabet.ts';
import { AlignedBuilder, codePoints, endOf, startOf, transformRange, type NormalizedText } from '../normalized.ts';
import { findMatches } from '../onig-regex.ts';
import { isWhitespace } from '../unicode.ts';
import type { Normalizer } from './normalizer.ts';
import { mapChars } from './per-char.ts';

/** Rust's char::to_lowercase, one character at a time (so no final-sigma context, unlike String.toLowerCase). */
export function lowercaseChar(cp: number): readonly number[] | null {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? [cp + 32] : null;
  const lower = String.fromCodePoint(cp).toLowerCase();
  return lower.length === 1 && lower.charCodeAt(0) === cp ? null : codePoints(lower);
}

export class Lowercase implements Normalizer {
  private readonly cache = new Map<number, readonly number[] | null>();
  normalize(n: NormalizedText): NormalizedText {
    return mapChars(n, (cp) => {
      if (cp < 0x80) return lowercaseChar(cp);
      let r = this.cache.get(cp);
      if (r === undefined) this.cache.set(cp, (r = lowercaseChar(cp)));
      return r;
    });
  }
}

const MARK = /\p{M}/u;
const REMOVE: readonly number[] = [];

/** StripAccents: removes combining marks (General_Category M), e.g. after NFD. */
export class StripAccents implements Normalizer {
  normalize(n: NormalizedText): NormalizedText {
    return mapChars(n, (cp) => (cp >= 0x300 && MARK.test(String.fromCodePoint(cp)) ? REMOVE : null));
  }
}

/** Strip: leading and/or trailing whitespace removed; what stays keeps its alignment. */
export class Strip implements Normalizer {
  constructor(
    private readonly left: boolean,
    private readonly right: boolean,
  ) {}

  normalize(n: NormalizedText): NormalizedText {
    const t = n.text;
    let from = 0;
    let to = t.length;
    if (this.left)
      while (from < to && isWhitespace(t.codePointAt(from)!)) from += t.codePointAt(from)! > 0xffff ? 2 : 1;
    if (this.right)
      while (to > from) {
        const low = t.charCodeAt(to - 1);
        const width = (low & 0xfc00) === 0xdc00 && to >= 2 ? 2 : 1;
        if (!isWhitespace(t.codePointAt(to - width)!)) break;
        to -= width;
      }
    if (from === 0 && to === t.length) return n;
    const out = new AlignedBuilder(n.base);
    for (let i = from; i < to; i++) out.push(t.charCodeAt(i), startOf(n, i), endOf(n, i));
    return out.build();
  }
}

/** Replace: every match becomes `content`, whose characters align to the last character of the match. */
export class Replace implements Normalizer {
  private readonly content: readonly number[];
  private readonly pieces: number[] = [];

  private readonly contentText: string;

  constructor(
    private readonly regex: RegExp,
    content: string,
  ) {
    this.content = codePoints(content);
    this.contentText = content;
  }

  /** Whether every match is a single BMP character and the content one BMP character too. */
  private oneUnitForOneUnit(pieces: number[]): boolean {
    if (this.contentText.length !== 1 || this.content[0] > 0xffff) return false;
    for (let k = 0; k < pieces.length; k += 3) if (pieces[k + 2] && pieces[k + 1] - pieces[k] !== 1) return false;
    return true;
  }

  normalize(n: NormalizedText): NormalizedText {
    const pieces = this.pieces;
    pieces.length = 0;
    findMatches(this.regex, n.text, pieces);
    if (pieces.length === 3 && pieces[2] === 0) return n;
    if (this.oneUnitForOneUnit(pieces)) {
      // Each match is one unit replaced by one unit aligned to it: the alignment carries over unit for unit.
      let text = '';
      for (let k = 0; k < pieces.length; k += 3)
        text += pieces[k + 2] ? this.contentText : n.text.slice(pieces[k], pieces[k + 1]);
      return { text, starts: n.starts, ends: n.ends, base: n.base };
    }
    const out = new AlignedBuilder(n.base);
    for (let k = 0; k < pieces.length; k += 3) {
      const [start, end, isMatch] = [pieces[k], pieces[k + 1], pieces[k + 2]];
      if (!isMatch) {
        for (let i = start; i < end; i++) out.push(n.text.charCodeAt(i), startOf(n, i), endOf(n, i));
        continue;
      }
      const [s, e] = end > 0 ? [startOf(n, end - 1), endOf(n, end - 1)] : [n.base, n.base];
      for (const c of this.content) out.push(c, s, e);
    }
    return out.build();
  }
}

/** Prepend: `prepend` before non-empty text, aligned to its first character. */
export class Prepend implements Normalizer {
  private readonly chars: number[];
  /** UTF-16 length of the prepended text when it is all BMP (0 otherwise: the general path). */
  private readonly unitLength: number;

  constructor(private readonly prepend: string) {
    this.chars = codePoints(prepend);
    this.unitLength = this.chars.length === prepend.length ? prepend.length : 0;
  }

  /** Text aligned to itself (no surrogates): the prepended units align to its first character, the rest stay. */
  private prependToIdentity(n: NormalizedText): NormalizedText {
    const k = this.unitLength;
    const length = n.text.length + k;
    const starts = new Int32Array(length);
    const ends = new Int32Array(length);
    for (let i = 0; i < k; i++) {
      starts[i] = n.base;
      ends[i] = n.base + 1;
    }
    for (let i = k; i < length; i++) {
      starts[i] = n.base + i - k;
      ends[i] = n.base + i - k + 1;
    }
    return { text: this.prepend + n.text, starts, ends, base: n.base };
  }

  normalize(n: NormalizedText): NormalizedText {
    if (!n.text.length) return n;
    if (n.starts === null && this.unitLength > 0) return this.prependToIdentity(n);
    const first = n.text.codePointAt(0)!;
    const chars = [...this.chars, first];
    const changes = chars.map((_, i) => (i === 0 ? 0 : 1));
    return transformRange(n, 0, first > 0xffff ? 2 : 1, chars, changes);
  }
}

/** ByteLevel normalizer: each character becomes its UTF-8 bytes in the byte-level alphabet. */
export class ByteLevelNormalizer implements Normalizer {
  normalize(n: NormalizedText): NormalizedText {
    const t = n.text;
    let ascii = true;
    for (let i = 0; i < t.length && ascii; i++) ascii = t.charCodeAt(i) < 0x80;
    if (ascii) {
      // One byte per character, one character per byte: the alignment carries over unit for unit.
      let mapped = '';
      for (let i = 0; i < t.length; i++) mapped += BYTE_TO_CHAR[t.charCodeAt(i)];
      return { text: mapped, starts: n.starts, ends: n.ends, base: n.base };
    }
    return mapChars(n, (cp) => utf8Bytes(cp).map((b) => BYTE_TO_CHAR[b].charCodeAt(0)));
  }
}

export class SequenceNormalizer implements Normalizer {
  constructor(private readonly normalizers: Normalizer[]) {}
  normalize(n: NormalizedText): NormalizedText {
    let out = n;
    for (const normalizer of this.normalizers) out = normalizer.normalize(out);
    return out;
  }
}

export function utf8Bytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}
