// edgeclass's classify and embeddings core against transformers.js' pipelines on the same tiny ONNX models, offline:
// zero-shot-classification (NLI), feature-extraction (mean, cls, normalize) and text-classification (top_k,
// multi-label), within 1e-5 absolute, with our core on onnxruntime-node and on onnxruntime-web (as in workerd).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddings } from '../src/core/embeddings.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { createNodeDeps } from '../src/runtime/node.ts';
import { createOrtWebRuntimeForNode } from './support/ort-web-node.ts';
import { makeTinyModel, TINY_MODELS } from './support/tiny-models.ts';

// Short enough that neither side truncates.
const TEXTS = [
  'The match ended in a draw after extra time.',
  'Stocks fell sharply as oil prices rose on Monday.',
  'A new telescope sees distant galaxies.',
  'ok',
];
const LABELS = ['sports', 'business', 'science and technology', 'world news'];

let root: string;
let transformers: typeof import('@huggingface/transformers');
const worst: Record<string, number> = {};

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-tjs-classify-'));
  for (const id of Object.keys(TINY_MODELS)) makeTinyModel(root, id);
  transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = root;
  transformers.env.useFSCache = false;
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  console.log(`max |edgeclass - transformers.js| per case: ${JSON.stringify(worst, null, 1)}`);
});

/** Compares {label: score} maps, records the worst difference under `name`. */
function compare(
  name: string,
  ours: { labels: string[]; scores: number[] },
  theirs: { labels: string[]; scores: number[] },
) {
  expect(ours.labels).toEqual(theirs.labels);
  let max = 0;
  ours.scores.forEach((s, i) => (max = Math.max(max, Math.abs(s - theirs.scores[i]))));
  worst[name] = Math.max(worst[name] ?? 0, max);
  expect(max, name).toBeLessThan(1e-5);
}

describe.each(['onnxruntime-node', 'onnxruntime-web'])('transformers.js parity of the core on %s', (runtimeName) => {
  let deps: AppDeps;
  beforeAll(() => {
    deps = createNodeDeps({
      modelsDir: root,
      pull: { offline: true },
      ...(runtimeName === 'onnxruntime-web' ? { runtime: createOrtWebRuntimeForNode } : {}),
    });
  });

  for (const model of ['tiny-nli', 'tiny-nli-roberta', 'tiny-nli-distilbert', 'tiny-nli-xlmr']) {
    it(`zero-shot-classification (${model}): single-label, multi-label, one label, a custom template`, async () => {
      const pipe = await transformers.pipeline('zero-shot-classification', model, { dtype: 'fp32' });
      const cases = [
        { labels: LABELS, multi_label: false },
        { labels: LABELS, multi_label: true },
        { labels: ['sports'], multi_label: false },
        { labels: LABELS.slice(0, 3), multi_label: false, hypothesis_template: 'The topic is {}.' },
      ];
      for (const c of cases) {
        const theirs = (await pipe(TEXTS, c.labels, {
          multi_label: c.multi_label,
          ...(c.hypothesis_template ? { hypothesis_template: c.hypothesis_template } : {}),
        })) as unknown as { labels: string[]; scores: number[] }[];
        const ours = await deps.classifier.classify({
          model,
          inputs: TEXTS,
          labels: c.labels,
          strategy: 'nli',
          multi_label: c.multi_label,
          hypothesis_template: c.hypothesis_template,
        });
        theirs.forEach((t, i) => compare(`${runtimeName} zero-shot ${model}`, ours.results[i], t));
      }
      await pipe.dispose();
    });
  }

  for (const model of ['tiny-embed', 'tiny-embed-cls', 'tiny-embed-distilbert']) {
    it(`feature-extraction (${model}): mean and cls pooling, normalized or not`, async () => {
      const pipe = await transformers.pipeline('feature-extraction', model, { dtype: 'fp32' });
      for (const pooling of ['mean', 'cls'] as const) {
        for (const normalize of [true, false]) {
          const theirs = (await pipe(TEXTS, { pooling, normalize })).tolist() as number[][];
          const ours = await createEmbeddings(deps.models, deps.limits, { model, input: TEXTS, pooling, normalize });
          theirs.forEach((row, i) => {
            let max = 0;
            row.forEach((v, j) => (max = Math.max(max, Math.abs(v - ours.embeddings[i][j]))));
            const name = `${runtimeName} feature-extraction ${pooling}${normalize ? ' normalized' : ''}`;
            worst[name] = Math.max(worst[name] ?? 0, max);
            expect(ours.embeddings[i]).toHaveLength(row.length);
            expect(max, name).toBeLessThan(1e-5);
          });
        }
      }
      await pipe.dispose();
    });
  }

  it('text-classification: softmax with top_k 1..3, and sigmoid for a multi-label model', async () => {
    const single = await transformers.pipeline('text-classification', 'tiny-cls', { dtype: 'fp32' });
    for (const top_k of [1, 2, 3]) {
      const theirs = (await single(TEXTS, { top_k })) as unknown as
        | { label: string; score: number }[]
        | { label: string; score: number }[][];
      const ours = await deps.classifier.classify({ model: 'tiny-cls', inputs: TEXTS, top_k });
      TEXTS.forEach((_, i) => {
        const t =
          top_k === 1
            ? [(theirs as { label: string; score: number }[])[i]]
            : (theirs as { label: string; score: number }[][])[i];
        compare(`${runtimeName} text-classification`, ours.results[i], {
          labels: t.map((x) => x.label),
          scores: t.map((x) => x.score),
        });
      });
    }
    await single.dispose();
    const multi = await transformers.pipeline('text-classification', 'tiny-multi', { dtype: 'fp32' });
    const theirs = (await multi(TEXTS, { top_k: 4 })) as unknown as { label: string; score: number }[][];
    const ours = await deps.classifier.classify({ model: 'tiny-multi', inputs: TEXTS });
    theirs.forEach((t, i) =>
      compare(`${runtimeName} text-classification multi-label`, ours.results[i], {
        labels: t.map((x) => x.label),
        scores: t.map((x) => x.score),
      }),
    );
    await multi.dispose();
  });
});
