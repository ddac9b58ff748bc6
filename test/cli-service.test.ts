// The CLI against running services, as a user runs it (bin/edgeclass.mjs in a child process): tokenize's seed-style
// table, classify on the Node server (bars, --json, a file in batches with a progress bar), and jobs
// list/show/events/cancel on a stand-in of the edge's jobs API that answers test/support/jobs-fixture.ts (the Node
// server has no jobs: the CLI says so).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeServer, type RunningServer } from '../src/runtime/node.ts';
import { eventsPage, FIXTURE_EVENTS, FIXTURE_JOB, FIXTURE_JOB_ID, FIXTURE_JOB_LIST } from './support/jobs-fixture.ts';
import { MODELS_DIR, REPO_ROOT } from './support/paths.ts';
import { makeTinyModel } from './support/tiny-models.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-cli-service-'));
let server: RunningServer;
let jobsApi: {
  url: string;
  close(): Promise<void>;
  requests: { method: string; url: string; auth: string | undefined }[];
};

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function edgeclass(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args],
      { env: { ...process.env, EDGECLASS_API_KEY: '', ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** The edge's jobs API, answering the fixture; records what it was asked. */
function startJobsApi(): Promise<typeof jobsApi> {
  const requests: { method: string; url: string; auth: string | undefined }[] = [];
  const srv = http.createServer((req, res) => {
    requests.push({ method: req.method!, url: req.url!, auth: req.headers.authorization });
    const url = new URL(req.url!, 'http://jobs');
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json', 'x-request-id': 'fixture-1' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== 'Bearer ec_test')
      return send(401, {
        error: {
          message: 'missing or invalid API key',
          type: 'invalid_request_error',
          param: null,
          code: 'unauthenticated',
        },
      });
    if (url.pathname === '/v1/fine_tuning/jobs') return send(200, FIXTURE_JOB_LIST);
    if (url.pathname === `/v1/fine_tuning/jobs/${FIXTURE_JOB_ID}`) return send(200, FIXTURE_JOB);
    if (url.pathname === `/v1/fine_tuning/jobs/${FIXTURE_JOB_ID}/events`)
      return send(200, eventsPage(Number(url.searchParams.get('limit') ?? 20), url.searchParams.get('after')));
    if (url.pathname === `/v1/fine_tuning/jobs/${FIXTURE_JOB_ID}/cancel` && req.method === 'POST') {
      return send(409, {
        error: {
          message: `job ${FIXTURE_JOB_ID} already succeeded`,
          type: 'invalid_request_error',
          param: null,
          code: 'conflict',
        },
      });
    }
    return send(404, {
      error: { message: 'no such job', type: 'invalid_request_error', param: null, code: 'not_found' },
    });
  });
  return new Promise((resolve) =>
    srv.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
        requests,
        close: () => new Promise<void>((done) => srv.close(() => done())),
      }),
    ),
  );
}

beforeAll(async () => {
  fs.symlinkSync(path.join(MODELS_DIR, 'bert-base-uncased'), path.join(root, 'bert-base-uncased'));
  fs.symlinkSync(path.join(MODELS_DIR, 'roberta-base'), path.join(root, 'roberta-base'));
  makeTinyModel(root, 'tiny-nli');
  server = await startNodeServer({ modelsDir: root, port: 0, pull: { offline: true }, requestLog: null });
  jobsApi = await startJobsApi();
});

afterAll(async () => {
  await server?.close();
  await jobsApi?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('edgeclass tokenize', () => {
  it("prints the seed's pair as a table: token, id, type id, attention mask", async () => {
    const r = await edgeclass([
      'tokenize',
      'Here is some text to encode',
      '--pair',
      'Here is some more text to encode',
      '--model',
      'bert-base-uncased',
      '--models',
      root,
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s+/)).toEqual(['token', 'id', 'type_id', 'attention_mask']);
    expect(lines).toHaveLength(19);
    expect(lines[1].split(/\s+/)).toEqual(['"[CLS]"', '101', '0', '1']);
    expect(lines[13].split(/\s+/)).toEqual(['"more"', '2062', '1', '1']);
  });

  it('--json prints what POST /v1/tokenize answers (RoBERTa: no token_type_ids), as the README says', async () => {
    for (const [model, pair] of [
      ['roberta-base', undefined],
      ['bert-base-uncased', 'and more'],
    ] as const) {
      const args = ['tokenize', 'Here is some text', ...(pair ? ['--pair', pair] : []), '--model', model];
      const r = await edgeclass([...args, '--models', root, '--json']);
      expect(r.code, r.stderr).toBe(0);
      const api = await fetch(`${server.url}/v1/tokenize`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, inputs: pair ? [['Here is some text', pair]] : 'Here is some text' }),
      });
      expect(JSON.parse(r.stdout), model).toEqual(await api.json());
    }
  });
});

