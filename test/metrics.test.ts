// GET /metrics on the Node server under load: autocannon sends N requests, and the counters and histograms of a
// scrape after differ from a scrape before by exactly what was sent (requests by route and status, tokenization,
// queue waits, runs and their rows). Also: the request id header, the JSON request log, the Prometheus format.
import autocannon from 'autocannon';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeServer, type RunningServer } from '../src/runtime/node.ts';
import { makeTinyModel } from './support/tiny-models.ts';
import { MODELS_DIR } from './support/paths.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-metrics-'));
let server: RunningServer;
const logLines: string[] = [];

beforeAll(async () => {
  fs.symlinkSync(path.join(MODELS_DIR, 'bert-base-uncased'), path.join(root, 'bert-base-uncased'));
  makeTinyModel(root, 'tiny-nli');
  server = await startNodeServer({
    modelsDir: root,
    port: 0,
    pull: { offline: true },
    requestLog: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** `name{labels...} value` lines of a scrape, by series. */
type Scrape = Map<string, number>;

async function scrape(): Promise<Scrape> {
  const res = await fetch(`${server.url}/metrics`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('text/plain');
  const series = new Map<string, number>();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    series.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return series;
}

/** The value of the series whose name is `name` and whose labels include all of `labels` (summed over the rest). */
function value(s: Scrape, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, v] of s) {
    const brace = key.indexOf('{');
    const metric = brace < 0 ? key : key.slice(0, brace);
    if (metric !== name) continue;
    if (Object.entries(labels).every(([k, want]) => key.includes(`${k}="${want}"`))) total += v;
  }
  return total;
}

function load(pathname: string, body: unknown, amount: number, connections: number): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `${server.url}${pathname}`,
        amount,
        connections,
        timeout: 60,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      },
      (err, result) => (err ? reject(err) : resolve(result)),
    );
  });
}

describe('GET /metrics under load', () => {
  it('counts every request of a tokenize load run, with its latency and tokenization', async () => {
    const N = 300;
    const body = {
      model: 'bert-base-uncased',
      inputs: ['Here is some text to encode', 'Here is some more text to encode'],
    };
    await fetch(`${server.url}/v1/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }); // load the tokenizer
    const before = await scrape();
    const result = await load('/v1/tokenize', body, N, 8);
    expect(result.non2xx).toBe(0);
    expect(result.errors).toBe(0);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after, name, labels) - value(before, name, labels);
    const route = { method: 'POST', route: '/v1/tokenize', status: '200' };
    expect(delta('edgeclass_request_count', route)).toBe(N);
    expect(delta('edgeclass_request_duration_seconds_count', route)).toBe(N);
    expect(delta('edgeclass_request_duration_seconds_bucket', { ...route, le: '+Inf' })).toBe(N);
    expect(delta('edgeclass_request_duration_seconds_sum', route)).toBeGreaterThan(0);
    expect(delta('edgeclass_request_tokenization_duration_seconds_count', { model: 'bert-base-uncased' })).toBe(N);
    expect(delta('edgeclass_request_input_length_sum', { model: 'bert-base-uncased' })).toBe(18 * N);
    console.log(
      `tokenize: ${N} requests, ${result.requests.average} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms`,
    );
  });

  it('reports queue waits, runs and batch sizes of a classify load run', async () => {
    const N = 60;
    const labels = ['sports', 'business', 'science'];
    const body = { model: 'tiny-nli', inputs: ['The team won the final in overtime.'], labels, strategy: 'nli' };
    const before = await scrape();
    const result = await load('/v1/classify', body, N, 10);
    expect(result.non2xx).toBe(0);
    const after = await scrape();
    const delta = (name: string, l: Record<string, string> = {}) => value(after, name, l) - value(before, name, l);
    const model = { model: 'tiny-nli' };
    expect(delta('edgeclass_request_count', { route: '/v1/classify', status: '200' })).toBe(N);
    expect(delta('edgeclass_request_queue_duration_seconds_count', model)).toBe(N);
    expect(delta('edgeclass_request_tokenization_duration_seconds_count', model)).toBe(N);
    // Every (text, label) pair is one row, run in some number of runs (fewer than requests when requests share runs).
    expect(delta('edgeclass_batch_inference_size_sum', model)).toBe(N * labels.length);
    const runs = delta('edgeclass_batch_inference_size_count', model);
    expect(runs).toBeGreaterThan(0);
    expect(runs).toBeLessThanOrEqual(N);
    expect(delta('edgeclass_batch_inference_duration_seconds_count', model)).toBe(runs);
    expect(delta('edgeclass_batch_inference_tokens_sum', model)).toBeGreaterThanOrEqual(N * labels.length);
    console.log(
      `classify: ${N} requests in ${runs} runs (${((N * labels.length) / runs).toFixed(1)} rows a run), p50 ${result.latency.p50} ms`,
    );
  });

  it('labels unmatched paths by one series, and errors by their status', async () => {
    const before = await scrape();
    await fetch(`${server.url}/no/such/${Math.random()}`);
    await fetch(`${server.url}/v1/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"model": 1}',
    });
    const after = await scrape();
    expect(
      value(after, 'edgeclass_request_count', { route: 'unmatched', status: '404' }) -
        value(before, 'edgeclass_request_count', { route: 'unmatched', status: '404' }),
    ).toBe(1);
    expect(
      value(after, 'edgeclass_request_count', { route: '/v1/tokenize', status: '400' }) -
        value(before, 'edgeclass_request_count', { route: '/v1/tokenize', status: '400' }),
    ).toBe(1);
    expect([...after.keys()].some((k) => k.includes('/no/such'))).toBe(false);
  });

  it('speaks the Prometheus text format, with the Node process metrics', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain('# TYPE edgeclass_request_count counter');
    expect(text).toContain('# TYPE edgeclass_request_duration_seconds histogram');
    expect(text).toContain('# TYPE edgeclass_batch_inference_size histogram');
    expect(text).toMatch(/^edgeclass_process_cpu_seconds_total \d/m);
    expect(text).toMatch(/^edgeclass_nodejs_heap_size_used_bytes \d/m);
  });
});

describe('request ids and the request log', () => {
  it("echoes a caller's x-request-id, and makes one when there is none or it is not a plain token", async () => {
    const mine = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'req-42.abc' } });
    expect(mine.headers.get('x-request-id')).toBe('req-42.abc');
    const made = await fetch(`${server.url}/healthz`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const odd = await fetch(`${server.url}/healthz`, { headers: { 'x-request-id': 'two words "quoted"' } });
    expect(odd.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const error = await fetch(`${server.url}/v1/tokenize`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'bad-body-1' },
      body: '{',
    });
    expect(error.status).toBe(400);
    expect(error.headers.get('x-request-id')).toBe('bad-body-1');
  });

  it('writes one JSON line per request: id, method, path, route, status, duration', async () => {
    logLines.length = 0;
    await fetch(`${server.url}/v1/models`, { headers: { 'x-request-id': 'log-line-1' } });
    const lines = logLines.map((l) => JSON.parse(l)).filter((l) => l.request_id === 'log-line-1');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 'info',
      msg: 'request',
      method: 'GET',
      path: '/v1/models',
      route: '/v1/models',
      status: 200,
    });
    expect(lines[0].duration_ms).toBeGreaterThan(0);
  });
});
