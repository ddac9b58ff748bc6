// The Hono app, the same in workerd and on Node. Routes are thin: parse, call the core, shape the answer.
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorResponse, handleError, validationError } from './errors.ts';
import type { AppDeps, AppEnv } from './deps.ts';
import { registerClassifyRoutes } from './routes/classify.ts';
import { registerEmbeddingsRoutes } from './routes/embeddings.ts';
import { registerModelRoutes } from './routes/models.ts';
import { registerTokenizeRoutes } from './routes/tokenize.ts';

export type App = OpenAPIHono<AppEnv>;

/** `resolveDeps` runs per request so workerd adapters can build dependencies from their bindings lazily. */
export function createApp(resolveDeps: (c: Context) => AppDeps): App {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result, c) => (result.success ? undefined : validationError(c, result.error)),
  });

  app.use('*', async (c, next) => {
    c.set('deps', resolveDeps(c));
    await next();
  });
  app.use('*', (c, next) =>
    bodyLimit({
      maxSize: c.get('deps').limits.maxBodyBytes,
      onError: (c) => errorResponse(c, 413, 'request_too_large', `the body exceeds ${c.get('deps').limits.maxBodyBytes} bytes`),
    })(c, next));

  app.get('/healthz', (c) => c.json({ status: 'ok', runtime: c.get('deps').runtime }));
  registerTokenizeRoutes(app);
  registerEmbeddingsRoutes(app);
  registerClassifyRoutes(app);
  registerModelRoutes(app);

  app.notFound((c) => errorResponse(c, 404, 'not_found_error', `no route for ${c.req.method} ${c.req.path}`));
  app.onError(handleError);
  return app;
}
