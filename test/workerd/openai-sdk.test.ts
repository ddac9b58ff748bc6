// The OpenAI-compatibility suite inside workerd, with local D1/R2/Queues: the official `openai` SDK as the client of
// files, fine-tuning jobs (OpenAI's method shape, Idempotency-Key, pagination with for await), checkpoints, models
// and webhooks (client.webhooks.unwrap), and its error classes. The GPU worker is the scripted FakeWorker (the real
// signing), which uploads the tiny classifier as the trained model: this proves the API, not the training.
import { SELF } from 'cloudflare:test';
import OpenAI, { toFile } from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKER_ROUTES } from '../../src/jobs/protocol.ts';
import { countingClient, defineOpenAIInferenceSuite, rejection, type OpenAITarget } from '../support/openai-suite.ts';
import {
  BASE,
  call,
  FakeWorker,
  newInbox,
  newKey,
  receiver,
  seedBase,
  seedTinyModel,
  waitFor,
  waitQueued,
} from './jobs-client.ts';
import { fixture } from './fixtures.ts';

const sdk = (apiKey: string): OpenAITarget =>
  countingClient('http://edge/v1', apiKey, (url, init) => SELF.fetch(url, init));

/** edgeclass's extensions of the job object (README: OpenAI compatibility). */
type EdgeclassJob = OpenAI.FineTuning.FineTuningJob & { webhook_secret?: string };

const SERVED_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'];

/** OpenAI's chat-format JSONL: a system prompt, the text as the user's message, the label as the answer. */
function chatJsonl(n: number): string {
  const texts = ['a delight', 'dull and long', 'warm and funny', 'badly acted', 'smart and moving', 'a mess'];
  return Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: 'system', content: 'Is the review positive or negative?' },
        { role: 'user', content: `${texts[i % texts.length]} (${i})` },
        { role: 'assistant', content: i % 2 === 0 ? 'positive' : 'negative' },
      ],
    }),
  ).join('\n');
}

let key: string;
beforeAll(async () => {
  await seedBase();
  await seedTinyModel('tiny-embed');
  key = (await newKey()).key;
});

defineOpenAIInferenceSuite(() => sdk(key), 'tiny-embed');

