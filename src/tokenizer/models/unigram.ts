// Unigram (SentencePiece: T5, ALBERT, XLM-R, DeBERTa-v3): the segmentation with the highest total score, by
// Viterbi over every vocabulary piece that starts at each character -- Rust's encode_optimized. A character no
// piece covers scores min_score - 10 as unk; adjacent unks fuse (fuse_unk), and with byte_fallback a piece missing
// from the vocabulary becomes its '<0xNN>' byte tokens.
import { type Piece, type TokenModel, WordCache } from './model.ts';
import { PieceTrie } from './piece-trie.ts';

export interface UnigramConfig {
  vocab: [string, number][];
  unk_id?: number | null;
  byte_fallback?: boolean;
}

const UNK_PENALTY = 10;
const utf8 = new TextEncoder();

export class Unigram implements TokenModel {
  private readonly pieces: string[];
  private readonly scores: Float64Array;
  private readonly ids = new Map<string, number>();
  private readonly trie = new PieceTrie();
  private readonly unkId: number | null;
  private readonly unkScore: number;
  private readonly byteFallback: boolean;
  private readonly cache = new WordCache();

  constructor(config: UnigramConfig) {
    if (!Array.isArray(config.vocab)) throw new Error("model Unigram: 'vocab' must be a list of [piece, score]");
    const n = config.vocab.length;
    this.pieces = new Array(n);
    this.scores = new Float64Array(n);
    let minScore = Infinity;
    for (let id = 0; id < n; id++) {
      const [piece, score] = config.vocab[id];
      this.pieces[id] = piece;
      this.scores[id] = score;
      this.ids.set(piece, id);
      this.trie.insert(piece, id);
      if (score < minScore) minScore = score;
    }
    this.unkId = config.unk_id ?? null;
    if (this.unkId !== null && (this.unkId < 0 || this.unkId >= n))
      throw new Error(`model Unigram: unk_id ${this.unkId} is outside the vocabulary`);
    this.unkScore = minScore - UNK_PENALTY;
    this.byteFallback = config.byte_fallback ?? false;
  }

  get vocabSize(): number {
    return this.pieces.length;
  }

  tokenToId(token: string): number | undefined {
    return this.ids.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.pieces[id];
  }

  tokenize(word: string): readonly Piece[] {
    if (!word.length) return [];
    const cached = this.cache.get(word);
    if (cached) return cached;
    const pieces = this.toPieces(word, this.viterbi(word));
    this.cache.set(word, pieces);
    return pieces;
  }

  /** Best segmentation as [start, end, id] triples, left to right; unk runs fused. */
  private viterbi(word: string): number[] {
    const n = word.length;
    const bestScore = new Float64Array(n + 1);
    const startsAt = new Int32Array(n + 1).fill(-1);
    const bestId = new Int32Array(n + 1);
    for (let start = 0; start < n; ) {
      const base = bestScore[start];
      const charLen = isHighSurrogate(word, start) ? 2 : 1;
      let singleChar = false;
      this.trie.prefixes(word, start, (end, id) => {
        const score = this.scores[id] + base;
        if (startsAt[end] < 0 || score > bestScore[end]) {
          bestScore[end] = score;
          startsAt[end] = start;
          bestId[end] = id;
        }
        if (end - start === charLen) singleChar = true;
      });
      if (!singleChar) {
        const end = start + charLen;
        const score = this.unkScore + base;
        if (startsAt[end] < 0 || score > bestScore[end]) {
          if (this.unkId === null) throw new Error('model Unigram: a character is unknown and there is no unk_id');
          bestScore[end] = score;
          startsAt[end] = start;
          bestId[end] = this.unkId;
        }
      }
      start += charLen;
    }
    const out: number[] = [];
    for (let end = n; end > 0; ) {
      const start = startsAt[end];
      const id = bestId[end];
      const last = out.length - 3;
      // Walking backwards: an unk directly before an unk already taken extends it (fuse_unk is always on).
      if (id === this.unkId && last >= 0 && out[last + 2] === id && out[last] === end) out[last] = start;
      else out.push(start, end, id);
      end = start;
    }
    const triples: number[] = [];
    for (let k = out.length - 3; k >= 0; k -= 3) triples.push(out[k], out[k + 1], out[k + 2]);
    return triples;
  }

  /** Pieces with the reference's token strings: a fused unk keeps its text; byte_fallback spells it in bytes. */
  private toPieces(word: string, triples: number[]): Piece[] {
    const pieces: Piece[] = [];
    for (let k = 0; k < triples.length; k += 3) {
      const start = triples[k];
      const end = triples[k + 1];
      const text = word.slice(start, end);
      const id = this.ids.get(text);
      if (id !== undefined) {
        pieces.push({ id, token: text, start, end });
        continue;
      }
      if (this.byteFallback && this.pushBytes(text, start, end, pieces)) continue;
      if (this.unkId === null) throw new Error('model Unigram: a piece is unknown and there is no unk_id');
      pieces.push({ id: this.unkId, token: text, start, end });
    }
    return pieces;
  }

  private pushBytes(text: string, start: number, end: number, pieces: Piece[]): boolean {
    const bytes = utf8.encode(text);
    const found: Piece[] = [];
    for (const b of bytes) {
      const token = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
      const id = this.ids.get(token);
      if (id === undefined) return false;
      found.push({ id, token, start, end });
    }
    for (const p of found) pieces.push(p);
    return true;
  }
}

function isHighSurrogate(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00;
}
