// The worker protocol is written once, as WORKER_CALLS in src/jobs/protocol.ts. Two properties tie both sides to
// it: the edge's routes are exactly the table (every /internal/worker operation of the app's OpenAPI document is a
// call of the table with the table's method, path, parameters and JSON bodies, rendered from the table's schemas
// alone), and the GPU worker's real EdgeClient sends every request to a path of the table with a body that the
// call's schema accepts as it is (no field the schema would drop or refuse).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { OpenAPIHono, type z } from '@hono/zod-openapi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EdgeClient } from '../src/gpu-worker/edge-client.ts';
import { BYTES, WORKER_CALLS, type WorkerCall } from '../src/jobs/protocol.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { MODELS_DIR } from './support/paths.ts';

type Doc = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
const DOC_INFO = { openapi: '3.1.0', info: { title: 'edgeclass', version: '1' } };
const CALLS = Object.entries(WORKER_CALLS) as [string, WorkerCall][];

/** The table's calls as an OpenAPI document of their own: what the routes must document. */
function tableDocument(): Doc {
  const app = new OpenAPIHono();
  for (const [, call] of CALLS) {
    const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });
    const responses: Record<string, { description: string; content?: unknown }> =
      call.response && call.response !== BYTES ? { 200: { description: '', ...json(call.response) } } : {};
    app.openAPIRegistry.registerPath({
      method: call.method,
      path: call.path,
      request: {
        ...(call.params ? { params: call.params } : {}),
        ...(call.body && call.body !== BYTES ? { body: json(call.body) } : {}),
      },
      responses: responses as never,
    });
  }
  return app.getOpenAPI31Document(DOC_INFO);
}

/** Resolves a schema's $refs against its document, so two documents' schemas compare by content. */
function resolved(schema: unknown, doc: Doc): unknown {
  if (Array.isArray(schema)) return schema.map((s) => resolved(s, doc));
  if (typeof schema !== 'object' || schema === null) return schema;
  const ref = (schema as { $ref?: string }).$ref;
  if (ref) return resolved(doc.components?.schemas?.[ref.split('/').pop()!], doc);
  return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, resolved(v, doc)]));
}

// OpenAPI requires path parameters to be required; the app's registration says so for a coerced one (a step),
// a bare registry does not.
function pathParameters(operation: { parameters?: { in: string }[] }): unknown[] {
  return (operation.parameters ?? []).map((p) => (p.in === 'path' ? { ...p, required: true } : p));
}

function jsonSchemaOf(content: unknown): unknown {
  return (content as { 'application/json'?: { schema?: unknown } } | undefined)?.['application/json']?.schema;
}

/** "GET /path" of every operation under /internal/worker. */
function workerOperations(doc: Doc): string[] {
  return Object.entries(doc.paths ?? {})
    .filter(([p]) => p.startsWith('/internal/worker/'))
    .flatMap(([p, item]) => Object.keys(item as object).map((m) => `${m.toUpperCase()} ${p}`))
    .sort();
}

describe('the worker protocol table and the edge routes', () => {
  let served: Doc;
  const table = tableDocument();

  beforeAll(async () => {
    const app = createNodeApp({ modelsDir: MODELS_DIR, pull: { offline: true }, requestLog: null, metrics: false });
    served = (await (await app.request('/openapi.json')).json()) as Doc;
  });

  it('documents exactly the calls of the table', () => {
    expect(workerOperations(served)).toEqual(workerOperations(table));
  });

  it.each(CALLS)('%s: the route has the parameters, body and answer of the table', (_name, call) => {
    const route = served.paths?.[call.path]?.[call.method] as Record<string, any>;
    const expected = table.paths?.[call.path]?.[call.method] as Record<string, any>;
    expect(route, `${call.method} ${call.path} is documented`).toBeDefined();
    expect(pathParameters(route)).toEqual(pathParameters(expected));
    expect(resolved(jsonSchemaOf(route.requestBody?.content), served)).toEqual(
      resolved(jsonSchemaOf(expected.requestBody?.content), table),
    );
    expect(resolved(jsonSchemaOf(route.responses?.['200']?.content), served)).toEqual(
      resolved(jsonSchemaOf(expected.responses?.['200']?.content), table),
    );
  });
});

interface Sent {
  method: string;
  path: string;
  body: Uint8Array;
}

/** The table's call whose method and path template match a request, and the path's parameters. */
function callOf(sent: Sent): { call: WorkerCall; params: Record<string, string> } | null {
  for (const [, call] of CALLS) {
    if (call.method.toUpperCase() !== sent.method) continue;
    const names: string[] = [];
    const pattern = call.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return call.slashed?.includes(name) ? '(.+)' : '([^/]+)';
    });
    const m = new RegExp(`^${pattern}$`).exec(sent.path);
    if (m) return { call, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(m[i + 1])])) };
  }
  return null;
}

