// Pre-tokenizers cut normalized text into words. They return word spans; the model then tokenizes each word's
// text, through `wordModel`, which lets the ByteLevel pre-tokenizer put its byte alphabet between word and model.
import { byteLevelWordModel } from './byte-level-words.ts';
import type { TokenModel, WordModel } from './models/model.ts';
import { isBertPunctuation, isWhitespace } from './unicode.ts';

export interface PreTokenizer {
  /** Appends [start, end) pairs of the words of text[from, to) to `spans`. */
  split(text: string, from: number, to: number, spans: number[]): void;
  /** How words reach the model: as they are, or transformed (byte-level). */
  wordModel(model: TokenModel): WordModel;
}

/** BertPreTokenizer: whitespace separates words and is dropped; each punctuation character is a word of its own. */
export class BertPreTokenizer implements PreTokenizer {
  split(text: string, from: number, to: number, spans: number[]): void {
    let wordStart = -1;
    for (let i = from; i < to; ) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        // ASCII fast path: letters and digits extend a word, space ends it, punctuation is a word.
        if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) {
          if (wordStart >= 0) spans.push(wordStart, i);
          wordStart = -1;
        } else if (isBertPunctuation(c)) {
          if (wordStart >= 0) spans.push(wordStart, i);
          wordStart = -1;
          spans.push(i, i + 1);
        } else if (wordStart < 0) {
          wordStart = i;
        }
        i++;
        continue;
      }
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      if (isWhitespace(cp)) {
        if (wordStart >= 0) spans.push(wordStart, i);
        wordStart = -1;
      } else if (isBertPunctuation(cp)) {
        if (wordStart >= 0) spans.push(wordStart, i);
        wordStart = -1;
        spans.push(i, i + width);
      } else if (wordStart < 0) {
        wordStart = i;
      }
      i += width;
    }
    if (wordStart >= 0) spans.push(wordStart, to);
  }

  wordModel(model: TokenModel): WordModel {
    return model;
  }
}

/**
 * ByteLevel (GPT-2/RoBERTa): the GPT-2 regex splits the text; each word then reaches the model as its UTF-8 bytes
 * in the byte-level alphabet. Rust's regex engine reads \s as Unicode White_Space, so the class is spelled out
 * (JS's \s differs on U+0085 and U+FEFF).
 */
const WS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const GPT2_PATTERN = new RegExp(
  `'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^${WS}\\p{L}\\p{N}]+|[${WS}]+(?![^${WS}])|[${WS}]+`,
  'gu',
);

export class ByteLevelPreTokenizer implements PreTokenizer {
  constructor(
    addPrefixSpace: boolean,
    private readonly useRegex: boolean,
  ) {
    if (addPrefixSpace) throw new Error('ByteLevel with add_prefix_space=true is not supported yet');
  }

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

  wordModel(model: TokenModel): WordModel {
    return byteLevelWordModel(model);
  }
}

export function preTokenizerFromJson(json: unknown): PreTokenizer {
  const config = (json ?? {}) as { type?: string; add_prefix_space?: boolean; use_regex?: boolean };
  if (config.type === 'BertPreTokenizer') return new BertPreTokenizer();
  if (config.type === 'ByteLevel')
    return new ByteLevelPreTokenizer(config.add_prefix_space ?? false, config.use_regex ?? true);
  throw new Error(`unsupported pre_tokenizer '${config.type}': edgeclass supports BertPreTokenizer and ByteLevel`);
}
