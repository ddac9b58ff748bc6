// The classify core on Node, checked against numbers computed independently: each (text, hypothesis) pair or
// text tokenized alone and run alone through onnxruntime-node (test/support/ort.ts), then scored by hand.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type StrategyRegistry, defaultStrategies } from '../src/core/classify/strategies.ts';
import { Classifier } from '../src/core/classify/classifier.ts';
import { createEmbeddings } from '../src/core/embeddings.ts';
import { exportModel } from '../src/nn/export.ts';
import type { BatchingRunner } from '../src/inference/batcher.ts';
import { createNodeDeps } from '../src/runtime/node.ts';
import { createApp } from '../src/http/app.ts';
import type { AppDeps } from '../src/http/deps.ts';
import { runModel } from './support/ort.ts';
import { INVALID_REQUEST } from './support/request-errors.ts';
import { makeTinyModel, TINY_MODELS } from './support/tiny-models.ts';

const TEXTS = ['The match ended in a draw after extra time.', 'Stocks fell sharply as oil prices rose.', 'short'];
const LABELS = ['sports', 'business', 'science'];
let root: string;
let deps: AppDeps;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-classify-'));
  for (const id of Object.keys(TINY_MODELS)) makeTinyModel(root, id);
  deps = createNodeDeps({ modelsDir: root, pull: { offline: true } });
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const softmax = (xs: number[]) => {
  const m = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** Logits of one sequence (or pair), tokenized by our tokenizer and run alone in onnxruntime-node. */
async function logitsAlone(
  modelId: string,
  text: string,
  pair: string | null,
  truncation: 'only_first' | 'longest_first' = 'longest_first',
  file = 'onnx/model.onnx',
): Promise<number[]> {
  const loaded = await deps.tokenizers.get(modelId);
  const e = loaded.tokenizer.encode(text, pair, {
    truncation: { maxLength: 512, strategy: truncation, stride: 0, side: 'right' },
  });
  const ints = (xs: number[]) => ({ data: BigInt64Array.from(xs, BigInt), dims: [1, xs.length] });
  const feeds: Record<string, { data: BigInt64Array; dims: number[] }> = {
    input_ids: ints(e.ids),
    attention_mask: ints(e.attentionMask),
  };
  if (loaded.settings.hasTokenTypeIds) feeds.token_type_ids = ints(e.typeIds);
  const out = await runModel(new Uint8Array(fs.readFileSync(path.join(root, modelId, file))), feeds, 'node');
  return Array.from(out.logits.data as Float32Array);
}

/** The result's scores back in label order. */
function byLabel(result: { labels: string[]; scores: number[] }, labels: string[]): number[] {
  return labels.map((l) => result.scores[result.labels.indexOf(l)]);
}

function expectClose(actual: number[], expected: number[], tol = 1e-5) {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((a, i) => expect(Math.abs(a - expected[i]), `${i}: ${a} vs ${expected[i]}`).toBeLessThan(tol));
}

describe.each(['tiny-nli', 'tiny-nli-roberta', 'tiny-nli-distilbert', 'tiny-nli-xlmr'])(
  'strategy nli (%s)',
  (model) => {
    // label2id: entailment 0, neutral 1, contradiction 2.
    it('single-label: softmax of the entailment logits across labels', async () => {
      const { results } = await deps.classifier.classify({ model, inputs: TEXTS, labels: LABELS, strategy: 'nli' });
      for (const [i, text] of TEXTS.entries()) {
        const entail = await Promise.all(
          LABELS.map(async (l) => (await logitsAlone(model, text, `This example is ${l}.`))[0]),
        );
        expectClose(byLabel(results[i], LABELS), softmax(entail));
      }
    });

    it("multi_label: softmax of [contradiction, entailment] per label, with the request's template", async () => {
      const { results } = await deps.classifier.classify({
        model,
        inputs: TEXTS,
        labels: LABELS,
        strategy: 'nli',
        multi_label: true,
        hypothesis_template: 'It is about {}!',
      });
      for (const [i, text] of TEXTS.entries()) {
        const expected = await Promise.all(
          LABELS.map(async (l) => {
            const logits = await logitsAlone(model, text, `It is about ${l}!`);
            return softmax([logits[2], logits[0]])[1];
          }),
        );
        expectClose(byLabel(results[i], LABELS), expected);
      }
    });

    it('one label scores alone (as the pipeline does), and a text too long keeps its hypothesis (only_first)', async () => {
      const long = Array(700).fill('word').join(' ');
      const { results, usage } = await deps.classifier.classify({
        model,
        inputs: [long],
        labels: ['sports'],
        strategy: 'nli',
      });
      const logits = await logitsAlone(model, long, 'This example is sports.', 'only_first');
      expectClose(results[0].scores, [softmax([logits[2], logits[0]])[1]]);
      expect(usage.tokens).toBe(512);
    });
  },
);

describe('strategy embedding', () => {
  it('softmax(cos / 0.05) against "This text is about {}." embeddings; sigmoid((cos - threshold) / T) with multi_label', async () => {
    const model = 'tiny-embed';
    const texts = await createEmbeddings(deps.models, deps.limits, { model, input: TEXTS });
    const labels = await createEmbeddings(deps.models, deps.limits, {
      model,
      input: LABELS.map((l) => `This text is about ${l}.`),
    });
    const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
    const single = await deps.classifier.classify({ model, inputs: TEXTS, labels: LABELS, strategy: 'embedding' });
    const multi = await deps.classifier.classify({
      model,
      inputs: TEXTS,
      labels: LABELS,
      strategy: 'embedding',
      multi_label: true,
      temperature: 0.1,
      threshold: 0.9,
    });
    TEXTS.forEach((_, i) => {
      const sims = labels.embeddings.map((l) => cos(texts.embeddings[i], l));
      expectClose(byLabel(single.results[i], LABELS), softmax(sims.map((s) => s * 20)));
      expectClose(
        byLabel(multi.results[i], LABELS),
        sims.map((s) => sigmoid((s - 0.9) / 0.1)),
      );
    });
  });

  it('temperature: finite scores at both ends of its range; past them the core refuses (no schema in front)', async () => {
    const model = 'tiny-embed';
    const request = { model, inputs: TEXTS, labels: LABELS, strategy: 'embedding' };
    for (const temperature of [1e-4, 1e4]) {
      for (const multi_label of [false, true]) {
        const { results } = await deps.classifier.classify({ ...request, temperature, multi_label });
        for (const r of results)
          for (const score of r.scores) expect(Number.isFinite(score), `${temperature}`).toBe(true);
      }
    }
    // 1e-320 once answered NaN (null in JSON): cosine / 1e-320 overflows and softmax takes Infinity - Infinity.
    for (const temperature of [1e-320, 1e-5, 1e5, Number.POSITIVE_INFINITY, Number.NaN]) {
      await expect(deps.classifier.classify({ ...request, temperature }), `${temperature}`).rejects.toMatchObject({
        kind: 'invalid_request',
        param: 'temperature',
      });
    }
    await expect(deps.classifier.classify({ ...request, threshold: 1.5 })).rejects.toMatchObject({
      param: 'threshold',
    });
  });

  it('caches label embeddings per model: a second request reads only its texts', async () => {
    const model = 'tiny-embed-cls';
    const first = await deps.classifier.classify({
      model,
      inputs: ['alpha'],
      labels: ['x', 'y'],
      strategy: 'embedding',
    });
    const second = await deps.classifier.classify({
      model,
      inputs: ['alpha'],
      labels: ['y', 'x', 'z'],
      strategy: 'embedding',
    });
    const textTokens = (await createEmbeddings(deps.models, deps.limits, { model, input: 'alpha' })).tokens;
    const zTokens = (await createEmbeddings(deps.models, deps.limits, { model, input: 'This text is about z.' }))
      .tokens;
    expect(second.usage.tokens).toBe(textTokens + zTokens);
    expect(first.usage.tokens).toBeGreaterThan(textTokens);
  });
});

describe('strategy model', () => {
  it('softmax over the logits, labels from id2label, top_k', async () => {
    const { results } = await deps.classifier.classify({ model: 'tiny-cls', inputs: TEXTS, top_k: 2 });
    for (const [i, text] of TEXTS.entries()) {
      const probs = softmax(await logitsAlone('tiny-cls', text, null));
      const order = [0, 1, 2].sort((a, b) => probs[b] - probs[a]).slice(0, 2);
      expect(results[i].labels).toEqual(order.map((j) => ['negative', 'neutral', 'positive'][j]));
      expectClose(
        results[i].scores,
        order.map((j) => probs[j]),
      );
    }
  });

  it('sigmoid per label for problem_type multi_label_classification, or when the request says multi_label', async () => {
    const multi = await deps.classifier.classify({ model: 'tiny-multi', inputs: [TEXTS[0]] });
    expectClose(
      byLabel(multi.results[0], ['sports', 'politics', 'science', 'business']),
      (await logitsAlone('tiny-multi', TEXTS[0], null)).map(sigmoid),
    );
    const forced = await deps.classifier.classify({ model: 'tiny-cls', inputs: [TEXTS[0]], multi_label: true });
    expectClose(
      byLabel(forced.results[0], ['negative', 'neutral', 'positive']),
      (await logitsAlone('tiny-cls', TEXTS[0], null)).map(sigmoid),
    );
  });
});

describe('the classifier', () => {
  it('nli: the characters tokenized (each text once per label, beside its label sentence) are bounded at the limit', async () => {
    // 'ab' + 'cdefg' = 7 characters x 2 labels, plus 'This example is x.' (18) + 'This example is yy.' (19) x 2 texts: 88.
    const request = { model: 'tiny-nli', inputs: ['ab', 'cdefg'], labels: ['x', 'yy'], strategy: 'nli' };
    const at = new Classifier(deps.models, { ...deps.limits, maxPairChars: 88 });
    expect((await at.classify(request)).results).toHaveLength(2);
    const under = new Classifier(deps.models, { ...deps.limits, maxPairChars: 87 });
    await expect(under.classify(request)).rejects.toMatchObject({
      kind: 'invalid_request',
      param: 'labels',
      message: expect.stringContaining('make 88 characters; the limit is 87'),
    });
  });

  it('picks a strategy: model without labels, nli for an NLI model, embedding for an embedding model', async () => {
    expect((await deps.classifier.classify({ model: 'tiny-cls', inputs: ['a'] })).strategy).toBe('model');
    expect((await deps.classifier.classify({ model: 'tiny-nli', inputs: ['a'], labels: ['x'] })).strategy).toBe('nli');
    expect((await deps.classifier.classify({ model: 'tiny-embed', inputs: ['a'], labels: ['x'] })).strategy).toBe(
      'embedding',
    );
    await expect(deps.classifier.classify({ model: 'tiny-cls', inputs: ['a'], labels: ['x'] })).rejects.toThrow(
      /leave labels out/,
    );
  });

  it('takes a strategy plugged into the registry, replacing the one of its name, with its own options', async () => {
    const strategies: StrategyRegistry = defaultStrategies();
    await expect(
      new Classifier(deps.models, deps.limits, { strategies }).classify({
        model: 'tiny-cls',
        inputs: ['a'],
        labels: ['x'],
        strategy: 'llm',
      }),
    ).rejects.toThrow(/'tiny-cls' is not a causal language model .*no remote LLM is configured/);
    strategies.register({
      name: 'llm',
      labels: 'required',
      options: ['top_k'],
      async classify(_ctx, request) {
        return {
          labels: request.labels,
          scores: request.inputs.map(() => request.labels.map((_, j) => j / 10)),
          tokens: 7,
        };
      },
    });
    const classifier = new Classifier(deps.models, deps.limits, { strategies });
    expect(
      await classifier.classify({
        model: 'tiny-cls',
        inputs: ['a'],
        labels: ['x', 'y', 'z'],
        strategy: 'llm',
        top_k: 2,
      }),
    ).toEqual({
      model: 'tiny-cls',
      strategy: 'llm',
      results: [{ labels: ['z', 'y'], scores: [0.2, 0.1] }],
      usage: { tokens: 7 },
    });
    await expect(
      classifier.classify({ model: 'tiny-cls', inputs: ['a'], labels: ['x'], strategy: 'llm', multi_label: true }),
    ).rejects.toThrow('multi_label does not apply to strategy llm');
  });

  it('serves a strategy registered through the extension point over HTTP; OpenAPI lists the built-ins', async () => {
    const strategies = defaultStrategies();
    const served: AppDeps = { ...deps, classifier: new Classifier(deps.models, deps.limits, { strategies }) };
    const app = createApp(() => served, { requestLog: null });
    const classify = (strategy: string) =>
      app.request('/v1/classify', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'tiny-cls', inputs: ['an x', 'a y'], labels: ['x', 'y'], strategy }),
      });
    const before = await classify('keyword');
    expect(before.status).toBe(INVALID_REQUEST.status);
    const refused = ((await before.json()) as { error: { type: string; param: string; message: string } }).error;
    expect(refused).toMatchObject({ type: INVALID_REQUEST.type, param: 'strategy' });
    expect(refused.message).toContain('embedding, nli, model, llm');
    strategies.register({
      name: 'keyword',
      labels: 'required',
      options: [],
      async classify(_ctx, request) {
        // 1 for a label the text contains, else 0: nothing a model computes.
        const scores = request.inputs.map((text) => request.labels.map((label) => (text.includes(label) ? 1 : 0)));
        return { labels: request.labels, scores, tokens: 0 };
      },
    });
    const after = await classify('keyword');
    expect(after.status).toBe(200);
    expect(await after.json()).toEqual({
      model: 'tiny-cls',
      strategy: 'keyword',
      results: [
        { labels: ['x', 'y'], scores: [1, 0] },
        { labels: ['y', 'x'], scores: [1, 0] },
      ],
      usage: { tokens: 0 },
    });
    const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'edgeclass', version: '1' } });
    const schemas = doc.components?.schemas as Record<string, { properties: Record<string, { examples?: unknown }> }>;
    const strategy = schemas.ClassifyRequest.properties.strategy;
    expect(strategy.examples).toEqual(defaultStrategies().names());
  });

  it('merges concurrent requests into shared runs on Node, with the results each gets alone', async () => {
    // One session, so the count of runs does not depend on the machine's cores (the default is a worker session
    // per core); how queued rows are shared out over several sessions is test/batcher.test.ts's.
    const one = createNodeDeps({ modelsDir: root, pull: { offline: true }, inference: { ortWorkers: 1 } });
    const model = await one.models.get('tiny-nli');
    const runner = model.runner as BatchingRunner;
    const alone = await Promise.all(
      TEXTS.map(
        async (t) => (await one.classifier.classify({ model: 'tiny-nli', inputs: [t], labels: LABELS })).results[0],
      ),
    );
    const before = { ...runner.stats };
    const together = await Promise.all(
      Array.from({ length: 12 }, (_, k) =>
        one.classifier.classify({ model: 'tiny-nli', inputs: [TEXTS[k % 3]], labels: LABELS }),
      ),
    );
    const runs = runner.stats.runs - before.runs;
    expect(runner.stats.rows - before.rows).toBe(12 * LABELS.length);
    // 12 requests, 36 rows: the first request's rows run on their own, the others queue meanwhile and share the
    // next dispatch, which splits its rows into one run per length (3 texts, 3 lengths here) where that saves
    // padding. Without merging there would be 12 runs or more.
    expect(runs).toBeLessThanOrEqual(2 * 3);
    together.forEach((r, k) => {
      expect(r.results[0].labels).toEqual(alone[k % 3].labels);
      expectClose(r.results[0].scores, alone[k % 3].scores, 1e-6);
    });
  });

  it('loads a model once for concurrent requests, and forgets a failed load', async () => {
    const [a, b] = await Promise.all([deps.models.get('tiny-cls'), deps.models.get('tiny-cls')]);
    expect(a).toBe(b);
    await expect(deps.models.get('later')).rejects.toThrow(/no tokenizer.json/);
    makeTinyModel(root, 'later', TINY_MODELS['tiny-cls']);
    expect((await deps.models.get('later')).id).toBe('later');
  });
});

