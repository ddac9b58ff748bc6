// The fine-tuning core's pure parts, on Node: the SSRF target checks, Standard Webhooks signatures against the
// `standardwebhooks` package (an independent implementation), GitHub signatures against GitHub's documented
// example, ids, fine-tuned model ids and their traversal safety, hyperparameter defaults and model checks, retry
// jitter, dataset validation -- and the fine-tuning routes answering 501 on Node.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { RequestError } from '../src/core/errors.ts';
import { canonicalJson } from '../src/jobs/crypto.ts';
import { checkTrainingSet, checkValidationLabels, validateDataset } from '../src/jobs/datasets.ts';
import { withDefaults } from '../src/gpu-worker/training-options.ts';
import {
  HyperparametersInputSchema as HttpHyperparametersInput,
  HyperparametersSchema as HttpHyperparameters,
} from '../src/http/schemas/fine-tuning.ts';
import {
  DEFAULT_HYPERPARAMETERS,
  HyperparametersInputSchema,
  HyperparametersSchema,
  resolveHyperparameters,
} from '../src/jobs/hyperparameters.ts';
import { isId, newApiKey, newId, newWebhookSecret } from '../src/jobs/ids.ts';
import { checkAgainstModel, fineTunedModelId } from '../src/jobs/models.ts';
import { canMove, isTerminal } from '../src/jobs/state.ts';
import { retryDelaySeconds } from '../src/jobs/webhooks/deliveries.ts';
import { githubSignature, signWebhook, verifyGithubSignature, verifyWebhook } from '../src/jobs/webhooks/standard.ts';
import { checkTargetUrl, privateHostReason } from '../src/jobs/webhooks/targets.ts';
import { parseModelConfig } from '../src/nn/arch/index.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { assertSafeModelPath, isValidModelId, parseFineTunedModelId } from '../src/store/model-store.ts';

function thrown(fn: () => unknown): RequestError {
  try {
    fn();
  } catch (err) {
    if (err instanceof RequestError) return err;
    throw err;
  }
  throw new Error('did not throw');
}

describe('webhook and dataset URL targets', () => {
  it('refuses loopback, private, link-local and reserved hosts in every spelling', () => {
    const refused = [
      '127.0.0.1',
      '127.1.2.3',
      '10.0.0.1',
      '10.255.255.255',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.0.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '198.18.0.1',
      'localhost',
      'LOCALHOST',
      'api.localhost',
      'printer.local',
      'metadata.google.internal',
      '[::1]',
      '[::]',
      '[fe80::1]',
      '[fc00::1]',
      '[fd12:3456::1]',
      '[::ffff:127.0.0.1]',
      '[::ffff:7f00:1]',
      '[::ffff:a00:1]',
      '[64:ff9b::a00:1]',
      '[2002:c0a8:101::1]',
      '[ff02::1]',
      '[fe80::1%25eth0]',
      // ::ffff:0:0/96 (IPv4-translated), Teredo and the rest of 2001::/23, 6to4 and NAT64 around private IPv4.
      '[::ffff:0:7f00:1]',
      '[::ffff:0:127.0.0.1]',
      '[::ffff:0:a9fe:a9fe]',
      '[2001:0:4136:e378:8000:63bf:3fff:fdd2]',
      '[2001:2::1]',
      '[2002:7f00:1::1]',
      '[64:ff9b::7f00:1]',
      '[64:ff9b:1::808:808]',
      '[::7f00:1]',
      '[::1:2:3:4]',
      '[3fff::1]',
      '[5f00::1]',
    ];
    for (const host of refused) expect(privateHostReason(host), host).not.toBeNull();
    for (const host of [
      'example.com',
      '8.8.8.8',
      '172.32.0.1',
      '192.169.0.1',
      '100.128.0.1',
      '[2606:4700::1111]',
      '[::ffff:8.8.8.8]',
      '[2002:808:808::1]',
      '[::ffff:0:808:808]',
      '[64:ff9b::808:808]',
      '[2001:4860:4860::8888]',
    ]) {
      expect(privateHostReason(host), host).toBeNull();
    }
  });

  it('reads URLs as the WHATWG parser does (decimal, hex and octal IPv4 become dotted) before checking', () => {
    const strict = { allowPrivate: false };
    for (const url of [
      'http://2130706433/',
      'http://0x7f000001/',
      'http://0177.0.0.1/',
      'http://127.1/',
      'http://[0:0:0:0:0:ffff:127.0.0.1]/',
      'https://10.0.0.1:8443/hook',
    ]) {
      const err = thrown(() => checkTargetUrl(url, strict, 'webhook.url'));
      expect(err.param, url).toBe('webhook.url');
      expect(err.message).toContain('EDGECLASS_WEBHOOK_ALLOW_PRIVATE');
    }
    expect(thrown(() => checkTargetUrl('file:///etc/passwd', strict, 'u')).message).toContain('http and https');
    expect(thrown(() => checkTargetUrl('https://user:pw@example.com/', strict, 'u')).message).toContain('credentials');
    expect(thrown(() => checkTargetUrl('not a url', strict, 'u')).message).toContain('not a URL');
    expect(checkTargetUrl('https://hooks.example.com/x', strict, 'u').hostname).toBe('hooks.example.com');
    expect(checkTargetUrl('http://127.0.0.1:9000/x', { allowPrivate: true }, 'u').port).toBe('9000');
  });
});

