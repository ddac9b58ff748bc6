// The GPU worker (src/worker) against a stand-in edge that keeps the protocol's contract (test/support/fake-edge.ts):
// a job from claim to completion through injected 503s and dropped connections; an exact resume on another worker
// after a lost lease; cancel; a partitioned worker, and one whose heartbeats hang, stopping by itself before its
// lease expires; bad inputs; signed push wake-ups and a shutdown that gives the job back; and the `edgeclass worker`
// command itself.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, WORKER_WAKE_PATH, type Hyperparameters } from '../src/jobs/protocol.ts';
import { initModel } from '../src/nn/init-model.ts';
import { parseDataset } from '../src/train/data.ts';
import { train } from '../src/train/trainer.ts';
import type { JobOutcome } from '../src/gpu-worker/job-run.ts';
import { createLogger } from '../src/gpu-worker/log.ts';
import { checkpointCadence, datasetFormat, trainOptionsFor, withDefaults } from '../src/gpu-worker/training-options.ts';
import { GpuWorker, type WorkerOptions } from '../src/gpu-worker/worker.ts';
import { startFakeEdge, type FakeEdge } from './support/fake-edge.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';

const SST2 = path.resolve(
  process.env.EDGECLASS_DATASETS_DIR ?? path.join(REPO_ROOT, '..', 'shared', 'datasets'),
  'sst2',
);
const SECRET = 'test-worker-secret';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-worker-test-'));
const base = path.join(root, 'base');
const HP: Hyperparameters = {
  n_epochs: 2,
  batch_size: 16,
  learning_rate: 2e-3,
  max_length: 32,
  num_frozen_layers: 0,
  freeze_embeddings: false,
  pooling: null,
  warmup_ratio: 0.1,
  weight_decay: 0.01,
  seed: 7,
  gradient_accumulation_steps: 1,
  eval_steps: 5,
  early_stopping_patience: null,
};
let trainTsv = '';
let validTsv = '';
let modelFiles: Map<string, Uint8Array>;
let reference: { weights: Buffer; evalResults: string };
const edges: FakeEdge[] = [];
const workers: GpuWorker[] = [];

function listTree(dir: string, rel = ''): string[] {
  return fs
    .readdirSync(path.join(dir, rel), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listTree(dir, path.posix.join(rel, e.name)) : [path.posix.join(rel, e.name)]));
}

beforeAll(async () => {
  initModel({
    arch: 'bert',
    layers: 1,
    hidden: 16,
    heads: 2,
    intermediate: 32,
    tokenizerDir: path.join(MODELS_DIR, 'bert-base-uncased'),
    seed: 5,
    out: base,
  });
  modelFiles = new Map(listTree(base).map((f) => [f, new Uint8Array(fs.readFileSync(path.join(base, f)))]));
  const lines = fs.readFileSync(path.join(SST2, 'train.tsv'), 'utf8').split('\n');
  trainTsv = `${[lines[0], ...lines.slice(1, 201)].join('\n')}\n`;
  validTsv = `${[lines[0], ...lines.slice(2001, 2061)].join('\n')}\n`;
  // The same training, in process, with the trainer's options written out by hand: what the worker must produce.
  const out = path.join(root, 'reference');
  await train({
    base,
    train: parseDataset(trainTsv, 'tsv'),
    validation: parseDataset(validTsv, 'tsv'),
    epochs: 2,
    batchSize: 16,
    learningRate: 2e-3,
    maxLength: 32,
    numFrozenLayers: 0,
    freezeEmbeddings: false,
    pooling: null,
    warmupRatio: 0.1,
    weightDecay: 0.01,
    seed: 7,
    gradientAccumulationSteps: 1,
    evalEvery: 5,
    earlyStoppingPatience: null,
    outDir: out,
  });
  reference = {
    weights: fs.readFileSync(path.join(out, 'model.safetensors')),
    evalResults: fs.readFileSync(path.join(out, 'eval_results.json'), 'utf8'),
  };
});

afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.stop()));
  await Promise.all(edges.splice(0).map((e) => e.close()));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function fakeEdge(o: { leaseSeconds?: number; maxAttempts?: number } = {}) {
  const edge = await startFakeEdge({ secret: SECRET, ...o });
  edges.push(edge);
  edge.addFile('file-train', 'train.tsv', trainTsv);
  edge.addFile('file-valid', 'valid.tsv', validTsv);
  edge.addModel('tiny-base', modelFiles);
  return edge;
}

interface Started {
  worker: GpuWorker;
  logs: Record<string, any>[];
  outcomes: JobOutcome[];
  phases: { phase: string; at: number }[];
}

async function startWorker(edge: FakeEdge, o: Partial<WorkerOptions> = {}): Promise<Started> {
  const logs: Record<string, any>[] = [];
  const outcomes: JobOutcome[] = [];
  const phases: { phase: string; at: number }[] = [];
  const worker = new GpuWorker({
    edge: edge.url,
    secret: SECRET,
    workDir: path.join(root, 'work'),
    pollIntervalMs: 100,
    metricsEvery: 2,
    log: createLogger({ level: 'debug', write: (line) => logs.push(JSON.parse(line)) }),
    onJobEnd: (_, outcome) => outcomes.push(outcome),
    onPhase: (phase) => phases.push({ phase, at: Date.now() }),
    ...o,
  });
  workers.push(worker);
  await worker.start();
  return { worker, logs, outcomes, phases };
}

async function until<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('hyperparameters and files', () => {
  it('maps the API names to the trainer options (pooling null: Hugging Face head; eval_steps null: every epoch)', () => {
    const hp = withDefaults({ ...HP, pooling: 'mean', eval_steps: null, early_stopping_patience: 2 });
    const o = trainOptionsFor(hp, {
      base: 'b',
      train: [],
      validation: null,
      outDir: 'o',
      executionProvider: 'cpu',
      checkpointEvery: null,
      resumeFrom: null,
    });
    expect(o).toMatchObject({
      epochs: 2,
      batchSize: 16,
      learningRate: 2e-3,
      maxLength: 32,
      pooling: 'mean',
      evalEvery: 'epoch',
      earlyStoppingPatience: 2,
      seed: 7,
      executionProvider: 'cpu',
    });
    expect(
      trainOptionsFor(withDefaults(HP), {
        base: 'b',
        train: [],
        validation: null,
        outDir: 'o',
        executionProvider: 'cuda',
        checkpointEvery: 7,
        resumeFrom: 'r',
      }),
    ).toMatchObject({ pooling: null, evalEvery: 5, checkpointEvery: 7, resumeFrom: 'r', executionProvider: 'cuda' });
    expect(withDefaults({ n_epochs: 4 } as Partial<Hyperparameters>)).toMatchObject({
      n_epochs: 4,
      batch_size: 32,
      pooling: null,
      eval_steps: null,
    });
    // Checkpoints besides evaluations only when cheap, about 4 per epoch.
    expect(checkpointCadence(1000, HP, 1 << 20, null, true)).toEqual({ stepsPerEpoch: 63, checkpointEvery: 16 });
    expect(checkpointCadence(1000, HP, 500 << 20, null, true).checkpointEvery).toBeNull();
    expect(checkpointCadence(1000, HP, 1 << 20, 0, true).checkpointEvery).toBeNull();
  });

  it('tells a dataset format by name, content type, or content', () => {
    expect(datasetFormat('a.jsonl', null, '')).toBe('jsonl');
    expect(datasetFormat(null, 'text/csv; charset=utf-8', 'a\tb')).toBe('csv');
    expect(datasetFormat('upload', null, '\n{"text": "x", "label": 1}')).toBe('jsonl');
    expect(datasetFormat(null, 'application/octet-stream', 'sentence\tlabel\nx\t1')).toBe('tsv');
    expect(datasetFormat(null, null, 'text,label\nx,1')).toBe('csv');
  });
});

