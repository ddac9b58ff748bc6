import { createRoute, z } from '@hono/zod-openapi';
import { ErrorSchema, serverErrorResponse } from '../schemas/common.ts';
import { RequestError } from '../../core/errors.ts';
import type { ModelInfo } from '../../store/model-store.ts';
import type { Context } from 'hono';
import type { App, AppEnv } from '../deps.ts';
import { modelVisibility } from '../model-access.ts';
import { modelCapabilities } from '../../core/model-capabilities.ts';
import { DTYPES } from '../../core/dtypes.ts';

const ModelSchema = z
  .object({
    id: z.string(),
    object: z.literal('model'),
    created: z.number().int().openapi({
      description:
        'Unix seconds: when the model folder was made (its first upload to R2; its birth time on disk), 0 when the store cannot tell.',
    }),
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

const retrieveRoute = createRoute({
  method: 'get',
  path: '/v1/models/{model}',
  tags: ['Models'],
  summary: 'One model, as in the list (OpenAI models.retrieve)',
  request: {
    params: z.object({
      model: z.string().min(1).max(300).openapi({ example: 'bert-base-uncased', description: 'URL-encoded model id.' }),
    }),
  },
  responses: {
    200: { description: 'The model.', content: { 'application/json': { schema: ModelSchema } } },
    404: {
      description: 'No such model for this caller (code model_not_found).',
      content: { 'application/json': { schema: ErrorSchema } },
    },
    ...serverErrorResponse,
  },
});

async function describeModel(c: Context<AppEnv>, m: ModelInfo) {
  const { strategies, dtypes, ...capabilities } = await modelCapabilities(c.get('deps').store, m);
  return {
    id: m.id,
    object: 'model' as const,
    created: m.created ?? 0,
    owned_by: 'edgeclass',
    capabilities,
    strategies,
    dtypes,
  };
}

/** The models the caller may see: every base model, and its own fine-tuned ones. */
async function visibleModels(c: Context<AppEnv>): Promise<ModelInfo[]> {
  const visible = await modelVisibility(c);
  return (await c.get('deps').store.list()).filter((m) => visible(m.id));
}

export function registerModelRoutes(app: App): void {
  app.openapi(listRoute, async (c) => {
    const data = await Promise.all((await visibleModels(c)).map((m) => describeModel(c, m)));
    return c.json({ object: 'list' as const, data }, 200);
  });

  app.openapi(retrieveRoute, async (c) => {
    const { model } = c.req.valid('param');
    const found = (await visibleModels(c)).find((m) => m.id === model);
    if (!found) throw new RequestError('model_not_found', `model '${model.slice(0, 300)}' does not exist`, 'model');
    return c.json(await describeModel(c, found), 200);
  });
}