describe('Standard Webhooks signatures', () => {
  const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body =
    '{"id":"evt_1","object":"event","type":"fine_tuning.job.succeeded","created_at":1,"data":{"id":"ftjob-1"}}';

  it('what edgeclass signs, standardwebhooks verifies; and the other way round', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const headers = await signWebhook([secret], 'evt_1', ts, body);
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('evt_1', new Date(ts * 1000), body));
    const theirs = new Webhook(secret).sign('msg_2', new Date(ts * 1000), body);
    expect(
      await verifyWebhook(secret, { id: 'msg_2', timestamp: String(ts), signature: theirs }, body, 300),
    ).toBeNull();
  });

  it('rotation: one signature per secret, either verifies', async () => {
    const next = newWebhookSecret();
    const ts = Math.floor(Date.now() / 1000);
    const headers = await signWebhook([next, secret], 'evt_1', ts, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    expect(() => new Webhook(secret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(next).verify(body, headers)).not.toThrow();
  });

  it('refuses stale, future, tampered, missing and foreign signatures', async () => {
    const now = 1_800_000_000;
    const sig = new Webhook(secret).sign('m', new Date(now * 1000), body);
    const check = (h: { id?: string | null; timestamp?: string | null; signature?: string | null }, b = body) =>
      verifyWebhook(secret, { id: 'm', timestamp: String(now), signature: sig, ...h }, b, 300, now);
    expect(await check({})).toBeNull();
    expect(await verifyWebhook(secret, { id: 'm', timestamp: String(now), signature: sig }, body, 300, now + 301)).toBe(
      'stale',
    );
    expect(await verifyWebhook(secret, { id: 'm', timestamp: String(now), signature: sig }, body, 300, now - 301)).toBe(
      'stale',
    );
    expect(await check({}, `${body} `)).toBe('bad_signature');
    expect(await check({ id: 'other' })).toBe('bad_signature');
    expect(await check({ signature: null })).toBe('missing_headers');
    expect(await check({ timestamp: 'yesterday' })).toBe('bad_timestamp');
    expect(await check({ signature: `v2,${sig.slice(3)}` })).toBe('bad_signature');
    expect(await check({ signature: `v1,AAAA ${sig}` })).toBeNull();
  });

  it("GitHub's X-Hub-Signature-256, on GitHub's documented example", async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    expect(await githubSignature("It's a Secret to Everybody", 'Hello, World!')).toBe(
      'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    );
    expect(
      await verifyGithubSignature(
        "It's a Secret to Everybody",
        'SHA256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17',
        'Hello, World!',
      ),
    ).toBe(true);
    expect(await verifyGithubSignature("It's a Secret to Everybody", 'sha256=00', 'Hello, World!')).toBe(false);
    expect(await verifyGithubSignature('x', null, 'Hello')).toBe(false);
  });
});

