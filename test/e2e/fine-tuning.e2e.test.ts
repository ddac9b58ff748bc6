// The whole system on loopback, nothing faked: wrangler dev (workerd, local D1, R2 and Queue), GPU workers as
// `edgeclass worker` processes, and a webhook receiver that checks signatures with the `standardwebhooks` package.
// 1. Refusals, with webhooks to private addresses off: API keys, bad datasets and hyperparameters, unknown models,
//    files too large, forged worker calls, unsigned and replayed trigger calls; nothing is queued.
// 2. A job on a tiny init-model BERT and an SST-2 subset, created twice with one Idempotency-Key: events, signed
//    webhooks (running, progress, succeeded), and the fine-tuned model served by /v1/classify in workerd with the
//    predictions of the trainer's own evaluation. A job on a tiny DistilBERT with its first layer and embeddings
//    frozen: those tensors come back bit for bit, and the model is served.
// 3. Faults in one job: the worker running it killed twice (two workers up), the receiver down for a while,
//    wrangler dev restarted mid-job: the job resumes from checkpoints, never runs on two workers at once, and
//    every webhook arrives once.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import * as ort from 'onnxruntime-node';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADERS, signRequest, WORKER_ROUTES, encodePathName } from '../../src/jobs/protocol.ts';
import { initModel } from '../../src/nn/init-model.ts';
import { readSafetensors } from '../../src/nn/safetensors.ts';
import { Tokenizer } from '../../src/tokenizer/index.ts';
import { parseDataset } from '../../src/train/data.ts';
import { evaluateFolder } from '../../src/train/evaluate.ts';
import { MODELS_DIR, REPO_ROOT } from '../support/paths.ts';
import { freePort } from '../support/servers.ts';
import { prepareEdgeState, startEdge, startWorker, type EdgeDev, type WorkerProcess } from './support/processes.ts';
import { chatFineTuneWithSdk } from './support/openai-chat-fine-tune.ts';
import { redeliveredAfterSuccess, startReceiver, type Delivery, type Receiver } from './support/receiver.ts';
import { makeTinyBaseBert, makeTinyModel } from '../support/tiny-models.ts';
import { countingClient, defineOpenAIFineTuningSuite, defineOpenAIInferenceSuite } from '../support/openai-suite.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const BASE = 'tiny-bert';
/** A DistilBERT base (its own tensor names, no token types): the freezing rule must follow its architecture. */
const DISTIL_BASE = 'tiny-distilbert';
const DISTIL_LABELS = ['negative', 'positive'];
const WORKER_SECRET = `wsec_${randomBytes(18).toString('base64url')}`;
const ADMIN_KEY = `admin_${randomBytes(18).toString('base64url')}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const LEASE_SECONDS = 8;
const MAX_FILE_BYTES = 1 << 20;
// No call to the edge may hang a wait past its own deadline (a wedged edge fails the test instead of stalling it).
const CALL_TIMEOUT_MS = 60_000;
// Webhook retries every few seconds for about a minute and a half: longer than the receiver stays down in the fault
// test however slow the machine (two lease expiries and a resume: 15-20 s at load 20), so that what was sent
// meanwhile arrives once it is back rather than running out of retries.
const WEBHOOK_RETRY_SCHEDULE = [1, 2, 2, 3, 3, 4, ...Array<number>(16).fill(5)].join(',');

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-e2e-'));
const persist = path.join(root, 'persist');
let edgePort = 0;
let edge: EdgeDev | null = null;
let receiver: Receiver;
const workers: WorkerProcess[] = [];
let apiKey = '';
let otherKey = '';
const lines = fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8').trimEnd().split('\n');
const devLines = fs.readFileSync(path.join(SST2, 'dev.tsv'), 'utf8').trimEnd().split('\n');
const tsv = (rows: string[]) => `${[lines[0], ...rows].join('\n')}\n`;
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const execFileAsync = promisify(execFile);
const note = (msg: string) => console.log(`[e2e ${elapsed()}] ${msg}`);

function vars(allowPrivate: boolean): Record<string, string> {
  return {
    EDGECLASS_WORKER_SECRET: WORKER_SECRET,
    EDGECLASS_ADMIN_KEY: ADMIN_KEY,
    EDGECLASS_LEASE_SECONDS: String(LEASE_SECONDS),
    EDGECLASS_MAX_ATTEMPTS: '6',
    EDGECLASS_MAX_FILE_BYTES: String(MAX_FILE_BYTES),
    EDGECLASS_WEBHOOK_RETRY_SCHEDULE: WEBHOOK_RETRY_SCHEDULE,
    ...(allowPrivate ? { EDGECLASS_WEBHOOK_ALLOW_PRIVATE: '1' } : {}),
  };
}

async function api<T = any>(
  key: string | null,
  method: string,
  route: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: T; headers: Headers }> {
  const init: RequestInit = { method, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = typeof body === 'string' ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const res = await fetch(`${edge!.url}${route}`, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) });
  const text = await res.text();
  let parsed: any = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

async function upload(key: string | null, name: string, content: string | Uint8Array) {
  const form = new FormData();
  form.append('purpose', 'fine-tune');
  form.append('file', new File([content], name));
  return api(key, 'POST', '/v1/files', form);
}

/** A signed worker call, as the worker makes it (the test holds the shared secret). */
async function workerCall(
  method: string,
  route: string,
  body: Uint8Array | null = null,
  o: { secret?: string; timestamp?: number; signed?: boolean; lease?: string; contentType?: string } = {},
) {
  const bytes = body ?? new Uint8Array(0);
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const headers: Record<string, string> = { [SIGNATURE_HEADERS.worker]: 'e2e-test' };
  if (o.signed !== false) {
    Object.assign(headers, await signRequest(o.secret ?? WORKER_SECRET, method, route, bytes, timestamp));
  }
  if (o.lease) headers[SIGNATURE_HEADERS.lease] = o.lease;
  if (body) headers['content-type'] = o.contentType ?? 'application/json';
  return fetch(`${edge!.url}${route}`, {
    method,
    headers,
    body: method === 'GET' ? undefined : bytes,
    signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
  });
}

/** The edge could not be reached (wrangler dev restarting) or answered 5xx: worth another look, unlike anything else. */
class EdgeAway extends Error {}

function edgeAway(err: unknown): boolean {
  // undici's fetch rejects with TypeError('fetch failed') when the connection is refused or reset, and with a
  // TimeoutError when the edge does not answer within CALL_TIMEOUT_MS.
  return (
    err instanceof EdgeAway ||
    (err instanceof TypeError && err.message === 'fetch failed') ||
    (err instanceof DOMException && err.name === 'TimeoutError')
  );
}

/** Throws the job's own error at once when it failed or was cancelled (so a waiting test fails now, saying why). */
async function failIfEnded(jobId: string): Promise<void> {
  const res = await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}`);
  if (res.status >= 500) throw new EdgeAway(`job ${jobId}: ${res.status}`);
  if (res.status !== 200) throw new Error(`job ${jobId}: ${res.status} ${JSON.stringify(res.body)}`);
  if (['failed', 'cancelled'].includes(res.body.status))
    throw new Error(`job ${jobId} ${res.body.status}: ${JSON.stringify(res.body.error)}`);
}

