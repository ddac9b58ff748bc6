// Learning on real data, the CI-sized version of `npm run bench:learn`: a tiny BERT from random initialisation,
// trained briefly on SST-2 phrases, must beat chance clearly on the SST-2 test sentences. The threshold is set
// well above chance (50%) and below what this configuration reached when measured (see bench/RESULTS.md).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initModel } from '../src/nn/init-model.ts';
import { parseDataset } from '../src/train/data.ts';
import { evaluateFolder } from '../src/train/evaluate.ts';
import { train } from '../src/train/trainer.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const SMOKE_THRESHOLD = 0.75;
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-smoke-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('learning smoke (SST-2)', () => {
  it(`a tiny BERT beats ${SMOKE_THRESHOLD * 100}% on the SST-2 test set after a short training`, async () => {
    const base = path.join(root, 'base');
    initModel({
      arch: 'bert',
      layers: 1,
      hidden: 64,
      heads: 2,
      intermediate: 256,
      tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
      seed: 1,
      out: base,
    });
    const read = (f: string) => parseDataset(fs.readFileSync(path.join(SST2, f), 'utf8'), 'tsv');
    const started = Date.now();
    const result = await train({
      base,
      train: read('train.tsv').slice(0, 16_000),
      validation: read('dev.tsv').slice(0, 1000),
      epochs: 1,
      batchSize: 64,
      learningRate: 2e-3,
      maxLength: 48,
      numFrozenLayers: 0,
      freezeEmbeddings: false,
      pooling: 'mean',
      warmupRatio: 0.06,
      weightDecay: 0.01,
      seed: 1,
      outDir: path.join(root, 'out'),
    });
    const test = await evaluateFolder(result.outDir, read('test.tsv'), { maxLength: 48 });
    console.log(
      JSON.stringify({
        smoke: 'sst2',
        steps: result.steps,
        dev: result.best?.metrics.accuracy,
        test: test.accuracy,
        seconds: (Date.now() - started) / 1000,
      }),
    );
    // Every test sentence was evaluated: the file's own row count (lines after the header), not a number of this set.
    const testRows = fs.readFileSync(path.join(SST2, 'test.tsv'), 'utf8').trimEnd().split('\n').length - 1;
    expect(testRows).toBeGreaterThan(0);
    expect(test.examples).toBe(testRows);
    expect(test.accuracy).toBeGreaterThan(SMOKE_THRESHOLD);
  }, 600_000);
});
