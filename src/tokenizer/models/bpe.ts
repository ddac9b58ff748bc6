// Byte-pair encoding (GPT-2/RoBERTa): start from single characters, repeatedly merge the adjacent pair with the
// lowest merge rank, leftmost first on ties -- the order the Rust implementation's priority queue produces.
import { invertVocab, WordCache, type Piece, type TokenModel } from './model.ts';

export interface BpeConfig {
  vocab: Record<string, number>;
  merges: (string | [string, string])[];
  unk_token?: string | null;
  continuing_subword_prefix?: string | null;
  end_of_word_suffix?: string | null;
  dropout?: number | null;
  fuse_unk?: boolean;
  byte_fallback?: boolean;
  ignore_merges?: boolean;
}

export class Bpe implements TokenModel {
  private readonly vocab: Map<string, number>;
  private readonly reverse: string[];
  /** Pair key (leftId * 2^20 + rightId) -> rank * 2^20 + mergedId. */
  private readonly merges = new Map<number, number>();
  private readonly unkId: number | undefined;
  private readonly cache = new WordCache();

  constructor(config: BpeConfig) {
    if (config.dropout) throw new Error('BPE dropout is not supported (it makes tokenization random)');
    if (config.continuing_subword_prefix || config.end_of_word_suffix) {
      throw new Error('BPE with continuing_subword_prefix or end_of_word_suffix is not supported yet');
    }
    if (config.byte_fallback || config.ignore_merges) throw new Error('BPE byte_fallback / ignore_merges are not supported yet');
    this.vocab = new Map(Object.entries(config.vocab));
    this.reverse = invertVocab(this.vocab);
    this.unkId = config.unk_token ? this.vocab.get(config.unk_token) : undefined;
    config.merges.forEach((merge, rank) => {
      const [a, b] = typeof merge === 'string' ? splitMerge(merge) : merge;
      const left = this.vocab.get(a);
      const right = this.vocab.get(b);
      const merged = this.vocab.get(a + b);
      if (left === undefined || right === undefined || merged === undefined) {
        throw new Error(`BPE merge '${a} ${b}' uses tokens missing from the vocabulary`);
      }
      // A repeated merge keeps its last rank, as the reference's map does.
      this.merges.set(pairKey(left, right), rank * 2 ** 20 + merged);
    });
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
    const cached = this.cache.get(word);
    if (cached) return cached;
    const pieces = this.merge(word);
    this.cache.set(word, pieces);
    return pieces;
  }

  private merge(word: string): Piece[] {
    // symbols: ids[k] covers word[starts[k], ends[k]); merging folds the right symbol into the left.
    const ids: number[] = [];
    const starts: number[] = [];
    const ends: number[] = [];
    for (let i = 0; i < word.length; ) {
      const cp = word.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const id = this.vocab.get(word.slice(i, i + width)) ?? this.unkId;
      if (id !== undefined) {
        ids.push(id);
        starts.push(i);
        ends.push(i + width);
      }
      i += width;
    }
    for (;;) {
      let best = -1;
      let bestValue = Infinity;
      for (let k = 0; k + 1 < ids.length; k++) {
        const value = this.merges.get(pairKey(ids[k], ids[k + 1]));
        if (value !== undefined && value < bestValue) {
          bestValue = value;
          best = k;
        }
      }
      if (best < 0) break;
      ids[best] = bestValue % 2 ** 20;
      ends[best] = ends[best + 1];
      ids.splice(best + 1, 1);
      starts.splice(best + 1, 1);
      ends.splice(best + 1, 1);
    }
    return ids.map((id, k) => ({ id, token: this.reverse[id], start: starts[k], end: ends[k] }));
  }
}

function pairKey(left: number, right: number): number {
  return left * 2 ** 20 + right;
}

function splitMerge(merge: string): [string, string] {
  const space = merge.indexOf(' ', 1);
  if (space < 0) throw new Error(`malformed BPE merge '${merge}'`);
  return [merge.slice(0, space), merge.slice(space + 1)];
}
