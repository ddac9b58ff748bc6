// A model asked for but absent is pulled from the Hub on first use (here a local server speaking the Hub's
// protocol) when the allow-list names it; where the Hub cannot provide it, the error says why and how to provide it,
// without naming the server's directories.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import { servingFileFilter } from '../src/hub/index.ts';
import { parsePullAllowList } from '../src/hub/pull-allow.ts';
import { startFakeHub, type FakeHub } from './support/fake-hub.ts';
import { post } from './support/http-contract.ts';

describe('pull on first use', () => {
  let hub: FakeHub;
  let modelsDir: string;
  beforeAll(async () => {
    hub = await startFakeHub();
    modelsDir = await mkdtemp(path.join(os.tmpdir(), 'edgeclass-pull-'));
  });
  afterAll(async () => {
    await hub.close();
    await rm(modelsDir, { recursive: true, force: true });
  });

  it('pulls an absent model once, then serves it from the directory', async () => {
    const logs: unknown[] = [];
    const app = createNodeApp({
      modelsDir,
      pull: { endpoint: hub.endpoint, allow: parsePullAllowList('bert-*'), log: (l) => logs.push(l) },
    });
    const fetch = (p: string, init?: RequestInit) => Promise.resolve(app.request(p, init));
    const [a, b] = await Promise.all([
      post(fetch, '/v1/tokenize', { model: 'bert-base-uncased', inputs: 'Here is some text to encode' }),
      post(fetch, '/v1/tokenize', { model: 'bert-base-uncased', inputs: 'and more' }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(((await a.json()) as any).encodings[0].input_ids).toEqual([
      101, 2182, 2003, 2070, 3793, 2000, 4372, 16044, 102,
    ]);
    expect(existsSync(path.join(modelsDir, 'bert-base-uncased', 'tokenizer.json'))).toBe(true);
    expect(logs).toHaveLength(1);
    const fileLists = hub.requests.filter((r) => r.path.startsWith('/api/models/bert-base-uncased'));
    expect(fileLists).toHaveLength(1);
  });

  it('an unknown model answers 404 model_not_found with the reason and how to provide it', async () => {
    const app = createNodeApp({
      modelsDir,
      pull: { endpoint: hub.endpoint, allow: parsePullAllowList('org/*'), log: () => {} },
    });
    const res = await app.request('/v1/tokenize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'org/absent', inputs: 'x' }),
    });
    expect(res.status).toBe(404);
    const { error } = (await res.json()) as any;
    expect(error.param).toBe('model');
    expect(error.message).toMatch(/pulling it from the Hub failed/);
    expect(error.message).toMatch(/EDGECLASS_MODELS_DIR/);
    expect(error.message).not.toContain(modelsDir);
  });

  it('HF_HUB_OFFLINE turns pulling off', async () => {
    const app = createNodeApp({ modelsDir, pull: { endpoint: hub.endpoint, offline: true } });
    const res = await app.request('/v1/tokenize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'roberta-base', inputs: 'x' }),
    });
    expect(res.status).toBe(404);
    expect(((await res.json()) as any).error.message).toMatch(/HF_HUB_OFFLINE/);
  });

  it('pulls nothing for an id the allow-list does not name (none by default), and says so', async () => {
    const before = hub.requests.length;
    for (const allow of [undefined, parsePullAllowList('org/*, bert-base-cased')]) {
      const app = createNodeApp({ modelsDir, pull: { endpoint: hub.endpoint, allow, log: () => {} } });
      const res = await post((p, init) => Promise.resolve(app.request(p, init)), '/v1/tokenize', {
        model: 'roberta-base',
        inputs: 'x',
      });
      expect(res.status).toBe(404);
      const { error } = (await res.json()) as any;
      expect(error.message).toMatch(/EDGECLASS_PULL_ALLOW/);
      expect(error.message).not.toContain(modelsDir);
    }
    expect(hub.requests.length).toBe(before);
    expect(existsSync(path.join(modelsDir, 'roberta-base'))).toBe(false);
  });

  it('takes only the files serving reads, and nothing past the size cap', async () => {
    const capped = createNodeApp({
      modelsDir,
      pull: { endpoint: hub.endpoint, allow: parsePullAllowList('**'), maxBytes: 1000, log: () => {} },
    });
    const refused = await post((p, init) => Promise.resolve(capped.request(p, init)), '/v1/tokenize', {
      model: 'roberta-base',
      inputs: 'x',
    });
    expect(refused.status).toBe(404);
    expect(((await refused.json()) as any).error.message).toMatch(/the limit is 1000 bytes/);
    // Refused before any byte was fetched: only the file list and HEADs reached the Hub.
    const roberta = hub.requests.filter((r) => r.path.includes('roberta-base'));
    expect(roberta.filter((r) => r.method === 'GET' && !r.path.startsWith('/api/'))).toEqual([]);
    expect(existsSync(path.join(modelsDir, 'roberta-base'))).toBe(false);

    const app = createNodeApp({
      modelsDir,
      pull: { endpoint: hub.endpoint, allow: parsePullAllowList('roberta-base'), log: () => {} },
    });
    const res = await post((p, init) => Promise.resolve(app.request(p, init)), '/v1/tokenize', {
      model: 'roberta-base',
      inputs: 'x',
    });
    expect(res.status).toBe(200);
    const fetched = hub.requests
      .filter((r) => r.method === 'HEAD' && r.path.startsWith('/roberta-base/resolve/'))
      .map((r) => r.path.replace(/^\/roberta-base\/resolve\/[^/]+\//, ''));
    expect(fetched.filter((f) => !servingFileFilter(f))).toEqual([]);
    expect(fetched).toContain('tokenizer.json');
  });

  it('serving files are the tokenizer, configs, pooling and the two graphs a dtype picks, nothing else', () => {
    const listing = [
      'config.json',
      'tokenizer.json',
      'vocab.txt',
      'modules.json',
      '1_Pooling/config.json',
      'onnx/model.onnx',
      'onnx/model_quantized.onnx',
      'onnx/model_fp16.onnx',
      'onnx/model_q4.onnx',
      'model.safetensors',
      'pytorch_model.bin',
      'README.md',
      '2_Dense/model.safetensors',
    ];
    expect(listing.filter(servingFileFilter)).toEqual(listing.slice(0, 7));
  });

  it('the allow-list: exact ids, * within a segment, ** for any id', () => {
    const allow = parsePullAllowList('bert-base-uncased, sentence-transformers/*, org/**');
    expect(['bert-base-uncased', 'sentence-transformers/all-MiniLM-L6-v2', 'org/a'].every(allow)).toBe(true);
    expect(['bert-base-cased', 'evil/bert-base-uncased', 'sentence-transformers', 'xorg/a'].some(allow)).toBe(false);
    expect(parsePullAllowList('')('bert-base-uncased')).toBe(false);
    expect(parsePullAllowList(undefined)('bert-base-uncased')).toBe(false);
  });
});
