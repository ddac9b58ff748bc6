// The result of tokenizing one sequence or pair, field for field Hugging Face tokenizers' `Encoding`, including
// its quirks: truncation windows live in `overflowing`, and merging two encodings crosses their windows.

export type Offset = [number, number];

export type PaddingSide = 'right' | 'left';
export type TruncationSide = 'right' | 'left';

/** Raised for inputs the reference rejects or aborts on; the HTTP layer turns it into a 400. */
/** Whether truncation keeps the cut tokens as overflowing windows, and how many windows and tokens they may be. */
export interface WindowLimits {
  keep: boolean;
  maxWindows: number;
  maxTokens: number;
}

export const KEEP_ALL_WINDOWS: WindowLimits = {
  keep: true,
  maxWindows: Number.POSITIVE_INFINITY,
  maxTokens: Number.POSITIVE_INFINITY,
};

export class TokenizationError extends Error {
  constructor(
    message: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = 'TokenizationError';
  }
}

export class Encoding {
  constructor(
    public ids: number[],
    public typeIds: number[],
    public tokens: string[],
    /** The pre-tokenizer word each token came from, within its own sequence; null for added special tokens. */
    public words: (number | null)[],
    /** [start, end) in code points of the sequence the token came from. */
    public offsets: Offset[],
    public specialTokensMask: number[],
    public attentionMask: number[],
    public overflowing: Encoding[] = [],
    /** sequence id -> [start, end) token range; empty means "one sequence spanning everything" (Rust's rule). */
    public sequenceRanges: Map<number, [number, number]> = new Map(),
  ) {}

  static empty(): Encoding {
    return new Encoding([], [], [], [], [], [], []);
  }

  get length(): number {
    return this.ids.length;
  }

  clone(): Encoding {
    return new Encoding(
      this.ids.slice(),
      this.typeIds.slice(),
      this.tokens.slice(),
      this.words.slice(),
      this.offsets.map((o) => [o[0], o[1]] as Offset),
      this.specialTokensMask.slice(),
      this.attentionMask.slice(),
      this.overflowing.map((o) => o.clone()),
      new Map([...this.sequenceRanges].map(([k, r]) => [k, [r[0], r[1]]])),
    );
  }

  /** Marks every token of this encoding (not of its overflowing windows, as in the reference) as `sequenceId`. */
  setSequenceId(sequenceId: number): void {
    this.sequenceRanges.set(sequenceId, [0, this.length]);
  }

  /**
   * Rust's get_sequence_ids: ids 0 .. (number of ranges - 1), each over its range, where a missing range means the
   * whole encoding; no ranges at all count as one sequence.
   */
  sequenceIds(): (number | null)[] {
    const out: (number | null)[] = new Array(this.length).fill(null);
    const n = Math.max(1, this.sequenceRanges.size);
    for (let seq = 0; seq < n; seq++) {
      const [start, end] = this.sequenceRanges.get(seq) ?? [0, this.length];
      for (let i = start; i < end; i++) out[i] = seq;
    }
    return out;
  }

  private slice(start: number, stop: number): Encoding {
    return new Encoding(
      this.ids.slice(start, stop),
      this.typeIds.slice(start, stop),
      this.tokens.slice(start, stop),
      this.words.slice(start, stop),
      this.offsets.slice(start, stop).map((o) => [o[0], o[1]] as Offset),
      this.specialTokensMask.slice(start, stop),
      this.attentionMask.slice(start, stop),
    );
  }