describe('ids and fine-tuned model ids', () => {
  it('makes prefixed, time-ordered ids and unguessable keys', () => {
    const a = newId('job', 1_700_000_000_000);
    const b = newId('job', 1_700_000_000_001);
    expect(a).toMatch(/^ftjob-[0-9a-z]{26}$/);
    expect(a < b).toBe(true);
    expect(isId('job', a)).toBe(true);
    expect(isId('file', a)).toBe(false);
    expect(isId('job', 'ftjob-../../x')).toBe(false);
    expect(newApiKey()).toMatch(/^ec_[A-Za-z0-9_-]{43}$/);
    expect(newApiKey()).not.toBe(newApiKey());
    expect(Buffer.from(newWebhookSecret().slice(6), 'base64')).toHaveLength(32);
  });

  it('accepts ft:<base>:<suffix>:<job id> without weakening the traversal checks', () => {
    const job = newId('job');
    for (const id of [
      fineTunedModelId('bert-base-uncased', 'sst', job),
      fineTunedModelId('org/model', null, job),
      `ft:m:a.b-c_d:${job}`,
    ]) {
      expect(isValidModelId(id), id).toBe(true);
      expect(() => assertSafeModelPath(id, 'onnx/model.onnx')).not.toThrow();
    }
    expect(parseFineTunedModelId(`ft:org/model::${job}`)).toEqual({ base: 'org/model', suffix: '', jobId: job });
    for (const id of [
      `ft:..:x:${job}`,
      `ft:a/../b:x:${job}`,
      `ft:a:x/y:${job}`,
      `ft:a:x:${job}/..`,
      `ft:a:b:c:${job}`,
      'ft:a:b:notajob',
      `ft:/abs:x:${job}`,
      `ft:a\\b:x:${job}`,
      `ft:a:..:${job}`,
      `x:ft:a:b:${job}`,
      `ft:a/b/c:x:${job}`,
      'a:b',
      'C:',
      'org/model:tag',
    ]) {
      expect(isValidModelId(id), id).toBe(false);
      expect(parseFineTunedModelId(id), id).toBeNull();
    }
    expect(isValidModelId('bert-base-uncased')).toBe(true);
    expect(isValidModelId('org/model')).toBe(true);
  });
});

