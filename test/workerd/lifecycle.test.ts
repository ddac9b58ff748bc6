// A job's lifecycle after creation, in workerd with local D1, R2 and Queues, driven through the official `openai`
// client (its fetch is SELF.fetch) the way an OpenAI user writes it: cancel answered cancelled at once (the
// worker's lease ends then: everything it sends afterwards is refused), pause and resume over the lease (the
// checkpoints kept, the next claim resumes from the newest), files.delete, jobs.list({ metadata }),
// files.list({ order }), and events whose created_at follows the list order through `for await` pagination.
import { env, SELF } from 'cloudflare:test';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  BASE,
  call,
  FakeWorker,
  newInbox,
  newKey,
  receiver,
  seedBase,
  settleQueue,
  trainingFile,
  upload,
  waitFor,
  waitQueued,
} from './jobs-client.ts';

/** The status of a validation error: OpenAI's 400 (invalid_request_error). */
const VALIDATION_STATUS = 400;

/** The official client against the Worker under test. No retries: a 409 is asserted, not waited out. */
function sdk(key: string): OpenAI {
  return new OpenAI({
    apiKey: key,
    baseURL: 'http://edge/v1',
    maxRetries: 0,
    fetch: (url, init) => SELF.fetch(url, init),
  });
}

/** What an SDK call threw (an APIError, with its status and the body's error). */
async function failure(promise: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err, 'the call should have failed').toBeInstanceOf(OpenAI.APIError);
  return err as InstanceType<typeof OpenAI.APIError>;
}

/** Jobs of earlier tests must not be claimed by the next one. */
async function drain(): Promise<void> {
  await env
    .DB!.prepare(
      "UPDATE jobs SET status = 'cancelled' WHERE status IN ('validating_files', 'queued', 'running', 'paused')",
    )
    .run();
}

