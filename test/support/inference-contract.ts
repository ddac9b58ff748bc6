// The HTTP contract of /v1/embeddings and /v1/classify, written once and run against the Node app and inside
// workerd, over the tiny models of tiny-models.ts (no Node imports here: this file also runs in workerd).
import { describe, expect, it } from 'vitest';
import { post, type Fetch } from './http-contract.ts';

const TEXTS = [
  'The match ended in a draw after extra time.',
  'Stocks fell sharply as oil prices rose.',
  'A new telescope sees distant galaxies.',
];
const TOPICS = ['sports', 'business', 'science', 'politics'];

type Json = any;

async function ok(res: Response): Promise<Json> {
  const body = await res.json();
  expect(res.status, JSON.stringify(body).slice(0, 400)).toBe(200);
  return body;
}

async function expectError(res: Response, status: number, param?: string | null, message?: RegExp) {
  const body = (await res.json()) as {
    error: { type: string; code: string | null; message: string; param: string | null };
  };
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(typeof body.error.type).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  if (param !== undefined) expect(body.error.param).toBe(param);
  if (message) expect(body.error.message).toMatch(message);
  expect(JSON.stringify(body)).not.toMatch(/\n\s+at /);
  return body.error;
}

const norm = (v: number[]) => Math.hypot(...v);

function base64ToFloats(text: string): number[] {
  const binary = atob(text);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  return Array.from(new Float32Array(bytes.buffer));
}

function expectRanked(result: { labels: string[]; scores: number[] }, labels: string[]) {
  expect([...result.labels].sort()).toEqual([...labels].sort());
  expect(result.scores).toEqual([...result.scores].sort((a, b) => b - a));
  for (const s of result.scores) expect(s >= 0 && s <= 1).toBe(true);
}