describe('edgeclass worker against the protocol', () => {
  it('runs a job to success through 503s and dropped connections; the model is what the trainer makes', async () => {
    const edge = await fakeEdge();
    let n = 0;
    edge.fault = ({ path: p }) =>
      p.endsWith('/complete') ? null : ++n % 9 === 0 ? { status: 503 } : n % 13 === 0 ? 'drop' : null;
    const { jobs } = edge;
    const job = edge.createJob({
      model: 'tiny-base',
      training_file: 'file-train',
      validation_file: 'file-valid',
      hyperparameters: HP,
      suffix: 'sst2',
    });
    // Heartbeats every 300 ms: at the default third of the 6 s lease, a job done within 2 s (a fast run) has none.
    const { worker, logs, outcomes } = await startWorker(edge, { maxJobs: 1, heartbeatIntervalMs: 300 });
    await worker.done();
    expect(outcomes).toEqual([{ status: 'succeeded', fineTunedModel: `ft:tiny-base:sst2:${job.job.id}` }]);
    const j = jobs.get(job.job.id)!;
    expect(j.job.status).toBe('succeeded');
    // Retried, and never unsigned: the edge refused nothing for a bad signature.
    expect(edge.calls.filter((c) => c.status === 503 || c.status === -1).length).toBeGreaterThan(3);
    expect(edge.calls.filter((c) => c.status === 401)).toEqual([]);
    expect(logs.some((l) => l.msg === 'edge call failed, retrying')).toBe(true);
    // The exported folder, whole, and the same weights as the trainer run in process.
    expect([...j.resultFiles.keys()].sort()).toEqual(
      expect.arrayContaining([
        'config.json',
        'eval_results.json',
        'model.safetensors',
        'onnx/model.onnx',
        'tokenizer.json',
        'tokenizer_config.json',
        'trainer_state.json',
      ]),
    );
    expect([...j.resultFiles.keys()].some((f) => f.startsWith('checkpoint-'))).toBe(false);
    expect(Buffer.from(j.resultFiles.get('model.safetensors')!).equals(reference.weights)).toBe(true);
    expect(new TextDecoder().decode(j.resultFiles.get('eval_results.json'))).toBe(reference.evalResults);
    expect(j.completion).toMatchObject({ status: 'succeeded', metrics: { steps: 26 } });
    expect(j.completion!.trained_tokens).toBeGreaterThan(1000);
    // Events: metrics every 2 steps with the trainer's numbers, evaluations. The start and the success are the
    // edge's own events (at the claim, at the completion): the worker posting them too would list each twice.
    expect(j.events.filter((e) => /job started|successfully completed/.test(e.message))).toEqual([]);
    // Each checkpoint is registered after the events of its step (its evaluation) reached the edge, so the edge
    // lists "Checkpoint saved at step N" after "Step N: validation".
    const evaluated = [...j.eventsBeforeCheckpoint].map(([step, before]) => ({
      step,
      before,
      evaluation: j.events.findIndex((e) => e.type === 'metrics' && e.data?.step === step && 'eval_accuracy' in e.data),
    }));
    expect(evaluated.filter((c) => c.evaluation >= 0).length).toBeGreaterThan(0);
    for (const c of evaluated.filter((c) => c.evaluation >= 0))
      expect(c.evaluation, `checkpoint at step ${c.step}`).toBeLessThan(c.before);
    const metrics = j.events.filter((e) => e.type === 'metrics' && e.data && 'train_loss' in e.data);
    expect(metrics.map((e) => e.data!.step)).toEqual(expect.arrayContaining([1, 2, 4, 26]));
    expect(metrics[0].data).toMatchObject({ total_steps: 26, attempt: 1 });
    for (const k of ['train_loss', 'learning_rate', 'samples_per_second', 'epoch'])
      expect(typeof metrics[0].data![k]).toBe('number');
    const evals = j.events.filter((e) => e.type === 'metrics' && e.data && 'eval_accuracy' in e.data);
    expect(evals.map((e) => e.data!.step)).toEqual([5, 10, 13, 15, 20, 25, 26]);
    // OpenAI's metric names beside the classification extras, in events and checkpoints alike.
    const openaiNames = [
      'valid_loss',
      'full_valid_loss',
      'valid_mean_token_accuracy',
      'full_valid_mean_token_accuracy',
    ];
    for (const k of [...openaiNames, 'eval_macro_f1']) expect(typeof evals[0].data![k], k).toBe('number');
    expect(evals[0].data!.full_valid_mean_token_accuracy).toBe(evals[0].data!.eval_accuracy);
    const evaluatedCheckpoint = [...j.checkpoints.values()].find((c) => 'valid_loss' in c.metrics);
    expect(Object.keys(evaluatedCheckpoint?.metrics ?? {})).toEqual(expect.arrayContaining(openaiNames));
    // Checkpoints registered with their files and metrics (at evaluations, the cheap ones in between), heartbeats with the step.
    expect(j.checkpoints.size).toBeGreaterThanOrEqual(1);
    for (const [step, c] of j.checkpoints) {
      expect(c.files).toEqual(
        expect.arrayContaining(['model.safetensors', 'optimizer.safetensors', 'trainer_state.json']),
      );
      expect(
        JSON.parse(new TextDecoder().decode(j.checkpointFiles.get(step)!.get('trainer_state.json'))).globalStep,
      ).toBe(step);
    }
    expect(j.heartbeats.length).toBeGreaterThanOrEqual(1);
    // JSON lines with the worker and job ids.
    expect(logs.find((l) => l.msg === 'job claimed')).toMatchObject({
      worker_id: worker.id,
      job_id: job.job.id,
      attempt: 1,
    });
  });

  it('resumes on another worker from the newest registered checkpoint, after a lost lease, and ends with the same model', async () => {
    const edge = await fakeEdge();
    const job = edge.createJob({
      model: 'tiny-base',
      training_file: 'file-train',
      validation_file: 'file-valid',
      hyperparameters: HP,
    });
    let revokedAt = 0;
    edge.after = ({ method, path: p, job: j }) => {
      if (
        !revokedAt &&
        method === 'POST' &&
        p.endsWith('/checkpoints') &&
        j &&
        [...j.checkpoints.keys()].some((s) => s >= 10)
      ) {
        revokedAt = Date.now();
        edge.revokeLease(j.job.id);
      }
    };
    const a = await startWorker(edge, { maxJobs: 1, heartbeatIntervalMs: 200 });
    await a.worker.done();
    expect(a.outcomes).toMatchObject([{ status: 'lease_lost' }]);
    // A stopped training, and nothing it sent after its first 409 was accepted: at most the calls it already had in
    // flight (heartbeat, events, a checkpoint upload), each refused. Counted in the edge's order, not timed.
    const first409 = edge.calls.find((c) => c.worker === a.worker.id && c.status === 409)!;
    expect(a.phases.at(-1)!.phase).toBe('stopped');
    console.log(`lease lost: training stopped ${a.phases.at(-1)!.at - first409.at} ms after the first 409`);
    const afterFirst409 = edge.calls.slice(edge.calls.indexOf(first409) + 1).filter((c) => c.worker === a.worker.id);
    expect(afterFirst409.length).toBeLessThanOrEqual(3);
    expect(afterFirst409.filter((c) => c.status !== 409)).toEqual([]);
    const resumeStep = Math.max(...edge.jobs.get(job.job.id)!.checkpoints.keys());

    const b = await startWorker(edge, { maxJobs: 1 });
    await b.worker.done();
    expect(b.outcomes).toMatchObject([{ status: 'succeeded' }]);
    const j = edge.jobs.get(job.job.id)!;
    expect(j.attempts).toBe(2);
    const resumed = j.events.find((e) => e.data?.phase === 'resumed')!;
    expect(resumed).toMatchObject({ worker: b.worker.id, data: { attempt: 2, resume_step: resumeStep } });
    // Metrics of attempt 2 start after the checkpoint; the weights equal an uninterrupted run's, bit for bit.
    const steps2 = j.events
      .filter((e) => e.data?.attempt === 2 && typeof e.data.train_loss === 'number')
      .map((e) => e.data!.step as number);
    expect(Math.min(...steps2)).toBe(resumeStep + 1);
    expect(Buffer.from(j.resultFiles.get('model.safetensors')!).equals(reference.weights)).toBe(true);
    expect(new TextDecoder().decode(j.resultFiles.get('eval_results.json'))).toBe(reference.evalResults);
    // Leases never overlapped.
    expect(j.leases.map((l) => l.workerId)).toEqual([a.worker.id, b.worker.id]);
    expect(j.leases[0].to!).toBeLessThanOrEqual(j.leases[1].from);
  });

  it('stops promptly on cancel and completes as cancelled, without uploading a model', async () => {
    const edge = await fakeEdge();
    const job = edge.createJob({
      model: 'tiny-base',
      training_file: 'file-train',
      validation_file: 'file-valid',
      hyperparameters: { ...HP, n_epochs: 50, eval_steps: null },
    });
    let cancelledAt = 0;
    let heartbeatsAtCancel = 0;
    edge.after = ({ path: p, job: j }) => {
      if (!cancelledAt && j && p.endsWith('/events') && j.events.some((e) => e.type === 'metrics')) {
        cancelledAt = Date.now();
        heartbeatsAtCancel = j.heartbeats.length;
        edge.cancel(j.job.id);
      }
    };
    const { worker, outcomes, phases } = await startWorker(edge, { maxJobs: 1, heartbeatIntervalMs: 200 });
    await worker.done();
    const j = edge.jobs.get(job.job.id)!;
    expect(outcomes).toEqual([{ status: 'cancelled' }]);
    expect(j.job.status).toBe('cancelled');
    expect(j.resultFiles.size).toBe(0);
    const stopped = phases.find((p) => p.phase === 'stopped')!.at;
    const completed = edge.calls.find((c) => c.path.endsWith('/complete'))!.at;
    console.log(
      `cancel: training stopped ${stopped - cancelledAt} ms after the cancel, completed after ${completed - cancelledAt} ms (heartbeat every 200 ms)`,
    );
    // Promptly, in steps rather than milliseconds (a loaded machine stretches any time bound): after the first
    // heartbeat that could carry the cancel, training went on for a small part of the job (the step in flight and
    // those the worker thread takes while the answer makes its way back: 8 of 650 on an idle machine), never through
    // the 50 epochs it was set for. A quarter of the job leaves room for a machine many times slower.
    const reported = j.heartbeats.map((h) => h.step ?? 0);
    const atCancel = reported[heartbeatsAtCancel]!;
    const totalSteps = j.heartbeats.find((h) => h.total_steps)!.total_steps!;
    console.log(
      `cancel: ${Math.max(...reported) - atCancel} steps after the heartbeat that carried it (of ${totalSteps})`,
    );
    expect(Math.max(...reported) - atCancel).toBeLessThanOrEqual(totalSteps / 4);
    expect(stopped).toBeLessThanOrEqual(completed);
    expect(j.events.at(-1)).toMatchObject({ type: 'message', data: { phase: 'cancelled' } });
  });

  it('a worker cut off from the edge stops training by itself before its lease expires; the next one starts after', async () => {
    const edge = await fakeEdge({ leaseSeconds: 2 });
    const job = edge.createJob({
      model: 'tiny-base',
      training_file: 'file-train',
      validation_file: 'file-valid',
      hyperparameters: { ...HP, n_epochs: 50, eval_steps: 10 },
    });
    let cut = '';
    edge.fault = ({ worker }) => (worker !== null && worker === cut ? 'drop' : null);
    const a = await startWorker(edge, { maxJobs: 1 });
    await until(
      'training on A',
      () => a.phases.some((p) => p.phase === 'training') && edge.jobs.get(job.job.id)!.checkpoints.size > 0,
    );
    cut = a.worker.id;
    const lastRenewal = Date.now();
    await a.worker.done();
    expect(a.outcomes).toMatchObject([{ status: 'lease_lost' }]);
    const aStopped = a.phases.find((p) => p.phase === 'stopped')!.at;
    const leaseA = edge.jobs.get(job.job.id)!.lease!;
    // The property is the ordering: training stopped before the lease it could not renew expired.
    expect(aStopped).toBeLessThanOrEqual(leaseA.expiresAtMs);
    expect(aStopped).toBeGreaterThanOrEqual(lastRenewal);
    console.log(`partition: training stopped ${leaseA.expiresAtMs - aStopped} ms before the lease expired (2 s lease)`);

    const b = await startWorker(edge, { maxJobs: 1 });
    await until('training on B', () => b.phases.some((p) => p.phase === 'training'));
    const bStarted = b.phases.find((p) => p.phase === 'training')!.at;
    expect(bStarted).toBeGreaterThan(aStopped);
    const j = edge.jobs.get(job.job.id)!;
    expect(j.leases[1].from).toBeGreaterThanOrEqual(leaseA.expiresAtMs);
    console.log(`partition: the next worker started training ${bStarted - aStopped} ms after the first stopped`);
    edge.cancel(job.job.id);
    await b.worker.done();
    expect(b.outcomes).toEqual([{ status: 'cancelled' }]);
  });

  it('requests held up past the lease (the edge restarting) do not keep a worker training: it stops before the expiry', async () => {
    const edge = await fakeEdge({ leaseSeconds: 2 });
    const job = edge.createJob({
      model: 'tiny-base',
      training_file: 'file-train',
      validation_file: 'file-valid',
      hyperparameters: { ...HP, n_epochs: 50, eval_steps: 10 },
    });
    let held = '';
    // Held, then answered (409: the lease expired meanwhile), as wrangler dev answers what arrived while it restarted.
    edge.fault = ({ worker }) => (worker !== null && worker === held ? { holdMs: 6000 } : null);
    const a = await startWorker(edge, { maxJobs: 1 });
    await until(
      'training on A',
      () => a.phases.some((p) => p.phase === 'training') && edge.jobs.get(job.job.id)!.checkpoints.size > 0,
    );
    held = a.worker.id;
    await a.worker.done();
    expect(a.outcomes).toMatchObject([{ status: 'lease_lost' }]);
    const aStopped = a.phases.find((p) => p.phase === 'stopped')!.at;
    const leaseA = edge.jobs.get(job.job.id)!.lease!;
    console.log(
      `held requests: training stopped ${leaseA.expiresAtMs - aStopped} ms before the lease expired (2 s lease)`,
    );
    expect(aStopped).toBeLessThanOrEqual(leaseA.expiresAtMs);
    const b = await startWorker(edge, { maxJobs: 1 });
    await until('training on B', () => b.phases.some((p) => p.phase === 'training'));
    expect(b.phases.find((p) => p.phase === 'training')!.at).toBeGreaterThan(aStopped);
    edge.cancel(job.job.id);
    await b.worker.done();
  });

  it('fails the job with a clear error on a malformed dataset, or a base model it cannot train', async () => {
    const edge = await fakeEdge();
    edge.addFile('file-bad', 'bad.jsonl', '{"text": "fine", "label": 1}\n{"text": 3, "label": 0}\n');
    edge.addModel(
      'no-weights',
      new Map([
        ['config.json', modelFiles.get('config.json')!],
        ['tokenizer.json', modelFiles.get('tokenizer.json')!],
      ]),
    );
    const bad = edge.createJob({ model: 'tiny-base', training_file: 'file-bad', hyperparameters: HP });
    const noWeights = edge.createJob({ model: 'no-weights', training_file: 'file-train', hyperparameters: HP });
    const missing = edge.createJob({ model: 'tiny-base', training_file: 'file-nope', hyperparameters: HP });
    const { worker } = await startWorker(edge, { maxJobs: 3 });
    await worker.done();
    expect(edge.jobs.get(bad.job.id)!.completion).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_training_file', message: expect.stringMatching(/line 2: 'text' must be a string/) },
    });
    expect(edge.jobs.get(noWeights.job.id)!.completion).toMatchObject({
      status: 'failed',
      error: { code: 'invalid_base_model', message: expect.stringMatching(/model.safetensors/) },
    });
    expect(edge.jobs.get(missing.job.id)!.completion).toMatchObject({
      status: 'failed',
      error: { code: 'file_not_found' },
    });
    expect(edge.jobs.get(bad.job.id)!.events.at(-1)).toMatchObject({ level: 'error', data: { phase: 'failed' } });
  });

  it('claims at once on a signed wake-up (unsigned and replayed ones refused), and gives the job back on shutdown', async () => {
    const edge = await fakeEdge();
    const { worker, phases } = await startWorker(edge, { port: 0, pollIntervalMs: 600_000 });
    await until('the first claim', () => edge.calls.some((c) => c.path.endsWith('/claim')));
    const job = edge.createJob({
      model: 'tiny-base',
      training_file: 'file-train',
      validation_file: 'file-valid',
      hyperparameters: { ...HP, n_epochs: 50 },
    });
    const wake = async (
      signed: boolean,
      body = JSON.stringify({ job_id: job.job.id }),
      ts = Math.floor(Date.now() / 1000),
      nonce?: string,
    ) => {
      const bytes = new TextEncoder().encode(body);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (signed) Object.assign(headers, await signRequest(SECRET, 'POST', WORKER_WAKE_PATH, bytes, ts, nonce));
      return fetch(`${worker.wakeUrl}${WORKER_WAKE_PATH}`, { method: 'POST', headers, body: bytes });
    };
    const unsigned = await wake(false);
    expect(unsigned.status).toBe(401);
    // The public API's error shape, as every edgeclass answer has it.
    expect(await unsigned.json()).toEqual({
      error: { message: expect.any(String), type: 'invalid_request_error', param: null, code: 'unauthenticated' },
    });
    expect((await wake(true, JSON.stringify({ job_id: 'x' }), Math.floor(Date.now() / 1000) - 3600)).status).toBe(401);
    const ts = Math.floor(Date.now() / 1000);
    const nonce = 'wake-nonce-0123456789';
    const woken = await wake(true, undefined, ts, nonce);
    expect(woken.status).toBe(202);
    // The same signed wake-up again (same nonce): a replay.
    const replayed = await wake(true, undefined, ts, nonce);
    expect(replayed.status).toBe(409);
    expect(((await replayed.json()) as { error: object }).error).toMatchObject({
      code: 'conflict',
      param: 'x-edgeclass-nonce',
    });
    await until('training', () => phases.some((p) => p.phase === 'training'), 20_000);
    expect(edge.jobs.get(job.job.id)!.job.status).toBe('running');
    await worker.stop();
    const j = edge.jobs.get(job.job.id)!;
    expect(j.job.status).toBe('queued');
    expect(j.lease).toBeNull();
    expect(edge.calls.some((c) => c.path.endsWith('/release') && c.status === 204)).toBe(true);
    expect(phases.at(-1)!.phase).toBe('stopped');
  });
});

