import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../app.ts';
import { serverErrorResponse } from '../schemas/common.ts';
import { modelVisibility } from '../model-access.ts';
import { causalLmType } from '../../core/causal-lms.ts';

const ModelSchema = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    owned_by: z.string(),
    capabilities: z.object({ tokenize: z.boolean(), embeddings: z.boolean(), classify: z.boolean() }),
  })
  .openapi('Model');

const ModelListSchema = z.object({ object: z.literal('list'), data: z.array(ModelSchema) }).openapi('ModelList');

const listRoute = createRoute({
  method: 'get',
  path: '/v1/models',
  tags: ['Models'],
  summary: 'Models this service can use, with what each can do',
  responses: {
    200: { description: 'The models.', content: { 'application/json': { schema: ModelListSchema } } },
    ...serverErrorResponse,
  },
});

export function registerModelRoutes(app: App): void {
  app.openapi(listRoute, async (c) => {
    const visible = await modelVisibility(c);
    const models = (await c.get('deps').store.list()).filter((m) => visible(m.id));
    const data = await Promise.all(
      models.map(async (m) => {
        const hasOnnx = m.files.some((f) => f.startsWith('onnx/') && f.endsWith('.onnx'));
        // A causal LM classifies (strategy llm) but gives no embeddings.
        const causal = hasOnnx && (await causalLmType(c.get('deps').store, m.id)) !== null;
        return {
          id: m.id,
          object: 'model' as const,
          owned_by: 'edgeclass',
          capabilities: {
            tokenize: m.files.includes('tokenizer.json'),
            embeddings: hasOnnx && !causal,
            classify: hasOnnx,
          },
        };
      }),
    );
    return c.json({ object: 'list' as const, data }, 200);
  });
}