export function defineInferenceContract(getFetch: () => Fetch) {
  const f: Fetch = (path, init) => getFetch()(path, init);

  describe('POST /v1/embeddings', () => {
    it("answers in OpenAI's shape, normalized by default, with the sentence-transformers pooling", async () => {
      const body = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: TEXTS }));
      expect(body.object).toBe('list');
      expect(body.model).toBe('tiny-embed');
      expect(body.data.map((d: Json) => [d.object, d.index])).toEqual([
        ['embedding', 0],
        ['embedding', 1],
        ['embedding', 2],
      ]);
      for (const d of body.data) {
        expect(d.embedding).toHaveLength(32);
        expect(Math.abs(norm(d.embedding) - 1)).toBeLessThan(1e-5);
      }
      expect(body.usage.prompt_tokens).toBeGreaterThan(TEXTS.length * 3);
      expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens);
    });

    it("token ids (OpenAI's token input) embed as the text they encode; ids outside the vocabulary are a 400", async () => {
      const tokens = await ok(await post(f, '/v1/tokenize', { model: 'tiny-embed', inputs: [[TEXTS[0]], [TEXTS[1]]] }));
      const ids: number[][] = tokens.encodings.map((e: Json) => e.input_ids);
      const texts = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: [TEXTS[0], TEXTS[1]] }));
      const lists = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: ids }));
      const one = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: ids[1] }));
      for (const [i, d] of [...lists.data, { ...one.data[0], index: 1 }].entries()) {
        const index = i < 2 ? i : 1;
        d.embedding.forEach((v: number, k: number) =>
          expect(Math.abs(v - texts.data[index].embedding[k])).toBeLessThan(1e-6),
        );
      }
      expect(lists.usage.prompt_tokens).toBe(ids[0].length + ids[1].length);
      const outside = await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-embed', input: [ids[0][0], 99_999_999] }),
        400,
        'input',
      );
      expect(outside.message).toMatch(/99999999 is not in the vocabulary/);
      await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-embed', input: [ids[0], [-1]] }),
        400,
        'input[1][0]',
      );
    });

    it("takes OpenAI's 2,048 inputs in one request, and refuses one more before running any", async () => {
      const many = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: Array(2048).fill('a b') }));
      expect(many.data).toHaveLength(2048);
      await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-embed', input: Array(2049).fill('a b') }),
        400,
        'input',
        /the limit is 2048/,
      );
    });

    it('one text alone gives what it gives in a batch; dimensions shortens then normalizes; base64 is float32 LE', async () => {
      const batch = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: TEXTS }));
      const single = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: TEXTS[1] }));
      single.data[0].embedding.forEach((v: number, i: number) =>
        expect(Math.abs(v - batch.data[1].embedding[i])).toBeLessThan(1e-6),
      );
      const short = await ok(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: TEXTS[1], dimensions: 8 }));
      expect(short.data[0].embedding).toHaveLength(8);
      expect(Math.abs(norm(short.data[0].embedding) - 1)).toBeLessThan(1e-5);
      const b64 = await ok(
        await post(f, '/v1/embeddings', { model: 'tiny-embed', input: [TEXTS[1]], encoding_format: 'base64' }),
      );
      expect(typeof b64.data[0].embedding).toBe('string');
      expect(base64ToFloats(b64.data[0].embedding)).toEqual(single.data[0].embedding);
    });

    it('pooling and normalize override the defaults', async () => {
      const raw = await ok(
        await post(f, '/v1/embeddings', { model: 'tiny-embed-cls', input: TEXTS[0], normalize: false }),
      );
      expect(Math.abs(norm(raw.data[0].embedding) - 1)).toBeGreaterThan(1e-3);
      const mean = await ok(
        await post(f, '/v1/embeddings', {
          model: 'tiny-embed-cls',
          input: TEXTS[0],
          pooling: 'mean',
          normalize: false,
        }),
      );
      expect(mean.data[0].embedding).not.toEqual(raw.data[0].embedding);
    });

    it('refuses what it cannot do', async () => {
      await expectError(await post(f, '/v1/embeddings', { model: 'tiny-embed', input: [] }), 400, 'input');
      await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-embed', input: 'x', dimensions: 33 }),
        400,
        'dimensions',
      );
      await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-embed', input: 'x', encoding_format: 'hex' }),
        400,
        'encoding_format',
      );
      await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-nli', input: 'x' }),
        400,
        'model',
        /token embeddings/,
      );
    });
  });

  describe('POST /v1/classify', () => {
    it('nli: one ranked result per input; single-label scores sum to 1; the default strategy for an NLI model', async () => {
      const body = await ok(await post(f, '/v1/classify', { model: 'tiny-nli', inputs: TEXTS, labels: TOPICS }));
      expect(body.strategy).toBe('nli');
      expect(body.results).toHaveLength(3);
      for (const r of body.results) {
        expectRanked(r, TOPICS);
        expect(Math.abs(r.scores.reduce((a: number, b: number) => a + b, 0) - 1)).toBeLessThan(1e-6);
      }
      expect(body.usage.tokens).toBeGreaterThan(TEXTS.length * TOPICS.length * 5);
    });

    it('nli: multi_label scores each label alone; top_k keeps the best; a template without {} is refused', async () => {
      const multi = await ok(
        await post(f, '/v1/classify', {
          model: 'tiny-nli-roberta',
          inputs: TEXTS[0],
          labels: TOPICS,
          strategy: 'nli',
          multi_label: true,
        }),
      );
      expectRanked(multi.results[0], TOPICS);
      const top = await ok(
        await post(f, '/v1/classify', {
          model: 'tiny-nli-roberta',
          inputs: [TEXTS[0]],
          labels: TOPICS,
          strategy: 'nli',
          multi_label: true,
          top_k: 2,
        }),
      );
      expect(top.results[0]).toEqual({
        labels: multi.results[0].labels.slice(0, 2),
        scores: multi.results[0].scores.slice(0, 2),
      });
      await expectError(
        await post(f, '/v1/classify', {
          model: 'tiny-nli',
          inputs: 'x',
          labels: ['a'],
          hypothesis_template: 'no slot',
        }),
        400,
        'hypothesis_template',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-cls', inputs: 'x', labels: ['a', 'b'], strategy: 'nli' }),
        400,
        'model',
        /entailment/,
      );
    });

    it('embedding: softmax over label similarities, independent sigmoids with multi_label; the default for other models', async () => {
      const body = await ok(await post(f, '/v1/classify', { model: 'tiny-embed', inputs: TEXTS, labels: TOPICS }));
      expect(body.strategy).toBe('embedding');
      for (const r of body.results) {
        expectRanked(r, TOPICS);
        expect(Math.abs(r.scores.reduce((a: number, b: number) => a + b, 0) - 1)).toBeLessThan(1e-6);
      }
      // Labels no other test uses: the first request embeds them, the second finds them cached.
      const fresh = ['cricket', 'banking', 'astronomy'];
      const first = await ok(await post(f, '/v1/classify', { model: 'tiny-embed', inputs: TEXTS, labels: fresh }));
      const again = await ok(await post(f, '/v1/classify', { model: 'tiny-embed', inputs: TEXTS, labels: fresh }));
      expect(again.results).toEqual(first.results);
      expect(again.usage.tokens).toBeLessThan(first.usage.tokens);
      const multi = await ok(
        await post(f, '/v1/classify', {
          model: 'tiny-embed',
          inputs: TEXTS[2],
          labels: TOPICS,
          multi_label: true,
          temperature: 1,
          threshold: 0,
        }),
      );
      expectRanked(multi.results[0], TOPICS);
      for (const s of multi.results[0].scores) expect(s).toBeGreaterThan(0.5); // sigmoid(cos) with cos > 0 here
    });

    it("model: the model's own labels, softmax or sigmoid by problem_type, top_k", async () => {
      const single = await ok(await post(f, '/v1/classify', { model: 'tiny-cls', inputs: TEXTS }));
      expect(single.strategy).toBe('model');
      for (const r of single.results) {
        expectRanked(r, ['negative', 'neutral', 'positive']);
        expect(Math.abs(r.scores.reduce((a: number, b: number) => a + b, 0) - 1)).toBeLessThan(1e-6);
      }
      const multi = await ok(await post(f, '/v1/classify', { model: 'tiny-multi', inputs: TEXTS[0], top_k: 3 }));
      expect(multi.results[0].labels).toHaveLength(3);
      expect(Math.abs(multi.results[0].scores.reduce((a: number, b: number) => a + b, 0) - 1)).toBeGreaterThan(1e-3);
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-cls', inputs: 'x', strategy: 'model', labels: ['a'] }),
        400,
        'labels',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-cls', inputs: 'x', strategy: 'model', temperature: 0.1 }),
        400,
        'temperature',
      );
    });

    it('llm (local causal LM): label probabilities or p(yes) per label; the default for a causal LM with labels', async () => {
      const single = await ok(await post(f, '/v1/classify', { model: 'tiny-gpt2', inputs: TEXTS, labels: TOPICS }));
      expect(single.strategy).toBe('llm');
      expect(single.usage.tokens).toBeGreaterThan(TEXTS.length * 20);
      for (const r of single.results) {
        expectRanked(r, TOPICS);
        expect(Math.abs(r.scores.reduce((a: number, b: number) => a + b, 0) - 1)).toBeLessThan(1e-6);
      }
      const multi = await ok(
        await post(f, '/v1/classify', {
          model: 'tiny-gpt2',
          inputs: TEXTS[0],
          labels: TOPICS,
          strategy: 'llm',
          multi_label: true,
          top_k: 2,
        }),
      );
      expect(multi.results[0].labels).toHaveLength(2);
      for (const s of multi.results[0].scores) expect(s > 0 && s < 1).toBe(true);
      await expectError(
        await post(f, '/v1/classify', {
          model: 'tiny-gpt2',
          inputs: 'x',
          labels: ['a'],
          strategy: 'llm',
          hypothesis_template: 'It is {}.',
        }),
        400,
        'hypothesis_template',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-gpt2', inputs: 'x', labels: ['a'], strategy: 'nli' }),
        400,
        'model',
        /causal language model/,
      );
      await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-gpt2', input: 'x' }),
        400,
        'model',
        /causal language model \(gpt2\).*strategy llm/,
      );
    });

    it('llm refuses encoders, and remote names when no remote LLM is configured; unknown strategies are refused', async () => {
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-cls', inputs: 'x', labels: ['a'], strategy: 'llm' }),
        400,
        'model',
        /'tiny-cls' is not a causal language model/,
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'gpt-4o-mini', inputs: 'x', labels: ['a'], strategy: 'llm' }),
        404,
        'model',
        /no remote LLM is configured/,
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-cls', inputs: 'x', labels: ['a'], strategy: 'magic' }),
        400,
        'strategy',
      );
    });
  });

  describe('classify and embeddings errors', () => {
    it('unknown model -> 404 model_not_found; invalid id, model without onnx -> 400', async () => {
      const e = await expectError(
        await post(f, '/v1/classify', { model: 'no-such-model', inputs: 'x', labels: ['a'] }),
        404,
        'model',
      );
      expect(e).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found' });
      expect(e.message).toMatch(/sync|pull|EDGECLASS_MODELS_DIR/);
      await expectError(await post(f, '/v1/embeddings', { model: '../etc', input: 'x' }), 400, 'model');
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-no-onnx', inputs: 'x' }),
        400,
        'model',
        /onnx\/model\.onnx/,
      );
    });

    it('bad labels, too many labels or pairs, empty or too long inputs -> 400 naming the field', async () => {
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: 'x', labels: ['a', ' '] }),
        400,
        'labels[1]',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: 'x', labels: ['a', 'a'] }),
        400,
        'labels[1]',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: 'x', labels: [3] }),
        400,
        'labels[0]',
      );
      await expectError(await post(f, '/v1/classify', { model: 'tiny-nli', inputs: 'x', labels: [] }), 400, 'labels');
      await expectError(
        await post(f, '/v1/classify', {
          model: 'tiny-nli',
          inputs: 'x',
          labels: Array.from({ length: 65 }, (_, i) => `l${i}`),
        }),
        400,
        'labels',
        /limit is 64/,
      );
      await expectError(
        await post(f, '/v1/classify', {
          model: 'tiny-nli',
          inputs: Array(256).fill('x'),
          labels: Array.from({ length: 9 }, (_, i) => `l${i}`),
        }),
        400,
        'labels',
        /2304 pairs; the limit is 2048/,
      );
      await expectError(await post(f, '/v1/classify', { model: 'tiny-nli', inputs: [], labels: ['a'] }), 400, 'inputs');
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: Array(257).fill('x'), labels: ['a'] }),
        400,
        'inputs',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: ['ok', 'x'.repeat(100_001)], labels: ['a'] }),
        400,
        'inputs[1]',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: 'x', labels: ['a'], top_k: 0 }),
        400,
        'top_k',
      );
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: 'x', labels: ['a'], extra: 1 }),
        400,
      );
    });

    it('a body over the limit -> 413', async () => {
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-nli', inputs: ['x'.repeat(3 * 1024 * 1024)], labels: ['a'] }),
        413,
      );
      await expectError(
        await post(f, '/v1/embeddings', { model: 'tiny-embed', input: 'x'.repeat(3 * 1024 * 1024) }),
        413,
      );
    });

    it('an inference failure -> 500 with the error shape, and the service still answers', async () => {
      const e = await expectError(
        await post(f, '/v1/classify', { model: 'tiny-broken', inputs: 'zebra' }),
        500,
        null,
        /inference failed: running model 'tiny-broken'.*out of data bounds/,
      );
      expect(e.code).toBe('inference_error');
      await expectError(
        await post(f, '/v1/classify', { model: 'tiny-corrupt', inputs: 'zebra' }),
        500,
        null,
        /could not load onnx\/model\.onnx of model 'tiny-corrupt'/,
      );
      const good = await ok(await post(f, '/v1/classify', { model: 'tiny-cls', inputs: 'still here' }));
      expect(good.results).toHaveLength(1);
      await expectError(await post(f, '/v1/classify', { model: 'tiny-broken', inputs: ['zebra'] }), 500);
      // The broken model's session still runs texts whose ids it holds: the failure was that request's only.
      expect((await ok(await post(f, '/v1/classify', { model: 'tiny-broken', inputs: '!' }))).results).toHaveLength(1);
      expect(await (await f('/healthz')).json()).toMatchObject({ status: 'ok' });
    });
  });
}
