// Serving Hub-style folders beyond the reference answers (test/hub-golden.test.ts): /v1/models says what each
// folder can do; a request's dtype picks the graph variant, and an absent one is a 400 naming those there; a graph
// whose inputs cannot be fed from text is a 400 naming them; an instruct model's prompt goes through its own chat
// template, its label scored as the assistant's answer (checked against the cache-less graph run directly).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import onnxProto from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { post } from './support/http-contract.ts';
import { HUB_GOLDEN_DIR } from './support/paths.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-hub-serving-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A copy of a golden folder (no reference.json), with some files replaced. */
function copyFolder(from: string, to: string, replace: Record<string, Uint8Array | string> = {}): void {
  const src = path.join(HUB_GOLDEN_DIR, from);
  fs.cpSync(src, path.join(root, to), { recursive: true, filter: (f) => path.basename(f) !== 'reference.json' });
  for (const [file, data] of Object.entries(replace)) fs.writeFileSync(path.join(root, to, file), data);
}

/** The graph with one more declared input, pixel_values (unused: ORT loads it; nothing can feed it from text). */
function withExtraInput(file: string): Uint8Array {
  const { onnx } = onnxProto;
  const model = onnx.ModelProto.decode(fs.readFileSync(file));
  model.graph!.input!.push(
    onnx.ValueInfoProto.create({
      name: 'pixel_values',
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimValue: 1 }] } } },
    }),
  );
  return onnx.ModelProto.encode(model).finish();
}

/**
 * A float16 graph in the encoder layout: last_hidden_state = Gather(table, input_ids), every row of the table
 * [1, 2, 3, 4] in float16, so whatever the text, its mean-pooled, normalized embedding is [1, 2, 3, 4] / sqrt(30).
 */
function fp16Encoder(vocab: number): Uint8Array {
  const { onnx } = onnxProto;
  const { FLOAT16, INT64 } = onnx.TensorProto.DataType;
  const table = new Uint16Array(vocab * 4);
  for (let r = 0; r < vocab; r++) table.set([0x3c00, 0x4000, 0x4200, 0x4400], r * 4); // 1, 2, 3, 4
  const info = (name: string, elemType: number, dims: (string | number)[]) =>
    onnx.ValueInfoProto.create({
      name,
      type: {
        tensorType: {
          elemType,
          shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
        },
      },
    });
  const graph = onnx.GraphProto.create({
    name: 'fp16-encoder',
    node: [onnx.NodeProto.create({ opType: 'Gather', input: ['table', 'input_ids'], output: ['last_hidden_state'] })],
    initializer: [
      onnx.TensorProto.create({
        name: 'table',
        dataType: FLOAT16,
        dims: [vocab, 4],
        rawData: new Uint8Array(table.buffer),
      }),
    ],
    input: [
      info('input_ids', INT64, ['batch_size', 'sequence_length']),
      info('attention_mask', INT64, ['batch_size', 'sequence_length']),
    ],
    output: [info('last_hidden_state', FLOAT16, ['batch_size', 'sequence_length', 4])],
  });
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], graph }),
  ).finish();
}

const CHATML =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

const lmConfig = JSON.parse(
  fs.readFileSync(path.join(HUB_GOLDEN_DIR, 'tiny-llama-bpe-lm', 'tokenizer_config.json'), 'utf8'),
);
copyFolder('tiny-llama-bpe-lm', 'chat-lm', {
  'tokenizer_config.json': JSON.stringify({ ...lmConfig, chat_template: CHATML }),
});
copyFolder('minilm-embed', 'embed-variants', {
  'onnx/model_q4.onnx': withExtraInput(path.join(HUB_GOLDEN_DIR, 'minilm-embed', 'onnx', 'model.onnx')),
});
copyFolder('minilm-embed', 'embed-fp16', { 'onnx/model_fp16.onnx': fp16Encoder(30522) });
copyFolder('minilm-embed', 'embed-extra-input', {
  'onnx/model.onnx': withExtraInput(path.join(HUB_GOLDEN_DIR, 'minilm-embed', 'onnx', 'model.onnx')),
});
const app = createNodeApp({ modelsDir: root, pull: { offline: true }, requestLog: null, metrics: false });
const fetchApp = async (p: string, init?: RequestInit) => app.request(p, init);

