// BertNormalizer: clean_text, CJK spacing, accent stripping and lowercasing, as BERT's tokenizer does them.
import { AlignedBuilder, endOf, startOf, type NormalizedText } from '../normalized.ts';
import { isBertControl, isChineseChar, isNonspacingMark, isWhitespace } from '../unicode.ts';
import type { Normalizer } from './normalizer.ts';

export interface BertNormalizerConfig {
  clean_text?: boolean;
  handle_chinese_chars?: boolean;
  strip_accents?: boolean | null;
  lowercase?: boolean;
}

/**
 * BertNormalizer: clean_text (drop NUL, U+FFFD and control characters, whitespace -> ' '), spaces around CJK
 * ideographs, accents stripped (NFD, then nonspacing marks removed; null means "as lowercase"), lowercase.
 * The reference runs these as whole-string passes; running them per character gives the same text and alignment
 * because each pass maps one character to characters aligned to that same source character.
 */
export class BertNormalizer implements Normalizer {
  private readonly cleanText: boolean;
  private readonly chineseChars: boolean;
  private readonly stripAccents: boolean;
  private readonly lowercase: boolean;
  /** Non-ASCII code point -> its normalized code points (after NFD/strip/lowercase); memoized. */
  private readonly mapped = new Map<number, number[]>();

  constructor(config: BertNormalizerConfig) {
    this.cleanText = config.clean_text ?? true;
    this.chineseChars = config.handle_chinese_chars ?? true;
    this.lowercase = config.lowercase ?? true;
    this.stripAccents = config.strip_accents ?? this.lowercase;
  }

  normalize(n: NormalizedText): NormalizedText {
    const input = n.text;
    if (n.starts === null && isPlainAscii(input)) return this.normalizeAscii(input, n.base);
    const out = new AlignedBuilder(n.base);
    for (let i = 0; i < input.length; ) {
      const cp = input.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const start = startOf(n, i);
      const end = endOf(n, i + width - 1);
      i += width;
      if (this.cleanText) {
        if (cp === 0 || cp === 0xfffd || isBertControl(cp)) continue;
        if (isWhitespace(cp)) {
          out.push(0x20, start, end);
          continue;
        }
      }
      if (this.chineseChars && isChineseChar(cp)) {
        out.push(0x20, start, end);
        for (const c of this.mapChar(cp)) out.push(c, start, end);
        out.push(0x20, start, end);
        continue;
      }
      for (const c of this.mapChar(cp)) out.push(c, start, end);
    }
    return out.build();
  }

  /** Printable ASCII: only lowercasing can change anything, and alignment is the identity. */
  private normalizeAscii(input: string, base: number): NormalizedText {
    return { text: this.lowercase ? input.toLowerCase() : input, starts: null, ends: null, base };
  }

  private mapChar(cp: number): number[] {
    if (cp < 0x80) {
      return [this.lowercase && cp >= 0x41 && cp <= 0x5a ? cp + 32 : cp];
    }
    let result = this.mapped.get(cp);
    if (result) return result;
    let chars = [cp];
    if (this.stripAccents) {
      chars = [...String.fromCodePoint(cp).normalize('NFD')]
        .map((c) => c.codePointAt(0)!)
        .filter((c) => !isNonspacingMark(c));
    }
    if (this.lowercase) {
      chars = chars.flatMap((c) => [...String.fromCodePoint(c).toLowerCase()].map((l) => l.codePointAt(0)!));
    }
    result = chars;
    this.mapped.set(cp, result);
    return result;
  }
}

function isPlainAscii(s: string): boolean {
  return /^[\x20-\x7e]*$/.test(s);
}