/**
 * Polls `probe` until it answers. Only an unreachable edge is retried; any other exception (an assertion, a job
 * that failed: with `watch`, the job is checked at every poll) ends the wait at once with that error.
 */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 180_000,
  everyMs = 250,
  watch?: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | null | false;
    try {
      v = await probe();
      if (!v && watch) await failIfEnded(watch);
    } catch (err) {
      if (!edgeAway(err)) throw err;
      v = undefined;
    }
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function allEvents(jobId: string): Promise<any[]> {
  const out: any[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { status: number; body: any } = await api(
      apiKey,
      'GET',
      `/v1/fine_tuning/jobs/${jobId}/events?limit=100${after ? `&after=${after}` : ''}`,
    );
    if (page.status >= 500) throw new EdgeAway(`events: ${page.status}`);
    if (page.status !== 200) throw new Error(`events: ${page.status} ${JSON.stringify(page.body)}`);
    out.push(...page.body.data);
    if (!page.body.has_more) break;
    after = page.body.data.at(-1).id;
  }
  return out.reverse(); // oldest first
}

/** The cron sweep (every minute in production; ticked here) re-sends deliveries whose queue message is overdue by a
 * minute: wrangler dev keeps queue messages in memory, so a restart loses those in flight. */
function tickCron(): Promise<void> {
  return fetch(`${edge!.url}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent('* * * * *')}`).then(
    (r) => r.body?.cancel(),
    () => {},
  );
}

/** Waits until the receiver has every webhook the edge recorded for the job; returns the edge's deliveries. */
async function everyDeliveryReceived(jobId: string, timeoutMs: number): Promise<any[]> {
  const receivedIds = () => new Set(receiver.deliveries.filter((d) => d.payload.data?.id === jobId).map((d) => d.id));
  let deliveries: any[] = [];
  const waitFrom = Date.now();
  try {
    await until(
      'every delivery to arrive',
      async () => {
        await tickCron();
        const page = await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}/webhook_deliveries`);
        if (page.status >= 500) throw new EdgeAway(`webhook_deliveries: ${page.status}`);
        deliveries = page.body.data;
        const ids = receivedIds();
        return deliveries.length > 0 && deliveries.every((d) => ids.has(d.payload.id));
      },
      timeoutMs,
      3000,
    );
    note(`every delivery of ${jobId} arrived ${((Date.now() - waitFrom) / 1000).toFixed(1)} s after the wait began`);
  } finally {
    const ids = receivedIds();
    const missing = deliveries.filter((d) => !ids.has(d.payload.id));
    note(
      `webhooks of ${jobId}: ${deliveries.length} deliveries at the edge (${deliveries.filter((d) => d.status === 'delivered').length} delivered), ${ids.size} distinct webhook-ids received; ` +
        `missing: ${JSON.stringify(missing.map((d) => ({ type: d.type, status: d.status, attempts: d.attempts, next: d.next_attempt_at, error: d.last_error })))}`,
    );
  }
  return deliveries;
}

/** Steps of the checkpoints the edge registered, in the order it registered them (its own events). */
function checkpointSavedSteps(events: any[]): number[] {
  return events
    .map((e) => /^Checkpoint saved at step (\d+)/.exec(e.message))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]));
}

/** The steps of the progress webhooks received (every delivery, duplicates included), ascending. */
function progressSteps(deliveries: Delivery[]): number[] {
  return deliveries
    .filter((d) => d.type === 'fine_tuning.job.progress')
    .map((d) => d.payload.data.step as number)
    .sort((x, y) => x - y);
}

/**
 * Each webhook once: no webhook-id arrives again after a 2xx, exactly one succeeded, and one progress per checkpoint
 * the edge registered (counted over every delivery, so a duplicate or a missing one fails).
 */
function expectWebhooksOnce(deliveries: Delivery[], events: any[]): void {
  expect(redeliveredAfterSuccess(deliveries)).toEqual([]);
  expect(deliveries.filter((d) => d.type === 'fine_tuning.job.succeeded')).toHaveLength(1);
  const saved = checkpointSavedSteps(events).sort((x, y) => x - y);
  expect(saved.length).toBeGreaterThan(0);
  expect(progressSteps(deliveries)).toEqual(saved);
}

/**
 * Rows of the edge's local D1, what the API does not show: read from wrangler dev's persist folder by the sqlite3
 * command in read-only mode. D1 keeps its database in WAL mode, where a reader never blocks the edge's writes
 * (`wrangler d1 execute --local` opens it for writing, and got SQLITE_BUSY beside a running wrangler dev).
 */
async function d1<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const dir = path.join(persist, 'v3', 'd1', 'miniflare-D1DatabaseObject');
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.sqlite') && f !== 'metadata.sqlite');
  if (files.length !== 1) throw new Error(`expected one D1 database in ${dir}, found ${JSON.stringify(files)}`);
  const { stdout } = await execFileAsync('sqlite3', ['-readonly', '-json', path.join(dir, files[0]), sql], {
    timeout: 60_000,
    maxBuffer: 16 << 20,
  });
  return stdout.trim() ? (JSON.parse(stdout) as T[]) : [];
}

/** A file of a model folder in R2, through the worker API. */
async function modelFile(model: string, file: string): Promise<Buffer> {
  const res = await workerCall('GET', WORKER_ROUTES.modelFile(encodePathName(model), encodePathName(file)));
  expect(res.status, `${model}/${file}`).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

/** Every write under a lease that is no longer the live one is refused with 409, and none of it is stored. */
async function expectLeaseRefused(jobId: string, leaseId: string): Promise<void> {
  const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  const step = 999_999; // a step no run reaches: what a refused upload would have left is easy to look for
  const stale = 'written under a lost lease';
  const calls: [string, string, Uint8Array, string][] = [
    ['POST', WORKER_ROUTES.heartbeat(jobId), json({ lease_id: leaseId, step: 1, total_steps: 2 }), 'application/json'],
    [
      'POST',
      WORKER_ROUTES.events(jobId),
      json({
        lease_id: leaseId,
        events: [{ id: `${leaseId}.stale`, type: 'message', level: 'info', message: stale, created_at: 0 }],
      }),
      'application/json',
    ],
    ['PUT', WORKER_ROUTES.checkpointFile(jobId, step, 'model.safetensors'), json(stale), 'application/octet-stream'],
    [
      'POST',
      WORKER_ROUTES.checkpoint(jobId),
      json({ lease_id: leaseId, step, epoch: 1, files: ['model.safetensors'], metrics: {} }),
      'application/json',
    ],
    ['PUT', WORKER_ROUTES.resultFile(jobId, 'stale.bin'), json(stale), 'application/octet-stream'],
    [
      'POST',
      WORKER_ROUTES.complete(jobId),
      json({ lease_id: leaseId, status: 'failed', error: { code: 'stale', message: stale } }),
      'application/json',
    ],
  ];
  for (const [method, route, body, contentType] of calls) {
    const res = await workerCall(method, route, body, { lease: leaseId, contentType });
    const answer = await res.text().catch((err: unknown) => `(no body: ${err})`);
    expect(res.status, `${method} ${route}: ${answer}`).toBe(409);
  }
  const file = await workerCall('GET', WORKER_ROUTES.checkpointFile(jobId, step, 'model.safetensors'));
  expect(file.status).toBe(404);
  expect((await allEvents(jobId)).filter((e) => e.message === stale)).toEqual([]);
  expect((await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}`)).body.status).toBe('running');
}

