// Pause, resume and cancel of running jobs, on the real system on loopback: wrangler dev (workerd, local D1, R2
// and Queue) and an `edgeclass worker` process training a tiny init-model BERT on an SST-2 subset, driven by the
// official `openai` client. A paused job's worker stops at its next heartbeat and writes nothing more; resumed, it
// is trained on from its newest checkpoint to a servable model. A cancelled job is answered cancelled at once; its
// worker stops and writes nothing more.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import OpenAI, { toFile } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/paths.ts';
import { freePort } from '../support/servers.ts';
import { prepareEdgeState, startEdge, startWorker, type EdgeDev, type WorkerProcess } from './support/processes.ts';
import { makeTinyBaseBert } from '../support/tiny-models.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const BASE = 'tiny-bert';
const WORKER_SECRET = `wsec_${randomBytes(18).toString('base64url')}`;
const ADMIN_KEY = `admin_${randomBytes(18).toString('base64url')}`;
// Heartbeats every third of the lease: the worker learns of a pause or cancel within about 3 s.
const LEASE_SECONDS = 8;
// 400 rows in batches of 8 for 2 epochs: 100 steps, a checkpoint every 10. Long enough to pause between two
// checkpoints on a loaded machine, short enough to finish after the resume.
const HYPERPARAMETERS = { n_epochs: 2, batch_size: 8, learning_rate: 2e-3, max_length: 64, eval_steps: 10, seed: 5 };

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-lifecycle-e2e-'));
let edge: EdgeDev | null = null;
let worker: WorkerProcess | null = null;
let client: OpenAI;
let apiKey = '';
let trainingFile = '';
let validationFile = '';
const lines = fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8').trimEnd().split('\n');
const tsv = (rows: string[]) => `${[lines[0], ...rows].join('\n')}\n`;
const started = Date.now();
const note = (msg: string) => console.log(`[lifecycle e2e ${((Date.now() - started) / 1000).toFixed(1)}s] ${msg}`);

async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** A job created the way edgeclass's extensions need (eval_steps, max_length): the SDK's types have no room. */
async function createJob(suffix: string): Promise<string> {
  const res = await fetch(`${edge!.url}/v1/fine_tuning/jobs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      model: BASE,
      training_file: trainingFile,
      validation_file: validationFile,
      suffix,
      hyperparameters: HYPERPARAMETERS,
    }),
  });
  const body = (await res.json()) as { id: string };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.id;
}

async function events(jobId: string): Promise<OpenAI.FineTuning.FineTuningJobEvent[]> {
  const out: OpenAI.FineTuning.FineTuningJobEvent[] = [];
  for await (const e of client.fineTuning.jobs.listEvents(jobId, { limit: 50 })) out.push(e);
  return out; // newest first
}

async function checkpointSteps(jobId: string): Promise<number[]> {
  const out: number[] = [];
  for await (const c of client.fineTuning.jobs.checkpoints.list(jobId, { limit: 50 })) out.push(c.step_number);
  return out;
}

/** The worker's own word that it dropped the job (a 409 under its lease), logged after `since`. */
function workerStopped(jobId: string, since: number) {
  return until(`the worker to drop ${jobId}`, async () =>
    worker!.lines.find((l) => l.job_id === jobId && l.at >= since && l.msg.startsWith('lease lost')),
  );
}

/** Waits a few heartbeats more: whatever the worker still had in flight has been sent (and refused) by then. */
const heartbeatsLater = () => new Promise((r) => setTimeout(r, (LEASE_SECONDS * 1000 * 2) / 3 + 1000));

beforeAll(async () => {
  const modelsDir = path.join(root, 'models');
  makeTinyBaseBert(path.join(modelsDir, BASE));
  const persist = path.join(root, 'persist');
  prepareEdgeState(persist, modelsDir);
  edge = await startEdge({
    persist,
    port: await freePort(),
    vars: {
      EDGECLASS_WORKER_SECRET: WORKER_SECRET,
      EDGECLASS_ADMIN_KEY: ADMIN_KEY,
      EDGECLASS_LEASE_SECONDS: String(LEASE_SECONDS),
    },
  });
  const made = await fetch(`${edge.url}/v1/api_keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'lifecycle-e2e' }),
  });
  apiKey = ((await made.json()) as { key: string }).key;
  client = new OpenAI({ apiKey, baseURL: `${edge.url}/v1`, maxRetries: 0 });
  const upload = async (name: string, text: string) =>
    client.files.create({ file: await toFile(Buffer.from(text), name), purpose: 'fine-tune' });
  trainingFile = (await upload('sst2-train.tsv', tsv(lines.slice(1, 401)))).id;
  validationFile = (await upload('sst2-valid.tsv', tsv(lines.slice(401, 451)))).id;
  worker = startWorker({
    name: 'lifecycle-w1',
    edge: edge.url,
    secret: WORKER_SECRET,
    workDir: path.join(root, 'work'),
    args: ['--poll-interval', '300', '--metrics-every', '5'],
  });
  note(`wrangler dev up on ${edge.url}; worker started`);
}, 240_000);