describe('the openai SDK: files and fine-tuning', () => {
  it('files.create (chat JSONL named .txt), retrieve, list with auto-pagination, content', async () => {
    const { client } = sdk(key);
    const content = chatJsonl(20);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const file = await client.files.create({
        file: await toFile(new TextEncoder().encode(content), `chat-${i}.txt`),
        purpose: 'fine-tune',
      });
      expect(file).toMatchObject({
        object: 'file',
        purpose: 'fine-tune',
        filename: `chat-${i}.txt`,
        bytes: content.length,
      });
      ids.push(file.id);
    }
    expect((await client.files.retrieve(ids[0])).id).toBe(ids[0]);
    const listed: string[] = [];
    for await (const file of client.files.list({ limit: 1 })) listed.push(file.id);
    expect(listed).toEqual(expect.arrayContaining(ids));
    expect(await (await client.files.content(ids[1])).text()).toBe(content);
    const missing = await rejection(client.files.retrieve('file-nope'));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('jobs.create in OpenAI shape; Idempotency-Key through headers; a 409 is a ConflictError sent once', async () => {
    const target = sdk(key);
    const { client } = target;
    const file = await client.files.create({
      file: await toFile(new TextEncoder().encode(chatJsonl(20)), 'train.jsonl'),
      purpose: 'fine-tune',
    });
    const params: OpenAI.FineTuning.JobCreateParams = {
      model: BASE,
      training_file: file.id,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, learning_rate_multiplier: 2 } } },
      suffix: 'sdk',
      seed: 3,
      metadata: { team: 'search' },
    };
    // The SDK's idempotencyKey option sends no header for OpenAI's API; the header itself does.
    const headers = { 'Idempotency-Key': `sdk-${Date.now()}` };
    const job = await client.fineTuning.jobs.create(params, { headers });
    expect(job).toMatchObject({ object: 'fine_tuning.job', model: BASE, seed: 3, metadata: { team: 'search' } });
    expect(job.method?.supervised?.hyperparameters?.n_epochs).toBe(2);
    expect(job.hyperparameters.learning_rate_multiplier).toBeUndefined();
    expect((job.hyperparameters as { learning_rate?: number }).learning_rate).toBe(1e-4);
    expect((await client.fineTuning.jobs.create(params, { headers })).id).toBe(job.id);
    const before = target.requests();
    const conflict = await rejection(client.fineTuning.jobs.create({ ...params, seed: 4 }, { headers }));
    expect(conflict).toBeInstanceOf(OpenAI.ConflictError);
    expect(conflict).toMatchObject({ status: 409, code: 'conflict', param: 'Idempotency-Key' });
    expect(target.requests() - before).toBe(1);

    expect((await client.fineTuning.jobs.retrieve(job.id)).id).toBe(job.id);
    const jobs: string[] = [];
    for await (const j of client.fineTuning.jobs.list({ limit: 1 })) jobs.push(j.id);
    expect(jobs).toContain(job.id);
    const events: OpenAI.FineTuning.FineTuningJobEvent[] = [];
    for await (const e of client.fineTuning.jobs.listEvents(job.id, { limit: 1 })) events.push(e);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.object === 'fine_tuning.job.event')).toBe(true);

    const invalid = await rejection(
      client.fineTuning.jobs.create({ model: BASE, training_file: file.id, hyperparameters: { n_epochs: 0 } }),
    );
    expect(invalid).toBeInstanceOf(OpenAI.BadRequestError);
    expect(invalid).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'hyperparameters.n_epochs' });
    const dpo = await rejection(
      client.fineTuning.jobs.create({ model: BASE, training_file: file.id, method: { type: 'dpo', dpo: {} } }),
    );
    expect(dpo.param).toBe('method.type');
    expect(await rejection(client.fineTuning.jobs.retrieve('ftjob-nope'))).toBeInstanceOf(OpenAI.NotFoundError);
    // A queued job is cancelled at once (and leaves the queue to the next test's job).
    expect((await client.fineTuning.jobs.cancel(job.id)).status).toBe('cancelled');
    expect(await rejection(sdk('ec_not-a-key').client.fineTuning.jobs.list())).toBeInstanceOf(
      OpenAI.AuthenticationError,
    );
  });

  it('a fine-tune from a chat-format file to a served ft: model; checkpoints; the webhooks unwrap', async () => {
    await seedTinyModel('tiny-cls');
    const { client } = sdk(key);
    const inbox = newInbox('sdk');
    const file = await client.files.create({
      file: await toFile(new TextEncoder().encode(chatJsonl(20)), 'reviews'),
      purpose: 'fine-tune',
    });
    // edgeclass's extensions (README): spread from a variable, the SDK's parameter type takes them without a cast.
    const extensions = { webhook: { url: receiver.url(inbox) } };
    const job: EdgeclassJob = await client.fineTuning.jobs.create({
      model: BASE,
      training_file: file.id,
      suffix: 'chat',
      ...extensions,
    });
    const secret = job.webhook_secret!;
    await receiver.plan(inbox, { secrets: [secret] });
    await waitQueued(key, job.id);

    const worker = new FakeWorker('gpu-sdk');
    const claim = (await worker.claim())!;
    expect(claim.job.id).toBe(job.id);
    const lease = claim.lease.id;
    const dataset = await worker.request('GET', WORKER_ROUTES.file(job.training_file));
    expect(dataset.body).toContain('"role":"assistant"');
    const state = new TextEncoder().encode('{"step": 5}');
    expect((await worker.putCheckpointFile(job.id, lease, 5, 'trainer_state.json', state)).status).toBe(204);
    const metrics = { train_loss: 0.6, valid_loss: 0.5, full_valid_loss: 0.5, full_valid_mean_token_accuracy: 0.75 };
    const register = { lease_id: lease, step: 5, epoch: 1, files: ['trainer_state.json'], metrics };
    expect((await worker.registerCheckpoint(job.id, register)).status).toBe(204);
    for (const name of SERVED_FILES) {
      const bytes = new Uint8Array(await (await fixture(`/tiny-models/tiny-cls/${name}`)).arrayBuffer());
      expect((await worker.putResultFile(job.id, lease, name, bytes)).status).toBe(204);
    }
    const done = await worker.complete(job.id, {
      lease_id: lease,
      status: 'succeeded',
      files: SERVED_FILES,
      metrics: {},
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    const finished = await client.fineTuning.jobs.retrieve(job.id);
    expect(finished.status).toBe('succeeded');
    const ftId = finished.fine_tuned_model!;
    expect(ftId).toBe(`ft:${BASE}:chat:${job.id}`);
    const checkpoints: OpenAI.FineTuning.Jobs.FineTuningJobCheckpoint[] = [];
    for await (const c of client.fineTuning.jobs.checkpoints.list(job.id)) checkpoints.push(c);
    expect(
      checkpoints.map((c) => [c.step_number, c.metrics.full_valid_loss, c.metrics.full_valid_mean_token_accuracy]),
    ).toEqual([[5, 0.5, 0.75]]);
    expect((await client.models.retrieve(ftId)).id).toBe(ftId);
    const classified = await call(key, 'POST', '/v1/classify', { model: ftId, inputs: 'a delight', strategy: 'model' });
    expect(classified.status, JSON.stringify(classified.body)).toBe(200);

    const deliveries = await waitFor(
      'the succeeded webhook',
      async () => {
        const got = await receiver.received(inbox);
        return got.some((d) => d.body.includes('fine_tuning.job.succeeded')) ? got : null;
      },
      30_000,
    );
    const succeeded = deliveries.find((d) => d.body.includes('fine_tuning.job.succeeded'))!;
    const event = await client.webhooks.unwrap(succeeded.body, succeeded.headers, secret);
    expect(event).toMatchObject({ type: 'fine_tuning.job.succeeded', data: { id: job.id } });
    await expect(
      client.webhooks.unwrap(succeeded.body, succeeded.headers, `whsec_${btoa('another secret, long enough')}`),
    ).rejects.toThrow();
  });
});
