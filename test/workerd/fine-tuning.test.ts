// The fine-tuning API in workerd with local D1, R2 and Queues: API keys, dataset files, jobs (validation before
// anything is queued, Idempotency-Key, pagination, isolation between keys, cancel), the error shape.
import { env } from 'cloudflare:test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../src/jobs/crypto.ts';
import { verifyRequest } from '../../src/jobs/protocol.ts';
import {
  ADMIN_KEY,
  BASE,
  call,
  edgeWith,
  newKey,
  seedBase,
  seedTinyModel,
  sentimentTsv,
  settleQueue,
  trainingFile,
  upload,
  waitFor,
  waitQueued,
  WORKER_SECRET,
} from './jobs-client.ts';

function expectError(res: { status: number; body: any }, status: number, param?: string | null) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  expect(Object.keys(res.body)).toEqual(['error']);
  expect(res.body.error.type).toBe(status >= 500 ? 'server_error' : 'invalid_request_error');
  expect(typeof res.body.error.message).toBe('string');
  if (param !== undefined) expect(res.body.error.param).toBe(param);
}

async function jobCount(owner: string): Promise<number> {
  return (await env.DB!.prepare('SELECT count(*) AS n FROM jobs WHERE owner = ?').bind(owner).first<{ n: number }>())!
    .n;
}

beforeAll(async () => {
  await seedBase();
});
afterAll(() => settleQueue());

