// The classify and embeddings HTTP contract against the Node app (onnxruntime-node, cross-request batching), over
// tiny models made in a temp directory.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createOrtNodeRuntime } from '../src/inference/ort-node.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { defineInferenceContract } from './support/inference-contract.ts';
import { makeTinyModels } from './support/tiny-models.ts';

const root = makeTinyModels(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-http-inference-')));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const app = createNodeApp({ modelsDir: root, pull: { offline: true } });
defineInferenceContract(() => (p, init) => Promise.resolve(app.request(p, init)));

describe('the inference runtime is loaded lazily', () => {
  it('is not created by requests that do not infer, and once by those that do', async () => {
    let created = 0;
    const lazy = createNodeApp({
      modelsDir: root,
      pull: { offline: true },
      runtime: () => {
        created++;
        return createOrtNodeRuntime();
      },
    });
    const post = (p: string, body: unknown) =>
      lazy.request(p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await post('/v1/tokenize', { model: 'tiny-cls', inputs: 'no inference here' })).status).toBe(200);
    expect((await lazy.request('/v1/models')).status).toBe(200);
    expect((await post('/v1/classify', { model: 'tiny-no-onnx', inputs: 'x' })).status).toBe(400);
    expect(created).toBe(0);
    await Promise.all([
      post('/v1/classify', { model: 'tiny-cls', inputs: 'x' }),
      post('/v1/embeddings', { model: 'tiny-embed', input: 'x' }),
    ]);
    expect(created).toBe(1);
  });
});