describe('hyperparameters', () => {
  const bert = parseModelConfig({ model_type: 'bert', num_hidden_layers: 4, max_position_embeddings: 128 });
  const roberta = parseModelConfig({
    model_type: 'roberta',
    num_hidden_layers: 2,
    max_position_embeddings: 130,
    pad_token_id: 1,
  });

  it('fills the defaults of edgeclass train; "auto" means the default; seed may be given at the top', () => {
    expect(resolveHyperparameters(undefined)).toEqual(DEFAULT_HYPERPARAMETERS);
    expect(resolveHyperparameters({ n_epochs: 'auto', batch_size: 8, pooling: 'max' })).toEqual({
      ...DEFAULT_HYPERPARAMETERS,
      batch_size: 8,
      pooling: 'max',
    });
    expect(resolveHyperparameters({}, 7).seed).toBe(7);
    expect(thrown(() => resolveHyperparameters({ seed: 1 }, 2)).param).toBe('seed');
  });

  it('learning_rate_multiplier scales 5e-5; with learning_rate too it is refused', () => {
    expect(resolveHyperparameters({ learning_rate_multiplier: 2 }).learning_rate).toBe(1e-4);
    expect(resolveHyperparameters({ learning_rate_multiplier: 'auto' }).learning_rate).toBe(5e-5);
    expect(thrown(() => resolveHyperparameters({ learning_rate: 1e-5, learning_rate_multiplier: 2 })).param).toBe(
      'hyperparameters.learning_rate_multiplier',
    );
  });

  it('one definition: the HTTP schemas, the job store and the GPU worker read the same schemas and defaults', () => {
    const stored = Object.keys(DEFAULT_HYPERPARAMETERS).sort();
    // The HTTP schemas are the jobs module's, named for OpenAPI: the same field schemas, not copies.
    for (const key of stored) {
      expect(HttpHyperparameters.shape[key as keyof typeof HttpHyperparameters.shape], key).toBe(
        HyperparametersSchema.shape[key as keyof typeof HyperparametersSchema.shape],
      );
      expect(HttpHyperparametersInput.shape[key as keyof typeof HttpHyperparametersInput.shape], key).toBe(
        HyperparametersInputSchema.shape[key as keyof typeof HyperparametersInputSchema.shape],
      );
    }
    expect(Object.keys(HttpHyperparametersInput.shape).sort()).toEqual([...stored, 'learning_rate_multiplier'].sort());
    expect(HyperparametersSchema.parse(DEFAULT_HYPERPARAMETERS)).toEqual(DEFAULT_HYPERPARAMETERS);
    // The worker fills what an edge left out with the same defaults a job gets.
    expect(withDefaults({})).toEqual(resolveHyperparameters(undefined));
    expect(withDefaults({ n_epochs: 'auto', batch_size: 8 })).toEqual(resolveHyperparameters({ batch_size: 8 }));
  });

  it("checks frozen layers and max_length against the base model's config", () => {
    expect(() =>
      checkAgainstModel({ ...DEFAULT_HYPERPARAMETERS, num_frozen_layers: 4, max_length: 128 }, bert),
    ).not.toThrow();
    expect(thrown(() => checkAgainstModel({ ...DEFAULT_HYPERPARAMETERS, num_frozen_layers: 5 }, bert)).param).toBe(
      'hyperparameters.num_frozen_layers',
    );
    expect(thrown(() => checkAgainstModel({ ...DEFAULT_HYPERPARAMETERS, max_length: 129 }, bert)).param).toBe(
      'hyperparameters.max_length',
    );
    expect(() => checkAgainstModel({ ...DEFAULT_HYPERPARAMETERS, max_length: 128 }, roberta)).not.toThrow();
    expect(thrown(() => checkAgainstModel({ ...DEFAULT_HYPERPARAMETERS, max_length: 129 }, roberta)).param).toBe(
      'hyperparameters.max_length',
    );
  });
});