describe('API keys', () => {
  it('the admin token creates a key, shown once; D1 keeps only its SHA-256', async () => {
    const made = await call(ADMIN_KEY, 'POST', '/v1/api_keys', { name: 'ci' });
    expect(made.status).toBe(200);
    expect(made.body).toMatchObject({ object: 'api_key', name: 'ci', revoked_at: null });
    expect(made.body.key).toMatch(/^ec_[A-Za-z0-9_-]{43}$/);
    const row = await env
      .DB!.prepare('SELECT * FROM api_keys WHERE id = ?')
      .bind(made.body.id)
      .first<Record<string, unknown>>();
    expect(row!.key_hash).toBe(await sha256Hex(made.body.key));
    expect(Object.values(row!)).not.toContain(made.body.key);
    const listed = await call(ADMIN_KEY, 'GET', `/v1/api_keys?owner=${made.body.owner}`);
    expect(listed.body.data.map((k: any) => k.id)).toEqual([made.body.id]);
    expect(listed.body.data[0].key).toBeUndefined();
  });

  it('no token, a wrong token or a user key cannot manage keys (401)', async () => {
    const { key } = await newKey();
    expectError(await call(null, 'POST', '/v1/api_keys', {}), 401, null);
    expectError(await call('not-the-admin-key', 'POST', '/v1/api_keys', {}), 401);
    expectError(await call(key, 'POST', '/v1/api_keys', {}), 401);
  });

  it('a missing, malformed, unknown or revoked key gets 401 with WWW-Authenticate', async () => {
    const { key, id } = await newKey();
    expect((await call(key, 'GET', '/v1/files')).status).toBe(200);
    const none = await call(null, 'GET', '/v1/fine_tuning/jobs');
    expectError(none, 401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expectError(await call('ec_unknown', 'GET', '/v1/files'), 401);
    expectError(await call(null, 'GET', '/v1/files', undefined, { authorization: 'Basic abc' }), 401);
    expect((await call(ADMIN_KEY, 'DELETE', `/v1/api_keys/${id}`)).body.revoked_at).toBeTypeOf('number');
    expectError(await call(key, 'GET', '/v1/files'), 401);
  });

  it('a second key of the same owner sees the same files', async () => {
    const first = await newKey();
    const second = await newKey(first.owner);
    const file = await trainingFile(first.key);
    expect((await call(second.key, 'GET', `/v1/files/${file}`)).status).toBe(200);
  });
});

describe('files', () => {
  it("uploads TSV, CSV and JSONL datasets, validated by the trainer's parser", async () => {
    const { key } = await newKey();
    const tsv = await upload(key, 'train.tsv', sentimentTsv(12));
    expect(tsv.status, JSON.stringify(tsv.body)).toBe(200);
    expect(tsv.body).toMatchObject({
      object: 'file',
      purpose: 'fine-tune',
      filename: 'train.tsv',
      status: 'processed',
      format: 'tsv',
      examples: 12,
      labels: ['0', '1'],
      multi_label: false,
    });
    expect(tsv.body.id).toMatch(/^file-[0-9a-z]{26}$/);
    expect(tsv.body.bytes).toBe(new TextEncoder().encode(sentimentTsv(12)).length);
    const csv = await upload(key, 'reviews.csv', 'text,label\n"great, really",pos\nawful,neg\n');
    expect(csv.body).toMatchObject({ format: 'csv', examples: 2, labels: ['neg', 'pos'] });
    const jsonl = await upload(
      key,
      'topics.jsonl',
      '{"text": "goal!", "label": ["sports"]}\n{"text": "vote", "label": ["politics", "sports"]}\n',
    );
    expect(jsonl.body).toMatchObject({
      format: 'jsonl',
      examples: 2,
      labels: ['politics', 'sports'],
      multi_label: true,
    });
    const content = await call(key, 'GET', `/v1/files/${csv.body.id}/content`);
    expect(content.body).toBe('text,label\n"great, really",pos\nawful,neg\n');
    expect(content.headers.get('content-type')).toBe('text/csv');
  });

  it('refuses malformed datasets, unknown formats and bad forms (400 naming file), too large files (413)', async () => {
    const { key } = await newKey();
    const badJson = await upload(key, 'train.jsonl', '{"text": "ok", "label": 1}\n{"text": oops}\n');
    expectError(badJson, 400, 'file');
    expect(badJson.body.error.message).toContain('line 2');
    expectError(await upload(key, 'train.tsv', 'sentence\tlabel\nno label here\n'), 400, 'file');
    expectError(await upload(key, 'train.tsv', 'text\tcategory\nfine\t\n'), 400, 'file');
    expectError(await upload(key, 'train.parquet', 'a\t1\n'), 400, 'file');
    // A .txt (or a name without an extension) says nothing: the content does.
    const sniffed = await upload((await newKey()).key, 'train.txt', sentimentTsv(12));
    expect(sniffed.body).toMatchObject({ format: 'tsv', examples: 12 });
    expectError(await upload(key, 'train.tsv', new Uint8Array([0x74, 0xff, 0xfe, 0x09, 0x31])), 400, 'file');
    expectError(await upload(key, 'empty.tsv', ''), 400, 'file');
    expectError(await upload(key, 'train.tsv', sentimentTsv(3), 'assistants'), 400, 'purpose');
    const json = await call(key, 'POST', '/v1/files', { file: 'train.tsv' });
    expect(json.status).toBe(415);
    const big = `${'x'.repeat(100)}\t1\n`;
    const tooLarge = await upload(key, 'big.tsv', big.repeat(Math.ceil((1.2 * 1048576) / big.length)));
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body.error.code).toBe('too_large');
    // Just under the request limit but over EDGECLASS_MAX_FILE_BYTES: the file check names the field.
    const justOver = await upload(key, 'big.tsv', big.repeat(Math.ceil(1048577 / big.length)));
    expectError(justOver, 413, 'file');
    expect((await call(key, 'GET', '/v1/files')).body.data).toEqual([]);
  });

  it("lists a key's files newest first, paginated; another key's file is 404", async () => {
    const a = await newKey();
    const b = await newKey();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await trainingFile(a.key, 10, i));
    const page = await call(a.key, 'GET', '/v1/files?limit=2');
    expect(page.body).toMatchObject({ object: 'list', has_more: true });
    expect(page.body.data.map((f: any) => f.id)).toEqual([ids[2], ids[1]]);
    const rest = await call(a.key, 'GET', `/v1/files?limit=2&after=${page.body.last_id}`);
    expect(rest.body.data.map((f: any) => f.id)).toEqual([ids[0]]);
    expect(rest.body.has_more).toBe(false);
    expectError(await call(b.key, 'GET', `/v1/files/${ids[0]}`), 404);
    expectError(await call(b.key, 'GET', `/v1/files/${ids[0]}/content`), 404);
    expect((await call(b.key, 'GET', '/v1/files')).body.data).toEqual([]);
    expectError(await call(a.key, 'GET', '/v1/files/file-nope'), 404);
    expectError(await call(a.key, 'GET', '/v1/files?limit=0'), 400, 'limit');
  });
});

