// The request log's levels: a worker's poll that finds no job (claim answered 204) is debug, shown only with
// EDGECLASS_REQUEST_LOG=debug, so that a polling worker does not bury the lines that matter; a claim that hands out a
// job, and every other request, stays info. The real middleware on a Hono app with the worker route's path.
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import type { AppEnv } from '../src/http/deps.ts';
import { observeRequests } from '../src/http/observe.ts';

function appLogging(lines: string[]) {
  const app = new Hono<AppEnv>();
  app.use(observeRequests((line) => lines.push(line)));
  app.post('/internal/worker/claim', (c) =>
    c.req.header('x-has-job') ? c.json({ job: { id: 'ftjob-1' } }, 200) : c.body(null, 204),
  );
  app.get('/v1/models', (c) => c.json({ data: [] }));
  return app;
}

async function levels(setting: string | undefined): Promise<Record<string, string>> {
  const lines: string[] = [];
  const app = appLogging(lines);
  const env = setting === undefined ? {} : { EDGECLASS_REQUEST_LOG: setting };
  await app.request('/internal/worker/claim', { method: 'POST' }, env);
  await app.request('/internal/worker/claim', { method: 'POST', headers: { 'x-has-job': '1' } }, env);
  await app.request('/v1/models', {}, env);
  return Object.fromEntries(lines.map((l) => JSON.parse(l)).map((l) => [`${l.path} ${l.status}`, l.level]));
}

describe('request log levels', () => {
  it('leaves out empty polls by default, keeps a claimed job and other requests at info', async () => {
    expect(await levels(undefined)).toEqual({
      '/internal/worker/claim 200': 'info',
      '/v1/models 200': 'info',
    });
  });

  it('shows empty polls as debug with EDGECLASS_REQUEST_LOG=debug, and nothing with off', async () => {
    expect(await levels('debug')).toEqual({
      '/internal/worker/claim 204': 'debug',
      '/internal/worker/claim 200': 'info',
      '/v1/models 200': 'info',
    });
    expect(await levels('off')).toEqual({});
  });
});
