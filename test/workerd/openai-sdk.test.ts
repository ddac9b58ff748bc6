// The OpenAI-compatibility suite inside workerd, with local D1/R2/Queues: the official `openai` SDK as the client of
// files, fine-tuning jobs (OpenAI's method shape, Idempotency-Key, pagination with for await), checkpoints, models
// and webhooks (client.webhooks.unwrap), and its error classes. The GPU worker is the scripted FakeWorker (the real
// signing), which uploads the tiny classifier as the trained model: this proves the API, not the training.
import { SELF } from 'cloudflare:test';
import type OpenAI from 'openai';
import { toFile } from 'openai';
import { beforeAll, describe, expect, it } from 'vitest';
import { WORKER_ROUTES } from '../../src/jobs/protocol.ts';
import {
  chatJsonl,
  countingClient,
  defineOpenAIFineTuningSuite,
  defineOpenAIInferenceSuite,
  type OpenAITarget,
} from '../support/openai-suite.ts';
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

let key: string;
beforeAll(async () => {
  await seedBase();
  await seedTinyModel('tiny-embed');
  key = (await newKey()).key;
});

defineOpenAIInferenceSuite(() => sdk(key), 'tiny-embed');
defineOpenAIFineTuningSuite({ target: () => sdk(key), unauthorized: () => sdk('ec_not-a-key'), baseModel: BASE });

describe('the openai SDK: a fine-tune to a served model', () => {
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