describe('the rest of the core', () => {
  it('retry delays follow the schedule with +-20% jitter, then stop', () => {
    const schedule = [5, 300];
    expect(retryDelaySeconds(schedule, 1, () => 0)).toBeCloseTo(4);
    expect(retryDelaySeconds(schedule, 1, () => 1)).toBeCloseTo(6);
    expect(retryDelaySeconds(schedule, 2, () => 0.5)).toBeCloseTo(300);
    expect(retryDelaySeconds(schedule, 3)).toBeNull();
  });

  it('canonical JSON ignores key order and undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { f: 2, e: 1 }], c: undefined } })).toBe(
      canonicalJson({ a: { d: [1, { e: 1, f: 2 }] }, b: 1 }),
    );
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: '1' }));
  });

  it('the state machine', () => {
    expect(canMove('queued', 'running')).toBe(true);
    expect(canMove('succeeded', 'running')).toBe(false);
    expect(canMove('running', 'queued')).toBe(false);
    expect(isTerminal('cancelled')).toBe(true);
  });

  it("validates datasets with the trainer's parser", () => {
    const ok = validateDataset(new TextEncoder().encode('text,label\nfine,pos\nbad,neg\n'), 'a.csv');
    expect(ok).toMatchObject({ format: 'csv', examples: 2, labels: ['neg', 'pos'], multiLabel: false });
    expect(thrown(() => validateDataset(new TextEncoder().encode('x'), 'a.parquet')).message).toContain('format');
  });

  it("reads OpenAI's chat format: the last user message is the text, the assistant's answer the label", () => {
    const line = (user: string, label: string) =>
      JSON.stringify({
        messages: [
          { role: 'system', content: 'Classify the sentiment.' },
          { role: 'user', content: 'ignored: an earlier turn' },
          { role: 'assistant', content: 'ignored' },
          { role: 'user', content: [{ type: 'text', text: user }] },
          { role: 'assistant', content: ` ${label} ` },
        ],
      });
    const chat = new TextEncoder().encode(`${line('a joy', 'positive')}\n${line('dull', 'negative')}\n`);
    // A .txt or nameless upload: the content says it is JSONL.
    for (const name of ['train.jsonl', 'train.txt', 'train']) {
      const parsed = validateDataset(chat, name);
      expect(parsed, name).toMatchObject({ format: 'jsonl', examples: 2, labels: ['negative', 'positive'] });
      expect(parsed.rows[0]).toEqual({ text: 'a joy', pair: null, label: 'positive' });
    }
    expect(validateDataset(new TextEncoder().encode('text\tlabel\nfine\tpos\n'), 'upload').format).toBe('tsv');
    const noAnswer = JSON.stringify({ messages: [{ role: 'user', content: 'x' }] });
    expect(thrown(() => validateDataset(new TextEncoder().encode(noAnswer), 'a.jsonl')).message).toMatch(
      /line 1: .*assistant answer/,
    );
    expect(
      thrown(() => checkTrainingSet({ examples: 3, labels: ['a', 'b'], multiLabel: false }, 10, 'training_file'))
        .message,
    ).toContain('at least 10');
    expect(() => checkValidationLabels(['neg', 'pos'], ['pos', '1'], 'validation_file')).not.toThrow();
    expect(thrown(() => checkValidationLabels(['neg', 'pos'], ['maybe'], 'validation_file')).param).toBe(
      'validation_file',
    );
  });
});

describe('fine-tuning on Node without a data folder', () => {
  it('answers 501 with a clear message: the jobs API needs its storage', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-node-jobs-'));
    try {
      const app = createNodeApp({ modelsDir: dir, pull: { offline: true } });
      for (const [method, route] of [
        ['GET', '/v1/fine_tuning/jobs'],
        ['POST', '/v1/fine_tuning/jobs'],
        ['GET', '/v1/files'],
        ['POST', '/v1/triggers'],
        ['POST', '/v1/hooks/trig_00000000000000000000000000'],
        ['POST', '/v1/api_keys'],
        ['POST', '/internal/worker/claim'],
      ] as const) {
        const res = await app.request(route, {
          method,
          headers: { authorization: 'Bearer ec_x', 'content-type': 'application/json' },
          body: method === 'POST' ? '{}' : undefined,
        });
        expect(res.status, `${method} ${route}`).toBe(501);
        const body = (await res.json()) as { error: { type: string; code: string; message: string } };
        expect(body.error.code).toBe('not_implemented');
        expect(res.headers.get('x-should-retry'), 'the SDK retries 5xx unless told not to').toBe('false');
        expect(body.error.message).toContain('wrangler dev');
      }
      expect((await app.request('/healthz')).status).toBe(200);
      // The routes are in the OpenAPI document (wildcard file paths as {file}).
      const doc = app.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 'edgeclass', version: '1' } });
      for (const route of [
        '/v1/files',
        '/v1/fine_tuning/jobs',
        '/v1/fine_tuning/jobs/{fine_tuning_job_id}/cancel',
        '/v1/triggers',
        '/v1/hooks/{trigger_id}',
        '/v1/api_keys',
        '/internal/worker/claim',
        '/internal/worker/jobs/{job_id}/model/files/{file}',
        '/internal/worker/models/{model_id}/files/{file}',
      ]) {
        expect(doc.paths?.[route], route).toBeDefined();
      }
      expect(JSON.stringify(doc.paths)).not.toContain('{.+}');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
