// A model asked for but absent is pulled from the Hub on first use (here a local server speaking the Hub's
// protocol); where the Hub cannot provide it, the error says why and how to provide it.
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
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
    const app = createNodeApp({ modelsDir, pull: { endpoint: hub.endpoint, log: (l) => logs.push(l) } });
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

  it('an unknown model answers 422 with the reason and how to provide it', async () => {
    const app = createNodeApp({ modelsDir, pull: { endpoint: hub.endpoint, log: () => {} } });
    const res = await app.request('/v1/tokenize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'org/absent', inputs: 'x' }),
    });
    expect(res.status).toBe(422);
    const { error } = (await res.json()) as any;
    expect(error.param).toBe('model');
    expect(error.message).toMatch(/pulling it from the Hub failed/);
    expect(error.message).toMatch(/EDGECLASS_MODELS_DIR/);
  });

  it('HF_HUB_OFFLINE turns pulling off', async () => {
    const app = createNodeApp({ modelsDir, pull: { endpoint: hub.endpoint, offline: true } });
    const res = await app.request('/v1/tokenize', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'roberta-base', inputs: 'x' }),
    });
    expect(res.status).toBe(422);
    expect(((await res.json()) as any).error.message).toMatch(/HF_HUB_OFFLINE/);
  });
});
