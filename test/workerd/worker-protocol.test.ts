// The worker protocol (src/jobs/protocol.ts) at the edge, driven by a scripted GPU worker that signs its requests
// with the real signing function: HMAC checks, claims and leases in D1 (never two live leases for one job),
// heartbeats, events, checkpoints, lease expiry and re-claim with resume_from, bounded attempts, release, cancel,
// completion -- and the fine-tuned model served by POST /v1/classify in workerd from R2.
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SIGNATURE_HEADERS, signRequest, WORKER_ROUTES } from '../../src/jobs/protocol.ts';
import {
  BASE,
  call,
  edge,
  edgeWith,
  FakeWorker,
  newKey,
  seedBase,
  seedTinyModel,
  settleQueue,
  trainingFile,
  waitQueued,
  WORKER_SECRET,
  type Fetch,
} from './jobs-client.ts';
import { fixture } from './fixtures.ts';
import { meteredBody, MiB, READ_AHEAD_ALLOWANCE } from '../support/metered-body.ts';

/** Jobs of earlier tests in this file must not be claimed by the next one. */
async function drain(): Promise<void> {
  await env
    .DB!.prepare("UPDATE jobs SET status = 'cancelled' WHERE status IN ('validating_files', 'queued', 'running')")
    .run();
}

async function queuedJob(key: string, body: object = {}, f: Fetch = edge): Promise<any> {
  const res = await call(
    key,
    'POST',
    '/v1/fine_tuning/jobs',
    { model: BASE, training_file: await trainingFile(key, 20), ...body },
    {},
    f,
  );
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await waitQueued(key, res.body.id);
  return res.body;
}

const bytes = (text: string) => new TextEncoder().encode(text);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const now = () => Math.floor(Date.now() / 1000);

/** What a servable fine-tuned folder holds: the tiny-cls classifier's files (config, tokenizer, ONNX graph). */
const SERVED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

beforeAll(async () => {
  await seedBase();
  await seedTinyModel('tiny-cls'); // the same classifier under its own id: what the fine-tuned model must match
});
afterAll(() => settleQueue());

beforeEach(drain);

describe('worker authentication', () => {
  it('answers only requests signed with EDGECLASS_WORKER_SECRET, fresh, for this method, path and body', async () => {
    const worker = new FakeWorker('w-auth');
    const body = { worker_id: 'w-auth', execution_provider: 'cpu' };
    expect((await worker.request('POST', WORKER_ROUTES.claim, body)).status).toBe(204);
    const unsigned = await worker.request('POST', WORKER_ROUTES.claim, body, { sign: false });
    expect(unsigned.status).toBe(401);
    expect(unsigned.body.error.code).toBe('unauthenticated');
    expect(
      (await new FakeWorker('w-forger', edge, 'not-the-secret').request('POST', WORKER_ROUTES.claim, body)).status,
    ).toBe(401);
    expect(
      (await worker.request('POST', WORKER_ROUTES.claim, body, { timestamp: Math.floor(Date.now() / 1000) - 400 }))
        .status,
    ).toBe(401);
    expect((await worker.request('POST', WORKER_ROUTES.claim, body, { tamper: true })).status).toBe(401);
    // A signature made for another route does not open this one.
    const ts = Math.floor(Date.now() / 1000);
    const payload = bytes(JSON.stringify(body));
    const elsewhere = await signRequest(WORKER_SECRET, 'POST', WORKER_ROUTES.heartbeat('ftjob-x'), payload, ts);
    const replayed = await edge(WORKER_ROUTES.claim, {
      method: 'POST',
      body: payload,
      headers: {
        'content-type': 'application/json',
        ...elsewhere,
      },
    });
    expect(replayed.status).toBe(401);
    expect((await worker.request('GET', WORKER_ROUTES.file('file-whatever'), undefined, { sign: false })).status).toBe(
      401,
    );
  });

  it('without EDGECLASS_WORKER_SECRET the worker API is off (503)', async () => {
    const res = await new FakeWorker('w', edgeWith({ workerSecret: null })).request('POST', WORKER_ROUTES.claim, {
      worker_id: 'w',
      execution_provider: 'cpu',
    });
    expect(res.status).toBe(503);
  });
});

