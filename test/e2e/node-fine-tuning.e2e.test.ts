// Fine-tuning without Cloudflare, nothing faked: `edgeclass serve` (Node: SQLite and a files folder) takes a job,
// an `edgeclass worker` process trains it over the same signed worker protocol it speaks to the edge, and the
// fine-tuned model classifies on that Node server with the predictions onnxruntime-node gives for its files. Then
// the server is restarted on the same data folder: the job, its events and the model are still there.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../../src/tokenizer/index.ts';
import { parseDataset } from '../../src/train/data.ts';
import { REPO_ROOT } from '../support/paths.ts';
import { CLI, freePort, killGroup, SERVER_ENV, waitHealthy } from '../support/servers.ts';
import { chatFineTuneWithSdk } from './support/openai-chat-fine-tune.ts';
import { startWorker, type WorkerProcess } from './support/processes.ts';
import { startReceiver, type Receiver } from './support/receiver.ts';
import { makeTinyBaseBert } from '../support/tiny-models.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const BASE = 'tiny-bert';
const WORKER_SECRET = `wsec_${randomBytes(18).toString('base64url')}`;
const ADMIN_KEY = `admin_${randomBytes(18).toString('base64url')}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const MAX_LENGTH = 128;

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-node-e2e-'));
const modelsDir = path.join(root, 'models');
const dataDir = path.join(root, 'data');
const lines = fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8').trimEnd().split('\n');
const devLines = fs.readFileSync(path.join(SST2, 'dev.tsv'), 'utf8').trimEnd().split('\n');
const validText = `${devLines.slice(0, 41).join('\n')}\n`;
let server: { url: string; child: ChildProcess; log: () => string } | null = null;
let port = 0;
let worker: WorkerProcess | null = null;
let apiKey = '';
let receiver: Receiver | null = null;

/** `edgeclass serve` as its own process (its own group), over the data folder, with the fine-tuning secrets. */
async function startServe(): Promise<void> {
  const args = [CLI, 'serve', '--port', String(port), '--models', modelsDir, '--data-dir', dataDir];
  // Webhooks to the test's receiver on loopback: allowed here, refused by default.
  const env = {
    ...SERVER_ENV,
    EDGECLASS_ADMIN_KEY: ADMIN_KEY,
    EDGECLASS_WORKER_SECRET: WORKER_SECRET,
    EDGECLASS_WEBHOOK_ALLOW_PRIVATE: '1',
  };
  const child = spawn(process.execPath, args, { env, cwd: root, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
  let out = '';
  child.stderr!.on('data', (chunk: Buffer) => (out += chunk));
  server = { url: `http://127.0.0.1:${port}`, child, log: () => out };
  await waitHealthy(server.url, child, { name: 'edgeclass serve', timeoutMs: 90_000, log: server.log });
}

