// Every case of every tokenizer golden (Hugging Face's Rust tokenizers with the documented-semantics overlay),
// run through edgeclass's tokenizer on Node and judged by the reference's compare.mjs.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { findAllTokenizeGoldens, judge } from './support/golden-files.ts';
import { TOKENIZE_GOLDEN_DIR, TOKENIZE_HUB_GOLDEN_DIR } from './support/paths.ts';
import { runGoldenCase, type GoldenCase } from './support/tokenize-golden.ts';

const goldens = findAllTokenizeGoldens().filter(
  (g) => !process.env.EDGECLASS_GOLDEN_ONLY || g.tokenizer === process.env.EDGECLASS_GOLDEN_ONLY,
);

describe('tokenizer goldens (Node)', () => {
  it(`finds goldens in ${TOKENIZE_GOLDEN_DIR} and ${TOKENIZE_HUB_GOLDEN_DIR}`, () => {
    expect(goldens.length).toBeGreaterThan(0);
    if (!process.env.EDGECLASS_GOLDEN_ONLY) {
      expect(goldens.some((g) => g.golden.startsWith(TOKENIZE_GOLDEN_DIR + path.sep))).toBe(true);
      expect(goldens.some((g) => g.golden.startsWith(TOKENIZE_HUB_GOLDEN_DIR + path.sep))).toBe(true);
    }
  });

  for (const file of goldens) {
    it(`passes every case of ${path.basename(file.golden)}`, async () => {
      const raw = fs.readFileSync(file.golden);
      const golden = JSON.parse((file.golden.endsWith('.gz') ? zlib.gunzipSync(raw) : raw).toString('utf8'));
      const json = JSON.parse(fs.readFileSync(path.join(file.modelsDir, file.tokenizer, 'tokenizer.json'), 'utf8'));
      const tokenizer = Tokenizer.fromJson(json);
      const cases = (golden.cases as GoldenCase[]).map((c) => ({ id: c.id, output: runGoldenCase(tokenizer, c) }));
      const verdict = await judge(file, cases, 'node');
      expect(verdict.failed, verdict.report).toBe(0);
      expect(verdict.passed).toBe(golden.cases.length);
    }, 120_000);
  }
});
