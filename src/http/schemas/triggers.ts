// Schemas of /v1/triggers and /v1/hooks: a job template started by signed calls from outside systems.
import { z } from '@hono/zod-openapi';
import { HyperparametersInputSchema, JobSchema, SuffixSchema } from './fine-tuning.ts';
import { listSchema, MetadataSchema, WebhookInputSchema } from './jobs-common.ts';

const Filename = z.string().min(1).max(255).optional().openapi({
  description:
    'A name whose extension gives the format (.tsv, .csv, .jsonl); default: the last segment of the key or URL path.',
});

export const DatasetLocationSchema = z
  .union([
    z.object({ file_id: z.string().min(1).max(100) }).strict(),
    z
      .object({
        r2_key: z
          .string()
          .min(1)
          .max(500)
          .openapi({ description: 'A key under owners/<organization_id>/ in the FILES bucket.' }),
        filename: Filename,
      })
      .strict(),
    z
      .object({
        url: z
          .string()
          .min(1)
          .max(2048)
          .openapi({ description: 'An https URL, fetched at each call (private addresses refused).' }),
        filename: Filename,
      })
      .strict(),
  ])
  .openapi('DatasetLocation', {
    description: 'Where the dataset is: an uploaded file, an R2 key, or a URL. Read again at every call.',
  });

export const CreateTriggerRequestSchema = z
  .object({
    name: z.string().max(200).nullable().optional(),
    model: z.string().min(1).max(200).openapi({ example: 'bert-base-uncased' }),
    hyperparameters: HyperparametersInputSchema.optional(),
    dataset: DatasetLocationSchema,
    validation_dataset: DatasetLocationSchema.nullable().optional(),
    suffix: SuffixSchema.nullable().optional(),
    metadata: MetadataSchema.nullable().optional(),
    webhook: WebhookInputSchema.nullable().optional().openapi({ description: "Where the started jobs' webhooks go." }),
  })
  .strict()
  .openapi('CreateTriggerRequest');

export const TriggerSchema = z
  .object({
    id: z.string(),
    object: z.literal('fine_tuning.trigger'),
    name: z.string().nullable(),
    model: z.string(),
    hyperparameters: z.record(z.string(), z.unknown()),
    dataset: z.record(z.string(), z.string()),
    validation_dataset: z.record(z.string(), z.string()).nullable(),
    suffix: z.string().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    webhook_endpoint_id: z.string().nullable(),
    hook_path: z.string().openapi({ description: 'POST here, signed with the secret, to start a job.' }),
    created_at: z.number().int(),
    disabled_at: z.number().int().nullable(),
    secret: z
      .string()
      .optional()
      .openapi({ description: 'whsec_...: signs calls to hook_path. Returned once, on creation.' }),
    webhook_secret: z.string().optional().openapi({ description: 'The generated webhook secret, returned once.' }),
  })
  .openapi('Trigger');

export const TriggerListSchema = listSchema(TriggerSchema, 'TriggerList');

export const TriggerIdParam = z.object({
  trigger_id: z.string().max(100).openapi({ example: 'trig_01jh3x4m5n6p7q8r9s0t1v2w3x' }),
});

export const HookResponseSchema = z
  .object({
    object: z.literal('fine_tuning.trigger.call'),
    trigger_id: z.string(),
    call_id: z.string(),
    job: JobSchema,
  })
  .openapi('TriggerCall');
