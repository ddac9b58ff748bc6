import { createRoute } from '@hono/zod-openapi';
import { createEmbeddings } from '../../core/embeddings.ts';
import type { App } from '../deps.ts';
import { float32ToBase64 } from '../base64.ts';
import { errorResponses } from '../schemas/common.ts';
import { EmbeddingsRequestSchema, EmbeddingsResponseSchema } from '../schemas/embeddings.ts';

const embeddingsRoute = createRoute({
  method: 'post',
  path: '/v1/embeddings',
  tags: ['Inference'],
  summary: 'Sentence embeddings (OpenAI-compatible, plus pooling and normalize)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: EmbeddingsRequestSchema,
          example: { model: 'tiny-embed', input: ['Here is some text', 'And more'], dimensions: 32 },
        },
      },
    },
  },
  responses: {
    200: {
      description: 'One embedding per input, in order.',
      content: { 'application/json': { schema: EmbeddingsResponseSchema } },
    },
    ...errorResponses,
  },
});

export function registerEmbeddingsRoutes(app: App): void {
  app.openapi(embeddingsRoute, async (c) => {
    const { model, dtype, input, encoding_format, dimensions, pooling, normalize } = c.req.valid('json');
    const { models, limits } = c.get('deps');
    const result = await createEmbeddings(models, limits, { model, dtype, input, dimensions, pooling, normalize });
    const base64 = encoding_format === 'base64';
    return c.json(
      {
        object: 'list' as const,
        data: result.embeddings.map((e, index) => ({
          object: 'embedding' as const,
          index,
          embedding: base64 ? float32ToBase64(e) : Array.from(e),
        })),
        model,
        usage: { prompt_tokens: result.tokens, total_tokens: result.tokens },
      },
      200,
    );
  });
}