function spawnWorker(name: string, args: string[] = []): WorkerProcess {
  const w = startWorker({
    name,
    edge: edge!.url,
    secret: WORKER_SECRET,
    workDir: path.join(root, 'work'),
    args: ['--poll-interval', '300', '--metrics-every', '5', ...args],
  });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  const modelsDir = path.join(root, 'models');
  makeTinyBaseBert(path.join(modelsDir, BASE));
  // A sentence-embedding model for the openai SDK's embeddings suite.
  makeTinyModel(modelsDir, 'tiny-embed');
  initModel({
    arch: 'distilbert',
    layers: 2,
    hidden: 16,
    heads: 2,
    intermediate: 32,
    tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
    seed: 22,
    // Named labels, as tiny-sst2's: a job on SST-2 rows labelled 0/1 must keep them (issue 16 item 4, at the edge).
    labels: DISTIL_LABELS,
    out: path.join(modelsDir, DISTIL_BASE),
  });
  prepareEdgeState(persist, modelsDir);
  edgePort = await freePort();
  edge = await startEdge({ persist, port: edgePort, vars: vars(false) });
  note(`wrangler dev up on ${edge.url}`);
  const key = async () => {
    const res = await api(ADMIN_KEY, 'POST', '/v1/api_keys', { name: 'e2e' });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body.key as string;
  };
  apiKey = await key();
  otherKey = await key();
}, 240_000);