describe('edgeclass classify', () => {
  it('prints bars per input, and the API answer with --json', async () => {
    const args = [
      'classify',
      'The team won the final.',
      'Stocks fell.',
      '--model',
      'tiny-nli',
      '--labels',
      'sports,business',
      '--strategy',
      'nli',
      '--url',
      server.url,
    ];
    const text = await edgeclass(args);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('tiny-nli (strategy nli');
    expect(text.stdout.match(/█/g)?.length).toBeGreaterThan(0);
    expect(text.stdout.match(/%$/gm)).toHaveLength(4);
    const json = await edgeclass([...args, '--json']);
    const answer = JSON.parse(json.stdout);
    expect(answer).toMatchObject({ model: 'tiny-nli', strategy: 'nli' });
    expect(answer.results).toHaveLength(2);
    expect(answer.results[0].scores.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 5);
  });

  it('classifies a file in batches with a progress bar', async () => {
    const file = path.join(root, 'texts.txt');
    fs.writeFileSync(file, ['one', 'two', '', 'three', 'four', 'five'].join('\n'));
    const r = await edgeclass([
      'classify',
      '--file',
      file,
      '--batch-size',
      '2',
      '--model',
      'tiny-nli',
      '--labels',
      'a,b,c',
      '--url',
      server.url,
      '--json',
    ]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).results).toHaveLength(5);
    expect(r.stderr).toContain('5/5 texts');
  });

  it('says when the service is not there', async () => {
    const r = await edgeclass(['classify', 'x', '--model', 'tiny-nli', '--url', 'http://127.0.0.1:9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});

describe('edgeclass jobs', () => {
  it('lists jobs as a table, and as the API answer with --json (key from EDGECLASS_API_KEY)', async () => {
    const table = await edgeclass(['jobs', 'list', '--url', jobsApi.url], { EDGECLASS_API_KEY: 'ec_test' });
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0].split(/\s{2,}/)).toEqual(['ID', 'STATUS', 'MODEL', 'FINE-TUNED MODEL', 'PROGRESS', 'CREATED']);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 2))).toEqual(
      FIXTURE_JOB_LIST.data.map((j) => [j.id, j.status]),
    );
    const json = await edgeclass(['jobs', 'list', '--url', jobsApi.url, '--api-key', 'ec_test', '--json']);
    expect(JSON.parse(json.stdout)).toEqual(FIXTURE_JOB_LIST);
    expect(jobsApi.requests.every((r) => r.auth === 'Bearer ec_test')).toBe(true);
  });

  it('shows a job, and its events oldest first; --follow reads every page and ends with the job', async () => {
    const show = await edgeclass(['jobs', 'show', FIXTURE_JOB_ID, '--url', jobsApi.url, '--api-key', 'ec_test']);
    expect(show.stdout).toMatch(/^status\s+succeeded$/m);
    expect(show.stdout).toContain(`ft:tiny-sst2:sentiment:${FIXTURE_JOB_ID}`);
    const follow = await edgeclass([
      'jobs',
      'events',
      FIXTURE_JOB_ID,
      '--follow',
      '--limit',
      '10',
      '--url',
      jobsApi.url,
      '--api-key',
      'ec_test',
      '--json',
    ]);
    expect(follow.code).toBe(0);
    const events = follow.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.map((e) => e.id)).toEqual([...FIXTURE_EVENTS].reverse().map((e) => e.id));
    expect(follow.stderr).toContain(`job ${FIXTURE_JOB_ID} succeeded`);
  });

  it('reports the service errors: a cancel refused, a missing key, the Node server without jobs', async () => {
    const cancel = await edgeclass(['jobs', 'cancel', FIXTURE_JOB_ID, '--url', jobsApi.url, '--api-key', 'ec_test']);
    expect(cancel.code).toBe(1);
    expect(cancel.stderr).toContain('409 conflict:');
    expect(cancel.stderr).toContain('request id fixture-1');
    const noKey = await edgeclass(['jobs', 'list', '--url', jobsApi.url]);
    expect(noKey.stderr).toContain('401 unauthenticated:');
    const node = await edgeclass(['jobs', 'list', '--url', server.url, '--api-key', 'ec_test']);
    expect(node.code).toBe(1);
    // 501 once the fine-tuning routes are registered (they answer that fine-tuning is edge-only), 404 before.
    expect(node.stderr).toMatch(/: (501 not_implemented|404 not_found): /);
  });
});