describe('fine-tuning jobs', () => {
  it('creates a job with the defaults, queues it through the Queue, and tells the story in events', async () => {
    const { key, owner } = await newKey();
    const file = await trainingFile(key, 20);
    const res = await call(key, 'POST', '/v1/fine_tuning/jobs', {
      model: BASE,
      training_file: file,
      suffix: 'sentiment',
      metadata: { team: 'nlp' },
      hyperparameters: {
        n_epochs: 2,
        num_frozen_layers: 1,
        freeze_embeddings: true,
        pooling: 'mean',
        batch_size: 'auto',
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const job = res.body;
    expect(job).toMatchObject({
      object: 'fine_tuning.job',
      model: BASE,
      status: 'validating_files',
      training_file: file,
      validation_file: null,
      fine_tuned_model: null,
      suffix: 'sentiment',
      metadata: { team: 'nlp' },
      organization_id: owner,
      webhook: null,
      seed: 42,
      hyperparameters: {
        n_epochs: 2,
        batch_size: 32,
        learning_rate: 5e-5,
        max_length: 128,
        num_frozen_layers: 1,
        freeze_embeddings: true,
        pooling: 'mean',
        warmup_ratio: 0.1,
        weight_decay: 0.01,
        seed: 42,
        gradient_accumulation_steps: 1,
        eval_steps: null,
        early_stopping_patience: null,
      },
    });
    expect(job.id).toMatch(/^ftjob-[0-9a-z]{26}$/);
    await waitQueued(key, job.id);
    const events = await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/events`);
    expect(events.body.data.map((e: any) => e.message)).toEqual([
      'Files validated, moving job to queued state',
      expect.stringContaining(`Validated training file: ${file} (20 examples`),
      `Created fine-tuning job: ${job.id}`,
    ]);
    expect(events.body.data[0]).toMatchObject({ object: 'fine_tuning.job.event', level: 'info', type: 'message' });
    // The queue consumer also woke the worker: a signed POST {job_id} to EDGECLASS_WORKER_PUSH_URL.
    const push = await waitFor('the push', async () =>
      ((await (await fetch(`${env.WEBHOOK_RECEIVER_URL}/pushes`)).json()) as any[]).find((p) =>
        p.body.includes(job.id),
      ),
    );
    // Signed as every worker call is (a fresh nonce, the body's digest): the worker's own check accepts it.
    const pushed = await verifyRequest(
      WORKER_SECRET,
      'POST',
      '/push',
      { get: (name) => push.headers[name] ?? null },
      new TextEncoder().encode(push.body),
    );
    expect(pushed?.nonce).toMatch(/^[\w-]{16,64}$/);
  });

  it('refuses bad input with 4xx naming the field, and queues nothing', async () => {
    const { key, owner } = await newKey();
    const other = await newKey();
    const file = await trainingFile(key, 20);
    const small = await trainingFile(key, 5);
    const otherFile = await trainingFile(other.key, 20);
    const single = (await upload(key, 'one.tsv', `text\tlabel\n${'same\tyes\n'.repeat(12)}`)).body.id;
    await env.MODELS.put('no-weights/config.json', JSON.stringify({ model_type: 'bert', num_hidden_layers: 2 }));
    await env.MODELS.put('no-weights/tokenizer.json', '{}');
    await env.MODELS.put('gpt-ish/config.json', JSON.stringify({ model_type: 'gpt2' }));
    await env.MODELS.put('gpt-ish/tokenizer.json', '{}');
    await env.MODELS.put('gpt-ish/model.safetensors', 'x');
    const create = (body: object) =>
      call(key, 'POST', '/v1/fine_tuning/jobs', { model: BASE, training_file: file, ...body });
    const cases: [object, number, string | null][] = [
      [{ model: 'no-such-model' }, 404, 'model'],
      [{ model: 'no-weights' }, 400, 'model'],
      [{ model: 'gpt-ish' }, 400, 'model'],
      [{ model: '../etc' }, 400, 'model'],
      [{ hyperparameters: { n_epochs: 0 } }, 400, 'hyperparameters.n_epochs'],
      [{ hyperparameters: { n_epochs: 'many' } }, 400, 'hyperparameters.n_epochs'],
      [{ hyperparameters: { learning_rate: -1 } }, 400, 'hyperparameters.learning_rate'],
      [{ hyperparameters: { pooling: 'first' } }, 400, 'hyperparameters.pooling'],
      [{ hyperparameters: { warmup_ratio: 1.5 } }, 400, 'hyperparameters.warmup_ratio'],
      [{ hyperparameters: { dropout: 0.1 } }, 400, 'hyperparameters'],
      [{ hyperparameters: { num_frozen_layers: 3 } }, 400, 'hyperparameters.num_frozen_layers'],
      [{ hyperparameters: { max_length: 1024 } }, 400, 'hyperparameters.max_length'],
      [{ seed: 1, hyperparameters: { seed: 2 } }, 400, 'seed'],
      [{ training_file: small }, 400, 'training_file'],
      [{ training_file: single }, 400, 'training_file'],
      [{ training_file: otherFile }, 400, 'training_file'],
      [{ training_file: 'file-nope' }, 400, 'training_file'],
      [{ validation_file: otherFile }, 400, 'validation_file'],
      [{ suffix: 'has space' }, 400, 'suffix'],
      [{ suffix: 'a..b' }, 400, 'suffix'],
      [{ metadata: { n: 1 } }, 400, 'metadata.n'],
      [{ webhook: { url: 'ftp://example.com/x' } }, 400, 'webhook.url'],
      [{ webhook: { url: 'https://example.com/x', secret: 'short' } }, 400, 'webhook.secret'],
      [{ unknown_field: true }, 400, null],
      [{ method: { type: 'dpo', dpo: {} } }, 400, 'method.type'],
      [
        { method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 0 } } } },
        400,
        'method.supervised.hyperparameters.n_epochs',
      ],
      [
        {
          hyperparameters: { n_epochs: 1 },
          method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2 } } },
        },
        400,
        'hyperparameters',
      ],
      [
        { hyperparameters: { learning_rate: 1e-5, learning_rate_multiplier: 2 } },
        400,
        'hyperparameters.learning_rate_multiplier',
      ],
      [{ integrations: [{ type: 'wandb', wandb: { project: 'p' } }] }, 400, 'integrations[0].type'],
    ];
    for (const [body, status, param] of cases) {
      const res = await create(body);
      expect(res.status, `${JSON.stringify(body)} -> ${JSON.stringify(res.body)}`).toBe(status);
      expect(res.body.error.param, JSON.stringify(body)).toBe(param);
    }
    const malformed = await call(key, 'POST', '/v1/fine_tuning/jobs', undefined, {
      'content-type': 'application/json',
    });
    expect(malformed.status).toBe(400);
    expect(await jobCount(owner)).toBe(0);
    expect((await call(key, 'GET', '/v1/fine_tuning/jobs')).body.data).toEqual([]);
  });

  it("takes OpenAI's shape: method.supervised.hyperparameters, learning_rate_multiplier, integrations: []", async () => {
    const { key } = await newKey();
    const file = await trainingFile(key, 20);
    const res = await call(key, 'POST', '/v1/fine_tuning/jobs', {
      model: BASE,
      training_file: file,
      method: { type: 'supervised', supervised: { hyperparameters: { n_epochs: 2, learning_rate_multiplier: 0.4 } } },
      integrations: [],
      suffix: 'openai-shape',
      seed: 7,
      metadata: { team: 'search' },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // 0.4 x 5e-5, the documented base rate; the rest are the defaults.
    expect(res.body.hyperparameters).toMatchObject({ n_epochs: 2, learning_rate: 0.4 * 5e-5, batch_size: 32, seed: 7 });
    expect(res.body.method).toEqual({ type: 'supervised', supervised: { hyperparameters: res.body.hyperparameters } });
    expect(res.body.integrations).toEqual([]);
    expect(res.body.metadata).toEqual({ team: 'search' });
    expect(res.body.fine_tuned_model).toBeNull();
    const refused = await call(key, 'POST', '/v1/fine_tuning/jobs', {
      model: BASE,
      training_file: file,
      integrations: [{ type: 'wandb', wandb: { project: 'p' } }],
    });
    expect(refused.body.error.message).toMatch(/'wandb' is not supported/);
  });

  it('refuses webhook targets on private, loopback and link-local addresses unless allowed', async () => {
    const strict = edgeWith({ allowPrivateTargets: false });
    const { key, owner } = await newKey();
    const file = await trainingFile(key, 20);
    for (const url of [
      'http://10.0.0.1/hook',
      'http://127.0.0.1:8080/hook',
      'https://localhost/hook',
      'http://169.254.169.254/latest',
      'http://[::1]/hook',
      'http://[::ffff:10.0.0.1]/hook',
      'http://[fe80::1]/hook',
      'http://2130706433/hook',
      'http://0x7f.1/hook',
      'http://192.168.1.10/hook',
    ]) {
      const res = await call(
        key,
        'POST',
        '/v1/fine_tuning/jobs',
        { model: BASE, training_file: file, webhook: { url } },
        {},
        strict,
      );
      expect(res.status, url).toBe(400);
      expect(res.body.error.param).toBe('webhook.url');
      expect(res.body.error.message).toContain('EDGECLASS_WEBHOOK_ALLOW_PRIVATE');
    }
    expect(await jobCount(owner)).toBe(0);
    const ok = await call(
      key,
      'POST',
      '/v1/fine_tuning/jobs',
      { model: BASE, training_file: file, webhook: { url: 'https://hooks.example.com/edgeclass' } },
      {},
      strict,
    );
    expect(ok.status).toBe(200);
    expect(ok.body.webhook).toMatchObject({ url: 'https://hooks.example.com/edgeclass', disabled: false });
    expect(ok.body.webhook_secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect((await call(key, 'GET', `/v1/fine_tuning/jobs/${ok.body.id}`)).body.webhook_secret).toBeUndefined();
  });

  it('Idempotency-Key: the same key and body give the same job (200); another body 409; one job queued', async () => {
    const { key, owner } = await newKey();
    const file = await trainingFile(key, 20);
    const body = { model: BASE, training_file: file, hyperparameters: { n_epochs: 1 } };
    const headers = { 'idempotency-key': 'build-1234' };
    const first = await call(key, 'POST', '/v1/fine_tuning/jobs', body, headers);
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const reordered = { hyperparameters: { n_epochs: 1 }, training_file: file, model: BASE };
    const again = await call(key, 'POST', '/v1/fine_tuning/jobs', reordered, headers);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const different = await call(
      key,
      'POST',
      '/v1/fine_tuning/jobs',
      { ...body, hyperparameters: { n_epochs: 2 } },
      headers,
    );
    expectError(different, 409, 'Idempotency-Key');
    expect(different.body.error.code).toBe('conflict');
    // The SDKs retry a 409 unless told that no retry can help.
    expect(different.headers.get('x-should-retry')).toBe('false');
    // At once, twice: still one job.
    const racing = await Promise.all(
      [1, 2, 3].map(() => call(key, 'POST', '/v1/fine_tuning/jobs', body, { 'idempotency-key': 'race' })),
    );
    expect(racing.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(new Set(racing.map((r) => r.body.id)).size).toBe(1);
    // Keys are per owner: another key may use the same Idempotency-Key for its own job.
    const other = await newKey();
    const theirs = await call(
      other.key,
      'POST',
      '/v1/fine_tuning/jobs',
      { ...body, training_file: await trainingFile(other.key, 20) },
      headers,
    );
    expect(theirs.status).toBe(200);
    expect(theirs.body.id).not.toBe(first.body.id);
    expect(await jobCount(owner)).toBe(2);
  });

  it('lists jobs newest first with after/limit/has_more; events paginate too', async () => {
    const { key } = await newKey();
    const file = await trainingFile(key, 20);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push(
        (await call(key, 'POST', '/v1/fine_tuning/jobs', { model: BASE, training_file: file, suffix: `v${i}` })).body
          .id,
      );
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: any = await call(key, 'GET', `/v1/fine_tuning/jobs?limit=2${after ? `&after=${after}` : ''}`);
      expect(page.body.object).toBe('list');
      seen.push(...page.body.data.map((j: any) => j.id));
      pages++;
      if (!page.body.has_more) break;
      after = page.body.last_id;
    }
    expect(seen).toEqual([...ids].reverse());
    expect(pages).toBe(3);
    expect((await call(key, 'GET', '/v1/fine_tuning/jobs')).body.data).toHaveLength(5);
    const first = await call(key, 'GET', `/v1/fine_tuning/jobs/${ids[0]}/events?limit=1`);
    expect(first.body.has_more).toBe(true);
    const next = await call(key, 'GET', `/v1/fine_tuning/jobs/${ids[0]}/events?limit=10&after=${first.body.last_id}`);
    expect(next.body.data.map((e: any) => e.id)).not.toContain(first.body.data[0].id);
    expect(next.body.data.length).toBeGreaterThanOrEqual(1);
    expect((await call(key, 'GET', `/v1/fine_tuning/jobs/${ids[0]}/checkpoints`)).body).toEqual({
      object: 'list',
      data: [],
      has_more: false,
      first_id: null,
      last_id: null,
    });
  });

  it("another key's job is 404 everywhere", async () => {
    const a = await newKey();
    const b = await newKey();
    const job = (
      await call(a.key, 'POST', '/v1/fine_tuning/jobs', { model: BASE, training_file: await trainingFile(a.key, 20) })
    ).body;
    for (const path of ['', '/events', '/checkpoints', '/webhook_deliveries'])
      expectError(await call(b.key, 'GET', `/v1/fine_tuning/jobs/${job.id}${path}`), 404);
    expectError(await call(b.key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`), 404);
    expect((await call(b.key, 'GET', '/v1/fine_tuning/jobs')).body.data).toEqual([]);
    expect((await call(b.key, 'GET', `/v1/fine_tuning/jobs?after=${job.id}`)).body.data).toEqual([]);
    expect((await call(a.key, 'GET', `/v1/fine_tuning/jobs/${job.id}`)).status).toBe(200);
  });

  it('cancels a queued job at once; a cancelled job stays cancelled', async () => {
    const { key } = await newKey();
    const job = (
      await call(key, 'POST', '/v1/fine_tuning/jobs', { model: BASE, training_file: await trainingFile(key, 20) })
    ).body;
    await waitQueued(key, job.id);
    const cancelled = await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancel_requested: false });
    expect(cancelled.body.finished_at).toBeTypeOf('number');
    expect((await call(key, 'POST', `/v1/fine_tuning/jobs/${job.id}/cancel`)).body.status).toBe('cancelled');
    const events = await call(key, 'GET', `/v1/fine_tuning/jobs/${job.id}/events`);
    expect(events.body.data[0].message).toBe('Job cancelled before it started');
  });

  it("validation files: labels must be the training file's", async () => {
    const { key } = await newKey();
    const file = await trainingFile(key, 20);
    const valid = (await upload(key, 'valid.tsv', sentimentTsv(4, 1))).body.id;
    const foreign = (await upload(key, 'valid.tsv', 'text\tlabel\nhmm\tmaybe\n')).body.id;
    expect(
      (await call(key, 'POST', '/v1/fine_tuning/jobs', { model: BASE, training_file: file, validation_file: valid }))
        .body.validation_file,
    ).toBe(valid);
    expectError(
      await call(key, 'POST', '/v1/fine_tuning/jobs', { model: BASE, training_file: file, validation_file: foreign }),
      400,
      'validation_file',
    );
  });

  it('base models with an org prefix get ft ids that the store accepts', async () => {
    await seedTinyModel('tiny-cls', 'acme/tiny-base');
    const { key } = await newKey();
    const job = await call(key, 'POST', '/v1/fine_tuning/jobs', {
      model: 'acme/tiny-base',
      training_file: await trainingFile(key, 20),
      suffix: 'x',
    });
    expect(job.status, JSON.stringify(job.body)).toBe(200);
    const row = await env
      .DB!.prepare('SELECT fine_tuned_model_id FROM jobs WHERE id = ?')
      .bind(job.body.id)
      .first<{ fine_tuned_model_id: string }>();
    expect(row!.fine_tuned_model_id).toBe(`ft:acme/tiny-base:x:${job.body.id}`);
  });
});
