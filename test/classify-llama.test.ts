// Strategy llm over POST /v1/classify on the Node app, serving Llama folders as `init-model --arch llama` and
// `export` make them: tied and untied lm_head, exported with past_key_values (init-model's onnx-community layout)
// and without (`export --task text-generation`). The expected scores are computed here, independently of the
// scorer: each (input, label) continuation is one unpadded row fed by hand to onnxruntime-node (position ids 0..T-1,
// an empty [1, kv, 0, hd] cache where the graph takes one), its log-softmax taken in float64; single-label is the
// softmax of the labels' summed log-likelihoods, multi-label sigmoid(log p(" yes") - log p(" no")) per label.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { post } from './support/http-contract.ts';
import { makeTinyLlama, TINY_LLAMAS, type TinyLlamaId } from './support/tiny-models.ts';

const TEXTS = [
  'The match ended in a late winner for the home side.',
  'Shares fell sharply after the earnings report.',
  'A new phone was announced today.',
];
const LABELS = ['sports', 'business', 'science and technology'];
const IDS = Object.keys(TINY_LLAMAS) as TinyLlamaId[];

// The default prompts, written out here rather than taken from the code under test.
const singlePrompt = (text: string) =>
  `Classify the text into one of these categories: ${LABELS.join(', ')}.\n\nText: ${text}\nCategory:`;
const multiPrompt = (text: string, label: string) =>
  `Categories: ${LABELS.join(', ')}.\n\nText: ${text}\nDoes the category "${label}" apply to the text? Answer yes or no.\nAnswer:`;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-classify-llama-'));
let app: ReturnType<typeof createNodeApp>;
const classify = async (body: Record<string, unknown>) => {
  const res = await post((p, init) => Promise.resolve(app.request(p, init)), '/v1/classify', body);
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(() => {
  for (const id of IDS) makeTinyLlama(root, id);
  app = createNodeApp({ modelsDir: root, pull: { offline: true }, requestLog: null, remoteLlm: null });
}, 60_000);
const worst: Record<string, number> = {};
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  // The measured gaps, for the record (the assertion is the 1e-5 bound).
  console.log(`llama strategy llm vs direct onnxruntime-node, max |score diff|: ${JSON.stringify(worst)}`);
});

/** log p(target | prompt) from one row prompt + target run directly, in float64. */
async function logLikelihood(
  session: ort.InferenceSession,
  config: Record<string, number>,
  prompt: number[],
  target: number[],
): Promise<number> {
  const row = prompt.concat(target);
  const T = row.length;
  const feeds: Record<string, ort.Tensor> = {
    input_ids: new ort.Tensor('int64', BigInt64Array.from(row, BigInt), [1, T]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(T).fill(1n), [1, T]),
    position_ids: new ort.Tensor(
      'int64',
      BigInt64Array.from({ length: T }, (_, t) => BigInt(t)),
      [1, T],
    ),
  };
  for (const name of session.inputNames)
    if (name.startsWith('past_key_values.'))
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, config.num_key_value_heads, 0, config.head_dim]);
  const logits = (await session.run(feeds)).logits.data as Float32Array; // [1, T, V]
  const V = config.vocab_size;
  let sum = 0;
  target.forEach((token, k) => {
    const at = (prompt.length - 1 + k) * V;
    let max = -Infinity;
    for (let v = 0; v < V; v++) max = Math.max(max, logits[at + v]);
    let z = 0;
    for (let v = 0; v < V; v++) z += Math.exp(logits[at + v] - max);
    sum += logits[at + token] - max - Math.log(z);
  });
  return sum;
}

/** Per input, per label (in LABELS' order): the scores strategy llm should give. */
async function expectedScores(id: TinyLlamaId, multiLabel: boolean): Promise<number[][]> {
  const dir = path.join(root, id);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
  const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
  const encode = (text: string) => tokenizer.encode(text, null, { addSpecialTokens: false }).ids;
  const withBos = (text: string) => [config.bos_token_id, ...encode(text)];
  const session = await ort.InferenceSession.create(path.join(dir, 'onnx/model.onnx'));
  try {
    const out: number[][] = [];
    for (const text of TEXTS) {
      if (!multiLabel) {
        const prompt = withBos(singlePrompt(text));
        const lls: number[] = [];
        for (const label of LABELS) lls.push(await logLikelihood(session, config, prompt, encode(` ${label}`)));
        const max = Math.max(...lls);
        const z = lls.reduce((a, x) => a + Math.exp(x - max), 0);
        out.push(lls.map((x) => Math.exp(x - max) / z));
      } else {
        const row: number[] = [];
        for (const label of LABELS) {
          const prompt = withBos(multiPrompt(text, label));
          const yes = await logLikelihood(session, config, prompt, encode(' yes'));
          const no = await logLikelihood(session, config, prompt, encode(' no'));
          row.push(1 / (1 + Math.exp(no - yes)));
        }
        out.push(row);
      }
    }
    return out;
  } finally {
    await session.release();
  }
}

describe('strategy llm serves init-model --arch llama + export folders (Node)', () => {
  it('the four folders: tied and untied lm_head, graphs with and without past_key_values', async () => {
    for (const id of IDS) {
      const dir = path.join(root, id);
      const config = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
      expect(config).toMatchObject({ model_type: 'llama', num_key_value_heads: 2, num_attention_heads: 4 });
      expect(config.tie_word_embeddings).toBe(!TINY_LLAMAS[id].untied);
      const session = await ort.InferenceSession.create(path.join(dir, 'onnx/model.onnx'));
      const past = session.inputNames.filter((n) => n.startsWith('past_key_values.'));
      expect(past).toHaveLength(TINY_LLAMAS[id].withPast ? 4 : 0);
      await session.release();
    }
  });

  for (const id of IDS) {
    for (const multiLabel of [false, true]) {
      it(`${id}, ${multiLabel ? 'multi' : 'single'}-label: the scores computed directly from the graph's logits`, async () => {
        const expected = await expectedScores(id, multiLabel);
        const { status, body } = await classify({
          model: id,
          inputs: TEXTS,
          labels: LABELS,
          strategy: 'llm',
          multi_label: multiLabel,
        });
        expect(status, JSON.stringify(body)).toBe(200);
        expect(body.strategy).toBe('llm');
        expect(body.results).toHaveLength(TEXTS.length);
        let gap = 0;
        body.results.forEach((r: { labels: string[]; scores: number[] }, i: number) => {
          expect([...r.labels].sort()).toEqual([...LABELS].sort());
          r.labels.forEach(
            (label, j) => (gap = Math.max(gap, Math.abs(r.scores[j] - expected[i][LABELS.indexOf(label)]))),
          );
          expect(r.scores).toEqual([...r.scores].sort((a, b) => b - a));
        });
        expect(gap).toBeLessThan(1e-5);
        worst[`${id} ${multiLabel ? 'multi' : 'single'}`] = gap;
        // A random model's scores differ from label to label: the comparison is not between uniform answers.
        const flat = expected.flat();
        expect(Math.max(...flat) - Math.min(...flat)).toBeGreaterThan(1e-3);
      });
    }
  }
});
