// Inbound triggers: a key's job template, started by calls signed with the trigger secret -- Standard Webhooks
// (signed here by the `standardwebhooks` package, an independent implementation) or GitHub's X-Hub-Signature-256.
// Replays (the same id, or a stale timestamp) and unsigned or forged calls are refused and queue nothing. The
// dataset is read from its location (a file, an R2 key, a URL) at each call and validated like an upload.
import { env } from 'cloudflare:test';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BASE,
  call,
  edge,
  edgeWith,
  newKey,
  receiver,
  seedBase,
  sentimentTsv,
  settleQueue,
  trainingFile,
  type Fetch,
} from './jobs-client.ts';
import { meteredBody, MiB, READ_AHEAD_ALLOWANCE } from '../support/metered-body.ts';

const encoder = new TextEncoder();

/** A Standard Webhooks call as an outside system makes it. */
async function hook(
  triggerId: string,
  secret: string,
  payload: unknown,
  options: { id?: string; at?: Date; f?: Fetch } = {},
) {
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const at = options.at ?? new Date();
  const body = JSON.stringify(payload);
  const signature = new Webhook(secret).sign(id, at, body);
  const res = await (options.f ?? edge)(`/v1/hooks/${triggerId}`, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': signature,
    },
  });
  return { status: res.status, body: (await res.json()) as any, id };
}

/** GitHub's signature: hex HMAC-SHA256 of the body keyed by the secret string, computed here with WebCrypto. */
async function githubHook(triggerId: string, secret: string, payload: unknown, delivery: string | null, forge = false) {
  const body = JSON.stringify(payload);
  const key = await crypto.subtle.importKey(
    'raw',
    encoder.encode(forge ? `${secret}x` : secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = [...new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body)))]
    .map((b) => b.toString(16).padStart(2, '0'))
    .join('');
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-github-event': 'push',
    'x-hub-signature-256': `sha256=${mac}`,
  };
  if (delivery) headers['x-github-delivery'] = delivery;
  const res = await edge(`/v1/hooks/${triggerId}`, { method: 'POST', body, headers });
  return { status: res.status, body: (await res.json()) as any, mac };
}

async function jobCount(owner: string): Promise<number> {
  return (await env.DB!.prepare('SELECT count(*) AS n FROM jobs WHERE owner = ?').bind(owner).first<{ n: number }>())!
    .n;
}

async function trigger(key: string, body: object, f: Fetch = edge) {
  const res = await call(
    key,
    'POST',
    '/v1/triggers',
    { model: BASE, hyperparameters: { n_epochs: 1 }, suffix: 'nightly', ...body },
    {},
    f,
  );
  return res;
}

beforeAll(seedBase);
afterAll(() => settleQueue());