async function stopServe(): Promise<void> {
  const child = server?.child;
  if (!child || child.exitCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  killGroup(child, 'SIGTERM');
  await gone;
}

async function api(key: string | null, method: string, route: string, body?: unknown) {
  const init: RequestInit = { method, headers: key ? { authorization: `Bearer ${key}` } : {} };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${server!.url}${route}`, { ...init, signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  const json = (res.headers.get('content-type') ?? '').includes('json');
  return { status: res.status, body: json ? JSON.parse(text) : text };
}

async function upload(name: string, content: string): Promise<string> {
  const form = new FormData();
  form.append('purpose', 'fine-tune');
  form.append('file', new File([content], name));
  const res = await api(apiKey, 'POST', '/v1/files', form);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.id;
}

/** The labels onnxruntime-node gives for `texts` with the model folder's own files, one text at a time. */
async function predict(folder: string, texts: string[]): Promise<string[]> {
  const config = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
  const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(folder, 'tokenizer.json'), 'utf8')));
  const session = await ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'));
  const out: string[] = [];
  for (const text of texts) {
    const ids = tokenizer.encode(text, null, {
      truncation: { maxLength: MAX_LENGTH, strategy: 'longest_first', stride: 0, side: 'right' },
    }).ids;
    const t = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
    const feeds: Record<string, ort.Tensor> = { input_ids: t(ids), attention_mask: t(ids.map(() => 1)) };
    if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = t(ids.map(() => 0));
    const logits = Array.from((await session.run(feeds)).logits.data as Float32Array);
    out.push(config.id2label[String(logits.indexOf(Math.max(...logits)))]);
  }
  await session.release();
  return out;
}

beforeAll(async () => {
  makeTinyBaseBert(path.join(modelsDir, BASE));
  port = await freePort();
  await startServe();
  const key = await api(ADMIN_KEY, 'POST', '/v1/api_keys', { name: 'node-e2e' });
  expect(key.status, JSON.stringify(key.body)).toBe(200);
  apiKey = key.body.key;
}, 120_000);

afterAll(async () => {
  await receiver?.close();
  worker?.kill('SIGKILL');
  await stopServe();
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('fine-tuning on Node: edgeclass serve (SQLite, a files folder) and edgeclass worker', () => {
  it('creates a job on serve, trains it with worker, and classifies with the model on the same server', async () => {
    const trainFile = await upload('train.tsv', `${lines.slice(0, 161).join('\n')}\n`);
    const validFile = await upload('dev.tsv', validText);
    const created = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', {
      model: BASE,
      training_file: trainFile,
      validation_file: validFile,
      suffix: 'node',
      hyperparameters: { n_epochs: 1, batch_size: 16, learning_rate: 2e-3, max_length: MAX_LENGTH, seed: 3 },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const jobId: string = created.body.id;
    worker = startWorker({
      name: 'node-w1',
      edge: server!.url,
      secret: WORKER_SECRET,
      workDir: path.join(root, 'work'),
      args: ['--poll-interval', '300'],
    });

    let job: any = null;
    for (const deadline = Date.now() + 240_000; Date.now() < deadline; ) {
      job = (await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}`)).body;
      if (['succeeded', 'failed', 'cancelled'].includes(job.status)) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(job.status, `${JSON.stringify(job)}\n${worker.stderr().slice(-2000)}`).toBe('succeeded');
    expect(job.fine_tuned_model).toBe(`ft:${BASE}:node:${jobId}`);
    expect(job.trained_tokens).toBeGreaterThan(0);
    const events = (await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}/events?limit=100`)).body.data;
    const messages = events.map((e: any) => e.message);
    expect(messages.filter((m: string) => m.startsWith('Fine-tuning job started'))).toHaveLength(1);
    expect(messages.filter((m: string) => m.startsWith('The job has successfully completed'))).toHaveLength(1);

    // The worker uploaded the model into the server's first models folder, where serving reads it.
    const folder = path.join(modelsDir, job.fine_tuned_model);
    const texts = parseDataset(validText, 'tsv').map((e) => e.text);
    const expected = await predict(folder, texts);
    const classify = await api(apiKey, 'POST', '/v1/classify', {
      model: job.fine_tuned_model,
      strategy: 'model',
      inputs: texts,
    });
    expect(classify.status, JSON.stringify(classify.body).slice(0, 500)).toBe(200);
    expect(classify.body.results.map((r: any) => r.labels[0])).toEqual(expected);
    // The model is its owner's: without the key it does not exist.
    const anonymous = await api(null, 'POST', '/v1/classify', { model: job.fine_tuned_model, inputs: ['x'] });
    expect(anonymous.status).toBe(401);

    // State survives a restart: the database file and the files folder are the truth.
    worker.kill('SIGTERM');
    await stopServe();
    await startServe();
    const again = await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}`);
    expect(again.body).toMatchObject({ status: 'succeeded', fine_tuned_model: job.fine_tuned_model });
    const file = await api(apiKey, 'GET', `/v1/files/${validFile}/content`);
    expect(file).toEqual({ status: 200, body: validText });
  }, 400_000);

  it('the openai SDK: a chat-format file (named .txt) to a served ft: model, webhooks verified with unwrap', async () => {
    receiver = await startReceiver(WEBHOOK_SECRET, await freePort());
    worker = startWorker({
      name: 'node-w2',
      edge: server!.url,
      secret: WORKER_SECRET,
      workDir: path.join(root, 'work2'),
      args: ['--poll-interval', '300'],
    });
    await chatFineTuneWithSdk({
      url: server!.url,
      apiKey,
      base: BASE,
      receiver,
      webhookSecret: WEBHOOK_SECRET,
      rows: lines.slice(1, 201),
      timeoutMs: 240_000,
    });
  }, 400_000);
});
