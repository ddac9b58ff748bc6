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

/**
 * A vocabulary read in place from the parsed tokenizer.json object (its prototype removed, so that any string is a
 * safe key): 150,000 entries are not copied into a Map, which halves the load of a large vocabulary.
 */
export class DictVocab {
  private readonly dict: Record<string, number>;
  readonly size: number;
  /** id -> token. */
  readonly reverse: string[] = [];

  constructor(vocab: Record<string, number>) {
    if (!vocab || typeof vocab !== 'object' || Array.isArray(vocab)) throw new Error("'vocab' must be an object");
    Object.setPrototypeOf(vocab, null);
    this.dict = vocab;
    let size = 0;
    for (const token in vocab) {
      this.reverse[vocab[token]] = token;
      size++;
    }
    this.size = size;
  }

  get(token: string): number | undefined {
    return this.dict[token];
  }

  /** Every [token, id]. */
  *entries(): IterableIterator<[string, number]> {
    for (const token in this.dict) yield [token, this.dict[token]];
  }
}