/** What the edge answers each call with, so the client goes on (the answers' shapes are the table's). */
function answerFor(call: WorkerCall): Response {
  if (call === WORKER_CALLS.claim) return Response.json({ job: { id: 'ftjob-1' }, lease: { id: 'l', expires_at: 1 } });
  if (call === WORKER_CALLS.heartbeat) return Response.json({ expires_at: 1, cancel_requested: false });
  if (call === WORKER_CALLS.complete) return Response.json({ status: 'succeeded', fine_tuned_model: 'ft:m:x:ftjob-1' });
  if (call.response === BYTES)
    return new Response('{"bytes":1}', { headers: { 'x-edgeclass-filename': 'train.jsonl' } });
  return new Response(null, { status: 204 });
}

describe('the requests the GPU worker client builds', () => {
  const sent: Sent[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-protocol-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  beforeAll(async () => {
    const client = new EdgeClient({
      edge: 'http://edge.invalid/prefix',
      secret: 'a-secret',
      workerId: 'w-1',
      fetch: async (input, init) => {
        const url = new URL(String(input));
        const one = {
          method: init?.method ?? 'GET',
          path: url.pathname.replace(/^\/prefix/, ''),
          body: new Uint8Array(0),
        };
        if (init?.body) one.body = new Uint8Array(init.body as Uint8Array);
        sent.push(one);
        const found = callOf(one);
        return found ? answerFor(found.call) : new Response('no such route', { status: 404 });
      },
    });
    const lease = { lease: 'lease-1' };
    await client.claim({ worker_id: 'w-1', execution_provider: 'cpu', claim_id: 'c-1' });
    await client.heartbeat('ftjob-1', { lease_id: 'lease-1', step: 3, total_steps: 10 });
    await client.postEvents('ftjob-1', {
      lease_id: 'lease-1',
      events: [
        { id: 'lease-1.0', type: 'metrics', level: 'info', message: 'Step 3/10', data: { step: 3 }, created_at: 1 },
      ],
    });
    await client.putCheckpointFile('ftjob-1', 3, 'optimizer/state.bin', new Uint8Array([1, 2]), lease);
    await client.postCheckpoint('ftjob-1', {
      lease_id: 'lease-1',
      step: 3,
      epoch: 0.5,
      files: ['model.safetensors'],
      metrics: { train_loss: 0.7 },
    });
    await client.downloadFile('file-1', path.join(dir, 'train'));
    await client.downloadModelFile('org/model', '1_Pooling/config.json', path.join(dir, 'pooling.json'));
    await client.downloadCheckpointFile('ftjob-1', 3, 'trainer_state.json', path.join(dir, 'state.json'));
    await client.putResultFile('ftjob-1', 'onnx/model.onnx', new Uint8Array([3]), lease);
    await client.complete('ftjob-1', {
      lease_id: 'lease-1',
      status: 'succeeded',
      files: ['config.json'],
      trained_tokens: 1200,
      metrics: { steps: 10 },
    });
    await client.release('ftjob-1', { lease_id: 'lease-1', reason: 'the worker is shutting down' });
  });

  it('calls every call of the table, each at a path of the table', () => {
    const unmatched = sent.filter((s) => !callOf(s)).map((s) => `${s.method} ${s.path}`);
    expect(unmatched).toEqual([]);
    const called = new Set(sent.map((s) => callOf(s)!.call));
    expect(CALLS.filter(([, call]) => !called.has(call)).map(([name]) => name)).toEqual([]);
  });

  it('names folders and org/model ids in the slashed parameters', () => {
    const params = sent.map((s) => callOf(s)!.params);
    expect(params).toContainEqual({ model_id: 'org/model', file: '1_Pooling/config.json' });
    expect(params).toContainEqual({ job_id: 'ftjob-1', step: '3', file: 'optimizer/state.bin' });
  });

  it('sends JSON bodies that the route schema accepts unchanged', () => {
    const jsonCalls = sent.filter((s) => {
      const body = callOf(s)!.call.body;
      return body !== undefined && body !== BYTES;
    });
    expect(jsonCalls.length).toBe(6);
    for (const s of jsonCalls) {
      const { call, params } = callOf(s)!;
      const body = JSON.parse(new TextDecoder().decode(s.body));
      const parsed = (call.body as z.ZodType).safeParse(body);
      expect(parsed.error?.issues ?? [], `${s.method} ${s.path}`).toEqual([]);
      // Zod drops fields a schema does not name: what the route sees must be all the client sent.
      expect(parsed.data, `${s.method} ${s.path}`).toEqual(body);
      expect(call.params ? call.params.safeParse(params).success : true, `${s.method} ${s.path} params`).toBe(true);
    }
  });
});