async function queuedJob(key: string, body: object = {}): Promise<any> {
  const res = await call(key, 'POST', '/v1/fine_tuning/jobs', {
    model: BASE,
    training_file: await trainingFile(key, 20),
    ...body,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await waitQueued(key, res.body.id);
  return res.body;
}

const bytes = (text: string) => new TextEncoder().encode(text);

/** A checkpoint at `step`, its file uploaded and registered under the lease. */
async function checkpoint(worker: FakeWorker, jobId: string, lease: string, step: number) {
  expect((await worker.putCheckpointFile(jobId, lease, step, 'trainer_state.json', bytes('{}'))).status).toBe(204);
  const res = await worker.registerCheckpoint(jobId, {
    lease_id: lease,
    step,
    epoch: 1,
    files: ['trainer_state.json'],
    metrics: { train_loss: 0.5 },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(204);
}

/** Every call a worker makes under its lease, each answered 409 once the lease has ended. */
async function expectWorkerRefused(worker: FakeWorker, jobId: string, lease: string, step: number) {
  expect((await worker.heartbeat(jobId, lease, step, 100)).status).toBe(409);
  expect((await worker.events(jobId, lease, [{ message: 'late' }])).status).toBe(409);
  expect((await worker.putCheckpointFile(jobId, lease, step, 'trainer_state.json', bytes('{}'))).status).toBe(409);
  expect(
    (
      await worker.registerCheckpoint(jobId, {
        lease_id: lease,
        step,
        epoch: 1,
        files: ['trainer_state.json'],
        metrics: {},
      })
    ).status,
  ).toBe(409);
  expect((await worker.putResultFile(jobId, lease, 'config.json', bytes('{}'))).status).toBe(409);
  const files = ['config.json', 'tokenizer.json', 'onnx/model.onnx'];
  expect((await worker.complete(jobId, { lease_id: lease, status: 'succeeded', files })).status).toBe(409);
  expect(await env.FILES!.head(`checkpoints/${jobId}/${step}/trainer_state.json`)).toBeNull();
}

async function eventMessages(key: string, jobId: string): Promise<string[]> {
  const page = await sdk(key).fineTuning.jobs.listEvents(jobId, { limit: 100 });
  return page.data.map((e) => e.message);
}

beforeAll(seedBase);
afterAll(() => settleQueue());
beforeEach(drain);

describe('cancel', () => {
  it('a running job is answered cancelled at once; its worker is refused from then on; one cancelled webhook', async () => {
    const { key } = await newKey();
    const inbox = newInbox('cancel');
    const job = await queuedJob(key, { webhook: { url: receiver.url(inbox) } });
    await receiver.plan(inbox, { secrets: [job.webhook_secret] });
    const worker = new FakeWorker('gpu-cancel');
    const claim = (await worker.claim())!;
    expect(claim.job.id).toBe(job.id);
    await checkpoint(worker, job.id, claim.lease.id, 2);

    const cancelled = await sdk(key).fineTuning.jobs.cancel(job.id);
    expect(cancelled).toMatchObject({ id: job.id, status: 'cancelled', fine_tuned_model: null });
    expect(cancelled.finished_at).toBeTypeOf('number');

    await expectWorkerRefused(worker, job.id, claim.lease.id, 3);
    expect((await sdk(key).fineTuning.jobs.retrieve(job.id)).status).toBe('cancelled');
    expect(await new FakeWorker('gpu-next').claim()).toBeNull(); // nobody else takes it either
    // Cancelling again answers the same and announces nothing more.
    expect((await sdk(key).fineTuning.jobs.cancel(job.id)).status).toBe('cancelled');
    const messages = await eventMessages(key, job.id);
    expect(messages.filter((m) => m.startsWith('Job cancelled'))).toHaveLength(1);
    expect(messages).not.toContain('late');

    // running (at the claim), progress (the checkpoint at step 2, not the refused one at 3), cancelled: once.
    await waitFor('three deliveries', async () => (await receiver.received(inbox)).length >= 3, 30_000, 200);
    await settleQueue();
    const types = (await receiver.received(inbox)).map((r) => JSON.parse(r.body).type);
    expect(types.sort()).toEqual(['fine_tuning.job.cancelled', 'fine_tuning.job.progress', 'fine_tuning.job.running']);
  });

  it('a queued job is cancelled at once; a succeeded one is a ConflictError', async () => {
    const { key } = await newKey();
    const queued = await queuedJob(key);
    expect((await sdk(key).fineTuning.jobs.cancel(queued.id)).status).toBe('cancelled');

    const done = await queuedJob(key);
    const worker = new FakeWorker('gpu-done');
    const claim = (await worker.claim())!;
    const files = ['config.json', 'tokenizer.json', 'onnx/model.onnx'];
    for (const file of files) await worker.putResultFile(done.id, claim.lease.id, file, bytes('{}'));
    expect((await worker.complete(done.id, { lease_id: claim.lease.id, status: 'succeeded', files })).status).toBe(200);
    const err = await failure(sdk(key).fineTuning.jobs.cancel(done.id));
    expect(err).toBeInstanceOf(OpenAI.ConflictError);
    expect(err.error).toMatchObject({ param: 'fine_tuning_job_id' });
  });
});

describe('pause and resume', () => {
  it('pause ends a running lease and keeps the checkpoints; resume queues it, claimed from the newest checkpoint', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('gpu-pause');
    const claim = (await worker.claim())!;
    expect(claim.attempt).toBe(1);
    await checkpoint(worker, job.id, claim.lease.id, 2);
    await checkpoint(worker, job.id, claim.lease.id, 4);

    const paused = await sdk(key).fineTuning.jobs.pause(job.id);
    expect(paused).toMatchObject({ id: job.id, status: 'paused', finished_at: null });
    await expectWorkerRefused(worker, job.id, claim.lease.id, 6);
    expect(await new FakeWorker('gpu-other').claim()).toBeNull(); // a paused job is nobody's to claim
    expect((await sdk(key).fineTuning.jobs.pause(job.id)).status).toBe('paused'); // again: unchanged
    const kept = await sdk(key).fineTuning.jobs.checkpoints.list(job.id);
    expect(kept.data.map((c) => c.step_number)).toEqual([4, 2]);

    const resumed = await sdk(key).fineTuning.jobs.resume(job.id);
    expect(resumed.status).toBe('queued');
    const resumer = new FakeWorker('gpu-resume');
    const next = (await resumer.claim())!;
    expect(next.job.id).toBe(job.id);
    expect(next.resume_from).toEqual({ step: 4, files: ['trainer_state.json'] });
    // A pause is not a failure: the run it stopped does not use up an attempt.
    expect(next.attempt).toBe(2);
    expect((next.job as { max_attempts?: number }).max_attempts).toBe(job.max_attempts + 1);
    expect((await resumer.heartbeat(job.id, next.lease.id, 5, 100)).status).toBe(200);
  });

  it('only a paused job resumes; a finished one does not pause; a paused one can be cancelled', async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const notPaused = await failure(sdk(key).fineTuning.jobs.resume(job.id));
    expect(notPaused).toBeInstanceOf(OpenAI.ConflictError);
    expect((await sdk(key).fineTuning.jobs.pause(job.id)).status).toBe('paused');
    expect(await new FakeWorker('gpu-idle').claim()).toBeNull();
    expect((await sdk(key).fineTuning.jobs.cancel(job.id)).status).toBe('cancelled');
    expect(await failure(sdk(key).fineTuning.jobs.pause(job.id))).toBeInstanceOf(OpenAI.ConflictError);
    expect(await failure(sdk(key).fineTuning.jobs.resume(job.id))).toBeInstanceOf(OpenAI.ConflictError);
    const other = await newKey();
    expect(await failure(sdk(other.key).fineTuning.jobs.pause(job.id))).toBeInstanceOf(OpenAI.NotFoundError);
  });
});

describe('files', () => {
  it('files.delete answers {id, object: "file", deleted: true}; the row and the bytes are gone', async () => {
    const { key, owner } = await newKey();
    const id = await trainingFile(key, 20);
    expect(await env.FILES!.head(`files/${owner}/${id}`)).not.toBeNull();
    expect(await sdk(key).files.delete(id)).toEqual({ id, object: 'file', deleted: true });
    expect(await failure(sdk(key).files.retrieve(id))).toBeInstanceOf(OpenAI.NotFoundError);
    expect(await env.FILES!.head(`files/${owner}/${id}`)).toBeNull();
    expect(await failure(sdk(key).files.delete(id))).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it("another key's file is not found; a dataset an unfinished job reads is a ConflictError until it ends", async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const stranger = await newKey();
    expect(await failure(sdk(stranger.key).files.delete(job.training_file))).toBeInstanceOf(OpenAI.NotFoundError);
    const busy = await failure(sdk(key).files.delete(job.training_file));
    expect(busy).toBeInstanceOf(OpenAI.ConflictError);
    expect(busy.message).toContain(job.id);
    await sdk(key).fineTuning.jobs.pause(job.id);
    expect(await failure(sdk(key).files.delete(job.training_file))).toBeInstanceOf(OpenAI.ConflictError);
    await sdk(key).fineTuning.jobs.cancel(job.id);
    expect((await sdk(key).files.delete(job.training_file)).deleted).toBe(true);
  });

  it('a dataset an enabled trigger starts jobs from is a ConflictError until the trigger is deleted', async () => {
    const { key } = await newKey();
    const file = await trainingFile(key, 20);
    const made = await call(key, 'POST', '/v1/triggers', { model: BASE, dataset: { file_id: file } });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const busy = await failure(sdk(key).files.delete(file));
    expect(busy).toBeInstanceOf(OpenAI.ConflictError);
    expect(busy.message).toContain(made.body.id);
    expect((await call(key, 'DELETE', `/v1/triggers/${made.body.id}`)).status).toBe(200);
    expect((await sdk(key).files.delete(file)).deleted).toBe(true);
  });

  it('files.list({ order, purpose }) pages through every file once, in the order asked for', async () => {
    const { key } = await newKey();
    const uploaded: string[] = [];
    for (let i = 0; i < 5; i++) uploaded.push((await upload(key, `part-${i}.tsv`, sentiment(i))).body.id);
    const listed = async (params: OpenAI.FileListParams) => {
      const ids: string[] = [];
      for await (const file of sdk(key).files.list(params)) ids.push(file.id);
      return ids;
    };
    expect(await listed({ order: 'asc', limit: 2 })).toEqual(uploaded);
    expect(await listed({ order: 'desc', limit: 2 })).toEqual([...uploaded].reverse());
    expect(await listed({ limit: 3 })).toEqual([...uploaded].reverse()); // OpenAI's default: newest first
    expect((await sdk(key).files.list({ limit: 10_000 })).data.map((f) => f.id)).toEqual([...uploaded].reverse());
    expect(await listed({ purpose: 'fine-tune', order: 'asc' })).toEqual(uploaded);
    expect(await listed({ purpose: 'fine-tune-results' })).toEqual([]);
    const bad = await call(key, 'GET', '/v1/files?order=sideways');
    expect(bad.status).toBe(VALIDATION_STATUS);
    expect(bad.body.error.param).toBe('order');
  });
});

function sentiment(seed: number): string {
  const rows = ['sentence\tlabel'];
  for (let i = 0; i < 12; i++) rows.push(`review ${seed}-${i} is ${i % 2 ? 'good' : 'bad'}\t${i % 2}`);
  return `${rows.join('\n')}\n`;
}

describe('jobs.list({ metadata })', () => {
  it('returns the jobs whose metadata has every pair asked for, paginated; metadata=null those without', async () => {
    const { key } = await newKey();
    const training_file = await trainingFile(key, 20);
    const make = async (metadata?: Record<string, string>) =>
      (
        await call(key, 'POST', '/v1/fine_tuning/jobs', {
          model: BASE,
          training_file,
          ...(metadata ? { metadata } : {}),
        })
      ).body.id as string;
    const a1 = await make({ team: 'a', run: '1' });
    const a2 = await make({ team: 'a', run: '2' });
    const b = await make({ team: 'b', note: 'a' });
    const none = await make();
    const listed = async (params: OpenAI.FineTuning.JobListParams) => {
      const ids: string[] = [];
      for await (const job of sdk(key).fineTuning.jobs.list(params)) ids.push(job.id);
      return ids;
    };
    expect(await listed({ metadata: { team: 'a' }, limit: 1 })).toEqual([a2, a1]);
    expect(await listed({ metadata: { team: 'a', run: '1' } })).toEqual([a1]);
    expect(await listed({ metadata: { team: 'b' } })).toEqual([b]);
    expect(await listed({ metadata: { note: 'a', team: 'a' } })).toEqual([]);
    expect(await listed({ metadata: { team: 'c' } })).toEqual([]);
    expect(await listed({ metadata: {} })).toEqual([none, b, a2, a1]);
    expect(await listed({})).toEqual([none, b, a2, a1]);
    expect((await call(key, 'GET', '/v1/fine_tuning/jobs?metadata=null')).body.data.map((j: any) => j.id)).toEqual([
      none,
    ]);
    const tooLong = await call(key, 'GET', `/v1/fine_tuning/jobs?metadata[${'k'.repeat(65)}]=v`);
    expect(tooLong.status).toBe(VALIDATION_STATUS);
    expect(tooLong.body.error.param).toBe(`metadata[${'k'.repeat(65)}]`);
    const mixed = await call(key, 'GET', '/v1/fine_tuning/jobs?metadata=null&metadata[team]=a');
    expect(mixed.status).toBe(VALIDATION_STATUS);
    expect(mixed.body.error.param).toBe('metadata');
  });
});

describe('events', () => {
  it("created_at never increases down the list (a worker's late, earlier-stamped events too); for await sees each once", async () => {
    const { key } = await newKey();
    const job = await queuedJob(key);
    const worker = new FakeWorker('gpu-events');
    const claim = (await worker.claim())!;
    // A worker whose clock runs an hour behind (within the day the edge believes), and a batch sent late.
    const behind = Date.now() / 1000 - 3600;
    const late = Array.from({ length: 5 }, (_, i) => ({
      id: `late-${i}`,
      message: `step ${i}`,
      created_at: behind + i,
    }));
    expect((await worker.events(job.id, claim.lease.id, late)).status).toBe(204);
    // And one whose clock runs an hour ahead: no event is stamped after the edge's own time.
    const ahead = [{ id: 'ahead', message: 'from the future', created_at: Date.now() / 1000 + 3600 }];
    expect((await worker.events(job.id, claim.lease.id, ahead)).status).toBe(204);
    await checkpoint(worker, job.id, claim.lease.id, 2);
    expect(
      (await worker.events(job.id, claim.lease.id, [{ id: 'early', message: 'x', created_at: behind }])).status,
    ).toBe(204);

    const whole = (await sdk(key).fineTuning.jobs.listEvents(job.id, { limit: 100 })).data;
    expect(whole.length).toBeGreaterThanOrEqual(10);
    const times = whole.map((e) => e.created_at);
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(Math.max(...times)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    const paged: string[] = [];
    for await (const event of sdk(key).fineTuning.jobs.listEvents(job.id, { limit: 3 })) paged.push(event.id);
    expect(paged).toEqual(whole.map((e) => e.id));
    expect(new Set(paged).size).toBe(paged.length);
  });
});
