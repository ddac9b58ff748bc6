// Webhooks out, the Standard Webhooks way, to a receiver on loopback that checks every signature with the
// `standardwebhooks` package: fine_tuning.job.* events with OpenAI's payload, retries with backoff until a 2xx
// (the same webhook-id every time), 410 disabling the endpoint, secret rotation (two signatures), deliveries and
// attempts kept in D1.
import { env } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { jobsConfigFromEnv } from '../../src/jobs/config.ts';
import { sweep } from '../../src/jobs/dispatch.ts';
import { jobsContextFor } from '../../src/runtime/cloudflare-worker.ts';
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
  waitFor,
  waitQueued,
  type Received,
} from './jobs-client.ts';

async function drain(): Promise<void> {
  await env
    .DB!.prepare("UPDATE jobs SET status = 'cancelled' WHERE status IN ('validating_files', 'queued', 'running')")
    .run();
}

async function jobWithWebhook(key: string, inbox: string): Promise<{ job: any; secret: string }> {
  const res = await call(key, 'POST', '/v1/fine_tuning/jobs', {
    model: BASE,
    training_file: await trainingFile(key, 20),
    suffix: 'hooked',
    metadata: { run: inbox },
    webhook: { url: receiver.url(inbox) },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  await receiver.plan(inbox, { secrets: [res.body.webhook_secret] });
  return { job: res.body, secret: res.body.webhook_secret };
}

async function received(inbox: string, n: number): Promise<Received[]> {
  return waitFor(
    `${n} deliveries to ${inbox}`,
    async () => {
      const got = await receiver.received(inbox);
      return got.length >= n ? got : null;
    },
    30_000,
    200,
  );
}

const body = (r: Received) => JSON.parse(r.body);

beforeAll(seedBase);
afterAll(() => settleQueue());
beforeEach(drain);

describe('webhooks out', () => {
  it('announces running, progress and succeeded, signed and verified by an independent implementation', async () => {
    const { key } = await newKey();
    const inbox = newInbox('lifecycle');
    const { job } = await jobWithWebhook(key, inbox);
    await waitQueued(key, job.id);
    const worker = new FakeWorker('hooked-worker');
    const claim = (await worker.claim())!;
    await worker.putCheckpointFile(job.id, claim.lease.id, 5, 'trainer_state.json', new TextEncoder().encode('{}'));
    await worker.registerCheckpoint(job.id, {
      lease_id: claim.lease.id,
      step: 5,
      epoch: 1,
      files: ['trainer_state.json'],
      metrics: { eval_accuracy: 0.9 },
    });
    for (const file of ['config.json', 'tokenizer.json', 'onnx/model.onnx'])
      await worker.putResultFile(job.id, claim.lease.id, file, new TextEncoder().encode('{}'));
    await worker.complete(job.id, {
      lease_id: claim.lease.id,
      status: 'succeeded',
      files: ['config.json', 'tokenizer.json', 'onnx/model.onnx'],
    });

    const got = await received(inbox, 3);
    expect(got).toHaveLength(3);
    for (const r of got) {
      expect(r.verified_with, r.body).toBe(0);
      expect(r.answered).toBe(200);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-id']).toBe(body(r).id);
      expect(r.headers['webhook-id']).toMatch(/^evt_[0-9a-z]{26}$/);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(body(r)).toMatchObject({
        object: 'event',
        created_at: expect.any(Number),
        data: { id: job.id, metadata: { run: inbox } },
      });
    }
    const byType = Object.fromEntries(got.map((r) => [body(r).type, body(r).data]));
    expect(Object.keys(byType).sort()).toEqual([
      'fine_tuning.job.progress',
      'fine_tuning.job.running',
      'fine_tuning.job.succeeded',
    ]);
    expect(byType['fine_tuning.job.running']).toMatchObject({ status: 'running', fine_tuned_model: null });
    expect(byType['fine_tuning.job.progress']).toMatchObject({ step: 5, epoch: 1, metrics: { eval_accuracy: 0.9 } });
    expect(byType['fine_tuning.job.succeeded']).toMatchObject({
      status: 'succeeded',
      fine_tuned_model: `ft:${BASE}:hooked:${job.id}`,
    });

    const deliveries = await waitFor('deliveries marked delivered', async () => {
      const list = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/webhook_deliveries`)).body.data;
      return list.length === 3 && list.every((d: any) => d.status === 'delivered') ? list : null;
    });
    expect(deliveries.map((d: any) => d.attempts)).toEqual([1, 1, 1]);
  });

  it('retries a receiver that is down, with backoff, until it answers 2xx: once per webhook-id', async () => {
    const { key } = await newKey();
    const inbox = newInbox('flaky');
    const { job } = await jobWithWebhook(key, inbox);
    await receiver.plan(inbox, { fail: 3, status: 503 });
    await waitQueued(key, job.id);
    await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`);
    const got = await received(inbox, 4);
    expect(got.map((r) => r.answered)).toEqual([503, 503, 503, 200]);
    expect(new Set(got.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(got.every((r) => r.verified_with === 0)).toBe(true);
    expect(new Set(got.map((r) => r.body)).size).toBe(1); // the same payload every time
    // Backoff: the schedule (1, 1, 2 s in tests) with jitter, measured between the attempts' timestamps.
    const times = got.map((r) => Number(r.headers['webhook-timestamp']));
    expect(times[3] - times[0]).toBeGreaterThanOrEqual(2);
    const delivery = await waitFor('the delivery delivered', async () => {
      const [d] = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/webhook_deliveries`)).body.data;
      return d?.status === 'delivered' ? d : null;
    });
    expect(delivery).toMatchObject({ type: 'fine_tuning.job.cancelled', attempts: 4, last_status_code: 200 });
    const attempts = await env
      .DB!.prepare('SELECT attempt, status_code FROM webhook_attempts WHERE delivery_id = ? ORDER BY attempt')
      .bind(delivery.id)
      .all();
    expect(attempts.results).toEqual([
      { attempt: 1, status_code: 503 },
      { attempt: 2, status_code: 503 },
      { attempt: 3, status_code: 503 },
      { attempt: 4, status_code: 200 },
    ]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await receiver.received(inbox)).toHaveLength(4); // nothing after the 2xx
  });

  it('a receiver that drops connections is retried; after the last retry the delivery fails', async () => {
    const { key } = await newKey();
    const inbox = newInbox('gone');
    const { job } = await jobWithWebhook(key, inbox);
    await receiver.plan(inbox, { fail: 100, status: 0 });
    await waitQueued(key, job.id);
    await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`);
    const delivery = await waitFor(
      'the delivery to give up',
      async () => {
        const [d] = (await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/webhook_deliveries`)).body.data;
        return d?.status === 'failed' ? d : null;
      },
      30_000,
      250,
    );
    expect(delivery.attempts).toBe(4); // the first try and the three retries of the schedule
    expect(delivery.last_error).toContain('gave up after 4 attempts');
  });

  it('410 Gone disables the endpoint: nothing more is sent to it', async () => {
    const { key } = await newKey();
    const inbox = newInbox('gone-410');
    const { job } = await jobWithWebhook(key, inbox);
    await receiver.plan(inbox, { fail: 1, status: 410 });
    await waitQueued(key, job.id);
    const worker = new FakeWorker('w410');
    const claim = (await worker.claim())!; // running -> 410
    await received(inbox, 1);
    const endpoint = await waitFor('the endpoint disabled', async () => {
      const e = (await call(key, 'GET', `/v1/webhook_endpoints/${job.webhook.endpoint_id}`)).body;
      return e.disabled_at ? e : null;
    });
    expect(endpoint.disabled_reason).toContain('410');
    expect((await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).body.webhook.disabled).toBe(true);
    await worker.complete(job.id, { lease_id: claim.lease.id, status: 'failed', error: { code: 'x', message: 'y' } });
    await new Promise((r) => setTimeout(r, 2500));
    expect(await receiver.received(inbox)).toHaveLength(1);
    expect((await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/webhook_deliveries`)).body.data).toHaveLength(1);
  });

  it('rotation: the new secret signs at once, the old one keeps signing during the overlap', async () => {
    const { key } = await newKey();
    const other = await newKey();
    const inbox = newInbox('rotated');
    const { job, secret: old } = await jobWithWebhook(key, inbox);
    expect(
      (await call(other.key, 'POST', `/v1/webhook_endpoints/${job.webhook.endpoint_id}/rotate_secret`, {})).status,
    ).toBe(404);
    const rotated = await call(key, 'POST', `/v1/webhook_endpoints/${job.webhook.endpoint_id}/rotate_secret`, {});
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.secret;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(old);
    await receiver.plan(inbox, { secrets: [fresh] });
    await waitQueued(key, job.id);
    await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`);
    const [r] = await received(inbox, 1);
    expect(r.verified_with).toBe(0); // the new secret, checked by the receiver in Node
    expect(r.headers['webhook-signature'].split(' ')).toHaveLength(2);
    // The old secret verifies the same message too (standardwebhooks, here in workerd).
    expect(() => new Webhook(old).verify(r.body, r.headers)).not.toThrow();
    expect(() => new Webhook(fresh).verify(r.body, r.headers)).not.toThrow();
    expect(() =>
      new Webhook(`whsec_${btoa('some other secret of enough length')}`).verify(r.body, r.headers),
    ).toThrow();
    // Rotating with no overlap retires the previous secrets at once.
    const last = await call(key, 'POST', `/v1/webhook_endpoints/${job.webhook.endpoint_id}/rotate_secret`, {
      expire_previous_after_seconds: 0,
    });
    const row = await env
      .DB!.prepare('SELECT secrets FROM webhook_endpoints WHERE id = ?')
      .bind(job.webhook.endpoint_id)
      .first<{ secrets: string }>();
    const live = (JSON.parse(row!.secrets) as { secret: string; expires_at: number | null }[]).filter(
      (s) => s.expires_at === null || s.expires_at > Date.now(),
    );
    expect(live.map((s) => s.secret)).toEqual([last.body.secret]);
  });

  it('a delivery whose queue message was lost (a restart) is sent by the sweep', async () => {
    const { key } = await newKey();
    const inbox = newInbox('lost');
    const { job } = await jobWithWebhook(key, inbox);
    // As if the event had been written and its message lost: a pending delivery, due two minutes ago, never queued.
    const id = 'evt_0000000000lostmessage00000';
    const payload = JSON.stringify({
      id,
      object: 'event',
      type: 'fine_tuning.job.cancelled',
      created_at: Math.floor(Date.now() / 1000),
      data: { id: job.id },
    });
    await env
      .DB!.prepare(`INSERT INTO webhook_deliveries (id, endpoint_id, job_id, type, payload, status, attempts, next_attempt_at, created_at)
        VALUES (?, ?, ?, 'fine_tuning.job.cancelled', ?, 'pending', 0, ?, ?)`)
      .bind(id, job.webhook.endpoint_id, job.id, payload, Date.now() - 120_000, Date.now() - 120_000)
      .run();
    const ctx = jobsContextFor(env, jobsConfigFromEnv(env as unknown as Record<string, unknown>), () => {})!;
    expect(await sweep(ctx)).toMatchObject({ resent: 1 });
    const [got] = await received(inbox, 1);
    expect(got.headers['webhook-id']).toBe(id);
    expect(got.verified_with).toBe(0);
  });

  it('a caller-chosen secret is used as given and never shown back', async () => {
    const { key } = await newKey();
    const inbox = newInbox('chosen');
    const secret = `whsec_${btoa('0123456789abcdef0123456789abcdef')}`;
    const res = await call(key, 'POST', '/v1/fine_tuning/jobs', {
      model: BASE,
      training_file: await trainingFile(key, 20),
      webhook: { url: receiver.url(inbox), secret },
    });
    expect(res.body.webhook_secret).toBeUndefined();
    await receiver.plan(inbox, { secrets: [secret] });
    await waitQueued(key, res.body.id);
    await call(key, 'POST', `/v1/fine_tuning/jobs/${res.body.id}/cancel`);
    expect((await received(inbox, 1))[0].verified_with).toBe(0);
  });
});