describe('Hub folders: capabilities, dtypes, unsatisfiable inputs', () => {
  it('/v1/models says which strategies and graph variants each folder has', async () => {
    const body = (await (await fetchApp('/v1/models')).json()) as {
      data: { id: string; strategies: string[]; dtypes: string[]; capabilities: Record<string, boolean> }[];
    };
    const byId = new Map(body.data.map((m) => [m.id, m]));
    expect(byId.get('chat-lm')).toMatchObject({
      strategies: ['llm'],
      dtypes: ['fp32'],
      capabilities: { tokenize: true, embeddings: false, classify: true },
    });
    expect(byId.get('embed-variants')).toMatchObject({ strategies: ['embedding'], dtypes: ['fp32', 'q4'] });
  });

  it('a request dtype picks the variant; one the folder lacks is a 400 naming those it has', async () => {
    const body = { model: 'embed-variants', input: ['a text'] };
    expect((await post(fetchApp, '/v1/embeddings', { ...body, dtype: 'fp32' })).status).toBe(200);
    // The q4 file is the graph with an input nothing feeds: its refusal shows that file was the one loaded.
    const q4 = await post(fetchApp, '/v1/embeddings', { ...body, dtype: 'q4' });
    expect(q4.status).toBe(400);
    expect(((await q4.json()) as any).error.message).toMatch(/pixel_values/);
    const q8 = await post(fetchApp, '/v1/embeddings', { ...body, dtype: 'q8' });
    expect(q8.status).toBe(400);
    const error = ((await q8.json()) as any).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_model', param: 'dtype' });
    expect(error.message).toMatch(/onnx\/model_quantized\.onnx.*fp32, q4/);
    const bad = await post(fetchApp, '/v1/embeddings', { ...body, dtype: 'fp64' });
    expect(bad.status).toBe(400);
  });

  it('a float16 variant runs, its float16 outputs widened to float32', async () => {
    const res = await post(fetchApp, '/v1/embeddings', { model: 'embed-fp16', dtype: 'fp16', input: ['any text'] });
    expect(res.status).toBe(200);
    const embedding = ((await res.json()) as any).data[0].embedding as number[];
    const norm = Math.sqrt(30);
    embedding.forEach((x, i) => expect(x).toBeCloseTo((i + 1) / norm, 6));
  });

  it('a graph with an input edgeclass cannot feed is a 400 naming it', async () => {
    const res = await post(fetchApp, '/v1/embeddings', { model: 'embed-extra-input', input: ['a text'] });
    expect(res.status).toBe(400);
    const error = ((await res.json()) as any).error;
    expect(error).toMatchObject({ type: 'invalid_request_error', code: 'unsupported_model', param: 'model' });
    expect(error.message).toMatch(/cannot feed: pixel_values$/);
  });
});

describe('strategy llm with a chat template', () => {
  it('scores each label as the assistant answer after the rendered template', async () => {
    const text = 'Stocks rallied after the earnings report.';
    const labels = ['World', 'Business'];
    const res = await post(fetchApp, '/v1/classify', { model: 'chat-lm', inputs: [text], labels, strategy: 'llm' });
    expect(res.status).toBe(200);
    const got = ((await res.json()) as any).results[0] as { labels: string[]; scores: number[] };
    // The expected prompt, written out by hand: ChatML around the documented single-label prompt.
    const prompt =
      '<|im_start|>user\nClassify the text into one of these categories: World, Business.\n\n' +
      `Text: ${text}\nCategory:<|im_end|>\n<|im_start|>assistant\n`;
    const tokenizer = Tokenizer.fromJson(
      JSON.parse(fs.readFileSync(path.join(HUB_GOLDEN_DIR, 'tiny-llama-bpe-lm', 'tokenizer.json'), 'utf8')),
    );
    const encode = (s: string) => tokenizer.encode(s, null, { addSpecialTokens: false }).ids;
    const session = await ort.InferenceSession.create(
      path.join(HUB_GOLDEN_DIR, 'tiny-llama-bpe-lm', 'onnx', 'model_nocache.onnx'),
    );
    const logProbs: number[] = [];
    for (const label of labels) {
      const p = encode(prompt);
      const t = encode(label); // no leading space: the answer starts the assistant's turn
      const ids = p.concat(t.slice(0, -1));
      const feed = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
      const out = await session.run({ input_ids: feed(ids), attention_mask: feed(ids.map(() => 1)) });
      const logits = out.logits.data as Float32Array;
      const V = out.logits.dims[2];
      let sum = 0;
      t.forEach((token, k) => {
        const row = Array.from(logits.subarray((p.length - 1 + k) * V, (p.length + k) * V));
        const max = Math.max(...row);
        sum += row[token] - max - Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      });
      logProbs.push(sum);
    }
    const z = Math.log(logProbs.reduce((s, x) => s + Math.exp(x), 0));
    labels.forEach((label, i) => {
      expect(got.scores[got.labels.indexOf(label)]).toBeCloseTo(Math.exp(logProbs[i] - z), 5);
    });
  });
});
