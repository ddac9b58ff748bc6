// WordLevel: a word is one vocabulary entry, or the unk token.
import { invertVocab, type Piece, type TokenModel } from './model.ts';
import { TokenizationError } from '../encoding.ts';

export interface WordLevelConfig {
  vocab: Record<string, number>;
  unk_token?: string;
}

export class WordLevel implements TokenModel {
  private readonly vocab: Map<string, number>;
  private readonly reverse: string[];
  private readonly unkToken: string;

  constructor(config: WordLevelConfig) {
    this.vocab = new Map(Object.entries(config.vocab));
    this.reverse = invertVocab(this.vocab);
    this.unkToken = config.unk_token ?? '<unk>';
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
    const id = this.vocab.get(word);
    if (id !== undefined) return [{ id, token: word, start: 0, end: word.length }];
    const unk = this.vocab.get(this.unkToken);
    if (unk === undefined)
      throw new TokenizationError(`model WordLevel: '${word}' is not in the vocabulary and there is no unk token`);
    return [{ id: unk, token: this.unkToken, start: 0, end: word.length }];
  }
}
