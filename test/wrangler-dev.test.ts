// Smoke test over HTTP against `wrangler dev`: tiny models seeded into its local R2 with
// `edgeclass models sync --local --persist-to`, every cross-runtime case answered by the Worker (onnxruntime-web
// in workerd) within 1e-5 of the Node app's answer, a q8 graph too (both sides with EDGECLASS_MODEL_DTYPE=q8), an
// inference failure answered 500 with the Worker still up.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportModel } from '../src/nn/export.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { compareAnswers, INFERENCE_CASES, type InferenceCase } from './support/inference-cases.ts';
import {
  BROKEN_MODEL,
  makeFailingModel,
  makeTinyGpt2,
  makeTinyLlama,
  makeTinyModel,
  TINY_MODELS,
  WORKERD_LLAMAS,
} from './support/tiny-models.ts';
import { startWranglerDev, type WranglerDev } from './support/servers.ts';

const postJson = (url: string, body: unknown) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

let root: string;
let dev: WranglerDev;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-smoke-'));
  const models = path.join(root, 'models');
  for (const id of Object.keys(TINY_MODELS)) makeTinyModel(models, id);
  makeTinyGpt2(models);
  for (const id of WORKERD_LLAMAS) makeTinyLlama(models, id);
  makeFailingModel(models, BROKEN_MODEL);
  // A folder with onnx/model_quantized.onnx too: served by both sides with EDGECLASS_MODEL_DTYPE=q8.
  exportModel(makeTinyModel(models, 'tiny-nli-q8', TINY_MODELS['tiny-nli']), { quantize: 'q8' });
  // Inference reads no safetensors: keep the upload small.
  for (const id of fs.readdirSync(models)) fs.rmSync(path.join(models, id, 'model.safetensors'), { force: true });
  dev = await startWranglerDev(models, { vars: { EDGECLASS_MODEL_DTYPE: 'q8' } });
}, 180_000);

afterAll(() => {
  dev?.stop();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('wrangler dev smoke test', () => {
  it('answers every case within 1e-5 of the Node app', async () => {
    // One session on the Node side, so that a request's rows run together as they do in workerd: q8 graphs scale
    // activations per run (DynamicQuantizeLinear), so a row's answer depends on the rows it runs with.
    const node = createNodeApp({
      modelsDir: path.join(root, 'models'),
      pull: { offline: true },
      dtype: 'q8',
      inference: { ortWorkers: 1 },
    });
    const diffs = [];
    const q8Case: InferenceCase = {
      name: 'nli with the q8 graph (onnx/model_quantized.onnx)',
      path: '/v1/classify',
      body: {
        model: 'tiny-nli-q8',
        inputs: ['The match ended in a draw.', 'Stocks fell.'],
        labels: ['sports', 'business', 'science'],
      },
    };
    for (const c of [...INFERENCE_CASES, q8Case]) {
      const expected = await (
        await node.request(c.path, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(c.body),
        })
      ).json();
      const res = await postJson(dev.url + c.path, c.body);
      const body = await res.json();
      expect(res.status, `${c.name}: ${JSON.stringify(body).slice(0, 300)}\n${dev.log().slice(-1000)}`).toBe(200);
      diffs.push(compareAnswers(c, expected, body));
    }
    // The Worker did serve the q8 graph: the fp32 graph's answer is farther off.
    const fp32 = createNodeApp({ modelsDir: path.join(root, 'models'), pull: { offline: true }, dtype: 'fp32' });
    const fp32Answer = await (
      await fp32.request(q8Case.path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(q8Case.body),
      })
    ).json();
    const q8Answer = await (await postJson(dev.url + q8Case.path, q8Case.body)).json();
    expect(compareAnswers(q8Case, fp32Answer, q8Answer).maxDiff).toBeGreaterThan(1e-5);
    console.log(
      `wrangler dev vs Node, max |diff| per case:\n${diffs.map((d) => `  ${d.name}: ${d.problem ?? d.maxDiff.toExponential(2)}`).join('\n')}`,
    );
    for (const d of diffs) {
      expect(d.problem, d.name).toBeNull();
      expect(d.maxDiff, d.name).toBeLessThan(1e-5);
    }
  });

  it('answers an inference failure with 500 and the error shape, then goes on answering', async () => {
    const failed = await postJson(`${dev.url}/v1/classify`, { model: BROKEN_MODEL, inputs: 'zebra' });
    expect(failed.status).toBe(500);
    expect(((await failed.json()) as any).error).toMatchObject({
      type: 'server_error',
      code: 'inference_error',
      message: expect.stringMatching(/out of data bounds/),
    });
    const ok = await postJson(`${dev.url}/v1/classify`, { model: 'tiny-cls', inputs: ['still answering'] });
    expect(ok.status).toBe(200);
    // After inference, /healthz reports onnxruntime-web's WASM heap (what a Worker's 128 MB must hold).
    const health = (await (await fetch(`${dev.url}/healthz`)).json()) as { wasm_heap_bytes: number };
    expect(health).toEqual({ status: 'ok', runtime: 'workerd', wasm_heap_bytes: expect.any(Number) });
    expect(health.wasm_heap_bytes).toBeGreaterThan(1 << 20);
  });
});
