// Character-wise normalization with Rust's alignment rule for it: every character a source character becomes is
// aligned to that source character (the first replaces it, the others are inserted right after it), and a
// character mapped to nothing is removed.
import { AlignedBuilder, endOf, startOf, type NormalizedText } from '../normalized.ts';

/** Maps one code point to its replacement, or returns null to keep it as it is. */
export type CharMap = (cp: number) => readonly number[] | null;

export function mapChars(n: NormalizedText, map: CharMap): NormalizedText {
  const text = n.text;
  let i = 0;
  // Nothing to do until the first character that changes: the common case returns the input itself.
  for (; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    if (map(cp) !== null) break;
    i += cp > 0xffff ? 2 : 1;
  }
  if (i === text.length) return n;
  const out = new AlignedBuilder(n.base);
  for (let k = 0; k < i; k++) out.push(text.charCodeAt(k), startOf(n, k), endOf(n, k));
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const start = startOf(n, i);
    const end = endOf(n, i + width - 1);
    const mapped = map(cp);
    if (mapped === null) out.push(cp, start, end);
    else for (const c of mapped) out.push(c, start, end);
    i += width;
  }
  return out.build();
}
