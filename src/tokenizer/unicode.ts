// Character classes with exactly the definitions Hugging Face's Rust tokenizers use. Rust's char::is_whitespace is
// the Unicode White_Space property (unlike JS \s, it includes U+0085 and excludes U+FEFF); categories come from the
// crate `unicode_categories` 0.1.1 (see unicode-tables.ts), not from the newer tables behind JS's \p{...}.
import { NONSPACING_MARK_RANGES, OTHER_RANGES, PUNCTUATION_RANGES } from './unicode-tables.ts';

/** A code point -> membership lookup: a bitmap for the BMP, binary search over ranges above it. */
class CodePointSet {
  private readonly bmp = new Uint8Array(0x10000);
  private readonly astral: number[] = [];

  constructor(ranges: readonly number[]) {
    for (let i = 0; i < ranges.length; i += 2) {
      const start = ranges[i];
      const end = ranges[i + 1];
      for (let cp = start; cp <= Math.min(end, 0xffff); cp++) this.bmp[cp] = 1;
      if (end > 0xffff) this.astral.push(Math.max(start, 0x10000), end);
    }
  }

  has(cp: number): boolean {
    if (cp <= 0xffff) return this.bmp[cp] === 1;
    const r = this.astral;
    let lo = 0;
    let hi = r.length / 2 - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (cp < r[2 * mid]) hi = mid - 1;
      else if (cp > r[2 * mid + 1]) lo = mid + 1;
      else return true;
    }
    return false;
  }
}

const OTHER = new CodePointSet(OTHER_RANGES);
const PUNCTUATION = new CodePointSet(PUNCTUATION_RANGES);
const NONSPACING_MARK = new CodePointSet(NONSPACING_MARK_RANGES);

/** Rust's char::is_whitespace (Unicode White_Space). */
export function isWhitespace(cp: number): boolean {
  if (cp <= 0x20) return cp === 0x20 || (cp >= 0x09 && cp <= 0x0d);
  if (cp < 0x85) return false;
  return (
    cp === 0x85 ||
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** BertNormalizer's is_control: Cc | Cf | Co, except \t \n \r, which it treats as whitespace. */
export function isBertControl(cp: number): boolean {
  if (cp === 0x09 || cp === 0x0a || cp === 0x0d) return false;
  return OTHER.has(cp);
}

/** BertPreTokenizer's is_bert_punc: ASCII punctuation or a Unicode punctuation category. */
export function isBertPunctuation(cp: number): boolean {
  if (cp < 0x80) {
    return (
      (cp >= 0x21 && cp <= 0x2f) ||
      (cp >= 0x3a && cp <= 0x40) ||
      (cp >= 0x5b && cp <= 0x60) ||
      (cp >= 0x7b && cp <= 0x7e)
    );
  }
  return PUNCTUATION.has(cp);
}

export function isNonspacingMark(cp: number): boolean {
  return NONSPACING_MARK.has(cp);
}

/** The CJK blocks BertNormalizer pads with spaces (handle_chinese_chars). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** Code-point offsets from UTF-16 offsets: null when the string has no surrogates (then they are equal). */
export function utf16ToCodePointIndex(text: string): Int32Array | null {
  if (!/[\uD800-\uDFFF]/.test(text)) return null;
  const map = new Int32Array(text.length + 1);
  let cp = 0;
  for (let i = 0; i < text.length; i++) {
    map[i] = cp;
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        map[++i] = cp;
      }
    }
    cp++;
  }
  map[text.length] = cp;
  return map;
}
