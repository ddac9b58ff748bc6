// Words on their way into a byte-level model: UTF-8 bytes in the byte-level alphabet go in, and the pieces'
// offsets come back in the word's own UTF-16 units, so a piece that holds part of a character's bytes spans that
// whole character. Results are memoized per word, which also saves the byte mapping for repeated words.
import { BYTE_TO_CHAR } from './byte-level-alphabet.ts';
import { WordCache, type Piece, type TokenModel, type WordModel } from './models/model.ts';

export function byteLevelWordModel(model: TokenModel): WordModel {
  const cache = new WordCache();
  return {
    tokenize(word: string): readonly Piece[] {
      let pieces = cache.get(word);
      if (!pieces) {
        pieces = tokenizeBytes(model, word);
        cache.set(word, pieces);
      }
      return pieces;
    },
  };
}

function tokenizeBytes(model: TokenModel, word: string): Piece[] {
  let ascii = true;
  for (let i = 0; i < word.length; i++)
    if (word.charCodeAt(i) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) {
    let mapped = '';
    for (let i = 0; i < word.length; i++) mapped += BYTE_TO_CHAR[word.charCodeAt(i)];
    // One byte per unit: the model's offsets are already the word's.
    return model.tokenize(mapped).slice();
  }
  let mapped = '';
  const unitOfByte: number[] = [];
  const widthOfByte: number[] = [];
  for (let i = 0; i < word.length; ) {
    const cp = word.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    for (const b of utf8Bytes(cp)) {
      mapped += BYTE_TO_CHAR[b];
      unitOfByte.push(i);
      widthOfByte.push(width);
    }
    i += width;
  }
  return model.tokenize(mapped).map((p) => ({
    id: p.id,
    token: p.token,
    start: unitOfByte[p.start],
    end: unitOfByte[p.end - 1] + widthOfByte[p.end - 1],
  }));
}

function utf8Bytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}
