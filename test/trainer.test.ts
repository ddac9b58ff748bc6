// The training loop on real data at tiny scale: datasets, determinism, exact resume, accumulation, and the
// backward graph's size following the trainable layers.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encoderArchitecture } from '../src/nn/arch/index.ts';
import { parseModelConfig } from '../src/nn/arch/index.ts';
import { initModel } from '../src/nn/init-model.ts';
import { initWeights } from '../src/nn/init.ts';
import { DatasetError, labelSet, parseDataset, type RawExample } from '../src/train/data.ts';
import { createMaskDrawer } from '../src/train/keep-masks.ts';
import { fillKeepMask, keepMasks, streamFor } from '../src/train/rng.ts';
import { buildStepGraph } from '../src/train/step-graph.ts';
import { train, type TrainOptions } from '../src/train/trainer.ts';
import { readSafetensors } from '../src/nn/safetensors.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-train-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('datasets', () => {
  it('reads TSV with and without a header, CSV with quotes, JSONL with pairs and multi-label', () => {
    expect(parseDataset('sentence\tlabel\nthe film rocks\t1\nbad\t0\n', 'tsv')).toEqual([
      { text: 'the film rocks', pair: null, label: '1' },
      { text: 'bad', pair: null, label: '0' },
    ]);
    expect(parseDataset('A nice day\tWorld\nSome stock\tBusiness\n', 'tsv')[1]).toEqual({
      text: 'Some stock',
      pair: null,
      label: 'Business',
    });
    expect(parseDataset('premise,hypothesis,label\n"a, b","c ""d""",entailment\n', 'csv')).toEqual([
      { text: 'a, b', pair: 'c "d"', label: 'entailment' },
    ]);
    const jsonl = parseDataset(
      '{"text": "x", "text_pair": "y", "label": 2}\n\n{"text": "z", "labels": ["a", "b"]}\n',
      'jsonl',
    );
    expect(jsonl).toEqual([
      { text: 'x', pair: 'y', label: '2' },
      { text: 'z', pair: null, label: ['a', 'b'] },
    ]);
    expect(labelSet(parseDataset('text\tlabel\na\t2\nb\t0\n', 'tsv'))).toEqual(['0', '1', '2']);
    expect(labelSet(parseDataset('text\tlabel\na\tpos\nb\tneg\n', 'tsv'))).toEqual(['neg', 'pos']);
  });

  it('says what is wrong, and where', () => {
    expect(() => parseDataset('{"text": 1, "label": 0}', 'jsonl')).toThrow(/line 1: 'text' must be a string/);
    expect(() => parseDataset('{"text": "a"}', 'jsonl')).toThrow(/label field/);
    expect(() => parseDataset('not json', 'jsonl')).toThrow(DatasetError);
    expect(() => parseDataset('a\tb\tc\td\n', 'tsv')).toThrow(/2 columns/);
    expect(() => parseDataset('text\tlabel\nx\t\n', 'tsv')).toThrow(/line 2: the label is empty/);
  });
});

describe('dropout masks', () => {
  it("the WebAssembly drawer gives keepMasks' bytes: whole 16-byte runs, leftovers, odd sizes, 64 KiB calls, p = 1", async () => {
    const drawer = await createMaskDrawer();
    const sites = [
      { size: 16, p: 0.1 },
      { size: 7, p: 0.1 },
      { size: 65536 * 2 + 37, p: 0.1 },
      { size: 1, p: 0.5 },
      { size: 333, p: 0.25 },
      { size: 40, p: 1 },
      { size: 4099, p: 0.9 },
    ];
    for (const counter of [0, 5, 123456]) {
      const fast = drawer.draw(11, 'dropout', counter, sites);
      const reference = keepMasks(11, 'dropout', counter, sites);
      for (const [i, mask] of reference.entries())
        expect(Buffer.from(fast[i]).equals(Buffer.from(mask)), `counter ${counter}, site ${i}`).toBe(true);
    }
  });

  it('one pass over all sites draws the bytes fillKeepMask draws site after site from the same stream', () => {
    const sites = [
      { size: 7, p: 0.1 },
      { size: 4096, p: 0.1 },
      { size: 1, p: 0.5 },
      { size: 333, p: 0.25 },
    ];
    const fast = keepMasks(11, 'dropout', 5, sites);
    const random = streamFor(11, 'dropout', 5);
    for (const [i, site] of sites.entries()) {
      const mask = new Uint8Array(site.size);
      fillKeepMask(mask, site.p, random);
      expect(Buffer.from(fast[i]).equals(Buffer.from(mask)), `site ${i}`).toBe(true);
    }
    const kept = fast[1].reduce((a, b) => a + b, 0) / 4096;
    expect(kept).toBeGreaterThan(0.85);
    expect(kept).toBeLessThan(0.95);
  });
});

