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

  /** Alignment of the last unit pushed, or [0, 0] at the start (what Rust gives an insertion there). */
  lastAlignment(): [number, number] {
    const n = this.starts.length;
    return n ? [this.starts[n - 1], this.ends[n - 1]] : [0, 0];
  }

  build(): NormalizedText {
    let text = '';
    for (let i = 0; i < this.units.length; i += 8192) text += String.fromCharCode(...this.units.slice(i, i + 8192));
    return { text, starts: Int32Array.from(this.starts), ends: Int32Array.from(this.ends), base: 0 };
  }
}
