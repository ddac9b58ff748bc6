// Acceptance: an `init-model --arch llama` folder (grouped-query attention, untied lm_head) exported in the
// onnx-community layout (past_key_values in, present out), and the same folder exported without a cache, each give
// transformers.js AutoModelForCausalLM's logits within 1e-5. Ours: the exported onnx/model.onnx run directly in onnxruntime-node and -web with the inputs the layout
// defines (right padding, position ids 0.., an empty cache). Theirs: transformers.js loading the folder from a local
// path, offline, tokenizing with its own tokenizer, making its own position ids and empty cache.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';
import { BACKENDS, runModel, type FeedSpec } from './support/ort.ts';

const TEXTS = ['Here is some text to encode', 'A second, longer sentence about the weather in Paris.', 'short'];
let root: string;
let transformers: typeof import('@huggingface/transformers');

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-tjs-llama-'));
  transformers = await import('@huggingface/transformers');
  transformers.env.allowRemoteModels = false;
  transformers.env.allowLocalModels = true;
  transformers.env.localModelPath = root;
  transformers.env.useFSCache = false;
  // Through the CLI, as a user makes one: 4 query heads over 2 key/value heads, an lm_head of its own.
  await promisify(execFile)(
    process.execPath,
    [
      path.join(REPO_ROOT, 'bin/edgeclass.mjs'),
      'init-model',
      '--arch',
      'llama',
      '--layers',
      '2',
      '--hidden',
      '32',
      '--heads',
      '4',
      '--kv-heads',
      '2',
      '--intermediate',
      '48',
      '--untied',
      '--std',
      '0.2',
      '--seed',
      '11',
      '--tokenizer',
      path.join(MODELS_DIR, 'roberta-base'),
      '--out',
      path.join(root, 'tiny-llama'),
    ],
    { cwd: REPO_ROOT },
  );
}, 120_000);
const worst: Record<string, number> = {};
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  // The measured gaps, for the record (the assertion is the 1e-5 bound above).
  console.log(`llama vs transformers.js max |logit diff|: ${JSON.stringify(worst)}`);
});

describe('transformers.js parity (llama, AutoModelForCausalLM)', () => {
  it('the folder is in the onnx-community layout', () => {
    const config = JSON.parse(readFileSync(path.join(root, 'tiny-llama', 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'llama',
      architectures: ['LlamaForCausalLM'],
      num_attention_heads: 4,
      num_key_value_heads: 2,
      tie_word_embeddings: false,
    });
  });

  it('export --task text-generation writes the graph without a cache: input_ids, attention_mask, position_ids -> logits', async () => {
    const dir = path.join(root, 'tiny-llama-nocache');
    cpSync(path.join(root, 'tiny-llama'), dir, { recursive: true });
    await promisify(execFile)(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), 'export', dir, '--task', 'text-generation'],
      { cwd: REPO_ROOT },
    );
    const session = await ort.InferenceSession.create(path.join(dir, 'onnx/model.onnx'));
    expect([...session.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'position_ids']);
    expect(session.outputNames).toEqual(['logits']);
    await session.release();
  });

  for (const [backend, id] of BACKENDS.flatMap((b) =>
    ['tiny-llama', 'tiny-llama-nocache'].map((m) => [b, m] as const),
  )) {
    it(`${id}: logits equal within 1e-5 on a padded batch (ours in onnxruntime-${backend})`, async () => {
      const dir = path.join(root, id);
      const tokenizer = await transformers.AutoTokenizer.from_pretrained(id);
      const model = await transformers.AutoModelForCausalLM.from_pretrained(id, { dtype: 'fp32' });
      const encoded = tokenizer(TEXTS, { padding: true });
      const theirs = (await model(encoded)).logits;
      await model.dispose();

      const ourTokenizer = Tokenizer.fromJson(JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
      const rows = TEXTS.map((t) => ourTokenizer.encode(t).ids);
      const theirMask = encoded.attention_mask.tolist() as bigint[][];
      const theirIds = (encoded.input_ids.tolist() as bigint[][]).map((row, b) =>
        row.slice(0, Number(theirMask[b].reduce((a, m) => a + m, 0n))).map(Number),
      );
      expect(theirIds).toEqual(rows);

      const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
      const B = rows.length;
      const T = Math.max(...rows.map((r) => r.length));
      const i64 = (f: (b: number, t: number) => number) =>
        BigInt64Array.from({ length: B * T }, (_, k) => BigInt(f(Math.floor(k / T), k % T)));
      const feeds: Record<string, FeedSpec> = {
        input_ids: { data: i64((b, t) => rows[b][t] ?? config.eos_token_id), dims: [B, T] },
        attention_mask: { data: i64((b, t) => (t < rows[b].length ? 1 : 0)), dims: [B, T] },
        position_ids: { data: i64((_, t) => t), dims: [B, T] },
      };
      const bytes = new Uint8Array(readFileSync(path.join(dir, 'onnx/model.onnx')));
      if (id === 'tiny-llama')
        for (let i = 0; i < config.num_hidden_layers; i++)
          for (const part of ['key', 'value'])
            feeds[`past_key_values.${i}.${part}`] = { data: new Float32Array(0), dims: [B, 2, 0, config.head_dim] };
      const ours = await runModel(bytes, feeds, backend);

      expect(ours.logits.dims).toEqual(theirs.dims);
      const a = ours.logits.data as Float32Array;
      const b = theirs.data as Float32Array;
      const V = config.vocab_size;
      let maxDiff = 0;
      let maxAbs = 0;
      rows.forEach((row, r) => {
        // real positions only: padded ones hold pad ids, and transformers.js gives them other position ids
        for (let t = 0; t < row.length; t++)
          for (let v = 0; v < V; v++) {
            const i = (r * T + t) * V + v;
            maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
            maxAbs = Math.max(maxAbs, Math.abs(b[i]));
          }
      });
      expect(maxAbs).toBeGreaterThan(0.5);
      expect(maxDiff).toBeLessThan(1e-5);
      worst[`${id} ${backend}`] = maxDiff;
    });
  }
});
