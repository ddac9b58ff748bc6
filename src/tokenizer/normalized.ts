// Text after normalization, with the alignment back to the input that Hugging Face keeps in NormalizedString:
// for every UTF-16 unit of `text`, the [start, end) UTF-16 range of the input character it came from.

export interface NormalizedText {
  text: string;
  /**
   * text.length entries: input offset where the source character of each unit starts. null when the alignment
   * is the identity shifted by `base` (text unchanged and free of surrogate pairs): the common case, no arrays.
   */
  starts: Int32Array | null;
  /** text.length entries: input offset where it ends; null with `starts`. */
  ends: Int32Array | null;
  base: number;
}

/** Input offset where the character behind unit `i` starts. */
export function startOf(n: NormalizedText, i: number): number {
  return n.starts === null ? n.base + i : n.starts[i];
}

/** Input offset where the character behind unit `i` ends. */
export function endOf(n: NormalizedText, i: number): number {
  return n.ends === null ? n.base + i + 1 : n.ends[i];
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Unnormalized text aligned to itself; both units of a surrogate pair align to the whole character. */
export function identityAligned(input: string, base: number): NormalizedText {
  if (!SURROGATE.test(input)) return { text: input, starts: null, ends: null, base };
  const n = input.length;
  const starts = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < n && (input.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      starts[i] = starts[i + 1] = base + i;
      ends[i] = ends[i + 1] = base + i + 2;
      i++;
    } else {
      starts[i] = base + i;
      ends[i] = base + i + 1;
    }
  }
  return { text: input, starts, ends, base };
}

/** Accumulates normalized characters together with their alignment. */
export class AlignedBuilder {
  private units: number[] = [];
  private starts: number[] = [];
  private ends: number[] = [];

  /** @param base where an insertion before any character aligns (Rust's (0, 0) of the string being built). */
  constructor(private readonly base = 0) {}

  /** Appends code point `cp` aligned to input range [start, end). */
  push(cp: number, start: number, end: number): void {
    if (cp > 0xffff) {
      const v = cp - 0x10000;
      this.units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
      this.starts.push(start, start);
      this.ends.push(end, end);
    } else {
      this.units.push(cp);
      this.starts.push(start);
      this.ends.push(end);
    }
  }

  /** Alignment of the last unit pushed, or [base, base] at the start (what Rust gives an insertion there). */
  lastAlignment(): [number, number] {
    const n = this.starts.length;
    return n ? [this.starts[n - 1], this.ends[n - 1]] : [this.base, this.base];
  }

  build(): NormalizedText {
    let text = '';
    for (let i = 0; i < this.units.length; i += 8192) text += String.fromCharCode(...this.units.slice(i, i + 8192));
    return { text, starts: Int32Array.from(this.starts), ends: Int32Array.from(this.ends), base: this.base };
  }
}

/** Code points of a string. */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    out.push(cp);
    i += cp > 0xffff ? 2 : 1;
  }
  return out;
}

/**
 * Rust's NormalizedString::transform_range over [from, to) of `n`: `chars` replace that range, each with its
 * change (0: replaces the next old character and takes its alignment; > 0: inserted, aligned like the old unit
 * just before; < 0: replaces one and removes -change more). `skip` old characters are removed first.
 */
export function transformRange(
  n: NormalizedText,
  from: number,
  to: number,
  chars: readonly number[],
  changes: readonly number[],
  skip = 0,
): NormalizedText {
  const out = new AlignedBuilder(n.base);
  for (let i = 0; i < from; i++) out.push(n.text.charCodeAt(i), startOf(n, i), endOf(n, i));
  let idx = from;
  const next = () => {
    const c = n.text.codePointAt(idx)!;
    idx += c > 0xffff ? 2 : 1;
  };
  for (let k = 0; k < skip && idx < to; k++) next();
  for (let k = 0; k < chars.length; k++) {
    const change = changes[k];
    if (change > 0) {
      if (idx < 1) out.push(chars[k], n.base, n.base);
      else out.push(chars[k], startOf(n, idx - 1), endOf(n, idx - 1));
      continue;
    }
    out.push(chars[k], startOf(n, idx), endOf(n, idx));
    next();
    for (let r = 0; r < -change && idx < to; r++) next();
  }
  for (let i = to; i < n.text.length; i++) out.push(n.text.charCodeAt(i), startOf(n, i), endOf(n, i));
  return rebase(out.build(), n.base);
}

/** transformRange over the whole string. */
export function transform(n: NormalizedText, chars: readonly number[], changes: readonly number[], skip = 0) {
  return transformRange(n, 0, n.text.length, chars, changes, skip);
}

function rebase(n: NormalizedText, base: number): NormalizedText {
  n.base = base;
  return n;
}

/**
 * Rust's NormalizedString::slice by a normalized range: the text of [from, to) keeps its alignment; the slice's
 * own start in the original (where an insertion at its start aligns) is its first character's.
 */
export function sliceNormalized(n: NormalizedText, from: number, to: number): NormalizedText {
  if (from === 0 && to === n.text.length) return n;
  const base = from < n.text.length ? startOf(n, from) : n.base;
  const text = n.text.slice(from, to);
  if (n.starts === null) return { text, starts: null, ends: null, base };
  return { text, starts: n.starts.subarray(from, to), ends: n.ends!.subarray(from, to), base };
}
