// The OpenAPI 3.1 document at /openapi.json: valid by a standard validator (the OpenAPI 3.1 JSON schema, via
// @seriousme/openapi-schema-validator), and complete: every route the router serves is an operation of the
// document and every operation is a route (the pages and files of src/http/routes/web.ts aside), each with its
// error responses in the one error shape, and the core services with examples.
import { Validator } from '@seriousme/openapi-schema-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/deps.ts';
import { UNDOCUMENTED_ROUTES } from '../src/http/routes/web.ts';
import { createNodeApp } from '../src/runtime/node.ts';
import { MODELS_DIR } from './support/paths.ts';

type Operation = {
  summary?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { example?: unknown; examples?: unknown; schema?: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
};
type Document = {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, any> };
};

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];
/** Routes that cannot fail in a way the caller could act on. */
const WITHOUT_ERRORS = new Set(['GET /healthz']);

/** Hono's `/v1/jobs/:id` and `/files/:file{.+}` as OpenAPI's `/v1/jobs/{id}` and `/files/{file}`. */
function openApiPath(honoPath: string): string {
  return honoPath.replace(/:(\w+)(\{[^/]*\})?/g, '{$1}');
}

/** "METHOD /path" of every route the router serves (middleware, registered for all methods, left out). */
function servedRoutes(app: App): Set<string> {
  return new Set(
    app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toUpperCase()} ${openApiPath(r.path)}`),
  );
}

function documentedRoutes(doc: Document): Set<string> {
  return new Set(
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${path}`),
    ),
  );
}

function operations(doc: Document): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => [`${m.toUpperCase()} ${path}`, item[m]] as [string, Operation]),
  );
}

let app: App;
let doc: Document;

beforeAll(async () => {
  app = createNodeApp({ modelsDir: MODELS_DIR, pull: { offline: true }, requestLog: null, metrics: false });
  const res = await app.request('/openapi.json');
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toContain('application/json');
  doc = (await res.json()) as Document;
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document that validates against the specification schema', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(doc as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('every $ref names a schema of the document', () => {
    const refs = [...JSON.stringify(doc).matchAll(/"\$ref":"#\/components\/(\w+)\/([^"]+)"/g)];
    expect(refs.length).toBeGreaterThan(10);
    for (const [, kind, name] of refs) expect((doc.components as any)[kind]?.[name], `${kind}/${name}`).toBeDefined();
  });

  it('lists every route the app serves, and only those', () => {
    const served = servedRoutes(app);
    for (const page of UNDOCUMENTED_ROUTES) {
      expect(served.has(openApiPath(page)), `${page} is served`).toBe(true);
      served.delete(openApiPath(page));
    }
    const documented = documentedRoutes(doc);
    expect(
      [...served].filter((r) => !documented.has(r)),
      'served but not documented',
    ).toEqual([]);
    expect(
      [...documented].filter((r) => !served.has(r)),
      'documented but not served',
    ).toEqual([]);
    // The services of the README, at least.
    for (const route of [
      'POST /v1/tokenize',
      'POST /v1/detokenize',
      'POST /v1/embeddings',
      'POST /v1/classify',
      'GET /v1/models',
      'GET /healthz',
      'GET /metrics',
    ]) {
      expect(documented.has(route), route).toBe(true);
    }
  });

  it('gives every operation a summary, a tag, a success response and its errors in the one error shape', () => {
    for (const [name, op] of operations(doc)) {
      expect(op.summary, name).toBeTruthy();
      expect(op.tags?.length, `${name} has a tag`).toBeGreaterThan(0);
      const codes = Object.keys(op.responses);
      expect(
        codes.some((c) => c.startsWith('2')),
        `${name} has a 2xx`,
      ).toBe(true);
      if (WITHOUT_ERRORS.has(name)) continue;
      const errors = codes.filter((c) => /^[45]/.test(c));
      expect(errors.length, `${name} documents its errors`).toBeGreaterThan(0);
      for (const code of errors) {
        const schema = op.responses[code].content?.['application/json']?.schema;
        expect(schema?.$ref, `${name} ${code} is an Error`).toBe('#/components/schemas/Error');
      }
    }
    const error = doc.components.schemas.Error;
    expect(error.properties.error.required).toEqual(['message', 'type', 'param', 'code']);
  });

  it('shows a whole request for each core service, and examples of the error shape', () => {
    const media = (path: string) => doc.paths[path].post.requestBody?.content?.['application/json'];
    expect(media('/v1/tokenize')?.examples).toBeDefined();
    for (const path of ['/v1/detokenize', '/v1/embeddings', '/v1/classify'])
      expect(media(path)?.example, path).toBeDefined();
    const errors = doc.paths['/v1/classify'].post.responses as Record<
      string,
      { content?: Record<string, { example?: unknown; examples?: unknown }> }
    >;
    for (const code of ['413', '415', '400', '500']) {
      const json = errors[code].content?.['application/json'];
      expect(json?.example ?? json?.examples, code).toBeDefined();
    }
  });

  it('is the same document on every request', async () => {
    const again = await (await app.request('/openapi.json')).json();
    expect(again).toEqual(doc);
  });
});