describe('backward graph size', () => {
  // The freezing rule is each architecture's layout (DistilBERT's blocks are transformer.layer.i, not encoder.layer.i):
  // a rule that missed a frozen block would leave its backward nodes in the graph.
  for (const modelType of ['bert', 'roberta', 'xlm-roberta', 'distilbert'] as const) {
    it(`${modelType}: a 4-layer model with embeddings and 2 layers frozen has the backward of a 2-layer model with embeddings frozen`, () => {
      const config = (layers: number) =>
        parseModelConfig({
          ...encoderArchitecture(modelType).initConfig({
            vocabSize: 100,
            padTokenId: null,
            bosTokenId: null,
            eosTokenId: null,
            maxLength: 32,
            layers,
            hidden: 16,
            heads: 2,
            intermediate: 32,
            std: 0.02,
            classifier: true,
          }),
          id2label: { 0: 'a', 1: 'b' },
        });
      const build = (layers: number, frozen: number) => {
        const c = config(layers);
        return buildStepGraph({
          config: c,
          weights: initWeights(c, { seed: 1, head: 'project' }),
          head: 'project',
          pooling: 'mean',
          freeze: { embeddings: true, layers: frozen },
          loss: 'cross_entropy',
          gradNorm: true,
          dropout: true,
        });
      };
      const deep = build(4, 2);
      const shallow = build(2, 0);
      expect(deep.backwardNodes).toBe(shallow.backwardNodes);
      expect(deep.trainable.length).toBe(shallow.trainable.length);
      expect(deep.trainable.some((n) => /\.(0|1)\./.test(n))).toBe(false);
      expect(build(4, 0).backwardNodes).toBeGreaterThan(deep.backwardNodes);
    });
  }
});