describe('replays and uploads refused before they are read', () => {
  /** The events a job shows its owner. */
  const eventCount = async (key: string, jobId: string) =>
    (await call(key, 'GET', `/v1/fine_tuning/jobs/${jobId}/events?limit=100`)).body.data.length;

  it('a signed request is taken once: the same nonce again is refused (401) and changes nothing', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('w-replay');
    const nonce = `nonce-${crypto.randomUUID()}`;
    const claimBody = { worker_id: 'w-replay', execution_provider: 'cpu' };
    const claimed = await worker.request('POST', WORKER_ROUTES.claim, claimBody, { nonce });
    expect(claimed.status).toBe(200);
    const lease = claimed.body.lease.id;
    const replayedClaim = await worker.request('POST', WORKER_ROUTES.claim, claimBody, { nonce });
    expect(replayedClaim.status).toBe(401);
    expect(replayedClaim.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'unauthenticated',
      param: SIGNATURE_HEADERS.nonce,
    });
    // An event without a name (not deduplicated by id): the replay must not record it twice.
    const before = await eventCount(key, job.id);
    const eventNonce = `nonce-${crypto.randomUUID()}`;
    const event = { lease_id: lease, events: [{ type: 'message', level: 'info', message: 'once', created_at: 1 }] };
    const events = WORKER_ROUTES.events(job.id);
    expect((await worker.request('POST', events, event, { nonce: eventNonce })).status).toBe(204);
    expect((await worker.request('POST', events, event, { nonce: eventNonce })).status).toBe(401);
    expect(await eventCount(key, job.id)).toBe(before + 1);
    // A retry is a new request with a new nonce: accepted (named events stay deduplicated by their name).
    expect((await worker.request('POST', events, event)).status).toBe(204);
    expect(await eventCount(key, job.id)).toBe(before + 2);
    const row = await env.DB!.prepare('SELECT expires_at FROM request_nonces WHERE nonce = ?').bind(nonce).first();
    expect(row).not.toBeNull();
  });

  it('an unsigned or forged 100 MB upload gets its 401 without the body being read', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const route = WORKER_ROUTES.checkpointFile(job.id, 1, 'model.safetensors');
    const huge = 100 * MiB;
    for (const name of ['unsigned', 'forged']) {
      const body = meteredBody(huge);
      const forged =
        name === 'forged' ? await signRequest('not-the-secret', 'PUT', route, new Uint8Array(0), now()) : {};
      const res = await edge(route, {
        method: 'PUT',
        body: body.stream,
        headers: { 'content-length': String(huge), ...forged },
        duplex: 'half',
      } as RequestInit);
      expect(res.status, name).toBe(401);
      await res.arrayBuffer();
      body.end();
      expect(body.pulled(), name).toBeLessThan(READ_AHEAD_ALLOWANCE);
    }
  });

  it('a signed upload without the live lease gets its 409 unread; one whose bytes are not the signed ones stores nothing', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('w-upload');
    const lease = (await worker.claim())!.lease.id;
    const route = WORKER_ROUTES.checkpointFile(job.id, 2, 'model.safetensors');
    const huge = 100 * MiB;
    const body = meteredBody(huge);
    // Signed for a body whose digest it announces; the lease is not the live one.
    const signed = await signRequest(WORKER_SECRET, 'PUT', route, new Uint8Array(0), now());
    const res = await edge(route, {
      method: 'PUT',
      body: body.stream,
      headers: { ...signed, 'content-length': String(huge), [SIGNATURE_HEADERS.lease]: 'lease-not-live' },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(409);
    body.end();
    expect(body.pulled()).toBeLessThan(READ_AHEAD_ALLOWANCE);

    // The live lease, a body that is not the one signed (same length): refused, and nothing is stored.
    const signedFor = bytes('the signed bytes');
    const sent = bytes('the forged bytes');
    expect(sent.length).toBe(signedFor.length);
    const swapped = await edge(route, {
      method: 'PUT',
      body: sent,
      headers: {
        ...(await signRequest(WORKER_SECRET, 'PUT', route, signedFor, now())),
        'content-length': String(signedFor.length),
        [SIGNATURE_HEADERS.lease]: lease,
      },
    });
    expect(swapped.status).toBe(400);
    expect(await env.FILES!.head(`checkpoints/${job.id}/2/model.safetensors`)).toBeNull();
    expect((await worker.request('GET', route)).status).toBe(404);
    // The same upload, honest: stored, and read back the same.
    expect((await worker.putCheckpointFile(job.id, lease, 2, 'model.safetensors', signedFor)).status).toBe(204);
    expect(new Uint8Array(await (await worker.requestRaw('GET', route)).arrayBuffer())).toEqual(signedFor);
  });

  it('streams a large upload to R2 (bigger than the request limit for JSON bodies)', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('w-large');
    const lease = (await worker.claim())!.lease.id;
    const large = new Uint8Array(6 * MiB).map((_, i) => (i * 7919) & 0xff);
    expect((await worker.putCheckpointFile(job.id, lease, 3, 'model.safetensors', large)).status).toBe(204);
    const object = await env.FILES!.get(`checkpoints/${job.id}/3/model.safetensors`);
    expect(object?.size).toBe(large.length);
    // Compared by digest: a deep equality of 6M elements takes the test runner half a minute.
    const digest = async (data: ArrayBuffer | Uint8Array) =>
      new Uint8Array(await crypto.subtle.digest('SHA-256', data));
    expect(await digest(await object!.arrayBuffer())).toEqual(await digest(large));
  });
});

