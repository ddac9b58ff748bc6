// The service's own routes: liveness and, on Node, Prometheus metrics (src/runtime/prometheus.ts). In workerd
// /metrics answers 501: Workers report requests through Cloudflare's analytics, and an isolate's counters would
// only describe that isolate.
import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../deps.ts';
import { ErrorSchema } from '../schemas/common.ts';

const TAGS = ['Service'];

const HealthSchema = z
  .object({
    status: z.literal('ok'),
    runtime: z.string().openapi({ description: "'workerd' or 'node'", example: 'node' }),
    wasm_heap_bytes: z.number().int().optional().openapi({
      description:
        "onnxruntime-web's WASM linear memory in workerd once a model has loaded (what a Worker's 128 MB must hold); absent on Node and before any inference.",
    }),
  })
  .openapi('Health');

const healthRoute = createRoute({
  method: 'get',
  path: '/healthz',
  tags: TAGS,
  summary: 'Liveness, and which runtime answers',
  responses: {
    200: {
      description: 'The service is up.',
      content: {
        'application/json': { schema: HealthSchema, example: { status: 'ok', runtime: 'node' } },
      },
    },
  },
});

const METRICS_EXAMPLE = [
  '# HELP edgeclass_request_count HTTP requests answered, by method, route pattern and status',
  '# TYPE edgeclass_request_count counter',
  'edgeclass_request_count{method="POST",route="/v1/tokenize",status="200"} 42',
  '# TYPE edgeclass_request_duration_seconds histogram',
  'edgeclass_request_duration_seconds_bucket{le="0.005",method="POST",route="/v1/tokenize",status="200"} 40',
  '',
].join('\n');

const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  tags: TAGS,
  summary: 'Prometheus metrics (Node): requests, tokenization, queue and inference durations, batch sizes, the process',
  responses: {
    200: {
      description: 'The Prometheus text exposition format (version 0.0.4).',
      content: { 'text/plain': { schema: z.string(), example: METRICS_EXAMPLE } },
    },
    501: {
      description: 'This runtime keeps no metrics (workerd: use Cloudflare analytics).',
      content: {
        'application/json': {
          schema: ErrorSchema,
          example: {
            error: {
              message: 'metrics are served by the Node runtime only',
              type: 'server_error',
              param: null,
              code: 'not_implemented',
            },
          },
        },
      },
    },
  },
});

export function registerServiceRoutes(app: App): void {
  app.openapi(healthRoute, (c) => {
    const deps = c.get('deps');
    const heap = deps.models.runtimeMemoryBytes();
    return c.json(
      { status: 'ok' as const, runtime: deps.runtime, ...(heap === null ? {} : { wasm_heap_bytes: heap }) },
      200,
    );
  });

  app.openapi(metricsRoute, async (c) => {
    const telemetry = c.get('deps').telemetry;
    if (!telemetry) {
      return c.json(
        {
          error: {
            message: `metrics are served by the Node runtime only (this is ${c.get('deps').runtime})`,
            type: 'server_error',
            param: null,
            code: 'not_implemented',
          },
        },
        501,
        { 'x-should-retry': 'false' },
      );
    }
    const { contentType, body } = await telemetry.exposition();
    return c.text(body, 200, { 'content-type': contentType });
  });
}
