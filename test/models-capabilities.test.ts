// GET /v1/models says what each model can do, and the routes agree: for every model of a models folder (the tiny
// encoders, NLI and sentiment classifiers, a multi-label classifier, a GPT-2, a folder without ONNX), each
// capability is true exactly when its route answers 200 (tokenize; embeddings; classify with the model's own labels
// or with candidate labels). On the Node server, with the real tokenizers and onnxruntime-node.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nliLabelIds } from '../src/core/classify/nli.ts';
import { capabilitiesFromOutputs, graphOutputNames } from '../src/core/model-capabilities.ts';
import type { LoadedModel } from '../src/core/model-registry.ts';
import { parseServingConfig } from '../src/core/model-config.ts';
import { startNodeServer, type RunningServer } from '../src/runtime/node.ts';
import { makeFailingModel, makeTinyGpt2, makeTinyModel, NO_ONNX_MODEL, TINY_MODELS } from './support/tiny-models.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-capabilities-'));
let server: RunningServer;

beforeAll(async () => {
  for (const id of Object.keys(TINY_MODELS)) makeTinyModel(root, id);
  makeTinyGpt2(root);
  makeFailingModel(root, NO_ONNX_MODEL);
  server = await startNodeServer({
    port: 0,
    host: '127.0.0.1',
    modelsDir: root,
    requestLog: null,
  });
}, 120_000);
afterAll(async () => {
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function post(route: string, body: unknown): Promise<number> {
  const res = await fetch(`${server.url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.body?.cancel();
  return res.status;
}

describe('GET /v1/models capabilities', () => {
  it('match what /v1/tokenize, /v1/embeddings and /v1/classify answer, model by model', async () => {
    const list = (await (await fetch(`${server.url}/v1/models`)).json()) as {
      data: { id: string; capabilities: { tokenize: boolean; embeddings: boolean; classify: boolean } }[];
    };
    expect(list.data.map((m) => m.id).sort()).toEqual([...Object.keys(TINY_MODELS), 'tiny-gpt2', NO_ONNX_MODEL].sort());
    for (const m of list.data) {
      const answered = {
        tokenize: (await post('/v1/tokenize', { model: m.id, inputs: 'a short text' })) === 200,
        embeddings: (await post('/v1/embeddings', { model: m.id, input: 'a short text' })) === 200,
        classify:
          (await post('/v1/classify', { model: m.id, inputs: 'a short text' })) === 200 ||
          (await post('/v1/classify', { model: m.id, inputs: 'a short text', labels: ['sports', 'business'] })) === 200,
      };
      expect(m.capabilities, m.id).toEqual(answered);
    }
    // The classifiers are what the issue met: listed without embeddings, which they cannot give.
    expect(list.data.find((m) => m.id === 'tiny-nli')?.capabilities.embeddings).toBe(false);
  });

  it('lists strategy nli for exactly the label sets strategy nli can score (one entailment rule)', () => {
    const cases: [string[], boolean][] = [
      [['ENTAILMENT', 'NEUTRAL', 'CONTRADICTION'], true],
      [['contradiction', 'Entailed'], true],
      [['not_entailment', 'entailment'], true],
      [['not_entailment', 'other'], false],
      [['negative', 'positive'], false],
    ];
    for (const [labels, nli] of cases) {
      const json = { id2label: Object.fromEntries(labels.map((l, i) => [String(i), l])) };
      const listed = capabilitiesFromOutputs(['logits'], true, json).strategies.includes('nli');
      const model = { config: parseServingConfig('m', JSON.stringify(json)) } as LoadedModel;
      expect([listed, nliLabelIds(model) !== null], labels.join(',')).toEqual([nli, nli]);
    }
  });

  it('reads the output names from the ONNX file without its weights, and null for bytes that are not ONNX', () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(root, 'tiny-cls', 'onnx', 'model.onnx')));
    expect(graphOutputNames(bytes)).toEqual(['logits']);
    expect(graphOutputNames(new TextEncoder().encode('not a model at all'))).toBeNull();
  });
});
