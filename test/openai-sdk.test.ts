// The OpenAI-compatibility suite (test/support/openai-suite.ts) against `edgeclass serve` as its own process, with
// its fine-tuning API over SQLite and a files folder: the official SDK as the client of models, embeddings, files
// and fine-tuning jobs, as an OpenAI user writes the calls. (A fine-tune trained by a real worker, through the SDK,
// is test/e2e/node-fine-tuning.e2e.test.ts.)
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNodeApp } from '../src/runtime/node.ts';
import {
  countingClient,
  defineOpenAIFineTuningSuite,
  defineOpenAIInferenceSuite,
  type OpenAITarget,
  rejection,
} from './support/openai-suite.ts';
import { type NodeServe, startNodeServe } from './support/servers.ts';
import { makeTinyModels } from './support/tiny-models.ts';

const ADMIN_KEY = `admin_${randomBytes(18).toString('base64url')}`;
let server: NodeServe | undefined;
let baseURL: string;
let apiKey = '';
const target = (): OpenAITarget => countingClient(baseURL, apiKey);

beforeAll(async () => {
  const models = makeTinyModels(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-openai-')));
  server = await startNodeServe(models, {
    env: {
      EDGECLASS_REQUEST_LOG: 'off',
      EDGECLASS_ADMIN_KEY: ADMIN_KEY,
      EDGECLASS_WORKER_SECRET: `wsec_${randomBytes(18).toString('base64url')}`,
    },
  });
  baseURL = `${server.url}/v1`;
  const res = await fetch(`${baseURL}/api_keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'openai-sdk' }),
  });
  apiKey = ((await res.json()) as { key: string }).key;
}, 120_000);

afterAll(() => server?.stop());

defineOpenAIInferenceSuite(target, 'tiny-embed');
defineOpenAIFineTuningSuite({
  target,
  unauthorized: () => countingClient(baseURL, 'ec_not-a-key'),
  baseModel: 'tiny-cls',
});

describe('the openai SDK against an app without fine-tuning storage (createNodeApp without a data folder)', () => {
  it('a 501 is an InternalServerError sent once: x-should-retry: false stops the SDK retrying it', async () => {
    const app = createNodeApp({
      modelsDir: fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-openai-')),
      pull: { offline: true },
    });
    const { client, requests } = countingClient('http://edgeclass.test/v1', 'sk-anything', async (url, init) =>
      app.request(url, init),
    );
    const err = await rejection(client.fineTuning.jobs.list());
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 501, type: 'server_error', code: 'not_implemented' });
    expect(requests()).toBe(1);
  });
});
