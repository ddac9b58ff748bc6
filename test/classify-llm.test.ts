// Strategy llm through POST /v1/classify on the Node app.
// Local: a tiny random GPT-2 made by the project's own init; the answers must be what the scorer computes over the
// same graph run directly by onnxruntime-node (its arithmetic is proved in llm-local.test.ts against full rows).
// Remote: a local server speaking the OpenAI chat-completions protocol (the one stand-in allowed): a listed model
// is forwarded with the key from the environment; malformed and off-label answers are corrected once, then refused
// with 502; a slow upstream is 504; the key never shows in an answer.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyWithLocalLm, createGpt2CausalLm } from '../src/core/classify/llm-local.ts';
import { remoteLlmFromEnv } from '../src/core/llm/from-env.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { askedText, inOrder, startFakeOpenAi, type FakeOpenAi } from './support/fake-openai.ts';
import { post } from './support/http-contract.ts';
import { openSession } from './support/ort-session.ts';
import { makeTinyGpt2, makeTinyModel, TINY_GPT2 } from './support/tiny-models.ts';

const KEY = 'sk-test-edgeclass-llm-route-0123456789';
const REMOTE = 'gpt-4o-mini';
const TEXTS = [
  'The match ended in a late winner for the home side.',
  'Shares fell sharply after the earnings report.',
  'A new phone was announced today.',
];
const LABELS = ['sports', 'business', 'science and technology'];

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-classify-llm-'));
let upstream: FakeOpenAi;
let app: ReturnType<typeof createNodeApp>;
const classify = async (body: Record<string, unknown>) => {
  const res = await post((p, init) => Promise.resolve(app.request(p, init)), '/v1/classify', body);
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  makeTinyGpt2(root);
  makeTinyModel(root, 'tiny-cls');
  upstream = await startFakeOpenAi({ apiKey: KEY, reply: () => ({ content: '{"label": "sports"}' }) });
  const remoteLlm = remoteLlmFromEnv({
    EDGECLASS_LLM_BASE_URL: upstream.baseUrl,
    EDGECLASS_LLM_API_KEY: KEY,
    EDGECLASS_LLM_MODELS: ` ${REMOTE} , @cf/meta/llama-3.1-8b-instruct`,
    EDGECLASS_LLM_TIMEOUT_MS: '400',
    EDGECLASS_LLM_RETRIES: '1',
  });
  app = createNodeApp({ modelsDir: root, pull: { offline: true }, requestLog: null, remoteLlm });
});

