// The refusals of docs/fine-tuning.md "Replays and SSRF" over real HTTP against `wrangler dev` (workerd with local
// D1, R2 and Queue), private targets refused as deployed (EDGECLASS_WEBHOOK_ALLOW_PRIVATE off), host names resolved
// through a DNS-over-HTTPS double on loopback (test/support/dns-json.ts): bodies refused unread (unsigned 100 MB
// upload, unknown trigger), replayed worker calls and GitHub-signed trigger calls, private targets in IPv6 literals
// and behind names.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signRequest, WORKER_ROUTES } from '../src/jobs/protocol.ts';
import { prepareEdgeState, startEdge, type EdgeDev } from './e2e/support/processes.ts';
import { freePort } from './support/servers.ts';
import { makeTinyModel, TINY_MODELS } from './support/tiny-models.ts';
import { startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.ts';

const ADMIN_KEY = 'security-admin-key';
const WORKER_SECRET = 'security-worker-secret';
const BASE = 'tiny-base';

let root: string;
let edge: EdgeDev;
let receiver: WebhookReceiver;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-security-'));
  const models = path.join(root, 'models');
  makeTinyModel(models, BASE, TINY_MODELS['tiny-cls']);
  const persist = path.join(root, 'persist');
  prepareEdgeState(persist, models);
  receiver = await startWebhookReceiver();
  edge = await startEdge({
    persist,
    port: await freePort(),
    vars: {
      EDGECLASS_ADMIN_KEY: ADMIN_KEY,
      EDGECLASS_WORKER_SECRET: WORKER_SECRET,
      EDGECLASS_DNS_RESOLVER_URL: `${receiver.url}/dns-query`,
      EDGECLASS_REQUEST_LOG: 'off',
    },
  });
}, 240_000);

afterAll(async () => {
  await edge?.stop();
  await receiver?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function json(res: Response): Promise<any> {
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

async function apiKey(): Promise<string> {
  const res = await fetch(`${edge.url}/v1/api_keys`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'security' }),
  });
  expect(res.status).toBe(200);
  return (await json(res)).key;
}

async function post(key: string, route: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${edge.url}${route}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await json(res) };
}

async function trainingFile(key: string): Promise<string> {
  const rows = ['sentence\tlabel'];
  for (let i = 0; i < 20; i++) rows.push(`the film is ${i % 2 ? 'a mess' : 'a delight'} (${i})\t${i % 2 ? 0 : 1}`);
  const form = new FormData();
  form.append('purpose', 'fine-tune');
  form.append('file', new File([`${rows.join('\n')}\n`], 'train.tsv'));
  const res = await fetch(`${edge.url}/v1/files`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}` },
    body: form,
  });
  expect(res.status).toBe(200);
  return (await json(res)).id;
}

/** Longer than any answer from headers takes on a loaded machine; far shorter than the test's timeout. */
const ANSWER_WITHIN_MS = 20_000;

/**
 * A request whose body never ends: `prefix` bytes are written, then nothing more, and the request stays open. An
 * answer can only come from a server (and proxy) that did not wait for the body; one that reads it first never
 * answers. The prefix is small enough for the socket to take at once, so no write is pending when the server
 * answers early and closes the connection.
 */
function stalledOnce(route: string, method: string, headers: Record<string, string>, prefix: number) {
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = http.request(`${edge.url}${route}`, { method, headers });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`no answer within ${ANSWER_WITHIN_MS} ms while the body was unfinished`));
    }, ANSWER_WITHIN_MS);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        clearTimeout(timer);
        req.destroy();
        const status = res.statusCode ?? 0;
        if (status === 503 && text.startsWith(PROXY_RESTARTED))
          reject(Object.assign(new Error(text), { code: 'PROXY_RESTARTED' }));
        else if (!(res.headers['content-type'] ?? '').includes('json'))
          reject(new Error(`${status}, not JSON: ${text}`));
        else resolve({ status, body: JSON.parse(text) });
      });
    });
    req.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.write(Buffer.alloc(prefix, 0x61));
  });
}

/**
 * wrangler dev's proxy (ProxyWorker.ts), not the app, answers this when its fetch to the Worker failed after the
 * Worker was replaced; a request abandoned mid-body (an earlier attempt's reset) makes the proxy take it so.
 */
const PROXY_RESTARTED = 'Your worker restarted mid-request';

/**
 * stalledOnce, again when the connection was reset while the prefix was still being written: the server answered
 * early and closed a connection it had not read, and the reset can beat its answer to this client. Again, too, when
 * wrangler dev's proxy answered its own 503 for the attempt after such a reset (CI saw it once). A server that read
 * the body first would not answer at all (stalledOnce times out), so a retry cannot hide one.
 */
async function sendStalled(route: string, method: string, headers: Record<string, string>, prefix: number) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await stalledOnce(route, method, headers, prefix);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 4 || !['ECONNRESET', 'EPIPE', 'PROXY_RESTARTED'].includes(code ?? '')) throw err;
    }
  }
}

function githubCall(triggerId: string, secret: string, payload: string, delivery: string) {
  const mac = crypto.createHmac('sha256', secret).update(payload).digest('hex');
  return fetch(`${edge.url}/v1/hooks/${triggerId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': delivery,
      'x-hub-signature-256': `sha256=${mac}`,
    },
    body: payload,
  });
}

