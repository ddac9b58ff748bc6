// GPT-2 in the model core: the exported text-generation graph against an independent float64 forward (the
// semantics), in onnxruntime-node and onnxruntime-web; padding on either side; config variants; the folder,
// init-model --arch gpt2 and export --task text-generation, deterministic for a seed; checkpoint name variants.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serializeGraph } from '../src/graph/index.ts';
import { exportModel } from '../src/nn/export.ts';
import { parseGpt2Config, toHfGpt2ConfigJson, type Gpt2Config } from '../src/nn/gpt2-config.ts';
import { readGpt2Folder } from '../src/nn/gpt2-folder.ts';
import { initGpt2Model, initGpt2Weights } from '../src/nn/gpt2-init.ts';
import { buildGpt2LmGraph, canonicalGpt2WeightNames } from '../src/nn/gpt2.ts';
import { initModel } from '../src/nn/init-model.ts';
import { Tokenizer } from '../src/tokenizer/index.ts';
import { referenceLogits } from './support/gpt2-reference.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';
import { BACKENDS, runModel, type Backend } from './support/ort.ts';

const ROBERTA = path.join(MODELS_DIR, 'roberta-base');
const root = mkdtempSync(path.join(os.tmpdir(), 'edgeclass-gpt2-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Feeds as transformers.js makes them: position_ids = cumsum(mask) - 1, 1 on padding. */
function feeds(ids: number[][], mask: number[][]) {
  const B = ids.length;
  const T = ids[0].length;
  const positions = mask.map((row) => {
    let n = 0;
    return row.map((m) => (m ? n++ : 1));
  });
  const i64 = (rows: number[][]) => ({ data: BigInt64Array.from(rows.flat(), BigInt), dims: [B, T] });
  return { feeds: { input_ids: i64(ids), attention_mask: i64(mask), position_ids: i64(positions) }, positions };
}

/** Max |ours - reference| over every position of every row, and the largest |reference|. */
async function compare(
  bytes: Uint8Array,
  weights: Parameters<typeof referenceLogits>[0],
  config: Gpt2Config,
  ids: number[][],
  mask: number[][],
  backend: Backend,
) {
  const { feeds: f, positions } = feeds(ids, mask);
  const out = await runModel(bytes, f, backend);
  const V = config.vocabSize;
  const T = ids[0].length;
  expect(out.logits.dims).toEqual([ids.length, T, V]);
  const ours = out.logits.data as Float32Array;
  let maxDiff = 0;
  let maxRef = 0;
  ids.forEach((row, b) => {
    const ref = referenceLogits(weights, config, row, mask[b], positions[b]);
    ref.forEach((logits, t) =>
      logits.forEach((r, v) => {
        maxDiff = Math.max(maxDiff, Math.abs(ours[(b * T + t) * V + v] - r));
        maxRef = Math.max(maxRef, Math.abs(r));
      }),
    );
  });
  return { maxDiff, maxRef, ours };
}

describe('gpt2 text-generation graph', () => {
  let dir: string;
  let tokenizer: Tokenizer;
  beforeAll(() => {
    dir = path.join(root, 'tiny');
    initGpt2Model({ layers: 2, hidden: 32, heads: 4, tokenizerDir: ROBERTA, seed: 5, std: 0.2, out: dir });
    tokenizer = Tokenizer.fromJson(JSON.parse(readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')));
  });

  for (const backend of BACKENDS) {
    it(`matches the float64 reference in onnxruntime-${backend}, right and left padded`, async () => {
      const { config, weights } = readGpt2Folder(dir);
      const bytes = new Uint8Array(readFileSync(path.join(dir, 'onnx/model.onnx')));
      const texts = ['Hello world, this is a test of the tiny model.', 'short one', 'Paris'];
      const encoded = texts.map((t) => [0, ...tokenizer.encode(t, null, { addSpecialTokens: false }).ids]);
      const T = Math.max(...encoded.map((e) => e.length));
      const right = encoded.map((e) => [...e, ...new Array(T - e.length).fill(1)]);
      const rightMask = encoded.map((e) => [...e.map(() => 1), ...new Array(T - e.length).fill(0)]);
      const left = encoded.map((e) => [...new Array(T - e.length).fill(1), ...e]);
      const leftMask = encoded.map((e) => [...new Array(T - e.length).fill(0), ...e.map(() => 1)]);
      for (const [ids, mask] of [
        [right, rightMask],
        [left, leftMask],
      ]) {
        const { maxDiff, maxRef } = await compare(bytes, weights, config, ids, mask, backend);
        expect(maxRef).toBeGreaterThan(0.5); // the random model's logits are not all near zero
        expect(maxDiff).toBeLessThan(2e-5);
      }
    });
  }

  it('a padded row gives its unpadded logits at the real positions, left or right', async () => {
    const bytes = new Uint8Array(readFileSync(path.join(dir, 'onnx/model.onnx')));
    const { vocabSize: V } = readGpt2Folder(dir).config;
    const ids = [0, 31414, 232, 6, 42, 16, 10, 1296];
    const alone = (await runModel(bytes, feeds([ids], [ids.map(() => 1)]).feeds, 'node')).logits.data as Float32Array;
    const padded = [...ids.slice(0, 3)];
    const batch = [ids, [1, 1, 1, 1, 1, ...padded], [...padded, 1, 1, 1, 1, 1]];
    const mask = [ids.map(() => 1), [0, 0, 0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0, 0]];
    const out = (await runModel(bytes, feeds(batch, mask).feeds, 'node')).logits.data as Float32Array;
    const at = (b: number, t: number) => out.subarray((b * 8 + t) * V, (b * 8 + t + 1) * V);
    for (let t = 0; t < 3; t++) {
      const want = alone.subarray(t * V, (t + 1) * V);
      for (const got of [at(1, 5 + t), at(2, t)]) {
        let m = 0;
        got.forEach((x, v) => {
          m = Math.max(m, Math.abs(x - want[v]));
        });
        expect(m).toBeLessThan(1e-5);
      }
    }
  });

  it('writes the folder GPT2LMHeadModel.save_pretrained writes, with a GPT-2-style tokenizer', () => {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8'));
    expect(config).toMatchObject({
      model_type: 'gpt2',
      architectures: ['GPT2LMHeadModel'],
      vocab_size: 50265,
      n_embd: 32,
      n_layer: 2,
      n_head: 4,
      n_positions: 512,
      activation_function: 'gelu_new',
      bos_token_id: 0,
      eos_token_id: 2,
      tie_word_embeddings: true,
    });
    expect(JSON.parse(readFileSync(path.join(dir, 'generation_config.json'), 'utf8'))).toMatchObject({
      bos_token_id: 0,
      eos_token_id: 2,
    });
    const tc = JSON.parse(readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8'));
    expect(tc).toMatchObject({
      tokenizer_class: 'GPT2Tokenizer',
      bos_token: '<s>',
      eos_token: '</s>',
      model_max_length: 512,
    });
    // GPT-2 adds no special tokens; the vocabulary and merges are roberta-base's.
    expect(tokenizer.encode('Hello world').ids).toEqual([31414, 232]);
    const { weights } = readGpt2Folder(dir);
    expect([...weights.keys()].every((k) => k.startsWith('transformer.'))).toBe(true);
    expect(weights.get('transformer.h.0.attn.c_attn.weight')!.shape).toEqual([32, 96]);
    expect(weights.get('transformer.h.1.mlp.c_fc.weight')!.shape).toEqual([32, 128]);
    expect(weights.has('lm_head.weight')).toBe(false);
  });

  it('is deterministic for a seed; c_proj weights get the 1/sqrt(2 n_layer) scaled init', () => {
    const c = parseGpt2Config({
      model_type: 'gpt2',
      vocab_size: 50,
      n_positions: 16,
      n_embd: 8,
      n_layer: 4,
      n_head: 2,
      initializer_range: 0.5,
    });
    const a = initGpt2Weights(c, { seed: 9 });
    const b = initGpt2Weights(c, { seed: 9 });
    for (const [k, t] of a) expect(Buffer.from(t.data.buffer).equals(Buffer.from(b.get(k)!.data.buffer))).toBe(true);
    const std = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);
    const fc = a.get('transformer.h.0.mlp.c_fc.weight')!.data;
    const proj = a.get('transformer.h.0.mlp.c_proj.weight')!.data;
    expect(std(fc) / std(proj)).toBeGreaterThan(Math.sqrt(8) * 0.75);
    expect(std(fc) / std(proj)).toBeLessThan(Math.sqrt(8) * 1.3);
    expect(a.get('transformer.h.2.ln_1.weight')!.data.every((v) => v === 1)).toBe(true);
    expect(a.get('transformer.h.2.attn.c_attn.bias')!.data.every((v) => v === 0)).toBe(true);
  });

  it.each([
    ['untied lm_head, n_inner 24, erf gelu', { tie_word_embeddings: false, n_inner: 24, activation_function: 'gelu' }],
    [
      'scale_attn_by_inverse_layer_idx, gelu_pytorch_tanh',
      { scale_attn_by_inverse_layer_idx: true, activation_function: 'gelu_pytorch_tanh' },
    ],
    ['unscaled attention, 3 layers', { scale_attn_weights: false, n_layer: 3 }],
  ])('config variant: %s', async (_, extra) => {
    const config = parseGpt2Config({
      model_type: 'gpt2',
      vocab_size: 97,
      n_positions: 20,
      n_embd: 16,
      n_layer: 2,
      n_head: 2,
      initializer_range: 0.3,
      ...extra,
    });
    const weights = initGpt2Weights(config, { seed: 4 });
    const bytes = serializeGraph(buildGpt2LmGraph(weights, config));
    const ids = [
      [5, 17, 80, 3, 44, 9],
      [2, 96, 11, 0, 0, 0],
    ];
    const mask = [
      [1, 1, 1, 1, 1, 1],
      [1, 1, 1, 0, 0, 0],
    ];
    const { maxDiff } = await compare(bytes, weights, config, ids, mask, 'node');
    expect(maxDiff).toBeLessThan(2e-5);
  });

  it('reads GPT2Model names, old mask buffers and a tied lm_head copy', () => {
    const config = parseGpt2Config({
      model_type: 'gpt2',
      vocab_size: 11,
      n_positions: 4,
      n_embd: 4,
      n_layer: 1,
      n_head: 1,
    });
    const weights = initGpt2Weights(config, { seed: 1 });
    const bare = new Map([...weights].map(([k, t]) => [k.replace(/^transformer\./, ''), t]));
    bare.set('h.0.attn.bias', { shape: [1, 1, 4, 4], data: new Float32Array(16) });
    bare.set('h.0.attn.masked_bias', { shape: [], data: new Float32Array(1) });
    bare.set('lm_head.weight', weights.get('transformer.wte.weight')!);
    const canonical = canonicalGpt2WeightNames(bare, config);
    expect([...canonical.keys()].sort()).toEqual([...weights.keys()].sort());
  });

  it('parses GPT2Config with its class defaults and round-trips', () => {
    const c = parseGpt2Config({ model_type: 'gpt2' });
    expect(c).toMatchObject({
      vocabSize: 50257,
      nPositions: 1024,
      nEmbd: 768,
      nLayer: 12,
      nHead: 12,
      nInner: null,
      activationFunction: 'gelu_new',
      layerNormEpsilon: 1e-5,
      bosTokenId: 50256,
      eosTokenId: 50256,
      tieWordEmbeddings: true,
      scaleAttnWeights: true,
    });
    expect(parseGpt2Config(JSON.parse(JSON.stringify(toHfGpt2ConfigJson(c))))).toEqual(c);
    const odd = parseGpt2Config({ model_type: 'gpt2', bos_token_id: null, custom: { a: 1 }, n_ctx: 1024 });
    expect(odd.bosTokenId).toBeUndefined();
    expect(toHfGpt2ConfigJson(odd)).toMatchObject({ bos_token_id: null, custom: { a: 1 }, n_ctx: 1024 });
    expect(() => parseGpt2Config({ model_type: 'gpt2', activation_function: 'relu' })).toThrow(/activation_function/);
    expect(() => parseGpt2Config({ model_type: 'gpt2', n_embd: 10, n_head: 3 })).toThrow(/multiple of n_head/);
    expect(() => parseGpt2Config({ model_type: 'gpt2', add_cross_attention: true })).toThrow(/add_cross_attention/);
    expect(() => parseGpt2Config({ model_type: 'bert' })).toThrow(/"gpt2"/);
  });
});

describe('init-model --arch gpt2 / export --task text-generation', () => {
  const run = promisify(execFile);
  const cli = (...args: string[]) =>
    run(process.execPath, [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args], {
      env: { ...process.env, HF_HUB_OFFLINE: '1' },
    });

  it('makes the same folder twice for a seed, and export rewrites the same graph', async () => {
    const [a, b] = [path.join(root, 'cli-a'), path.join(root, 'cli-b')];
    for (const out of [a, b]) {
      await cli(
        'init-model',
        '--arch',
        'gpt2',
        '--layers',
        '1',
        '--hidden',
        '16',
        '--heads',
        '2',
        '--tokenizer',
        ROBERTA,
        '--seed',
        '11',
        '--out',
        out,
      );
    }
    expect(
      readFileSync(path.join(a, 'model.safetensors')).equals(readFileSync(path.join(b, 'model.safetensors'))),
    ).toBe(true);
    const first = readFileSync(path.join(a, 'onnx/model.onnx'));
    const elsewhere = path.join(root, 'cli-exported');
    await cli('export', a, '--task', 'text-generation', '--out', elsewhere);
    expect(readFileSync(path.join(elsewhere, 'onnx/model.onnx')).equals(first)).toBe(true);
    expect(JSON.parse(readFileSync(path.join(a, 'config.json'), 'utf8'))).toMatchObject({
      n_layer: 1,
      n_embd: 16,
      n_head: 2,
      n_inner: null,
    });
  });

  it('refuses what does not apply', async () => {
    const labels = await cli(
      'init-model',
      '--arch',
      'gpt2',
      '--labels',
      'a,b',
      '--tokenizer',
      ROBERTA,
      '--out',
      path.join(root, 'x'),
    ).catch((e) => e);
    expect(labels.code).toBe(1);
    expect(labels.stderr).toMatch(/--labels does not apply to --arch gpt2/);
    const dir = path.join(root, 'tiny');
    expect(() => exportModel(dir, { task: 'feature-extraction' })).toThrow(/text-generation only/);
    const bert = path.join(root, 'bert');
    initModel({
      arch: 'bert',
      layers: 1,
      hidden: 8,
      heads: 2,
      intermediate: 16,
      tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
      seed: 1,
      out: bert,
    });
    expect(() => exportModel(bert, { task: 'text-generation' })).toThrow(/needs a causal LM/);
  });
});