describe('a job from claim to a served fine-tuned model', () => {
  it('claims, heartbeats, reports, checkpoints, uploads, completes; the ft model classifies as the trainer made it', async () => {
    const { key, owner } = await newKey();
    const other = await newKey();
    const job = await queuedJob(key, { suffix: 'sst', hyperparameters: { n_epochs: 1 } });
    const worker = new FakeWorker('gpu-1');

    const claim = (await worker.claim('claim-1'))!;
    expect(claim.job).toMatchObject({ id: job.id, status: 'running', model: BASE, training_file: job.training_file });
    expect(claim.attempt).toBe(1);
    // The same claim again (its answer lost): the same lease and attempt, and the start recorded once.
    const again = (await worker.claim('claim-1'))!;
    expect(again).toMatchObject({ lease: claim.lease, attempt: 1, job: { id: job.id } });
    expect(await worker.claim('claim-2')).toBeNull();
    expect(await new FakeWorker('gpu-2').claim('claim-1')).toBeNull();
    const starts = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/events?limit=100`)).body.data.filter(
      (e: any) => e.message.startsWith('Fine-tuning job started'),
    );
    expect(starts).toHaveLength(1);
    expect(claim.resume_from).toBeNull();
    expect(claim.base_model_files).toEqual(
      expect.arrayContaining(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']),
    );
    expect(claim.base_model_files.some((f) => f.startsWith('onnx/'))).toBe(false);
    expect(claim.lease.expires_at).toBeGreaterThan(Date.now() / 1000);
    const lease = claim.lease.id;
    // One live lease: nobody else gets the job.
    expect(await new FakeWorker('gpu-2').claim()).toBeNull();

    // What the worker fetches: the dataset (with its name), the base model's files.
    const dataset = await worker.request('GET', WORKER_ROUTES.file(job.training_file));
    expect(dataset.status).toBe(200);
    expect(dataset.headers.get('x-edgeclass-filename')).toBe('train.tsv');
    expect(dataset.body).toContain('sentence\tlabel');
    const tokenizer = await worker.request('GET', WORKER_ROUTES.modelFile(BASE, 'tokenizer_config.json'));
    expect(tokenizer.status).toBe(200);
    expect(tokenizer.body).toEqual(await (await fixture('/tiny-models/tiny-cls/tokenizer_config.json')).json());
    expect((await worker.request('GET', WORKER_ROUTES.modelFile(BASE, 'nope.bin'))).status).toBe(404);

    const beat = await worker.heartbeat(job.id, lease, 5, 20);
    expect(beat.status).toBe(200);
    expect(beat.body.cancel_requested).toBe(false);
    const running = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).body;
    expect(running).toMatchObject({ status: 'running', progress: { step: 5, total_steps: 20 }, attempts: 1 });
    expect(running.estimated_finish).toBeTypeOf('number');

    expect(
      (
        await worker.events(job.id, lease, [
          { type: 'metrics', message: 'step 10: loss 0.61', data: { step: 10, total_steps: 20, train_loss: 0.61 } },
          { type: 'metrics', message: 'evaluation at step 10', data: { step: 10, eval_accuracy: 0.75, is_best: true } },
        ])
      ).status,
    ).toBe(204);

    // Named events posted twice (a retry after a lost answer) are recorded once; unnamed ones as often as sent.
    const named = [
      { id: `${lease}.0`, message: 'named event' },
      { id: `${lease}.1`, message: 'another named event' },
    ];
    expect((await worker.events(job.id, lease, named)).status).toBe(204);
    expect(
      (
        await worker.events(job.id, lease, [
          ...named,
          { id: `${lease}.2`, message: 'named event' },
          { message: 'unnamed' },
          { message: 'unnamed' },
        ])
      ).status,
    ).toBe(204);
    const recorded = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/events?limit=100`)).body.data.map(
      (e: any) => e.message,
    );
    expect(recorded.filter((m: string) => m === 'named event')).toHaveLength(2);
    expect(recorded.filter((m: string) => m === 'another named event')).toHaveLength(1);
    expect(recorded.filter((m: string) => m === 'unnamed')).toHaveLength(2);

    const state = bytes('{"step": 10}');
    expect((await worker.putCheckpointFile(job.id, lease, 10, 'trainer_state.json', state)).status).toBe(204);
    expect(
      (await worker.putCheckpointFile(job.id, lease, 10, 'model/model.safetensors', bytes('weights'))).status,
    ).toBe(204);
    const missing = await worker.registerCheckpoint(job.id, {
      lease_id: lease,
      step: 10,
      epoch: 0.5,
      files: ['trainer_state.json', 'optimizer.bin'],
      metrics: {},
    });
    expect(missing.status).toBe(400);
    const register = {
      lease_id: lease,
      step: 10,
      epoch: 0.5,
      files: ['trainer_state.json', 'model/model.safetensors'],
      metrics: { eval_accuracy: 0.75 },
    };
    expect((await worker.registerCheckpoint(job.id, register)).status).toBe(204);
    // The same call again (a retry after a lost answer): one checkpoint and one event (written with the webhook).
    expect((await worker.registerCheckpoint(job.id, register)).status).toBe(204);
    const saved = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/events?limit=100`)).body.data.filter(
      (e: any) => e.message.startsWith('Checkpoint saved at step 10'),
    );
    expect(saved).toHaveLength(1);
    // A file written is a message, not a measurement (OpenAI's metrics events are step metrics).
    expect(saved[0].type).toBe('message');
    expect((await worker.request('GET', WORKER_ROUTES.checkpointFile(job.id, 10, 'trainer_state.json'))).body).toEqual({
      step: 10,
    });

    const checkpoints = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/checkpoints`)).body;
    expect(checkpoints.data).toHaveLength(1);
    expect(checkpoints.data[0]).toMatchObject({
      object: 'fine_tuning.job.checkpoint',
      fine_tuning_job_id: job.id,
      step_number: 10,
      epoch: 0.5,
      fine_tuned_model_checkpoint: `ft:${BASE}:sst:${job.id}:ckpt-step-10`,
      metrics: { step: 10, eval_accuracy: 0.75 },
    });

    // A succeeded completion needs a servable folder.
    const early = await worker.complete(job.id, { lease_id: lease, status: 'succeeded', files: SERVED_FILES });
    expect(early.status).toBe(400);
    for (const file of SERVED_FILES) {
      const res = await worker.putResultFile(
        job.id,
        lease,
        file,
        new Uint8Array(await (await fixture(`/tiny-models/tiny-cls/${file}`)).arrayBuffer()),
      );
      expect(res.status, file).toBe(204);
    }
    // A model that is not registered yet is nobody's model.
    const ftId = `ft:${BASE}:sst:${job.id}`;
    expect((await call(key, 'POST', '/v1/classify', { model: ftId, inputs: 'x', strategy: 'model' })).status).toBe(404);

    const done = await worker.complete(job.id, {
      lease_id: lease,
      status: 'succeeded',
      files: SERVED_FILES,
      trained_tokens: 1234,
      metrics: { eval_accuracy: 0.8 },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toEqual({ status: 'succeeded', fine_tuned_model: ftId });
    // The worker may repeat a completion whose answer it lost: the same answer.
    expect((await worker.complete(job.id, { lease_id: lease, status: 'succeeded', files: SERVED_FILES })).body).toEqual(
      done.body,
    );
    expect((await worker.heartbeat(job.id, lease)).status).toBe(409);

    const finished = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).body;
    expect(finished).toMatchObject({
      status: 'succeeded',
      fine_tuned_model: ftId,
      trained_tokens: 1234,
      error: null,
      estimated_finish: null,
    });
    expect(finished.result_files).toHaveLength(1);
    const results = (await call(key, 'GET', `/v1/files/${finished.result_files[0]}/content`)).body;
    expect(results).toMatchObject({
      job_id: job.id,
      fine_tuned_model: ftId,
      metrics: { eval_accuracy: 0.8 },
      checkpoints: [{ step: 10 }],
    });
    const messages = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/events?limit=100`)).body.data.map(
      (e: any) => e.message,
    );
    expect(messages[0]).toBe(`The job has successfully completed. New fine-tuned model created: ${ftId}`);
    expect(messages).toContain('evaluation at step 10');
    expect(messages).toContain('Fine-tuning job started on worker gpu-1 (cpu)');

    // Served from R2 in workerd, to its owner only, with the same predictions as the classifier it is.
    const inputs = ['a warm and funny film', 'dull, long and badly acted'];
    const served = await call(key, 'POST', '/v1/classify', { model: ftId, inputs, strategy: 'model' });
    expect(served.status, JSON.stringify(served.body)).toBe(200);
    const reference = await call(null, 'POST', '/v1/classify', { model: 'tiny-cls', inputs, strategy: 'model' });
    expect(served.body.results).toEqual(reference.body.results);
    expect(served.body.model).toBe(ftId);
    expect((await call(null, 'POST', '/v1/classify', { model: ftId, inputs, strategy: 'model' })).status).toBe(401);
    const foreign = await call(other.key, 'POST', '/v1/classify', { model: ftId, inputs, strategy: 'model' });
    expect(foreign.status).toBe(404);
    expect(foreign.body.error.code).toBe('model_not_found');
    const listed = async (k: string | null) => (await call(k, 'GET', '/v1/models')).body.data.map((m: any) => m.id);
    expect(await listed(key)).toContain(ftId);
    expect(await listed(null)).not.toContain(ftId);
    expect(await listed(other.key)).not.toContain(ftId);
    expect(owner).toMatch(/^proj_/);
  });
});

describe('leases', () => {
  it('an expired lease is re-claimed by another worker, resuming from the newest checkpoint; the old holder gets 409', async () => {
    const fast = edgeWith({ leaseSeconds: 1 });
    const { key } = await newKey();
    const job = await queuedJob(key);
    const a = new FakeWorker('worker-a', fast);
    const b = new FakeWorker('worker-b', fast);
    const first = (await a.claim())!;
    const leaseA = first.lease.id;
    for (const step of [4, 8]) {
      await a.putCheckpointFile(job.id, leaseA, step, 'trainer_state.json', bytes(`{"step": ${step}}`));
      expect(
        (
          await a.registerCheckpoint(job.id, {
            lease_id: leaseA,
            step,
            epoch: step / 10,
            files: ['trainer_state.json'],
            metrics: { train_loss: 1 / step },
          })
        ).status,
      ).toBe(204);
    }
    expect(await b.claim()).toBeNull(); // still held
    await sleep(1300); // worker-a "died": no heartbeat for longer than the lease
    const second = (await b.claim())!;
    expect(second.job.id).toBe(job.id);
    expect(second.attempt).toBe(2);
    expect(second.lease.id).not.toBe(leaseA);
    expect(second.resume_from).toEqual({ step: 8, files: ['trainer_state.json'] });
    // The dead worker wakes up: every write with its lease is refused.
    expect((await a.heartbeat(job.id, leaseA)).status).toBe(409);
    expect((await a.events(job.id, leaseA, [{ message: 'still here' }])).status).toBe(409);
    expect((await a.putCheckpointFile(job.id, leaseA, 9, 'trainer_state.json', bytes('{}'))).status).toBe(409);
    expect(
      (
        await a.registerCheckpoint(job.id, {
          lease_id: leaseA,
          step: 9,
          epoch: 1,
          files: ['trainer_state.json'],
          metrics: {},
        })
      ).status,
    ).toBe(409);
    expect((await a.putResultFile(job.id, leaseA, 'config.json', bytes('{}'))).status).toBe(409);
    const stale = await a.complete(job.id, { lease_id: leaseA, status: 'failed', error: { code: 'x', message: 'y' } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.param).toBe('lease_id');
    expect((await b.heartbeat(job.id, second.lease.id)).status).toBe(200);
    const events = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/events?limit=100`)).body.data;
    expect(events[0]).toMatchObject({
      level: 'warn',
      message:
        "The previous worker's lease expired; attempt 2 of 3 on worker worker-b (cpu) resumes from the checkpoint at step 8",
    });
  });

  it('an expired lease is dead before anyone re-claims the job: a late heartbeat or write gets 409 and revives nothing', async () => {
    const fast = edgeWith({ leaseSeconds: 1 });
    const { key } = await newKey();
    const job = await queuedJob(key);
    const late = new FakeWorker('late', fast);
    const claim = (await late.claim())!;
    await late.putCheckpointFile(job.id, claim.lease.id, 2, 'trainer_state.json', bytes('{"step": 2}'));
    expect(
      (
        await late.registerCheckpoint(job.id, {
          lease_id: claim.lease.id,
          step: 2,
          epoch: 0.1,
          files: ['trainer_state.json'],
          metrics: {},
        })
      ).status,
    ).toBe(204);
    await sleep(1300); // held up (an edge restarting) past the lease: its worker stopped by itself before the expiry
    const heartbeat = await late.heartbeat(job.id, claim.lease.id);
    expect(heartbeat.status).toBe(409);
    expect((heartbeat.body as unknown as { error: { message: string } }).error.message).toContain('the lease expired');
    expect((await late.events(job.id, claim.lease.id, [{ message: 'late' }])).status).toBe(409);
    expect((await late.putCheckpointFile(job.id, claim.lease.id, 3, 'trainer_state.json', bytes('{}'))).status).toBe(
      409,
    );
    expect(
      (
        await late.registerCheckpoint(job.id, {
          lease_id: claim.lease.id,
          step: 3,
          epoch: 0.2,
          files: ['trainer_state.json'],
          metrics: {},
        })
      ).status,
    ).toBe(409);
    // Still claimable at once: the late heartbeat did not extend the lease.
    expect(await new FakeWorker('next', fast).claim()).toMatchObject({ attempt: 2, resume_from: { step: 2 } });
  });

  it('attempts are bounded: after the last lease expires the job fails (worker_lost)', async () => {
    const fast = edgeWith({ leaseSeconds: 1, maxAttempts: 2 });
    const { key } = await newKey();
    const job = await queuedJob(key, {}, fast);
    const worker = new FakeWorker('flaky', fast);
    expect((await worker.claim())!.attempt).toBe(1);
    await sleep(1200);
    expect((await worker.claim())!.attempt).toBe(2);
    await sleep(1200);
    expect(await worker.claim()).toBeNull();
    const failed = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).body;
    expect(failed).toMatchObject({ status: 'failed', attempts: 2, max_attempts: 2, error: { code: 'worker_lost' } });
  });

  it('a heartbeat keeps the lease alive past its first expiry', async () => {
    const fast = edgeWith({ leaseSeconds: 1 });
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('steady', fast);
    const claim = (await worker.claim())!;
    for (let i = 0; i < 4; i++) {
      await sleep(400);
      expect((await worker.heartbeat(job.id, claim.lease.id, i)).status).toBe(200);
    }
    expect(await new FakeWorker('other', fast).claim()).toBeNull();
  });

  it('a released job is queued again at once and does not use up an attempt', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const a = new FakeWorker('leaving');
    const claim = (await a.claim())!;
    await a.putCheckpointFile(job.id, claim.lease.id, 3, 'trainer_state.json', bytes('{}'));
    await a.registerCheckpoint(job.id, {
      lease_id: claim.lease.id,
      step: 3,
      epoch: 0.1,
      files: ['trainer_state.json'],
      metrics: {},
    });
    const released = await a.request('POST', `/internal/worker/jobs/${job.id}/release`, {
      lease_id: claim.lease.id,
      reason: 'SIGTERM',
    });
    expect(released.status).toBe(204);
    const queued = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).body;
    expect(queued).toMatchObject({ status: 'queued', attempts: 1, max_attempts: 4 });
    expect((await a.heartbeat(job.id, claim.lease.id)).status).toBe(409);
    const next = (await new FakeWorker('arriving').claim())!;
    expect(next).toMatchObject({ attempt: 2, resume_from: { step: 3 } });
  });

  it('a job whose dispatch message was lost is claimed after the grace period', async () => {
    const { key } = await newKey();
    const res = await call(key, 'POST', '/v1/fine_tuning/jobs', {
      model: BASE,
      training_file: await trainingFile(key, 20),
    });
    // As if the queue had lost the message: still validating_files, created long ago.
    await env
      .DB!.prepare("UPDATE jobs SET status = 'validating_files', created_at = created_at - 60000 WHERE id = ?")
      .bind(res.body.id)
      .run();
    const claim = (await new FakeWorker('sweeper').claim())!;
    expect(claim.job.id).toBe(res.body.id);
  });
});