describe('wrangler dev: replays', () => {
  it('a signed worker call sent twice: the second is refused (401), a fresh signature is accepted', async () => {
    const body = new TextEncoder().encode(JSON.stringify({ worker_id: 'w-sec', execution_provider: 'cpu' }));
    const signed = await signRequest(WORKER_SECRET, 'POST', WORKER_ROUTES.claim, body, Math.floor(Date.now() / 1000));
    const send = (headers: Record<string, string>) =>
      fetch(`${edge.url}${WORKER_ROUTES.claim}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-edgeclass-worker': 'w-sec', ...headers },
        body,
      });
    const first = await send(signed);
    expect(first.status, await first.clone().text()).toBe(204);
    const replayed = await send(signed);
    expect(replayed.status).toBe(401);
    expect((await json(replayed)).error.param).toBe('x-edgeclass-nonce');
    const fresh = await signRequest(WORKER_SECRET, 'POST', WORKER_ROUTES.claim, body, Math.floor(Date.now() / 1000));
    expect((await send(fresh)).status).toBe(204);
  });

  it('a GitHub-signed trigger call replayed under a new X-GitHub-Delivery is refused (409)', async () => {
    const key = await apiKey();
    const made = await post(key, '/v1/triggers', { model: BASE, dataset: { file_id: await trainingFile(key) } });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const payload = JSON.stringify({ ref: 'refs/heads/main', after: 'abc123' });
    const first = await githubCall(made.body.id, made.body.secret, payload, 'delivery-1');
    expect(first.status, JSON.stringify(await first.clone().json())).toBe(202);
    const replay = await githubCall(made.body.id, made.body.secret, payload, 'delivery-2');
    expect(replay.status).toBe(409);
    const next = await githubCall(made.body.id, made.body.secret, JSON.stringify({ after: 'def456' }), 'delivery-3');
    expect(next.status).toBe(202);
  });
});

describe('wrangler dev: SSRF', () => {
  it('refuses [::ffff:0:7f00:1] and Teredo webhooks when made, and a dataset name that resolves to loopback when called', async () => {
    const key = await apiKey();
    for (const host of ['[::ffff:0:7f00:1]', '[2001:0:4136:e378:8000:63bf:3fff:fdd2]', '[64:ff9b::a9fe:a9fe]']) {
      const res = await post(key, '/v1/triggers', {
        model: BASE,
        dataset: { r2_key: 'd.tsv' },
        webhook: { url: `https://${host}/hook` },
      });
      expect(res.status, host).toBe(400);
      expect(res.body.error.param, host).toBe('webhook.url');
    }
    const port = new URL(receiver.url).port;
    const made = await post(key, '/v1/triggers', {
      model: BASE,
      dataset: { url: `https://127.0.0.1.nip.io:${port}/datasets/x.tsv` },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const res = await githubCall(made.body.id, made.body.secret, '{"ref":"x"}', 'delivery-ssrf');
    const body = await json(res);
    expect(res.status).toBe(400);
    expect(body.error).toMatchObject({
      param: 'dataset.url',
      message: expect.stringContaining('resolves to 127.0.0.1'),
    });
    const asked = (await (await fetch(`${receiver.url}/dns-questions`)).json()) as string[];
    expect(asked).toContain('127.0.0.1.nip.io A');
  });
});

// Last: after a request abandoned mid-body, wrangler dev's proxy answers the next POST 503 ("Your worker restarted
// mid-request"). A chunked PUT (no declared length): given a content-length, wrangler dev's local proxy waits for the whole body
// before the Worker sees the request (measured: no answer to a 100 MB PUT stalled after 256 KiB; sent in full, all
// 100 MB are taken before the 401). Chunked POSTs it holds back for a varying amount (2 to 8 MiB and more, measured),
// so the unread hook call is tested inside workerd only (test/workerd/triggers.test.ts), where the app answers the
// same requests after one 64 KiB chunk.
describe('wrangler dev: bodies refused unread', () => {
  it('an unsigned worker upload gets its 401 while its body is still unfinished', async () => {
    const route = WORKER_ROUTES.checkpointFile('ftjob-nothing', 1, 'model.safetensors');
    const res = await sendStalled(route, 'PUT', {}, 256 * 1024);
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });
});
