import { createRoute, z } from '@hono/zod-openapi';
import type { App } from '../deps.ts';
import { serverErrorResponse } from '../schemas/common.ts';
import { modelVisibility } from '../model-access.ts';
import { modelCapabilities } from '../../core/model-capabilities.ts';
import { DTYPES } from '../../core/dtypes.ts';

const ModelSchema = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    owned_by: z.string(),
    capabilities: z.object({ tokenize: z.boolean(), embeddings: z.boolean(), classify: z.boolean() }),
    strategies: z.array(z.enum(['llm', 'nli', 'model', 'embedding'])).openapi({
      description:
        'The /v1/classify strategies that apply, read from config.json: llm for a causal LM (any *ForCausalLM), nli and model for an NLI classifier, model for another classifier, embedding for an encoder.',
    }),
    dtypes: z.array(z.enum(DTYPES)).openapi({
      description:
        "The graph variants the folder has, by transformers.js' dtype names (the request's dtype picks one).",
    }),
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
    const store = c.get('deps').store;
    const data = await Promise.all(
      models.map(async (m) => {
        const { strategies, dtypes, ...capabilities } = await modelCapabilities(store, m);
        return {
          id: m.id,
          object: 'model' as const,
          owned_by: 'edgeclass',
          capabilities,
          strategies,
          dtypes,
        };
      }),
    );
    return c.json({ object: 'list' as const, data }, 200);
  });
}
