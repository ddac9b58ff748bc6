import { createRoute } from '@hono/zod-openapi';
import type { App } from '../deps.ts';
import { errorResponses, upstreamErrorResponses } from '../schemas/common.ts';
import { ClassifyRequestSchema, ClassifyResponseSchema } from '../schemas/classify.ts';

const classifyRoute = createRoute({
  method: 'post',
  path: '/v1/classify',
  tags: ['Inference'],
  summary: 'Classify texts: zero-shot (embedding, nli, llm) or with a fine-tuned classifier (model)',
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: ClassifyRequestSchema,
          example: {
            model: 'tiny-nli',
            inputs: ['The team won the final in overtime.'],
            labels: ['sports', 'business', 'science'],
            strategy: 'nli',
          },
        },
      },
    },
  },
  responses: {
    200: {
      description: 'Per input, its labels by descending score.',
      content: { 'application/json': { schema: ClassifyResponseSchema } },
    },
    ...errorResponses,
    ...upstreamErrorResponses,
  },
});

export function registerClassifyRoutes(app: App): void {
  app.openapi(classifyRoute, async (c) => {
    const { inputs, ...rest } = c.req.valid('json');
    const response = await c
      .get('deps')
      .classifier.classify({ ...rest, inputs: typeof inputs === 'string' ? [inputs] : inputs });
    return c.json(response, 200);
  });
}
