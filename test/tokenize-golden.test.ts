// Every case of every tokenizer golden (Hugging Face's Rust tokenizers with the documented-semantics overlay),
// run through edgeclass's tokenizer on Node and judged by the reference's compare.mjs.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { findTokenizeGoldens, judge } from './support/golden-files.ts';
import { MODELS_DIR, TOKENIZE_GOLDEN_DIR } from './support/paths.ts';
import { runGoldenCase, type GoldenCase } from './support/tokenize-golden.ts';

const goldens = findTokenizeGoldens();

describe('tokenizer goldens (Node)', () => {
  it(`finds goldens in ${TOKENIZE_GOLDEN_DIR}`, () => {
    expect(goldens.length).toBeGreaterThan(0);
  });

  for (const file of goldens) {
    it(`passes every case of ${path.basename(file.golden)}`, async () => {
      const raw = fs.readFileSync(file.golden);
      const golden = JSON.parse((file.golden.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8'));
      const json = JSON.parse(fs.readFileSync(path.join(MODELS_DIR, file.tokenizer, 'tokenizer.json'), 'utf8'));
      const tokenizer = Tokenizer.fromJson(json);
      const cases = (golden.cases as GoldenCase[]).map((c) => ({ id: c.id, output: runGoldenCase(tokenizer, c) }));
      const verdict = await judge(file, cases, 'node');
      expect(verdict.failed, verdict.report).toBe(0);
      expect(verdict.passed).toBe(golden.cases.length);
    }, 120_000);
  }
});