afterAll(async () => {
  await upstream.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('strategy llm, local causal LM', () => {
  it('answers what the scorer computes over the graph run directly, single- and multi-label', async () => {
    const dir = path.join(root, TINY_GPT2);
    const session = await openSession(fs.readFileSync(path.join(dir, 'onnx', 'model.onnx')));
    const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
    const lm = createGpt2CausalLm(
      JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')),
      tokenizer,
      session.run,
      { inputNames: session.inputNames },
    );
    for (const multiLabel of [false, true]) {
      const expected = await classifyWithLocalLm(lm, TEXTS, LABELS, { multiLabel });
      const { status, body } = await classify({
        model: TINY_GPT2,
        inputs: TEXTS,
        labels: LABELS,
        strategy: 'llm',
        multi_label: multiLabel,
      });
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.strategy).toBe('llm');
      body.results.forEach((r: { labels: string[]; scores: number[] }, i: number) => {
        r.labels.forEach((label, j) =>
          expect(Math.abs(r.scores[j] - expected[i][LABELS.indexOf(label)])).toBeLessThan(1e-6),
        );
        expect(r.scores).toEqual([...r.scores].sort((a, b) => b - a));
      });
    }
    await session.release();
  });

  it('counts the tokens the model read', async () => {
    const one = await classify({ model: TINY_GPT2, inputs: [TEXTS[0]], labels: ['sports'], strategy: 'llm' });
    const two = await classify({ model: TINY_GPT2, inputs: [TEXTS[0], TEXTS[0]], labels: ['sports'], strategy: 'llm' });
    expect(one.body.usage.tokens).toBeGreaterThan(10);
    expect(two.body.usage.tokens).toBe(2 * one.body.usage.tokens);
  });
});

describe('strategy llm, remote chat endpoint', () => {
  it("forwards a listed model with the key; scores 1 for the chosen label; usage is the upstream's tokens", async () => {
    upstream.requests.length = 0;
    upstream.setReply((body) => ({
      content: JSON.stringify({ label: askedText(body).includes('Shares') ? 'business' : 'sports' }),
    }));
    const { status, body } = await classify({ model: REMOTE, inputs: TEXTS.slice(0, 2), labels: LABELS });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toEqual({
      model: REMOTE,
      strategy: 'llm',
      results: [
        { labels: ['sports', 'business', 'science and technology'], scores: [1, 0, 0] },
        { labels: ['business', 'sports', 'science and technology'], scores: [1, 0, 0] },
      ],
      usage: { tokens: 30 },
    });
    expect(upstream.requests.map((r) => r.authorization)).toEqual([`Bearer ${KEY}`, `Bearer ${KEY}`]);
    expect(upstream.requests[0].body.model).toBe(REMOTE);
  });

  it('multi_label and top_k', async () => {
    upstream.setReply(() => ({ content: '{"labels": ["science and technology", "business"]}' }));
    const { body } = await classify({
      model: REMOTE,
      inputs: TEXTS[2],
      labels: LABELS,
      strategy: 'llm',
      multi_label: true,
      top_k: 2,
    });
    expect(body.results).toEqual([{ labels: ['business', 'science and technology'], scores: [1, 1] }]);
  });

  it('corrects one off-label answer; two unusable answers are a 502 upstream_error naming the input', async () => {
    upstream.setReply(inOrder({ content: '{"label": "weather"}' }, { content: '{"label": "business"}' }));
    expect((await classify({ model: REMOTE, inputs: TEXTS[1], labels: LABELS })).body.results[0].labels[0]).toBe(
      'business',
    );
    upstream.setReply(inOrder({ content: 'I think it is sports' }, { content: '{"label": "weather"}' }));
    const bad = await classify({ model: REMOTE, inputs: ['x', TEXTS[0]], labels: LABELS });
    expect(bad.status).toBe(502);
    expect(bad.body.error).toEqual({
      type: 'server_error',
      code: 'upstream_error',
      message: expect.stringMatching(/inputs\[0\].*unusable twice/),
      param: null,
    });
  });

  it('an upstream error is 502, a slow upstream 504; the key never shows', async () => {
    upstream.setReply(() => ({ status: 401, message: `Incorrect API key provided: ${KEY}` }));
    const refused = await classify({ model: REMOTE, inputs: 'x', labels: LABELS });
    expect(refused.status).toBe(502);
    expect(refused.body.error.code).toBe('upstream_error');
    expect(JSON.stringify(refused.body)).not.toContain(KEY);
    upstream.setReply(() => ({ delayMs: 2000, then: { content: '{"label": "sports"}' } }));
    const slow = await classify({ model: REMOTE, inputs: 'x', labels: LABELS });
    expect(slow.status).toBe(504);
    expect(slow.body.error.message).toMatch(/400 ms/);
  });

  it('a name that is neither listed nor a local causal LM is refused, naming the remote models', async () => {
    const { status, body } = await classify({ model: 'gpt-4o', inputs: 'x', labels: LABELS, strategy: 'llm' });
    expect(status).toBe(404);
    expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'model_not_found', param: 'model' });
    expect(body.error.message).toMatch(/the remote LLMs are gpt-4o-mini, @cf\/meta\/llama-3.1-8b-instruct/);
    const encoder = await classify({ model: 'tiny-cls', inputs: 'x', labels: LABELS, strategy: 'llm' });
    expect(encoder.status).toBe(400);
    expect(encoder.body.error.message).toMatch(/not a causal language model/);
  });
});
