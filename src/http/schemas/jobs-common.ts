// Pieces the fine-tuning schemas share: list paging, metadata, webhooks, ids in paths, error responses of
// authenticated routes.
import { z } from '@hono/zod-openapi';
import { ErrorSchema } from './common.ts';

export const ListQuerySchema = z.object({
  after: z.string().max(100).optional().openapi({ description: 'The id of the last item of the previous page.' }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(20)
    .openapi({ description: 'Items per page, 1 to 100 (default 20).' }),
});

export const listSchema = <T extends z.ZodTypeAny>(item: T, name: string) =>
  z
    .object({
      object: z.literal('list'),
      data: z.array(item),
      has_more: z.boolean(),
      first_id: z.string().nullable(),
      last_id: z.string().nullable(),
    })
    .openapi(name);

export const MetadataSchema = z
  .record(z.string().max(64), z.string().max(512))
  .refine((m) => Object.keys(m).length <= 16, 'at most 16 keys')
  .openapi({
    description: 'Up to 16 string pairs (keys up to 64 characters, values up to 512), kept with the job.',
    example: { dataset: 'sst2-v3' },
  });

export const WebhookInputSchema = z
  .object({
    url: z.string().min(1).max(2048).openapi({ example: 'https://example.com/hooks/edgeclass' }),
    secret: z
      .string()
      .max(300)
      .optional()
      .openapi({ description: 'whsec_ + base64 of 16 to 128 bytes; generated (and returned once) when absent.' }),
  })
  .strict()
  .openapi('WebhookInput');

export const JobIdParam = z.object({
  fine_tuning_job_id: z.string().max(100).openapi({ example: 'ftjob-01jh3x4m5n6p7q8r9s0t1v2w3x' }),
});

const error = (description: string) => ({ description, content: { 'application/json': { schema: ErrorSchema } } });

/** The errors any authenticated fine-tuning route can answer. */
export const authErrorResponses = {
  401: error('Missing or invalid API key.'),
  404: error("No such resource for this key (another key's is not found either)."),
  400: error('Invalid input; param names the field.'),
  500: error('An internal error.'),
  501: error('Fine-tuning is edge-only: this runtime (Node) does not offer it.'),
} as const;

export const bearerSecurity = [{ bearerAuth: [] }];