  /**
   * Keeps `maxLength` tokens and moves the rest into overflowing windows that overlap by `stride` tokens.
   * The reference asserts stride < maxLength (a Rust panic that aborts the process); we refuse instead.
   */
  truncate(maxLength: number, stride: number, side: TruncationSide, windows: WindowLimits = KEEP_ALL_WINDOWS): void {
    const length = this.length;
    if (maxLength >= length) return;
    if (maxLength === 0) {
      const whole = new Encoding(
        this.ids,
        this.typeIds,
        this.tokens,
        this.words,
        this.offsets,
        this.specialTokensMask,
        this.attentionMask,
        this.overflowing,
        this.sequenceRanges,
      );
      Object.assign(this, Encoding.empty());
      this.overflowing = windows.keep ? [whole] : [];
      return;
    }
    if (stride >= maxLength) {
      throw new TokenizationError(
        `stride (${stride}) must be smaller than the tokens a sequence keeps after truncation (${maxLength}); ` +
          'lower stride or raise max_length',
        'stride',
      );
    }
    if (!windows.keep) {
      // The caller does not read the windows: the kept part alone, without building the rest.
      Object.assign(this, side === 'right' ? this.slice(0, maxLength) : this.slice(length - maxLength, length));
      return;
    }
    const step = maxLength - stride;
    // Counted before any window is built: a long text cut into short, overlapping windows multiplies its tokens.
    const count = 1 + Math.ceil((length - maxLength) / step);
    if (count - 1 > windows.maxWindows || count * maxLength > windows.maxTokens) {
      throw new TokenizationError(
        `truncating ${length} tokens to ${maxLength} with stride ${stride} makes ${count} windows of up to ` +
          `${maxLength} tokens, more than allowed (${windows.maxWindows} windows, ${windows.maxTokens} tokens); ` +
          'raise max_length or lower stride',
        'max_length',
      );
    }
    const spans: Offset[] = [];
    if (side === 'right') {
      for (let start = 0; start < length; start += step) {
        const stop = Math.min(start + maxLength, length);
        spans.push([start, stop]);
        if (stop === length) break;
      }
    } else {
      for (let last = length - 1; last >= 0; last -= step) {
        const stop = last + 1;
        const start = Math.max(0, stop - maxLength);
        spans.push([start, stop]);
        if (start === 0) break;
      }
    }
    const [first, ...rest] = spans.map(([start, stop]) => this.slice(start, stop));
    first.overflowing = rest;
    Object.assign(this, first);
  }

  /** Appends `pair` (Rust's merge_with), crossing overflowing windows the way the reference does. */
  mergeWith(pair: Encoding, growingOffsets: boolean): void {
    const overflowing: Encoding[] = [];
    for (const mine of this.overflowing) {
      const merged = mine.clone();
      merged.mergeWith(pair.clone(), growingOffsets);
      overflowing.push(merged);
      for (const theirs of pair.overflowing) {
        const crossed = mine.clone();
        crossed.mergeWith(theirs.clone(), growingOffsets);
        overflowing.push(crossed);
      }
    }
    for (const theirs of pair.overflowing) {
      const merged = this.clone();
      merged.mergeWith(theirs.clone(), growingOffsets);
      overflowing.push(merged);
    }
    const shift = this.length;
    for (const [seq, [start, end]] of pair.sequenceRanges) this.sequenceRanges.set(seq, [start + shift, end + shift]);
    const offsetShift = growingOffsets && this.offsets.length ? this.offsets[this.offsets.length - 1][1] : 0;
    append(this.ids, pair.ids);
    append(this.typeIds, pair.typeIds);
    append(this.tokens, pair.tokens);
    append(this.words, pair.words);
    for (const [s, e] of pair.offsets) this.offsets.push([s + offsetShift, e + offsetShift]);
    append(this.specialTokensMask, pair.specialTokensMask);
    append(this.attentionMask, pair.attentionMask);
    this.overflowing = overflowing;
  }

  /**
   * Rust merges into an empty encoding, which yields the first encoding unchanged; so the first is taken as the
   * start, and is modified in place.
   */
  static merge(encodings: Encoding[], growingOffsets: boolean): Encoding {
    if (!encodings.length) return Encoding.empty();
    const [first, ...rest] = encodings;
    for (const e of rest) first.mergeWith(e, growingOffsets);
    return first;
  }

  /** Pads this encoding and, first, every overflowing window to `targetLength`. */
  pad(targetLength: number, padId: number, padTypeId: number, padToken: string, side: PaddingSide): void {
    for (const o of this.overflowing) o.pad(targetLength, padId, padTypeId, padToken, side);
    const n = targetLength - this.length;
    if (n <= 0) return;
    const fill = <T>(v: T): T[] => new Array<T>(n).fill(v);
    if (side === 'left') {
      this.ids = fill(padId).concat(this.ids);
      this.typeIds = fill(padTypeId).concat(this.typeIds);
      this.tokens = fill(padToken).concat(this.tokens);
      this.words = fill<number | null>(null).concat(this.words);
      this.attentionMask = fill(0).concat(this.attentionMask);
      this.specialTokensMask = fill(1).concat(this.specialTokensMask);
      this.offsets = Array.from({ length: n }, () => [0, 0] as Offset).concat(this.offsets);
      for (const r of this.sequenceRanges.values()) {
        r[0] += n;
        r[1] += n;
      }
    } else {
      append(this.ids, fill(padId));
      append(this.typeIds, fill(padTypeId));
      append(this.tokens, fill(padToken));
      append(this.words, fill<number | null>(null));
      append(this.attentionMask, fill(0));
      append(this.specialTokensMask, fill(1));
      for (let i = 0; i < n; i++) this.offsets.push([0, 0]);
    }
  }
}

function append<T>(target: T[], source: readonly T[]): void {
  for (let i = 0; i < source.length; i++) target.push(source[i]);
}
