// The Hub tokenizers over HTTP, as a user reaches them: `edgeclass serve` (Node) and `wrangler dev` (workerd) with
// t5-small, Qwen3 and Mistral in their models folder answer seed-style pair requests with the golden's ids and
// tokens, and return token_type_ids only where the tokenizer class takes them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import { TOKENIZE_HUB_GOLDEN_DIR } from './support/paths.ts';
import { startNodeServe, startWranglerDev, type NodeServe, type WranglerDev } from './support/servers.ts';
import type { GoldenCase, GoldenEncoding } from './support/tokenize-golden.ts';

const HUB_MODELS = path.join(TOKENIZE_HUB_GOLDEN_DIR, 'models');
const MODELS = ['t5-small', 'Qwen--Qwen3-0.6B', 'mistralai--Mistral-7B-v0.1'];
// A natural pair, a multilingual one, and the chat / instruction special tokens written literally.
const PAIRS = ['p0000', 'p0101', 'p0103', 'p0105'];

interface Example {
  model: string;
  text: string;
  pair: string;
  expected: GoldenEncoding;
}

function examplesOf(model: string): Example[] {
  const raw = zlib.gunzipSync(fs.readFileSync(path.join(TOKENIZE_HUB_GOLDEN_DIR, `golden.${model}.json.gz`)));
  const cases = JSON.parse(raw.toString('utf8')).cases as GoldenCase[];
  return PAIRS.map((p) => {
    const c = cases.find((x) => x.id === `pair/${p}/plain`)!;
    return { model, text: c.input.text, pair: c.input.text_pair, expected: c.expected as GoldenEncoding };
  });
}

const examples = MODELS.flatMap(examplesOf);
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-hub-http-'));
let node: NodeServe;
let dev: WranglerDev;

beforeAll(async () => {
  for (const id of MODELS) fs.cpSync(path.join(HUB_MODELS, id), path.join(root, id), { recursive: true });
  [node, dev] = await Promise.all([startNodeServe(root), startWranglerDev(root, { timeoutMs: 150_000 })]);
}, 240_000);

afterAll(() => {
  node?.stop();
  dev?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

async function tokenize(url: string, e: Example) {
  const res = await fetch(`${url}/v1/tokenize`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: e.model, inputs: [e.text, e.pair], return_tokens: true }),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body).slice(0, 300)).toBe(200);
  return body.encodings[0];
}

describe.each([
  ['edgeclass serve (Node)', () => node.url],
  ['wrangler dev (workerd)', () => dev.url],
])('hub tokenizers over %s', (_name, url) => {
  it.each(examples.map((e) => [`${e.model} ${JSON.stringify(e.text).slice(0, 30)}`, e] as const))(
    '%s: the golden ids and tokens, no token_type_ids',
    async (_label, e) => {
      const row = await tokenize(url(), e);
      expect(row.input_ids).toEqual(e.expected.ids);
      expect(row.tokens).toEqual(e.expected.tokens);
      // T5, Qwen2 and Llama tokenizers take no token type ids (transformers' model_input_names).
      expect(row).not.toHaveProperty('token_type_ids');
    },
    60_000,
  );
});

describe('token_type_ids by tokenizer class', () => {
  // The same Unigram tokenizer.json under the classes of the families that use it.
  const classes: [string, boolean][] = [
    ['DebertaV2Tokenizer', true],
    ['XLMRobertaTokenizer', false],
    ['LlamaTokenizerFast', false],
  ];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-hub-classes-'));
  for (const [cls] of classes) {
    fs.mkdirSync(path.join(dir, cls));
    fs.copyFileSync(path.join(HUB_MODELS, 't5-small', 'tokenizer.json'), path.join(dir, cls, 'tokenizer.json'));
    fs.writeFileSync(path.join(dir, cls, 'tokenizer_config.json'), JSON.stringify({ tokenizer_class: cls }));
  }
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const app = createNodeApp({ modelsDir: dir, pull: { offline: true } });

  it.each(classes)('%s: token_type_ids returned = %s', async (cls, expected) => {
    const res = await app.request('/v1/tokenize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: cls, inputs: ['a question', 'an answer'] }),
    });
    expect(res.status).toBe(200);
    const row = ((await res.json()) as any).encodings[0];
    expect('token_type_ids' in row).toBe(expected);
  });
});
