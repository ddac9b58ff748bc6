// /v1/webhook_endpoints/{id}: a job's or trigger's webhook endpoint, and secret rotation (the new secret signs at
// once; the previous ones keep signing, space-separated in webhook-signature, for the overlap period).
import { createRoute, z } from '@hono/zod-openapi';
import { endpointObject, getEndpoint, rotateSecret } from '../../jobs/webhooks/endpoints.ts';
import type { App } from '../deps.ts';
import { requireApiKey } from '../auth.ts';
import { authErrorResponses, bearerSecurity } from '../schemas/jobs-common.ts';

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const TAGS = ['Webhooks'];

const EndpointSchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    url: z.string(),
    created_at: z.number().int(),
    disabled_at: z.number().int().nullable(),
    disabled_reason: z.string().nullable(),
    secret: z.string().optional().openapi({ description: 'The new secret: returned once, by the rotation.' }),
  })
  .openapi('WebhookEndpoint');

const Params = z.object({ endpoint_id: z.string().max(100) });

const getRoute = createRoute({
  method: 'get',
  path: '/v1/webhook_endpoints/{endpoint_id}',
  tags: TAGS,
  summary: 'A webhook endpoint (disabled after a 410 from the receiver)',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: Params },
  responses: { 200: json(EndpointSchema, 'The endpoint.'), ...authErrorResponses },
});

const rotateRoute = createRoute({
  method: 'post',
  path: '/v1/webhook_endpoints/{endpoint_id}/rotate_secret',
  tags: TAGS,
  summary: "Rotate an endpoint's signing secret",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: {
    params: Params,
    body: {
      required: false,
      content: {
        'application/json': {
          schema: z
            .object({
              secret: z
                .string()
                .max(300)
                .optional()
                .openapi({ description: 'The new secret (whsec_...); generated when absent.' }),
              expire_previous_after_seconds: z
                .number()
                .int()
                .min(0)
                .max(7 * 86_400)
                .optional()
                .openapi({
                  description:
                    'How long the previous secrets keep signing (default EDGECLASS_WEBHOOK_SECRET_OVERLAP_SECONDS, 24 h).',
                }),
            })
            .strict(),
        },
      },
    },
  },
  responses: { 200: json(EndpointSchema, 'The endpoint, with the new secret (shown once).'), ...authErrorResponses },
});

export function registerWebhookEndpointRoutes(app: App): void {
  app.openapi(getRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(endpointObject(await getEndpoint(jobs, owner, c.req.valid('param').endpoint_id)), 200);
  });

  app.openapi(rotateRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    const body = c.req.valid('json');
    const { endpoint, secret } = await rotateSecret(jobs, owner, c.req.valid('param').endpoint_id, {
      secret: body.secret ?? null,
      overlapSeconds: body.expire_previous_after_seconds,
    });
    return c.json({ ...endpoint, secret }, 200);
  });
}
