// WordPiece (BERT): greedy longest-match-first over the vocabulary; pieces after the first carry the '##' prefix.
// A word longer than max_input_chars_per_word code points, or with any unmatched rest, is one unknown token.
import { invertVocab, WordCache, type Piece, type TokenModel } from './model.ts';

export interface WordPieceConfig {
  vocab: Record<string, number>;
  unk_token: string;
  continuing_subword_prefix?: string;
  max_input_chars_per_word?: number;
}

export class WordPiece implements TokenModel {
  private readonly vocab: Map<string, number>;
  private readonly reverse: string[];
  private readonly unkToken: string;
  private readonly unkId: number;
  private readonly prefix: string;
  private readonly maxChars: number;
  private readonly cache = new WordCache();
  /** The one-piece answer for a word that is itself in the vocabulary, made once per id. */
  private readonly wholeWords: Piece[][] = [];

  constructor(config: WordPieceConfig) {
    this.vocab = new Map(Object.entries(config.vocab));
    this.reverse = invertVocab(this.vocab);
    this.unkToken = config.unk_token;
    const unk = this.vocab.get(config.unk_token);
    if (unk === undefined) throw new Error(`WordPiece unk_token '${config.unk_token}' is not in the vocabulary`);
    this.unkId = unk;
    this.prefix = config.continuing_subword_prefix ?? '##';
    this.maxChars = config.max_input_chars_per_word ?? 100;
  }

  get vocabSize(): number {
    return this.vocab.size;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.reverse[id];
  }

  tokenize(word: string): readonly Piece[] {
    // Most words are vocabulary entries: one lookup answers them, without the word cache.
    const id = this.vocab.get(word);
    if (id !== undefined && word.length <= this.maxChars) {
      return (this.wholeWords[id] ??= [{ id, token: word, start: 0, end: word.length }]);
    }
    const cached = this.cache.get(word);
    if (cached) return cached;
    const pieces = this.split(word);
    this.cache.set(word, pieces);
    return pieces;
  }

  private split(word: string): Piece[] {
    const unknown = [{ id: this.unkId, token: this.unkToken, start: 0, end: word.length }];
    if (codePointLength(word, this.maxChars) > this.maxChars) return unknown;
    const pieces: Piece[] = [];
    for (let start = 0; start < word.length; ) {
      let found: Piece | null = null;
      for (let end = word.length; end > start; end -= isLowSurrogateAt(word, end - 1) ? 2 : 1) {
        const token = start > 0 ? this.prefix + word.slice(start, end) : word.slice(start, end);
        const id = this.vocab.get(token);
        if (id !== undefined) {
          found = { id, token, start, end };
          break;
        }
      }
      if (!found) return unknown;
      pieces.push(found);
      start = found.end;
    }
    return pieces;
  }
}

/** Code points in `s`, counting no further than limit + 1. */
function codePointLength(s: string, limit: number): number {
  if (s.length <= limit) return s.length;
  let n = 0;
  for (let i = 0; i < s.length && n <= limit; i++, n++) if (isHighSurrogateAt(s, i)) i++;
  return n;
}

function isHighSurrogateAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
}

function isLowSurrogateAt(s: string, i: number): boolean {
  return i > 0 && (s.charCodeAt(i) & 0xfc00) === 0xdc00 && isHighSurrogateAt(s, i - 1);
}