describe('triggers', () => {
  it('creates a trigger with a secret shown once; another key cannot see it', async () => {
    const { key } = await newKey();
    const other = await newKey();
    const file = await trainingFile(key, 20);
    const res = await trigger(key, { name: 'sst2 nightly', dataset: { file_id: file } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({
      object: 'fine_tuning.trigger',
      name: 'sst2 nightly',
      model: BASE,
      dataset: { file_id: file },
      hook_path: `/v1/hooks/${res.body.id}`,
    });
    expect(res.body.id).toMatch(/^trig_[0-9a-z]{26}$/);
    expect(res.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const got = await call(key, 'GET', `/v1/triggers/${res.body.id}`);
    expect(got.body.secret).toBeUndefined();
    expect((await call(key, 'GET', '/v1/triggers')).body.data.map((t: any) => t.id)).toEqual([res.body.id]);
    expect((await call(other.key, 'GET', `/v1/triggers/${res.body.id}`)).status).toBe(404);
    expect((await call(other.key, 'GET', '/v1/triggers')).body.data).toEqual([]);
  });

  it('refuses invalid templates (400 naming the field)', async () => {
    const { key } = await newKey();
    const file = await trainingFile(key, 20);
    const other = await newKey();
    const theirs = await trainingFile(other.key, 20);
    const strict = edgeWith({ allowPrivateTargets: false });
    const unknownModel = await trigger(key, { model: 'no-such-model', dataset: { file_id: file } });
    expect(unknownModel.status).toBe(404);
    expect(unknownModel.body.error).toMatchObject({ code: 'model_not_found', param: 'model' });
    const cases: [object, string, Fetch?][] = [
      [{ dataset: { file_id: theirs } }, 'dataset.file_id'],
      [{ dataset: { r2_key: '../other-owner/train.tsv' } }, 'dataset.r2_key'],
      [{ dataset: { url: 'http://10.0.0.1/train.tsv' } }, 'dataset.url', strict],
      [{ dataset: { url: 'http://example.com/train.tsv' } }, 'dataset.url', strict],
      [{ dataset: { file_id: file }, hyperparameters: { num_frozen_layers: 9 } }, 'hyperparameters.num_frozen_layers'],
      [{ dataset: { file_id: file }, webhook: { url: 'http://127.0.0.1/x' } }, 'webhook.url', strict],
      [{ dataset: { somewhere: 'else' } }, 'dataset.'],
    ];
    for (const [body, param, f] of cases) {
      const res = await trigger(key, body, f);
      expect(res.status, JSON.stringify(body)).toBe(400);
      // A location that matches no form names the field of the closest one (dataset.file_id).
      if (param.endsWith('.')) expect(res.body.error.param, JSON.stringify(res.body)).toMatch(/^dataset\./);
      else expect(res.body.error.param, JSON.stringify(res.body)).toBe(param);
    }
  });

  it('a Standard Webhooks call starts a job; the same webhook-id again is a replay (409); nothing more is queued', async () => {
    const { key, owner } = await newKey();
    const file = await trainingFile(key, 20);
    const t = (await trigger(key, { dataset: { file_id: file }, metadata: { source: 'labelling-tool' } })).body;
    const call1 = await hook(t.id, t.secret, { event: 'dataset.updated', version: 7 });
    expect(call1.status, JSON.stringify(call1.body)).toBe(202);
    expect(call1.body).toMatchObject({
      object: 'fine_tuning.trigger.call',
      trigger_id: t.id,
      call_id: `webhook-id:${call1.id}`,
    });
    const job = call1.body.job;
    expect(job).toMatchObject({
      model: BASE,
      training_file: file,
      suffix: 'nightly',
      trigger_id: t.id,
      status: 'validating_files',
      hyperparameters: { n_epochs: 1 },
    });
    expect(job.metadata).toEqual({
      source: 'labelling-tool',
      trigger_id: t.id,
      trigger_call_id: `webhook-id:${call1.id}`,
    });
    expect((await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).status).toBe(200);

    const replay = await hook(t.id, t.secret, { event: 'dataset.updated', version: 7 }, { id: call1.id });
    expect(replay.status).toBe(409);
    expect(replay.body.error.message).toContain('replayed');
    expect(await jobCount(owner)).toBe(1);
    // A new event (a new webhook-id) starts a new job.
    expect((await hook(t.id, t.secret, { event: 'dataset.updated', version: 8 })).status).toBe(202);
    expect(await jobCount(owner)).toBe(2);
  });

  it('unsigned, forged, wrongly keyed and stale calls get 401 and queue nothing', async () => {
    const { key, owner } = await newKey();
    const t = (await trigger(key, { dataset: { file_id: await trainingFile(key, 20) } })).body;
    const unsigned = await edge(`/v1/hooks/${t.id}`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(unsigned.status).toBe(401);
    expect(((await unsigned.json()) as any).error.code).toBe('unauthenticated');
    const wrongSecret = `whsec_${btoa('a different secret, 32 bytes....')}`;
    expect((await hook(t.id, wrongSecret, { x: 1 })).status).toBe(401);
    const stale = await hook(t.id, t.secret, { x: 1 }, { at: new Date(Date.now() - 6 * 60_000) });
    expect(stale.status).toBe(401);
    expect(stale.body.error.message).toContain('webhook-timestamp');
    expect((await hook(t.id, t.secret, { x: 1 }, { at: new Date(Date.now() + 6 * 60_000) })).status).toBe(401);
    // A valid signature of another body.
    const id = 'msg_tampered';
    const at = new Date();
    const res = await edge(`/v1/hooks/${t.id}`, {
      method: 'POST',
      body: '{"x": 2}',
      headers: {
        'webhook-id': id,
        'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
        'webhook-signature': new Webhook(t.secret).sign(id, at, '{"x": 1}'),
      },
    });
    expect(res.status).toBe(401);
    expect((await githubHook(t.id, t.secret, { ref: 'main' }, 'gh-1', true)).status).toBe(401);
    expect((await hook('trig_00000000000000000000000000', t.secret, {})).status).toBe(404);
    expect(await jobCount(owner)).toBe(0);
    // The refused calls were not remembered: the same id, properly signed, is accepted.
    expect((await hook(t.id, t.secret, { x: 1 }, { id: 'msg_tampered' })).status).toBe(202);
  });

  it('GitHub-style X-Hub-Signature-256: a body signed before is a replay, whatever X-GitHub-Delivery says', async () => {
    const { key, owner } = await newKey();
    const t = (await trigger(key, { dataset: { file_id: await trainingFile(key, 20) } })).body;
    const first = await githubHook(t.id, t.secret, { ref: 'refs/heads/main' }, 'delivery-1');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    expect(first.body.call_id).toMatch(/^github-signature-sha256:[0-9a-f]{64}$/);
    // The same delivery again, and the same signed body under a new (unsigned) delivery id: both replays.
    expect((await githubHook(t.id, t.secret, { ref: 'refs/heads/main' }, 'delivery-1')).status).toBe(409);
    const redelivered = await githubHook(t.id, t.secret, { ref: 'refs/heads/main' }, 'delivery-2');
    expect(redelivered.status).toBe(409);
    expect(redelivered.body.error.message).toContain('replayed call');
    expect((await githubHook(t.id, t.secret, { ref: 'refs/heads/main' }, null)).status).toBe(409);
    // A new event (another body) is a new call, with or without a delivery id.
    expect((await githubHook(t.id, t.secret, { ref: 'a' }, null)).status).toBe(202);
    expect((await githubHook(t.id, t.secret, { ref: 'b' }, 'delivery-1')).status).toBe(202);
    expect(await jobCount(owner)).toBe(3);
    // What is kept is a digest of the signature, in D1, not the signature (a credential for that body) itself.
    const { results } = await env
      .DB!.prepare('SELECT call_id FROM trigger_calls WHERE trigger_id = ?')
      .bind(t.id)
      .all<{ call_id: string }>();
    expect(results).toHaveLength(3);
    for (const r of results) {
      expect(r.call_id).toMatch(/^github-signature-sha256:[0-9a-f]{64}$/);
      expect(r.call_id).not.toContain(first.mac);
    }
  });

  it('reads a URL dataset at each call: a new version makes a new file; a broken one is refused and can be retried', async () => {
    const { key, owner } = await newKey();
    const url = await receiver.dataset(`sst2-${Date.now()}.tsv`, sentimentTsv(12));
    const t = (await trigger(key, { dataset: { url } })).body;
    const first = await hook(t.id, t.secret, { v: 1 });
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const file1 = (await call(key, 'GET', `/v1/files/${first.body.job.training_file}`)).body;
    expect(file1).toMatchObject({ examples: 12, format: 'tsv', purpose: 'fine-tune' });
    await receiver.dataset(url.split('/').pop()!, sentimentTsv(16));
    const second = await hook(t.id, t.secret, { v: 2 });
    expect((await call(key, 'GET', `/v1/files/${second.body.job.training_file}`)).body.examples).toBe(16);

    await receiver.dataset(url.split('/').pop()!, 'sentence\tlabel\nonly one column\n');
    const broken = await hook(t.id, t.secret, { v: 3 });
    expect(broken.status).toBe(400);
    expect(broken.body.error.param).toBe('dataset');
    expect(await jobCount(owner)).toBe(2);
    await receiver.dataset(url.split('/').pop()!, sentimentTsv(14));
    expect((await hook(t.id, t.secret, { v: 3 }, { id: broken.id })).status).toBe(202);

    const missing = (await trigger(key, { dataset: { url: `${env.WEBHOOK_RECEIVER_URL}/datasets/nothing-here.tsv` } }))
      .body;
    const gone = await hook(missing.id, missing.secret, {});
    expect(gone.status).toBe(400);
    expect(gone.body.error.param).toBe('dataset.url');
    expect(await jobCount(owner)).toBe(3);
  });

  it("reads an R2 dataset under the owner's prefix", async () => {
    const { key, owner } = await newKey();
    await env.FILES!.put(
      `owners/${owner}/labelled/train.jsonl`,
      sentimentTsv(11)
        .split('\n')
        .slice(1)
        .filter(Boolean)
        .map((line) => JSON.stringify({ text: line.split('\t')[0], label: line.split('\t')[1] }))
        .join('\n'),
    );
    const t = (await trigger(key, { dataset: { r2_key: 'labelled/train.jsonl' } })).body;
    const res = await hook(t.id, t.secret, {});
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect((await call(key, 'GET', `/v1/files/${res.body.job.training_file}`)).body).toMatchObject({
      format: 'jsonl',
      examples: 11,
      filename: 'train.jsonl',
    });
    const absent = (await trigger(key, { dataset: { r2_key: 'labelled/absent.tsv' } })).body;
    expect((await hook(absent.id, absent.secret, {})).status).toBe(400);
  });

  it('a disabled trigger answers 404', async () => {
    const { key } = await newKey();
    const t = (await trigger(key, { dataset: { file_id: await trainingFile(key, 20) } })).body;
    expect((await call(key, 'DELETE', `/v1/triggers/${t.id}`)).body.disabled_at).toBeTypeOf('number');
    expect((await hook(t.id, t.secret, {})).status).toBe(404);
  });

  it("a trigger's webhook endpoint receives its jobs' events", async () => {
    const { key } = await newKey();
    const inbox = `trigger-${Date.now()}`;
    const t = (
      await trigger(key, { dataset: { file_id: await trainingFile(key, 20) }, webhook: { url: receiver.url(inbox) } })
    ).body;
    expect(t.webhook_secret).toMatch(/^whsec_/);
    await receiver.plan(inbox, { secrets: [t.webhook_secret] });
    const started = await hook(t.id, t.secret, {});
    expect(started.body.job.webhook).toMatchObject({ url: receiver.url(inbox), endpoint_id: t.webhook_endpoint_id });
    await call(key, 'POST', `/v1/fine_tuning/jobs/${started.body.job.id}/cancel`);
    for (let i = 0; i < 100 && (await receiver.received(inbox)).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    const [got] = await receiver.received(inbox);
    expect(got.verified_with).toBe(0);
    expect(JSON.parse(got.body)).toMatchObject({
      type: 'fine_tuning.job.cancelled',
      data: { id: started.body.job.id },
    });
  });
});

describe('hook calls refused before their body is read', () => {
  /** An endless body sent to the hook: the answer must come without the body being read. */
  async function endlessCall(path: string, headers: Record<string, string>) {
    const body = meteredBody();
    const res = await edge(path, { method: 'POST', body: body.stream, headers, duplex: 'half' } as RequestInit);
    const answer = (await res.json()) as any;
    body.end();
    return { status: res.status, body: answer, pulled: body.pulled() };
  }

  it('an unknown or disabled trigger: 404 without reading the body', async () => {
    const unknown = await endlessCall('/v1/hooks/trig_00000000000000000000000000', {
      'x-hub-signature-256': `sha256=${'0'.repeat(64)}`,
    });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.param).toBe('trigger_id');
    expect(unknown.pulled).toBeLessThan(READ_AHEAD_ALLOWANCE);
    const { key } = await newKey();
    const t = (await trigger(key, { dataset: { file_id: await trainingFile(key, 20) } })).body;
    await call(key, 'DELETE', `/v1/triggers/${t.id}`);
    const disabled = await endlessCall(`/v1/hooks/${t.id}`, { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
    expect(disabled.status).toBe(404);
    expect(disabled.pulled).toBeLessThan(READ_AHEAD_ALLOWANCE);
  });

  it('an unsigned, incomplete or stale call: 401 without reading the body', async () => {
    const { key, owner } = await newKey();
    const t = (await trigger(key, { dataset: { file_id: await trainingFile(key, 20) } })).body;
    const now = Math.floor(Date.now() / 1000);
    const cases: [string, Record<string, string>][] = [
      ['unsigned', { 'content-type': 'application/json' }],
      ['no webhook-id', { 'webhook-timestamp': String(now), 'webhook-signature': 'v1,AAAA' }],
      ['stale', { 'webhook-id': 'msg_1', 'webhook-timestamp': String(now - 3600), 'webhook-signature': 'v1,AAAA' }],
    ];
    for (const [name, headers] of cases) {
      const res = await endlessCall(`/v1/hooks/${t.id}`, headers);
      expect(res.status, name).toBe(401);
      expect(res.body.error.code, name).toBe('unauthenticated');
      expect(res.pulled, name).toBeLessThan(READ_AHEAD_ALLOWANCE);
    }
    expect(await jobCount(owner)).toBe(0);
  });

  it('a body that goes quiet without ending still gets its answer (one that waited for it would hang)', async () => {
    const body = meteredBody(undefined, 64 * 1024, 256 * 1024);
    const res = await edge('/v1/hooks/trig_00000000000000000000000000', {
      method: 'POST',
      body: body.stream,
      headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(404);
    expect(body.pulled()).toBeLessThanOrEqual(256 * 1024);
    body.end();
  });

  it('a signed call reads its body (the meter does count reads)', async () => {
    const { key } = await newKey();
    const t = (await trigger(key, { dataset: { file_id: await trainingFile(key, 20) } })).body;
    // 8 MiB of body under a signature that cannot match: read in full, then refused.
    const body = meteredBody(8 * MiB);
    const res = await edge(`/v1/hooks/${t.id}`, {
      method: 'POST',
      body: body.stream,
      headers: { 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` },
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(401);
    expect(body.pulled()).toBe(8 * MiB);
  });
});