describe('training loop', () => {
  let base: string;
  let examples: RawExample[];
  let validation: RawExample[];
  const options = (outDir: string, extra: Partial<TrainOptions> = {}): TrainOptions => ({
    base,
    train: examples,
    validation,
    epochs: 2,
    batchSize: 16,
    learningRate: 2e-3,
    maxLength: 32,
    numFrozenLayers: 0,
    freezeEmbeddings: false,
    pooling: 'mean',
    warmupRatio: 0.1,
    weightDecay: 0.01,
    seed: 7,
    outDir,
    checkpointEvery: 5,
    ...extra,
  });
  const weightsOf = (dir: string) => fs.readFileSync(path.join(dir, 'model.safetensors'));

  beforeAll(() => {
    base = path.join(root, 'base');
    initModel({
      arch: 'bert',
      layers: 1,
      hidden: 16,
      heads: 2,
      intermediate: 32,
      tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
      seed: 3,
      out: base,
    });
    const all = parseDataset(fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8'), 'tsv');
    examples = all.slice(0, 160);
    validation = all.slice(1000, 1060);
  });

  it('is deterministic for a seed: two runs give the same weights bit for bit, on 2 threads', async () => {
    const a = await train(options(path.join(root, 'a'), { threads: 2 }));
    await train(options(path.join(root, 'b'), { threads: 2 }));
    expect(a.steps).toBe(20);
    expect(weightsOf(path.join(root, 'a')).equals(weightsOf(path.join(root, 'b')))).toBe(true);
    expect(fs.existsSync(path.join(root, 'a', 'onnx', 'model.onnx'))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'a', 'config.json'), 'utf8')).id2label).toEqual({
      0: '0',
      1: '1',
    });
  });

  it('resumes exactly: stopped after 7 steps and resumed, it ends where an uninterrupted run ends', async () => {
    const full = path.join(root, 'full');
    await train(options(full, { evalEvery: 1000, earlyStoppingPatience: null }));
    const part = path.join(root, 'part');
    const controller = new AbortController();
    const stopped = await train(
      options(part, {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.step === 7) controller.abort();
        },
      }),
    );
    expect(stopped.cancelled).toBe(true);
    const resumed = await train(options(part, { resumeFrom: 'latest' }));
    expect(resumed.steps).toBe(20);
    const last = (dir: string) =>
      readSafetensors(new Uint8Array(fs.readFileSync(path.join(dir, 'checkpoint-20', 'model.safetensors')))).tensors;
    const x = last(full);
    const y = last(part);
    for (const [name, t] of x)
      expect(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).equals(
          Buffer.from(y.get(name)!.data.buffer, y.get(name)!.data.byteOffset, y.get(name)!.data.byteLength),
        ),
        name,
      ).toBe(true);
  });

  it('reports the tokens it trained on: every training example (the held-out part too) times epochs, as transformers.js counts them', async () => {
    const transformers = await import('@huggingface/transformers');
    transformers.env.allowRemoteModels = false;
    transformers.env.localModelPath = MODELS_DIR;
    const reference = await transformers.AutoTokenizer.from_pretrained('bert-base-uncased');
    const few = examples.slice(0, 40);
    const r = await train(
      options(path.join(root, 'tokens'), { train: few, validation: null, epochs: 2, evalEvery: 1000 }),
    );
    // maxLength 32 truncates a single sentence to its first 31 tokens + [SEP].
    const perEpoch = few.reduce((sum, e) => sum + Math.min(32, reference.encode(e.text).length), 0);
    expect(perEpoch).toBeGreaterThan(few.length * 3);
    expect(r.trainedTokens).toBe(perEpoch * 2);
  });

  // 16 texts of 6 one-token words: every batch has the same length, so neither run pads. Dropout off. After one step
  // Adam's moments are 0.1 g and 0.001 g^2 of the (clipped) mean gradient g.
  for (const maxGradNorm of [null, 0.01]) {
    it(`two accumulated micro-batches of 8 take the step one batch of 16 takes (clipping at ${maxGradNorm})`, async () => {
      const words = ['good', 'bad', 'fine', 'dull', 'great', 'poor'];
      const same: RawExample[] = Array.from({ length: 16 }, (_, i) => ({
        text: Array.from({ length: 6 }, (_, k) => words[(i * 7 + k * 5) % 6]).join(' '),
        pair: null,
        label: String(i % 2),
      }));
      const run = async (name: string, batchSize: number, accumulation: number) => {
        const extra = { train: same, epochs: 1, batchSize, dropout: false, maxGradNorm, warmupRatio: 0 };
        const r = await train(options(path.join(root, name), { ...extra, gradientAccumulationSteps: accumulation }));
        expect(r.steps).toBe(1);
        const file = path.join(root, name, 'checkpoint-1', 'optimizer.safetensors');
        return readSafetensors(new Uint8Array(fs.readFileSync(file))).tensors;
      };
      const whole = await run(`one-batch-${maxGradNorm}`, 16, 1);
      const accumulated = await run(`two-micro-${maxGradNorm}`, 8, 2);
      for (const kind of ['m.', 'v.']) {
        const names = [...whole.keys()].filter((n) => n.startsWith(kind));
        let largest = 0;
        for (const n of names) for (const x of whole.get(n)!.data) largest = Math.max(largest, Math.abs(x));
        expect(largest).toBeGreaterThan(kind === 'm.' ? 1e-4 : 1e-9);
        for (const name of names) {
          const a = whole.get(name)!.data;
          const b = accumulated.get(name)!.data;
          let worst = 0;
          for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
          expect(worst, name).toBeLessThan(1e-4 * largest);
        }
      }
    });
  }

  it('accumulates gradients and learns something on SST-2 phrases', async () => {
    const r = await train(options(path.join(root, 'acc'), { gradientAccumulationSteps: 2, epochs: 3 }));
    expect(r.steps).toBe(15);
    expect(r.history.filter((h) => 'eval_loss' in h)).toHaveLength(3);
  });
});
