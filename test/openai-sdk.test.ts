// The OpenAI-compatibility suite (test/support/openai-suite.ts) against `edgeclass serve` as its own process: the
// official SDK as the client of embeddings and models, and of the fine-tuning routes this runtime refuses (501,
// which the SDK would retry but for x-should-retry: false).
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingClient, defineOpenAIInferenceSuite, rejection, type OpenAITarget } from './support/openai-suite.ts';
import { CLI, freePort, killGroup, SERVER_ENV, waitHealthy } from './support/servers.ts';
import { makeTinyModels } from './support/tiny-models.ts';

let child: ChildProcess;
let baseURL: string;
const target = (): OpenAITarget => countingClient(baseURL, 'sk-anything');

beforeAll(async () => {
  const root = makeTinyModels(fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-openai-')));
  const port = await freePort();
  child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--models', root], {
    env: { ...SERVER_ENV, EDGECLASS_REQUEST_LOG: 'off' },
    stdio: 'ignore',
    detached: true,
  });
  await waitHealthy(`http://127.0.0.1:${port}`, child, { name: 'edgeclass serve', timeoutMs: 90_000 });
  baseURL = `http://127.0.0.1:${port}/v1`;
}, 120_000);

afterAll(() => {
  if (child) killGroup(child, 'SIGTERM');
});

defineOpenAIInferenceSuite(target, 'tiny-embed');

describe('the openai SDK against a runtime without fine-tuning', () => {
  it('a 501 is an InternalServerError sent once: x-should-retry: false stops the retries', async () => {
    const { client, requests } = target();
    const err = await rejection(client.fineTuning.jobs.list());
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect(err).toMatchObject({ status: 501, type: 'server_error', code: 'not_implemented' });
    expect(requests()).toBe(1);
  });
});
