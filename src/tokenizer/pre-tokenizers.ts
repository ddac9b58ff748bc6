// Pre-tokenizers cut normalized text into words. A word is handed to the model as a string plus the alignment of
// each of its units back to the input, so offsets survive byte-level encoding.
import type { NormalizedText } from './normalized.ts';
import { isBertPunctuation, isWhitespace } from './unicode.ts';
import { BYTE_TO_CHAR } from './byte-level-alphabet.ts';

export interface Word {
  /** What the model tokenizes. */
  text: string;
  /** Input UTF-16 range of the character behind unit i of `text`. */
  startOf(i: number): number;
  endOf(i: number): number;
}

export interface PreTokenizer {
  /** Words of normalized.text[from, to). */
  split(normalized: NormalizedText, from: number, to: number): Word[];
}

/** A word that is a slice of the normalized text: alignment is read straight from it. */
class SliceWord implements Word {
  constructor(readonly text: string, private readonly n: NormalizedText, private readonly offset: number) {}
  startOf(i: number): number {
    return this.n.starts[this.offset + i];
  }
  endOf(i: number): number {
    return this.n.ends[this.offset + i];
  }
}

/** BertPreTokenizer: whitespace separates words and is dropped; each punctuation character is a word of its own. */
export class BertPreTokenizer implements PreTokenizer {
  split(normalized: NormalizedText, from: number, to: number): Word[] {
    const text = normalized.text;
    const words: Word[] = [];
    let wordStart = -1;
    const flush = (end: number) => {
      if (wordStart >= 0) words.push(new SliceWord(text.slice(wordStart, end), normalized, wordStart));
      wordStart = -1;
    };
    for (let i = from; i < to; ) {
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      if (isWhitespace(cp)) {
        flush(i);
      } else if (isBertPunctuation(cp)) {
        flush(i);
        words.push(new SliceWord(text.slice(i, i + width), normalized, i));
      } else if (wordStart < 0) {
        wordStart = i;
      }
      i += width;
    }
    flush(to);
    return words;
  }
}

/**
 * ByteLevel (GPT-2/RoBERTa): the GPT-2 regex splits the text, then each UTF-8 byte of a piece becomes one printable
 * character of the byte-level alphabet. Rust's regex engine reads \s as Unicode White_Space, so the class is
 * spelled out (JS's \s differs on U+0085 and U+FEFF).
 */
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GPT2_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`, 'gu');

class ByteWord implements Word {
  constructor(
    readonly text: string,
    private readonly n: NormalizedText,
    /** For each byte: the normalized unit its character starts at. */
    private readonly unitOfByte: Int32Array | null,
    private readonly offset: number,
  ) {}
  startOf(i: number): number {
    return this.n.starts[this.unitOfByte ? this.unitOfByte[i] : this.offset + i];
  }
  endOf(i: number): number {
    return this.n.ends[this.unitOfByte ? this.unitOfByte[i] : this.offset + i];
  }
}

export class ByteLevelPreTokenizer implements PreTokenizer {
  constructor(addPrefixSpace: boolean, private readonly useRegex: boolean) {
    if (addPrefixSpace) throw new Error('ByteLevel with add_prefix_space=true is not supported yet');
  }

  split(normalized: NormalizedText, from: number, to: number): Word[] {
    const text = normalized.text;
    const words: Word[] = [];
    if (!this.useRegex) {
      if (to > from) words.push(toByteWord(normalized, from, to));
      return words;
    }
    const segment = from === 0 && to === text.length ? text : text.slice(from, to);
    GPT2_PATTERN.lastIndex = 0;
    for (let m = GPT2_PATTERN.exec(segment); m; m = GPT2_PATTERN.exec(segment)) {
      words.push(toByteWord(normalized, from + m.index, from + m.index + m[0].length));
    }
    return words;
  }
}

function toByteWord(n: NormalizedText, from: number, to: number): Word {
  const text = n.text;
  let ascii = true;
  for (let i = from; i < to; i++) if (text.charCodeAt(i) >= 0x80) { ascii = false; break; }
  if (ascii) {
    let mapped = '';
    for (let i = from; i < to; i++) mapped += BYTE_TO_CHAR[text.charCodeAt(i)];
    return new ByteWord(mapped, n, null, from);
  }
  let mapped = '';
  const units: number[] = [];
  for (let i = from; i < to; ) {
    const cp = text.codePointAt(i)!;
    const unit = i;
    i += cp > 0xffff ? 2 : 1;
    for (const b of utf8Bytes(cp)) {
      mapped += BYTE_TO_CHAR[b];
      units.push(unit);
    }
  }
  return new ByteWord(mapped, n, Int32Array.from(units), from);
}

function utf8Bytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}

export function preTokenizerFromJson(json: unknown): PreTokenizer {
  const config = (json ?? {}) as { type?: string; add_prefix_space?: boolean; use_regex?: boolean };
  if (config.type === 'BertPreTokenizer') return new BertPreTokenizer();
  if (config.type === 'ByteLevel') return new ByteLevelPreTokenizer(config.add_prefix_space ?? false, config.use_regex ?? true);
  throw new Error(`unsupported pre_tokenizer '${config.type}': edgeclass supports BertPreTokenizer and ByteLevel`);
}