afterAll(async () => {
  for (const w of workers) w.kill('SIGKILL');
  // EDGECLASS_E2E_LOGS=<folder>: the workers' logs and wrangler dev's output are kept there (what a failure needs).
  const dump = process.env.EDGECLASS_E2E_LOGS;
  if (dump) {
    fs.mkdirSync(dump, { recursive: true });
    for (const w of workers) fs.writeFileSync(path.join(dump, `${w.name}.log`), w.stderr());
    if (edge) fs.writeFileSync(path.join(dump, 'edge.log'), edge.log());
  }
  await receiver?.close();
  await edge?.stop();
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

// The OpenAI-compatibility suites (test/support/openai-suite.ts: the official SDK as the client, the same bodies as
// against edgeclass serve and inside workerd) against wrangler dev. The fine-tuning suite's one job is cancelled while
// queued, before any worker runs.
defineOpenAIInferenceSuite(() => countingClient(`${edge!.url}/v1`, apiKey), 'tiny-embed');
defineOpenAIFineTuningSuite({
  target: () => countingClient(`${edge!.url}/v1`, apiKey),
  unauthorized: () => countingClient(`${edge!.url}/v1`, 'ec_not-a-key'),
  baseModel: BASE,
});

describe('refusals (webhooks to private addresses off)', () => {
  let goodFile = '';

  it("API keys: missing or wrong -> 401; another key's job -> 404", async () => {
    expect((await api(null, 'GET', '/v1/fine_tuning/jobs')).status).toBe(401);
    expect((await api('ec_not-a-key', 'GET', '/v1/fine_tuning/jobs')).status).toBe(401);
    expect((await upload(null, 'a.tsv', tsv(lines.slice(1, 40)))).status).toBe(401);
    const file = await upload(apiKey, 'train.tsv', tsv(lines.slice(1, 61)));
    expect(file.status, JSON.stringify(file.body)).toBe(200);
    goodFile = file.body.id;
    // A job of this key, seen from another key: 404, like a job that does not exist.
    const job = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', {
      model: BASE,
      training_file: goodFile,
      hyperparameters: { n_epochs: 1 },
    });
    expect(job.status, JSON.stringify(job.body)).toBe(200);
    expect((await api(otherKey, 'GET', `/v1/fine_tuning/jobs/${job.body.id}`)).status).toBe(404);
    expect((await api(otherKey, 'POST', `/v1/fine_tuning/jobs/${job.body.id}/cancel`)).status).toBe(404);
    expect((await api(otherKey, 'GET', `/v1/files/${goodFile}`)).status).toBe(404);
    // Cancelled before any worker runs: it never starts.
    const cancelled = await api(apiKey, 'POST', `/v1/fine_tuning/jobs/${job.body.id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
  });

  it('bad datasets, unknown base models, invalid hyperparameters, files too large -> 4xx, nothing queued', async () => {
    const before = (await api(apiKey, 'GET', '/v1/fine_tuning/jobs?limit=100')).body.data.length;
    const malformed = [
      ['bad.jsonl', '{"text": "fine", "label": 1}\n{"text": 3, "label": 0}\n'],
      ['bad.tsv', `sentence\tlabel\n${'a film\t\n'.repeat(20)}`],
      ['bad.csv', 'a,b,c,d\n1,2,3,4\n'],
      // A name without an extension is read as its content shows: a header alone holds no examples.
      ['noext', 'sentence\tlabel\n'],
      ['train.parquet', 'sentence\tlabel\nx\t1\n'],
    ];
    for (const [name, content] of malformed) {
      const res = await upload(apiKey, name, content);
      expect(res.status, `${name}: ${JSON.stringify(res.body)}`).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'file' });
    }
    const big = await upload(apiKey, 'big.tsv', tsv(Array.from({ length: 30_000 }, (_, i) => lines[1 + (i % 5000)])));
    expect(big.status).toBe(413);
    const unknownModel = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', {
      model: 'no-such-model',
      training_file: goodFile,
    });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    for (const hyperparameters of [
      { n_epochs: 0 },
      { learning_rate: -1 },
      { pooling: 'sum' },
      { batch_size: 'many' },
      { num_frozen_layers: 99 },
      { unknown: 1 },
    ]) {
      const res = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', {
        model: BASE,
        training_file: goodFile,
        hyperparameters,
      });
      expect(res.status, `${JSON.stringify(hyperparameters)}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    const otherFile = await api(otherKey, 'POST', '/v1/fine_tuning/jobs', { model: BASE, training_file: goodFile });
    expect([400, 404]).toContain(otherFile.status);
    const after = (await api(apiKey, 'GET', '/v1/fine_tuning/jobs?limit=100')).body.data.length;
    expect(after).toBe(before);
    // Nothing for a worker to claim.
    const claim = await workerCall(
      'POST',
      WORKER_ROUTES.claim,
      new TextEncoder().encode(JSON.stringify({ worker_id: 'e2e-test', execution_provider: 'cpu' })),
    );
    expect(claim.status).toBe(204);
  });

  it('webhook urls on 10.0.0.1 or 127.0.0.1 are refused by default', async () => {
    for (const url of [
      'http://10.0.0.1/hook',
      'http://127.0.0.1:9/hook',
      'http://[::1]/hook',
      'http://169.254.169.254/latest',
    ]) {
      const res = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', {
        model: BASE,
        training_file: goodFile,
        webhook: { url },
      });
      expect(res.status, `${url}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });

  it('forged, unsigned and stale worker calls -> 401', async () => {
    const body = new TextEncoder().encode(JSON.stringify({ worker_id: 'e2e-test', execution_provider: 'cpu' }));
    expect((await workerCall('POST', WORKER_ROUTES.claim, body, { signed: false })).status).toBe(401);
    expect((await workerCall('POST', WORKER_ROUTES.claim, body, { secret: 'not-the-secret' })).status).toBe(401);
    expect(
      (await workerCall('POST', WORKER_ROUTES.claim, body, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status,
    ).toBe(401);
    expect(
      (await workerCall('GET', WORKER_ROUTES.modelFile(BASE, 'config.json'), null, { secret: 'not-the-secret' }))
        .status,
    ).toBe(401);
    expect((await workerCall('GET', WORKER_ROUTES.modelFile(BASE, 'config.json'))).status).toBe(200);
  });

  it('trigger calls: unsigned or replayed -> 4xx, nothing queued; a signed one starts one job', async () => {
    const trigger = await api(apiKey, 'POST', '/v1/triggers', {
      model: BASE,
      dataset: { file_id: goodFile },
      hyperparameters: { n_epochs: 1 },
    });
    expect(trigger.status, JSON.stringify(trigger.body)).toBe(200);
    const hook = trigger.body.hook_path as string;
    const secret = trigger.body.secret as string;
    const count = async () => (await api(apiKey, 'GET', '/v1/fine_tuning/jobs?limit=100')).body.data.length;
    const before = await count();
    const payload = JSON.stringify({ event: 'dataset.updated' });
    expect((await api(null, 'POST', hook, payload)).status).toBe(401);
    const sign = (id: string, at: Date, s = secret) => new Webhook(s).sign(id, at, payload);
    const headers = (id: string, at: Date, s = secret) => ({
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': sign(id, at, s),
    });
    expect((await api(null, 'POST', hook, payload, headers('msg_forged', new Date(), WEBHOOK_SECRET))).status).toBe(
      401,
    );
    const stale = new Date(Date.now() - 3600_000);
    expect((await api(null, 'POST', hook, payload, headers('msg_stale', stale))).status).toBe(401);
    expect(await count()).toBe(before);
    const now = new Date();
    const first = await api(null, 'POST', hook, payload, headers('msg_1', now));
    expect(first.status, JSON.stringify(first.body)).toBeLessThan(300);
    const replay = await api(null, 'POST', hook, payload, headers('msg_1', now));
    expect(replay.status).toBeGreaterThanOrEqual(400);
    expect(replay.status).toBeLessThan(500);
    expect(await count()).toBe(before + 1);
    // Not to be trained here: cancelled while queued.
    expect((await api(apiKey, 'POST', `/v1/fine_tuning/jobs/${first.body.job.id}/cancel`)).body.status).toBe(
      'cancelled',
    );
  });
});

describe('fine-tuning end to end (webhooks to loopback allowed)', () => {
  let trainFile = '';
  let validFile = '';
  const validRows = devLines.slice(1, 201);

  beforeAll(async () => {
    await edge!.stop();
    edge = await startEdge({ persist, port: edgePort, vars: vars(true) });
    receiver = await startReceiver(WEBHOOK_SECRET, await freePort());
    note('wrangler dev restarted with webhooks to loopback allowed; receiver up');
    const train = await upload(apiKey, 'sst2-train.tsv', tsv(lines.slice(1, 801)));
    const valid = await upload(apiKey, 'sst2-dev.tsv', `${[devLines[0], ...validRows].join('\n')}\n`);
    expect(train.status, JSON.stringify(train.body)).toBe(200);
    expect(valid.status, JSON.stringify(valid.body)).toBe(200);
    trainFile = train.body.id;
    validFile = valid.body.id;
    spawnWorker('w1');
  }, 240_000);

  it("trains, reports, sends signed webhooks and serves the model with the trainer's predictions", async () => {
    const request = {
      model: BASE,
      training_file: trainFile,
      validation_file: validFile,
      suffix: 'sst2',
      // max_length covers every validation text: the trainer evaluates what the API serves (no truncation apart).
      hyperparameters: { n_epochs: 2, batch_size: 16, learning_rate: 2e-3, max_length: 128, eval_steps: 20, seed: 3 },
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
    };
    const a = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', request, { 'idempotency-key': 'e2e-happy' });
    const b = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', request, { 'idempotency-key': 'e2e-happy' });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const jobId = a.body.id as string;
    expect(
      (await api(apiKey, 'GET', '/v1/fine_tuning/jobs?limit=100')).body.data.filter((j: any) => j.id === jobId),
    ).toHaveLength(1);

    const job = await until('the job to succeed', async () => {
      const j = (await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}`)).body;
      if (['failed', 'cancelled'].includes(j.status)) throw new Error(`job ${j.status}: ${JSON.stringify(j.error)}`);
      return j.status === 'succeeded' ? j : null;
    });
    note(`job ${jobId} succeeded (${job.fine_tuned_model})`);
    expect(job.fine_tuned_model).toBe(`ft:${BASE}:sst2:${jobId}`);
    expect(job.trained_tokens).toBeGreaterThan(0);

    const events = await allEvents(jobId);
    const messages = events.map((e) => e.message);
    expect(messages.filter((m) => m.startsWith('Fine-tuning job started'))).toHaveLength(1);
    expect(messages.filter((m) => m.startsWith('The job has successfully completed'))).toHaveLength(1);
    const metrics = events.filter((e) => e.type === 'metrics' && typeof e.data?.train_loss === 'number');
    expect(metrics.length).toBeGreaterThan(5);
    for (const k of ['step', 'total_steps', 'learning_rate', 'samples_per_second'])
      expect(typeof metrics[0].data[k]).toBe('number');
    const evaluations = events.filter((e) => e.type === 'metrics' && typeof e.data?.is_best === 'boolean');
    expect(evaluations.map((e) => e.data.step)).toEqual([20, 40, 50, 60, 80, 100]);
    const checkpoints = (await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}/checkpoints?limit=100`)).body.data;
    expect(checkpoints.length).toBeGreaterThan(0);

    // Webhooks: running, progress (one per checkpoint), succeeded, each verified by standardwebhooks.
    await everyDeliveryReceived(jobId, 60_000);
    const mine = receiver.deliveries.filter((d) => d.payload.data?.id === jobId);
    expect(mine.every((d) => d.verified)).toBe(true);
    expect(receiver.refused).toBe(0);
    expectWebhooksOnce(mine, events);
    const types = mine.map((d) => d.type);
    expect(types[0]).toBe('fine_tuning.job.running');
    expect(types.at(-1)).toBe('fine_tuning.job.succeeded');
    expect(progressSteps(mine)).toEqual(
      checkpoints.map((c: any) => c.step_number as number).sort((x: number, y: number) => x - y),
    );
    expect(mine.find((d) => d.type === 'fine_tuning.job.succeeded')!.payload.data.fine_tuned_model).toBe(
      job.fine_tuned_model,
    );

    // The fine-tuned model, as uploaded (through the worker API), evaluated as the trainer evaluates it.
    const folder = path.join(root, 'result');
    for (const file of [
      'config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/model.onnx',
      'eval_results.json',
      'model.safetensors',
    ]) {
      const res = await workerCall(
        'GET',
        WORKER_ROUTES.modelFile(encodePathName(job.fine_tuned_model), encodePathName(file)),
      );
      expect(res.status, file).toBe(200);
      fs.mkdirSync(path.dirname(path.join(folder, file)), { recursive: true });
      fs.writeFileSync(path.join(folder, file), Buffer.from(await res.arrayBuffer()));
    }
    const examples = parseDataset([devLines[0], ...validRows].join('\n'), 'tsv');
    const trainerEval = JSON.parse(fs.readFileSync(path.join(folder, 'eval_results.json'), 'utf8'));
    const folderEval = await evaluateFolder(folder, examples, { maxLength: 128 });
    expect(folderEval.accuracy).toBe(trainerEval.accuracy);
    // Logits from onnxruntime-node over the same tokens, one text at a time (no padding).
    const config = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
    const labels: string[] = Object.keys(config.id2label)
      .sort((x, y) => Number(x) - Number(y))
      .map((k) => config.id2label[k]);
    const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(folder, 'tokenizer.json'), 'utf8')));
    const session = await ort.InferenceSession.create(path.join(folder, 'onnx', 'model.onnx'));
    const expected: string[] = [];
    const expectedScores: number[] = [];
    for (const e of examples) {
      const ids = tokenizer.encode(e.text, null, {
        truncation: { maxLength: 128, strategy: 'longest_first', stride: 0, side: 'right' },
      }).ids;
      expect(ids.length).toBeLessThan(128);
      const t = (v: number[]) => new ort.Tensor('int64', BigInt64Array.from(v.map(BigInt)), [1, v.length]);
      const feeds: Record<string, ort.Tensor> = { input_ids: t(ids), attention_mask: t(ids.map(() => 1)) };
      if (session.inputNames.includes('token_type_ids')) feeds.token_type_ids = t(ids.map(() => 0));
      const logits = Array.from((await session.run(feeds)).logits.data as Float32Array);
      const best = logits.indexOf(Math.max(...logits));
      const z = logits.map((x) => Math.exp(x - logits[best]));
      expected.push(labels[best]);
      expectedScores.push(1 / z.reduce((s, x) => s + x, 0));
    }
    await session.release();
    const correct = expected.filter(
      (l, i) => l === labels[Number(examples[i].label)] || l === examples[i].label,
    ).length;
    expect(correct / examples.length).toBeCloseTo(trainerEval.accuracy, 10);

    // Served in workerd: /v1/classify with strategy model, the fine-tuned model id.
    const classify = await api(apiKey, 'POST', '/v1/classify', {
      model: job.fine_tuned_model,
      strategy: 'model',
      inputs: examples.map((e) => e.text),
    });
    expect(classify.status, JSON.stringify(classify.body).slice(0, 500)).toBe(200);
    const served = classify.body.results.map((r: any) => r.labels[0]);
    expect(served).toEqual(expected);
    classify.body.results.forEach((r: any, i: number) => expect(r.scores[0]).toBeCloseTo(expectedScores[i], 4));
    note(`served predictions equal the trainer's on ${examples.length} texts (accuracy ${trainerEval.accuracy})`);
  }, 300_000);

  it('the openai SDK: a chat-format file (named .txt) to a served ft: model, trained by the real worker', async () => {
    await chatFineTuneWithSdk({
      url: edge!.url,
      apiKey,
      base: BASE,
      receiver,
      webhookSecret: WEBHOOK_SECRET,
      rows: lines.slice(1, 201),
      timeoutMs: 180_000,
    });
  }, 300_000);

  it('trains a DistilBERT with --num-frozen-layers 1 --freeze-embeddings and serves it', async () => {
    const a = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', {
      model: DISTIL_BASE,
      training_file: trainFile,
      suffix: 'distil',
      hyperparameters: {
        n_epochs: 1,
        batch_size: 16,
        learning_rate: 2e-3,
        max_length: 64,
        num_frozen_layers: 1,
        freeze_embeddings: true,
        seed: 5,
      },
    });
    expect(a.status, JSON.stringify(a.body)).toBe(200);
    const jobId = a.body.id as string;
    const job = await until('the distilbert job to succeed', async () => {
      const j = (await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}`)).body;
      if (['failed', 'cancelled'].includes(j.status)) throw new Error(`job ${j.status}: ${JSON.stringify(j.error)}`);
      return j.status === 'succeeded' ? j : null;
    });
    const fetchFile = async (model: string, file: string) => {
      const res = await workerCall('GET', WORKER_ROUTES.modelFile(encodePathName(model), encodePathName(file)));
      expect(res.status, `${model} ${file}`).toBe(200);
      return new Uint8Array(await res.arrayBuffer());
    };
    const config = JSON.parse(new TextDecoder().decode(await fetchFile(job.fine_tuned_model, 'config.json')));
    expect(config.model_type).toBe('distilbert');
    expect(config.architectures).toEqual(['DistilBertForSequenceClassification']);
    // SST-2's labels are the ids 0 and 1: the fine-tune keeps the base's names, and the job's events say so.
    expect(config.id2label).toEqual({ '0': 'negative', '1': 'positive' });
    expect(config.label2id).toEqual({ negative: 0, positive: 1 });
    const labelEvents = (await allEvents(jobId)).filter((e) => e.message.startsWith('Labels: '));
    expect(labelEvents.map((e) => e.message)).toEqual([
      "Labels: the dataset's labels are ids: keeping the base model's names (0=negative, 1=positive); --labels names them otherwise",
    ]);
    const before = readSafetensors(await fetchFile(DISTIL_BASE, 'model.safetensors')).tensors;
    const after = readSafetensors(await fetchFile(job.fine_tuned_model, 'model.safetensors')).tensors;
    let moved = 0;
    for (const [name, t] of before) {
      const same = t.data.every((x, i) => Object.is(x, after.get(name)!.data[i]));
      if (/^distilbert\.(embeddings|transformer\.layer\.0)\./.test(name)) expect(same, name).toBe(true);
      else if (!same) moved++;
    }
    expect(moved).toBeGreaterThan(10);
    const classify = await api(apiKey, 'POST', '/v1/classify', {
      model: job.fine_tuned_model,
      strategy: 'model',
      inputs: ['a gorgeous, witty film', 'dull and lifeless'],
    });
    expect(classify.status, JSON.stringify(classify.body).slice(0, 500)).toBe(200);
    expect(classify.body.results).toHaveLength(2);
    for (const result of classify.body.results) expect([...result.labels].sort()).toEqual(DISTIL_LABELS);
    note(`distilbert job ${jobId} succeeded; frozen tensors unchanged, ${moved} others moved; served in workerd`);
  }, 300_000);

  it('survives two worker kills, the receiver going down, a wrangler dev restart and a paused holder mid-job, and ends bit for bit where an uninterrupted run ends', async () => {
    spawnWorker('w2'); // two workers take jobs from now on
    const request = {
      model: BASE,
      training_file: trainFile,
      validation_file: validFile,
      suffix: 'faults',
      hyperparameters: { n_epochs: 6, batch_size: 16, learning_rate: 2e-3, max_length: 32, eval_steps: 15, seed: 5 },
      webhook: { url: receiver.url, secret: WEBHOOK_SECRET },
    };
    const created = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', request, { 'idempotency-key': 'e2e-faults' });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const jobId = created.body.id as string;
    const runnerOf = (attempt: number) =>
      workers.find((w) => w.lines.some((l) => l.msg === 'training' && l.job_id === jobId && l.attempt === attempt));
    const newestCheckpoint = async () => {
      const page = await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}/checkpoints?limit=1`);
      return page.status === 200 && page.body.data.length
        ? ((page.body.data[0].step_number ?? page.body.data[0].step) as number)
        : 0;
    };
    // The attempt's first step is at the edge (its metrics event; every resume is checked against it below).
    const reported = (attempt: number) =>
      until(
        `attempt ${attempt} to report its first step`,
        async () =>
          (await allEvents(jobId)).some(
            (e) => e.type === 'metrics' && e.data?.attempt === attempt && typeof e.data?.train_loss === 'number',
          ),
        180_000,
        1000,
        jobId,
      );
    const kills: { worker: string; attempt: number; at: number; checkpoint: number }[] = [];
    let spare = 3;
    /** Kills the runner of `attempt` once it has reported and registered a checkpoint after `afterStep`; returns the
     * newest checkpoint seen before the kill. */
    const killRunner = async (attempt: number, afterStep: number) => {
      const runner = await until(`attempt ${attempt} to train`, () => runnerOf(attempt), 180_000, 250, jobId);
      await reported(attempt);
      const step = await until(
        `a checkpoint after step ${afterStep} in attempt ${attempt}`,
        async () => ((await newestCheckpoint()) > afterStep ? newestCheckpoint() : null),
        180_000,
        250,
        jobId,
      );
      runner.kill('SIGKILL');
      await runner.exit;
      kills.push({ worker: runner.name, attempt, at: Date.now(), checkpoint: step });
      note(
        `killed ${runner.name} (attempt ${attempt}); the newest checkpoint seen before the kill was at step ${step}`,
      );
      spawnWorker(`w${spare++}`); // keep two workers up
      return step;
    };
    const isClaimOf = (attempt: number) => (e: any) => e.data?.attempt === attempt && 'resume_from_step' in e.data;
    /**
     * The newest checkpoint registered before `attempt` was claimed: what it must resume from. Read from the edge's
     * own order of events once the claim is there, not from what the test saw before the kill: the runner goes on
     * between that look and its death (on a loaded machine, long enough to register the next checkpoint; evaluations
     * at 15, 30... follow checkpoints at 13, 26... by two steps), and requests it sent just before are still handled.
     */
    const resumePoint = async (attempt: number, seenBeforeKill: number) => {
      const events = await until(
        `attempt ${attempt} to be claimed`,
        async () => {
          const all = await allEvents(jobId);
          return all.some(isClaimOf(attempt)) ? all : null;
        },
        180_000,
        1000,
        jobId,
      );
      const registered = checkpointSavedSteps(events.slice(0, events.findIndex(isClaimOf(attempt))));
      const step = Math.max(0, ...registered);
      expect(step).toBeGreaterThanOrEqual(seenBeforeKill); // nothing registered before the kill is lost
      note(`attempt ${attempt} claimed; the newest checkpoint registered before it: step ${step}`);
      return step;
    };

    const seen1 = await killRunner(1, 10);
    await receiver.down();
    const receiverDownAt = Date.now();
    note('webhook receiver down');
    const first = await resumePoint(2, seen1);
    const seen2 = await killRunner(2, first);
    const second = await resumePoint(3, seen2);
    await until('attempt 3 to train', () => runnerOf(3), 180_000, 250, jobId);
    await receiver.bringUp();
    note(`webhook receiver up again after ${((Date.now() - receiverDownAt) / 1000).toFixed(1)} s`);
    await until('a checkpoint in attempt 3', async () => (await newestCheckpoint()) > second, 180_000, 250, jobId);
    await reported(3);
    const restartAt = Date.now();
    const beforeRestart = await newestCheckpoint();
    await edge!.stop();
    edge = await startEdge({ persist, port: edgePort, vars: vars(true) });
    note(`wrangler dev restarted mid-job in ${((Date.now() - restartAt) / 1000).toFixed(1)} s`);

    // The same job, never interrupted (created after the restart, run by a worker of its own): what the faulted job
    // must end with, bit for bit.
    spawnWorker(`w${spare++}`);
    const reference = await api(apiKey, 'POST', '/v1/fine_tuning/jobs', { ...request, suffix: 'reference' });
    expect(reference.status, JSON.stringify(reference.body)).toBe(200);
    const referenceId = reference.body.id as string;

    // A paused holder: stopped (SIGSTOP) past its lease while it trains, so that another worker takes the job over,
    // then woken (SIGCONT) once the new holder trains. The edge must refuse its lease (409) and keep nothing of it.
    const afterRestart = await until(
      'a checkpoint after the restart',
      async () => ((await newestCheckpoint()) > beforeRestart ? newestCheckpoint() : null),
      180_000,
      250,
      jobId,
    );
    const [held] = await d1<{ lease_id: string; attempt: number; lease_expires_at: number }>(
      `SELECT lease_id, attempt, lease_expires_at FROM jobs WHERE id = '${jobId}'`,
    );
    const pausedAttempt = held.attempt;
    const holder = await until(`attempt ${pausedAttempt} to train`, () => runnerOf(pausedAttempt), 180_000, 250, jobId);
    holder.kill('SIGSTOP');
    const pausedAt = Date.now();
    const holderEnded = () =>
      holder.lines.find((l) => l.msg === 'job ended' && l.job_id === jobId && l.attempt === pausedAttempt);
    // Paused while it held the lease, not after it had dropped the job (or the pause would prove nothing).
    expect(holderEnded(), 'the holder had already dropped the job when paused').toBeUndefined();
    note(
      `paused ${holder.name} (attempt ${pausedAttempt}, lease ${held.lease_id}); first checkpoint after the restart: step ${afterRestart}`,
    );
    const third = await resumePoint(pausedAttempt + 1, afterRestart);
    await reported(pausedAttempt + 1);
    // While it sleeps and the new holder trains: its lease is refused.
    await expectLeaseRefused(jobId, held.lease_id);
    holder.kill('SIGCONT');
    note(`woke ${holder.name} after ${((Date.now() - pausedAt) / 1000).toFixed(1)} s`);
    const dropped = await until('the woken holder to drop the job', holderEnded, 60_000, 250, jobId);
    expect(dropped.outcome).toBe('lease_lost');
    // Nothing it did after the pause reached the edge: no upload in its log, no event of its attempt and no checkpoint
    // of its attempt at the edge after the takeover.
    expect(
      holder.lines.filter(
        (l) =>
          l.job_id === jobId &&
          Date.parse(l.ts) >= pausedAt &&
          ['checkpoint uploaded', 'model uploaded', 'job succeeded'].includes(l.msg),
      ),
    ).toEqual([]);
    const takeover = await allEvents(jobId);
    const takeoverAt = takeover.findIndex(isClaimOf(pausedAttempt + 1));
    expect(takeover.slice(takeoverAt).filter((e) => e.data?.attempt === pausedAttempt)).toEqual([]);
    const lateCheckpoints = await d1(
      `SELECT step, created_at FROM job_checkpoints WHERE job_id = '${jobId}' AND attempt = ${pausedAttempt} AND created_at >= ` +
        `(SELECT min(created_at) FROM job_events WHERE job_id = '${jobId}' AND json_extract(data, '$.attempt') = ${pausedAttempt + 1})`,
    );
    expect(lateCheckpoints).toEqual([]);

    const job = await until(
      'the job to succeed',
      async () => {
        const j = (await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${jobId}`)).body;
        return j.status === 'succeeded' ? j : null;
      },
      300_000,
      250,
      jobId,
    );
    note(`job ${jobId} succeeded after ${kills.length} kills, a restart and a pause`);
    expect(job.fine_tuned_model).toBe(`ft:${BASE}:faults:${jobId}`);
    // The stale holder's result upload (refused above) is not part of the model.
    expect(
      (await workerCall('GET', WORKER_ROUTES.modelFile(encodePathName(job.fine_tuned_model), 'stale.bin'))).status,
    ).toBe(404);

    // Resumed from checkpoints: the worker's own message for each resume, and metrics continuing after it.
    const events = await allEvents(jobId);
    const resumes = events.filter((e) => e.data?.phase === 'resumed');
    expect(resumes.length).toBeGreaterThanOrEqual(3);
    expect(resumes[0].data.resume_step).toBe(first);
    expect(resumes.find((e) => e.data.attempt === 3)?.data.resume_step).toBe(second);
    expect(resumes.find((e) => e.data.attempt === pausedAttempt + 1)?.data.resume_step).toBe(third);
    expect(resumes.map((e) => e.data.attempt)).toEqual(expect.arrayContaining([2, 3, pausedAttempt + 1]));
    const attempts = Math.max(...events.filter((e) => typeof e.data?.attempt === 'number').map((e) => e.data.attempt));
    expect(attempts).toBeGreaterThanOrEqual(4);
    for (const r of resumes) {
      const firstMetric = events.find(
        (e) => e.data?.attempt === r.data.attempt && typeof e.data?.train_loss === 'number',
      );
      expect(firstMetric?.data.step).toBe(r.data.resume_step + 1);
    }

    // Never two runners at once: per worker process, from its claim to its end (or its kill, or its pause: what it did
    // after the pause was refused, as checked above), no overlap. Times are the workers' own (their log lines' ts),
    // not when this process got round to reading the lines.
    const logged = (l: { ts: string }) => Date.parse(l.ts);
    const runs = workers
      .flatMap((w) =>
        w.lines
          .filter((l) => l.msg === 'job claimed' && l.job_id === jobId)
          .map((claim) => {
            const ended = w.lines.find(
              (l) => l.msg === 'job ended' && l.job_id === jobId && l.attempt === claim.attempt,
            );
            const end =
              w === holder && claim.attempt === pausedAttempt
                ? pausedAt
                : ended
                  ? logged(ended)
                  : kills.find((k) => k.worker === w.name && k.attempt === claim.attempt)?.at;
            return { worker: w.name, attempt: claim.attempt as number, from: logged(claim), to: end ?? Infinity };
          }),
      )
      .sort((x, y) => x.from - y.from);
    note(`runs: ${JSON.stringify(runs.map((r) => ({ ...r, from: r.from - started, to: r.to - started })))}`);
    expect(runs.length).toBe(attempts);
    for (let i = 1; i < runs.length; i++) expect(runs[i].from).toBeGreaterThanOrEqual(runs[i - 1].to);

    // Resumed exactly: the faulted job's model, through R2 and D1, is the uninterrupted run's, bit for bit.
    const referenceJob = await until(
      'the reference job to succeed',
      async () => {
        const j = (await api(apiKey, 'GET', `/v1/fine_tuning/jobs/${referenceId}`)).body;
        return j.status === 'succeeded' ? j : null;
      },
      600_000,
      1000,
      referenceId,
    );
    const referenceEvents = await allEvents(referenceId);
    expect(referenceEvents.filter((e) => e.data?.phase === 'resumed')).toEqual([]); // never interrupted
    const faulted = await modelFile(job.fine_tuned_model, 'model.safetensors');
    const uninterrupted = await modelFile(referenceJob.fine_tuned_model, 'model.safetensors');
    expect(faulted.length).toBeGreaterThan(0);
    expect(faulted.equals(uninterrupted), 'model.safetensors differs from the uninterrupted run').toBe(true);

    // Every webhook of the job arrived once the receiver was back: each webhook-id once after its 2xx, one
    // succeeded, one progress per registered checkpoint.
    const deliveries = await everyDeliveryReceived(jobId, 150_000);
    const received = receiver.deliveries.filter((d) => d.payload.data?.id === jobId);
    expect(received.every((d) => d.verified)).toBe(true);
    expectWebhooksOnce(received, await allEvents(jobId));
    // Some were sent while the receiver was down, and arrived after it came back.
    const late = deliveries.filter((d) => d.attempts > 1);
    expect(late.length).toBeGreaterThan(0);
    expect(received.filter((d) => d.at > receiverDownAt && late.some((l) => l.payload.id === d.id)).length).toBe(
      late.length,
    );
  }, 1_200_000);
});
