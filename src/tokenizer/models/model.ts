// A tokenization model turns one word into vocabulary pieces.

export interface Piece {
  id: number;
  token: string;
  /** [start, end) in UTF-16 units of the word's text. */
  start: number;
  end: number;
}

/** Something that turns a word into pieces (a model, or a model behind a word transform). */
export interface WordModel {
  tokenize(word: string): readonly Piece[];
}

export interface TokenModel extends WordModel {
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  readonly vocabSize: number;
}

/** Words repeat a lot in real text: pieces are memoized per word, up to a bound, as the Rust BPE does. */
export class WordCache {
  private readonly map = new Map<string, readonly Piece[]>();
  constructor(private readonly capacity = 100_000) {}
  get(word: string): readonly Piece[] | undefined {
    return this.map.get(word);
  }
  set(word: string, pieces: readonly Piece[]): void {
    if (this.map.size < this.capacity) this.map.set(word, pieces);
  }
}

export function invertVocab(vocab: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [token, id] of vocab) out[id] = token;
  return out;
}