describe('edgeclass worker (the command)', () => {
  it('refuses to start without --edge and --secret', async () => {
    const child = spawn(process.execPath, [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), 'worker'], {
      env: { ...process.env, EDGECLASS_WORKER_SECRET: '', EDGECLASS_EDGE_URL: '' },
    });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(2);
    expect(stderr).toMatch(/--edge and --secret are required/);
  });

  it('runs a job, logs JSON lines on stderr, and stops on SIGTERM', async () => {
    const edge = await fakeEdge();
    const job = edge.createJob({
      model: 'tiny-base',
      training_file: 'file-train',
      validation_file: 'file-valid',
      hyperparameters: { ...HP, n_epochs: 1 },
    });
    const child = spawn(
      process.execPath,
      [
        path.join(REPO_ROOT, 'bin/edgeclass.mjs'),
        'worker',
        '--edge',
        edge.url,
        '--secret',
        SECRET,
        '--poll-interval',
        '100',
        '--work-dir',
        path.join(root, 'cli-work'),
      ],
      { cwd: REPO_ROOT },
    );
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    try {
      await until('the job to succeed', () => edge.jobs.get(job.job.id)!.job.status === 'succeeded', 90_000);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => child.on('exit', r));
    expect(code).toBe(0);
    const lines = stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['worker started', 'job claimed', 'training', 'model uploaded', 'job ended', 'stopping']),
    );
    expect(lines.every((l) => typeof l.ts === 'string' && typeof l.worker_id === 'string')).toBe(true);
  });
});