describe('q8 models', () => {
  it('with dtype q8, serves onnx/model_quantized.onnx where a folder has one, onnx/model.onnx where not', async () => {
    makeTinyModel(root, 'tiny-cls-q8', TINY_MODELS['tiny-cls']);
    exportModel(path.join(root, 'tiny-cls-q8'), { quantize: 'q8' });
    const q8 = createNodeDeps({ modelsDir: root, pull: { offline: true }, dtype: 'q8' });
    expect((await q8.models.get('tiny-cls-q8')).onnxFile).toBe('onnx/model_quantized.onnx');
    expect((await q8.models.get('tiny-nli')).onnxFile).toBe('onnx/model.onnx');
    expect((await deps.models.get('tiny-cls-q8')).onnxFile).toBe('onnx/model.onnx');
    const labels = ['negative', 'neutral', 'positive'];
    const quantized = byLabel(
      (await q8.classifier.classify({ model: 'tiny-cls-q8', inputs: [TEXTS[0]] })).results[0],
      labels,
    );
    const full = byLabel(
      (await deps.classifier.classify({ model: 'tiny-cls-q8', inputs: [TEXTS[0]] })).results[0],
      labels,
    );
    expectClose(
      quantized,
      softmax(await logitsAlone('tiny-cls-q8', TEXTS[0], null, 'longest_first', 'onnx/model_quantized.onnx')),
    );
    expectClose(full, softmax(await logitsAlone('tiny-cls-q8', TEXTS[0], null)));
    expect(Math.max(...quantized.map((q, i) => Math.abs(q - full[i])))).toBeGreaterThan(1e-6);
  });
});
