// What a person opens in a browser: the playground (/), the API reference (/docs) over the OpenAPI 3.1 document
// (/openapi.json) generated from the zod schemas the routes validate with, and their static files. Served by the
// app itself, in workerd and on Node alike: the pages are strings bundled with the code (about 60 KB), so the
// Worker needs no [assets] directory (wrangler.toml's [assets] block stays free for private model files) and the
// Node server no static file handler.
import type { Context } from 'hono';
import type { App } from '../deps.ts';
import { DOCS_HTML } from '../web/docs.tsx';
import { DOCS_JS, PLAYGROUND_JS } from '../web/generated/client-scripts.ts';
import { PLAYGROUND_HTML } from '../web/playground.tsx';
import { STYLE_CSS } from '../web/style.ts';

export const OPENAPI_PATH = '/openapi.json';

/** Routes that serve pages and files rather than API operations: not in the OpenAPI document. */
export const UNDOCUMENTED_ROUTES = ['GET /', 'GET /docs', `GET ${OPENAPI_PATH}`, 'GET /static/:file'] as const;

const STATIC_FILES: Record<string, { type: string; body: string }> = {
  'playground.js': { type: 'text/javascript; charset=utf-8', body: PLAYGROUND_JS },
  'docs.js': { type: 'text/javascript; charset=utf-8', body: DOCS_JS },
  'edgeclass.css': { type: 'text/css; charset=utf-8', body: STYLE_CSS },
};

const TAGS = [
  {
    name: 'Tokenizer',
    description:
      'Hugging Face tokenizer semantics: input_ids, token_type_ids, attention_mask, offsets, overflow, decode.',
  },
  {
    name: 'Inference',
    description:
      'Sentence embeddings (OpenAI-compatible) and classification: zero-shot (embedding, nli, llm) or fine-tuned (model).',
  },
  { name: 'Models', description: 'The models this service can use.' },
  {
    name: 'Fine-tuning',
    description: "OpenAI's fine-tuning API: jobs, their events and checkpoints (at the edge: D1, R2, a Queue).",
  },
  { name: 'Service', description: 'Liveness and metrics.' },
];

type OpenApiDocument = ReturnType<App['getOpenAPI31Document']>;
const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/**
 * A rule of the specification the generator does not enforce: a path parameter is `required: true` (it is not for
 * a z.coerce schema, whose input may be anything).
 */
function conform(doc: OpenApiDocument): OpenApiDocument {
  for (const item of Object.values(doc.paths ?? {})) {
    for (const method of HTTP_METHODS) {
      const operation = item?.[method] as Record<string, unknown> | undefined;
      if (!operation) continue;
      for (const parameter of (operation.parameters ?? []) as { in?: string; required?: boolean }[]) {
        if (parameter.in === 'path') parameter.required = true;
      }
    }
  }
  return doc;
}

/** The OpenAPI 3.1 document of every route registered on `app` with createRoute (or registerPath). */
export function openApiDocument(app: App): OpenApiDocument {
  return conform(
    app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'edgeclass',
        version: '1.0.0',
        description:
          'Tokenize, classify and fine-tune BERT-family models at the edge. Errors are {"error": {"type", "message", "param"}}; ' +
          'every response carries an x-request-id header (the one sent, or a new one).',
      },
      tags: TAGS,
    }),
  );
}

function staticFile(c: Context, type: string, body: string) {
  return c.body(body, 200, { 'content-type': type, 'cache-control': 'no-cache' });
}

export function registerWebRoutes(app: App): void {
  // The routes are all registered when the first request comes, and do not change after: build the document once.
  let document: OpenApiDocument | null = null;
  app.get(OPENAPI_PATH, (c) => c.json((document ??= openApiDocument(app))));
  app.get('/docs', (c) => staticFile(c, 'text/html; charset=utf-8', DOCS_HTML));
  app.get('/', (c) => staticFile(c, 'text/html; charset=utf-8', PLAYGROUND_HTML));
  app.get('/static/:file', (c, next) => {
    const file = STATIC_FILES[c.req.param('file')];
    return file ? staticFile(c, file.type, file.body) : next();
  });
}