afterAll(async () => {
  worker?.kill('SIGKILL');
  const dump = process.env.EDGECLASS_E2E_LOGS;
  if (dump) {
    fs.mkdirSync(dump, { recursive: true });
    if (worker) fs.writeFileSync(path.join(dump, `${worker.name}.log`), worker.stderr());
    if (edge) fs.writeFileSync(path.join(dump, 'lifecycle-edge.log'), edge.log());
  }
  await edge?.stop();
  fs.rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('a running job, paused, resumed, cancelled (real worker)', () => {
  it('pause stops the worker at its next heartbeat; resume trains on from the newest checkpoint to the end', async () => {
    const jobId = await createJob('paused');
    await until('a first checkpoint', async () => (await checkpointSteps(jobId)).length > 0);
    const pausedAt = Date.now();
    const paused = await client.fineTuning.jobs.pause(jobId);
    expect(paused.status).toBe('paused');
    const kept = await checkpointSteps(jobId);
    const newest = kept[0];
    note(`paused ${jobId}; checkpoints kept: ${kept.join(', ')}`);

    const pauseSeen = await workerStopped(jobId, pausedAt);
    note(`the worker dropped ${jobId} ${pauseSeen.at - pausedAt} ms after the pause was asked for`);
    await heartbeatsLater();
    // Nothing the worker sent after the pause was taken: no checkpoint, no event after the pause's own.
    expect(await checkpointSteps(jobId)).toEqual(kept);
    expect((await events(jobId))[0].message).toMatch(/^Job paused/);
    expect((await client.fineTuning.jobs.retrieve(jobId)).status).toBe('paused');

    expect((await client.fineTuning.jobs.resume(jobId)).status).toBe('queued');
    const done = await until('the resumed job to end', async () => {
      const job = await client.fineTuning.jobs.retrieve(jobId);
      return ['succeeded', 'failed', 'cancelled'].includes(job.status) ? job : null;
    });
    expect(done.status, JSON.stringify(done.error)).toBe('succeeded');
    expect(done.fine_tuned_model).toBe(`ft:${BASE}:paused:${jobId}`);
    note(`resumed ${jobId} succeeded`);

    const oldestFirst = (await events(jobId)).reverse();
    const resumedAt = oldestFirst.findIndex((e) => e.message.startsWith('Job resumed'));
    expect(oldestFirst[resumedAt].message).toContain(`from the checkpoint at step ${newest}`);
    const claim = oldestFirst.slice(resumedAt).find((e) => e.message.startsWith('The job was queued again'))!;
    expect(claim.data).toMatchObject({ attempt: 2, resume_from_step: newest });
    // Trained on from there: every checkpoint saved after the resume is past the one it resumed from.
    const savedAfter = oldestFirst
      .slice(resumedAt)
      .map((e) => /^Checkpoint saved at step (\d+)/.exec(e.message))
      .filter((m) => m !== null)
      .map((m) => Number(m[1]));
    expect(savedAfter.length).toBeGreaterThan(0);
    expect(Math.min(...savedAfter)).toBeGreaterThan(newest);
    const attempts = worker!.lines.filter((l) => l.job_id === jobId && typeof l.attempt === 'number');
    expect(new Set(attempts.map((l) => l.attempt))).toEqual(new Set([1, 2]));
  });

  it('cancel is answered cancelled at once; the worker stops at its next heartbeat and writes nothing more', async () => {
    const jobId = await createJob('cancelled');
    await until('training under way', async () => {
      const job = (await client.fineTuning.jobs.retrieve(jobId)) as OpenAI.FineTuning.FineTuningJob & {
        progress: { step: number } | null; // edgeclass's extension (docs/fine-tuning.md)
      };
      return job.status === 'running' && (job.progress?.step ?? 0) > 0;
    });
    const cancelledAt = Date.now();
    const cancelled = await client.fineTuning.jobs.cancel(jobId);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.finished_at).toBeTypeOf('number');
    const kept = await checkpointSteps(jobId);

    const cancelSeen = await workerStopped(jobId, cancelledAt);
    note(`the worker dropped ${jobId} ${cancelSeen.at - cancelledAt} ms after the cancel was asked for`);
    await heartbeatsLater();
    expect((await client.fineTuning.jobs.retrieve(jobId)).status).toBe('cancelled');
    expect(await checkpointSteps(jobId)).toEqual(kept);
    const newestFirst = await events(jobId);
    expect(newestFirst[0].message).toMatch(/^Job cancelled/);
    expect(newestFirst.filter((e) => e.message.startsWith('Job cancelled'))).toHaveLength(1);
    note(`cancelled ${jobId}: the worker stopped, nothing written after`);
  });
});
