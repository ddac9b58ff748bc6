// The user's surface inside workerd: the playground, the API reference and the OpenAPI document are served by the
// Worker itself, every response carries a request id, and /metrics answers 501 in the error shape (metrics are
// Node's: an isolate's counters would describe only that isolate).
import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

describe('pages, document and request ids in workerd', () => {
  it('serves the playground, the reference page and their static files', async () => {
    for (const [path, type, marker] of [
      ['/', 'text/html', 'edgeclass playground'],
      ['/docs', 'text/html', 'edgeclass API reference'],
      ['/static/playground.js', 'text/javascript', 'api("POST", "/v1/tokenize"'],
      ['/static/docs.js', 'text/javascript', 'fetch("/openapi.json")'],
      ['/static/edgeclass.css', 'text/css', '.token.special'],
    ] as const) {
      const res = await SELF.fetch(`http://edge${path}`);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toContain(type);
      expect(await res.text(), path).toContain(marker);
    }
    expect((await SELF.fetch('http://edge/static/missing.js')).status).toBe(404);
  });

  it('serves the OpenAPI 3.1 document', async () => {
    const res = await SELF.fetch('http://edge/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/tokenize', '/v1/classify', '/v1/models', '/healthz', '/metrics']),
    );
  });

  it('echoes x-request-id, or makes one', async () => {
    const mine = await SELF.fetch('http://edge/healthz', { headers: { 'x-request-id': 'edge-req-1' } });
    expect(mine.headers.get('x-request-id')).toBe('edge-req-1');
    const made = await SELF.fetch('http://edge/no/such/route');
    expect(made.status).toBe(404);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers /metrics with 501 in the error shape', async () => {
    const res = await SELF.fetch('http://edge/metrics');
    expect(res.status).toBe(501);
    expect(await res.json()).toEqual({
      error: {
        type: 'server_error',
        code: 'not_implemented',
        message: expect.stringContaining('Node runtime only'),
        param: null,
      },
    });
  });
});