describe('cancel and failure', () => {
  it('cancelling a running job answers cancelled at once and ends the lease; its partial model folder goes', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('gpu-c');
    const claim = (await worker.claim())!;
    await worker.putResultFile(job.id, claim.lease.id, 'config.json', bytes('{}'));
    const cancelled = await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancel_requested: false, fine_tuned_model: null });
    // The worker learns it at its next heartbeat: 409, it stops and sends nothing more.
    expect((await worker.heartbeat(job.id, claim.lease.id)).status).toBe(409);
    // A worker that reports the cancel anyway, under the same lease, gets the same answer.
    expect((await worker.complete(job.id, { lease_id: claim.lease.id, status: 'cancelled' })).body).toEqual({
      status: 'cancelled',
      fine_tuned_model: null,
    });
    expect((await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`)).status).toBe(200);
    await sleep(200);
    expect(await env.MODELS.head(`ft:${BASE}::${job.id}/config.json`)).toBeNull();
  });

  it('a running job whose worker vanished is cancelled at once, and its expired lease is not handed out again', async () => {
    const fast = edgeWith({ leaseSeconds: 1 });
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('gone', fast);
    await worker.claim();
    await sleep(1200);
    expect((await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`)).body.status).toBe('cancelled');
    expect(await worker.claim()).toBeNull();
    expect((await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).body.status).toBe('cancelled');
  });

  it('a failure reported by the worker fails the job with its error; succeeded jobs cannot be cancelled', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('gpu-f');
    const claim = (await worker.claim())!;
    await worker.putResultFile(job.id, claim.lease.id, 'config.json', bytes('{}'));
    const res = await worker.complete(job.id, {
      lease_id: claim.lease.id,
      status: 'failed',
      error: { code: 'out_of_memory', message: 'CUDA out of memory' },
    });
    expect(res.body).toEqual({ status: 'failed', fine_tuned_model: null });
    const failed = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).body;
    expect(failed).toMatchObject({
      status: 'failed',
      error: { code: 'out_of_memory', message: 'CUDA out of memory', param: null },
    });
    expect((await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`)).status).toBe(409);
    // The partial model folder is removed (after the response).
    const ftId = `ft:${BASE}::${job.id}`;
    await sleep(200);
    expect(await env.MODELS.head(`${ftId}/config.json`)).toBeNull();
  });

  it('unknown jobs are 404 to the worker too', async () => {
    const worker = new FakeWorker('w404');
    expect((await worker.heartbeat('ftjob-00000000000000000000000000', 'lease_x')).status).toBe(404);
    expect((await worker.request('GET', WORKER_ROUTES.file('file-00000000000000000000000000'))).status).toBe(404);
  });
});
