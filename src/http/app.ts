// The Hono app, the same in workerd and on Node. Routes are thin: parse, call the core, shape the answer.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { lazyBodyLimit } from './body-limit.ts';
import { errorResponse, handleError, validationError } from './errors.ts';
import type { App, AppDeps, AppEnv } from './deps.ts';
import { guardFineTunedModels } from './model-access.ts';
import { observeRequests, type RequestLog } from './observe.ts';
import { registerApiKeyRoutes } from './routes/api-keys.ts';
import { registerClassifyRoutes } from './routes/classify.ts';
import { registerEmbeddingsRoutes } from './routes/embeddings.ts';
import { registerFileRoutes } from './routes/files.ts';
import { registerFineTuningRoutes } from './routes/fine-tuning.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerServiceRoutes } from './routes/service.ts';
import { registerWebRoutes } from './routes/web.ts';
import { registerTokenizeRoutes } from './routes/tokenize.ts';
import { registerTriggerRoutes } from './routes/triggers.ts';
import { registerWebhookEndpointRoutes } from './routes/webhook-endpoints.ts';
import { registerWorkerRoutes } from './routes/worker-api.ts';

/** Room for the multipart envelope around an uploaded file. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;
const HOOK_BODY_BYTES = 26 * 1024 * 1024;

/** JSON bodies get the request limit; dataset uploads and the worker's file uploads their own (fine-tuning config). */
function bodyLimitOf(c: Context<AppEnv>): number {
  const { limits, jobs } = c.get('deps');
  if (jobs && c.req.path === '/v1/files') return jobs.config.maxFileBytes + MULTIPART_OVERHEAD_BYTES;
  if (jobs && c.req.method === 'PUT' && c.req.path.startsWith('/internal/worker/')) return jobs.config.maxArtifactBytes;
  // Trigger calls carry the caller's event: GitHub's payloads go up to 25 MB.
  if (jobs && c.req.path.startsWith('/v1/hooks/')) return Math.max(limits.maxBodyBytes, HOOK_BODY_BYTES);
  return limits.maxBodyBytes;
}

export interface AppOptions {
  /** One JSON line per request (src/http/observe.ts); default console.log, null for none. */
  requestLog?: RequestLog;
}

/** `resolveDeps` runs per request so workerd adapters can build dependencies from their bindings lazily. */
export function createApp(resolveDeps: (c: Context) => AppDeps, options: AppOptions = {}): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => (result.success ? undefined : validationError(c, result.error)),
  });

  app.use('*', observeRequests(options.requestLog === undefined ? (line) => console.log(line) : options.requestLog));
  app.use('*', async (c, next) => {
    c.set('deps', resolveDeps(c));
    await next();
  });
  app.use(
    '*',
    lazyBodyLimit(bodyLimitOf, (c, maxSize) => {
      // The rest of the body is never read, so the connection cannot carry another request: saying so keeps
      // clients from reusing it (their next request would fail with "other side closed").
      c.header('Connection', 'close');
      return errorResponse(c, 413, 'too_large', `the body exceeds ${maxSize} bytes`);
    }),
  );
  app.use('*', guardFineTunedModels);

  registerServiceRoutes(app);
  registerTokenizeRoutes(app);
  registerEmbeddingsRoutes(app);
  registerClassifyRoutes(app);
  registerModelRoutes(app);
  registerApiKeyRoutes(app);
  registerFileRoutes(app);
  registerFineTuningRoutes(app);
  registerTriggerRoutes(app);
  registerWebhookEndpointRoutes(app);
  registerWorkerRoutes(app);
  // The OpenAPI document (of every route above), its reference page, the playground.
  registerWebRoutes(app);

  app.notFound((c) => errorResponse(c, 404, 'not_found', `no route for ${c.req.method} ${c.req.path}`));
  app.onError(handleError);
  return app;
}
