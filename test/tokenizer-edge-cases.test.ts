// What the goldens do not pin down: both BPE merge strategies agree, and hostile inputs finish quickly.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from '../src/tokenizer/byte-level-alphabet.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { Bpe } from '../src/tokenizer/models/bpe.ts';
import { MODELS_DIR, TOKENIZE_GOLDEN_DIR } from './support/paths.ts';

const load = (id: string) => JSON.parse(fs.readFileSync(path.join(MODELS_DIR, id, 'tokenizer.json'), 'utf8'));
const roberta = load('roberta-base');
const bert = load('bert-base-uncased');

function byteLevel(word: string): string {
  return [...new TextEncoder().encode(word)].map((b) => BYTE_TO_CHAR[b]).join('');
}

describe('BPE merge strategies', () => {
  it('the heap (long words) and the rescan (short words) give the same pieces', () => {
    const byHeap = new Bpe(roberta.model, 0);
    const byScan = new Bpe(roberta.model, Infinity);
    const corpus = JSON.parse(fs.readFileSync(path.join(TOKENIZE_GOLDEN_DIR, 'corpus.json'), 'utf8'));
    const words = new Set<string>();
    for (const s of corpus.singles) for (const w of s.text.split(/\s+/)) if (w) words.add(byteLevel(w));
    words.add(byteLevel('a'.repeat(300)));
    words.add(byteLevel('Supercalifragilisticexpialidocious'.repeat(5)));
    expect(words.size).toBeGreaterThan(1000);
    for (const w of words) expect(byHeap.tokenize(w), w).toEqual(byScan.tokenize(w));
  });
});

describe('hostile inputs finish quickly', () => {
  const cases: [string, string][] = [
    ['one 100,000-letter word', 'a'.repeat(100_000)],
    ['100,000 punctuation marks', '!?'.repeat(50_000)],
    ['100,000 spaces then a letter', `${' '.repeat(100_000)}x`],
    ['50,000 emoji', '😀'.repeat(50_000)],
    ['100,000 CJK ideographs', '中'.repeat(100_000)],
    ['alternating special tokens', '<s>[CLS]</s>[SEP]<mask>'.repeat(5_000)],
  ];
  for (const [id, json] of [
    ['roberta-base', roberta],
    ['bert-base-uncased', bert],
  ] as const) {
    const tokenizer = Tokenizer.fromJson(json);
    for (const [what, text] of cases) {
      it(`${id}: ${what}`, () => {
        const t0 = performance.now();
        const e = tokenizer.encode(text, null, {
          truncation: { maxLength: 512, strategy: 'longest_first', stride: 0, side: 'right' },
        });
        expect(e.ids.length).toBeLessThanOrEqual(512);
        // A generous bound, on purpose: each case took 0.9 s at most at load 12 on 2 cores, while a path quadratic in
        // these 100,000-character inputs does ~1e10 steps; 10 s still tells them apart without failing a slow machine.
        expect(performance.now() - t0).toBeLessThan(10_000);
      });
    }
  }
});
