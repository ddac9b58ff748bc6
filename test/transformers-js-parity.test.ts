// A folder made by init-model + export loads in transformers.js from a local path, offline, and its pipelines give
// the numbers edgeclass gives (our tokenizer, our ONNX, onnxruntime-node) within 1e-5.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenizerRegistry } from '../src/core/tokenizers.ts';
import { tokenize } from '../src/core/tokenize.ts';
import { exportModel } from '../src/nn/export.ts';
import { initModel } from '../src/nn/init-model.ts';
import { FsModelStore } from '../src/store/fs-store.ts';
import { MODELS_DIR } from './support/paths.ts';
import { runModel } from './support/ort.ts';

const TEXTS = ['Here is some text to encode', 'A second, longer sentence about the weather in Paris.', 'short'];
let root: string;
let transformers: typeof import('@huggingface/transformers');

/** edgeclass's side: tokenize a padded batch with our tokenizer, run our ONNX in onnxruntime-node. */
async function runEdgeclass(dir: string, file: string) {
  const loaded = await new TokenizerRegistry(new FsModelStore(path.dirname(dir))).get(path.basename(dir));
  const { encodings } = tokenize(
    loaded,
    TEXTS.map((text) => ({ text, pair: null })),
    { padding: true, return_token_type_ids: true },
  );
  const B = encodings.length;
  const T = encodings[0].input_ids.length;
  const ints = (k: 'input_ids' | 'attention_mask' | 'token_type_ids') => ({
    data: BigInt64Array.from(
      encodings.flatMap((e) => e[k]!),
      BigInt,
    ),
    dims: [B, T],
  });
  const feeds: Record<string, { data: BigInt64Array; dims: number[] }> = {
    input_ids: ints('input_ids'),
    attention_mask: ints('attention_mask'),
  };
  if (loaded.settings.hasTokenTypeIds) feeds.token_type_ids = ints('token_type_ids');
  const { readFileSync } = await import('node:fs');
  return runModel(new Uint8Array(readFileSync(file)), feeds, 'node');
}

function rows(data: Float32Array, width: number): number[][] {
  return Array.from({ length: data.length / width }, (_, i) => Array.from(data.subarray(i * width, (i + 1) * width)));
}

function softmax(row: number[]): number[] {
  const m = Math.max(...row);
  const e = row.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-tjs-'));
  transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = root;
  transformers.env.useFSCache = false;
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe.each(['bert', 'roberta'] as const)('transformers.js parity (%s)', (arch) => {
  const tokenizerDir = path.join(MODELS_DIR, arch === 'bert' ? 'bert-base-uncased' : 'roberta-base');

  it('feature-extraction: mean and cls pooling, normalized', async () => {
    const dir = path.join(root, `${arch}-embed`);
    initModel({ arch, layers: 2, hidden: 32, heads: 4, intermediate: 64, tokenizerDir, seed: 7, std: 0.1, out: dir });
    for (const pooling of ['mean', 'cls'] as const) {
      const { file } = exportModel(dir, { task: 'feature-extraction', pooling, normalize: true });
      const ours = await runEdgeclass(dir, file);
      const extractor = await transformers.pipeline('feature-extraction', `${arch}-embed`, { dtype: 'fp32' });
      const theirs = (await extractor(TEXTS, { pooling, normalize: true })).tolist() as number[][];
      await extractor.dispose();
      const mine = rows(ours.sentence_embedding.data as Float32Array, 32);
      expect(theirs.map((r) => r.length)).toEqual([32, 32, 32]);
      theirs.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - mine[i][j])).toBeLessThan(1e-5)));
      expect(Math.abs(mine[0].reduce((a, b) => a + b * b, 0) - 1)).toBeLessThan(1e-5);
    }
  });

  it('text-classification with top_k', async () => {
    const dir = path.join(root, `${arch}-cls`);
    const { onnx } = initModel({
      arch,
      layers: 2,
      hidden: 32,
      heads: 4,
      intermediate: 64,
      labels: ['negative', 'neutral', 'positive'],
      tokenizerDir,
      seed: 3,
      std: 0.1,
      out: dir,
    });
    const ours = rows((await runEdgeclass(dir, onnx)).logits.data as Float32Array, 3).map(softmax);
    const classifier = await transformers.pipeline('text-classification', `${arch}-cls`, { dtype: 'fp32' });
    const theirs = (await classifier(TEXTS, { top_k: 3 })) as unknown as { label: string; score: number }[][];
    await classifier.dispose();
    const labels = ['negative', 'neutral', 'positive'];
    expect(theirs).toHaveLength(TEXTS.length);
    theirs.forEach((ranked, i) => {
      expect(ranked).toHaveLength(3);
      for (const { label, score } of ranked)
        expect(Math.abs(score - ours[i][labels.indexOf(label)])).toBeLessThan(1e-5);
      expect(ranked.map((r) => r.score)).toEqual([...ranked.map((r) => r.score)].sort((a, b) => b - a));
    });
  });
});
