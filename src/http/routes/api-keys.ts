// /v1/api_keys: key management with the admin token (EDGECLASS_ADMIN_KEY). A key is shown once, when created;
// D1 keeps its SHA-256. `owner` groups keys: a new key for an existing owner sees the same files and jobs.
import { createRoute, z } from '@hono/zod-openapi';
import { createApiKey, listApiKeys, revokeApiKey } from '../../jobs/keys.ts';
import type { App } from '../deps.ts';
import { requireAdmin } from '../auth.ts';
import { ErrorSchema } from '../schemas/common.ts';

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const TAGS = ['API keys'];
const adminSecurity = [{ adminToken: [] }];

const ApiKeySchema = z
  .object({
    id: z.string(),
    object: z.literal('api_key'),
    name: z.string().nullable(),
    owner: z
      .string()
      .openapi({ description: 'What the key sees: the files, jobs, triggers and models of this owner.' }),
    prefix: z.string(),
    created_at: z.number().int(),
    revoked_at: z.number().int().nullable(),
    key: z.string().optional().openapi({ description: 'The key (ec_...): returned once, on creation.' }),
  })
  .openapi('ApiKey');

const errors = {
  401: json(ErrorSchema, 'Not the admin token.'),
  400: json(ErrorSchema, 'Invalid input.'),
  501: json(ErrorSchema, 'Fine-tuning is edge-only.'),
  503: json(ErrorSchema, 'EDGECLASS_ADMIN_KEY is not set.'),
};

const createKeyRoute = createRoute({
  method: 'post',
  path: '/v1/api_keys',
  tags: TAGS,
  summary: 'Create an API key (admin token)',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: {
    body: {
      required: true,
      content: {
        'application/json': {
          schema: z
            .object({
              name: z.string().max(200).nullable().optional(),
              owner: z
                .string()
                .max(100)
                .nullable()
                .optional()
                .openapi({ description: 'An existing owner (proj_...) for a second key; default: a new owner.' }),
            })
            .strict()
            .openapi('CreateApiKeyRequest'),
        },
      },
    },
  },
  responses: { 200: json(ApiKeySchema, 'The key, with the key itself (shown once).'), ...errors },
});

const listKeysRoute = createRoute({
  method: 'get',
  path: '/v1/api_keys',
  tags: TAGS,
  summary: 'List API keys (admin token), without the keys',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { query: z.object({ owner: z.string().max(100).optional() }) },
  responses: {
    200: json(z.object({ object: z.literal('list'), data: z.array(ApiKeySchema) }), 'The keys.'),
    ...errors,
  },
});

const revokeKeyRoute = createRoute({
  method: 'delete',
  path: '/v1/api_keys/{key_id}',
  tags: TAGS,
  summary: 'Revoke an API key (admin token)',
  security: adminSecurity,
  middleware: [requireAdmin] as const,
  request: { params: z.object({ key_id: z.string().max(100) }) },
  responses: { 200: json(ApiKeySchema, 'The revoked key.'), 404: json(ErrorSchema, 'No such key.'), ...errors },
});

export function registerApiKeyRoutes(app: App): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'adminToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'EDGECLASS_ADMIN_KEY',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API key (ec_...)',
  });

  app.openapi(createKeyRoute, async (c) => {
    const body = c.req.valid('json');
    return c.json(await createApiKey(c.get('auth').jobs, { name: body.name ?? null, owner: body.owner ?? null }), 200);
  });

  app.openapi(listKeysRoute, async (c) => {
    return c.json(
      { object: 'list' as const, data: await listApiKeys(c.get('auth').jobs, c.req.valid('query').owner ?? null) },
      200,
    );
  });

  app.openapi(revokeKeyRoute, async (c) => {
    return c.json(await revokeApiKey(c.get('auth').jobs, c.req.valid('param').key_id), 200);
  });
}
