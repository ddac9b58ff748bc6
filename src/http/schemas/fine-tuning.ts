// Request and response schemas of /v1/fine_tuning/jobs: OpenAI's names, the training module's hyperparameters.
import { z } from '@hono/zod-openapi';
import {
  HyperparametersInputSchema as HyperparametersInput,
  HyperparametersSchema as Hyperparameters,
} from '../../jobs/hyperparameters.ts';
import { ListQuerySchema, listSchema, MetadataSchema, WebhookInputSchema } from './jobs-common.ts';

// The one definition of the hyperparameters (src/jobs/hyperparameters.ts), its fields in an object of this zod
// (extended for OpenAPI before it builds any schema, which a plain zod object built earlier is not) to be named.
export const HyperparametersInputSchema = z.object(HyperparametersInput.shape).strict().openapi('HyperparametersInput');
export const HyperparametersSchema = z.object(Hyperparameters.shape).openapi('Hyperparameters');

export const SuffixSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'suffix is 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", "-"')
  .refine((s) => !s.includes('..'), 'suffix must not contain ".."')
  .openapi({ description: 'Part of the fine-tuned model id ft:<base>:<suffix>:<job id>.', example: 'sentiment' });

/** OpenAI's `method`: only supervised fine-tuning (dpo and reinforcement train generative models). */
const MethodSchema = z
  .object({
    type: z.literal('supervised', {
      error: "only 'supervised' is supported here (dpo and reinforcement fine-tune generative models)",
    }),
    supervised: z.object({ hyperparameters: HyperparametersInputSchema.optional() }).strict().optional(),
  })
  .strict()
  .openapi({ description: "OpenAI's method: { type: 'supervised', supervised: { hyperparameters } }." });

/** OpenAI's integrations: accepted as a field, each kind edgeclass does not offer refused by name. */
const IntegrationsSchema = z
  .array(z.object({ type: z.string() }).passthrough())
  .max(16)
  .superRefine((list, ctx) => {
    for (const [i, integration] of list.entries()) {
      ctx.addIssue({
        code: 'custom',
        path: [i, 'type'],
        message: `'${integration.type.slice(0, 50)}' is not supported: edgeclass reports metrics as job events and checkpoints`,
      });
    }
  })
  .openapi({ description: 'Accepted when empty: no integration (wandb...) is supported.' });

export const CreateJobRequestSchema = z
  .object({
    model: z.string().min(1).max(200).openapi({
      description:
        'The base model (a folder in the MODELS bucket with config.json, model.safetensors, tokenizer.json).',
      example: 'bert-base-uncased',
    }),
    training_file: z.string().min(1).max(100).openapi({
      description: 'A file id from POST /v1/files (purpose fine-tune).',
      example: 'file-01jh3x4m5n6p7q8r9s0t1v2w3x',
    }),
    validation_file: z.string().min(1).max(100).nullable().optional(),
    hyperparameters: HyperparametersInputSchema.optional().openapi({
      description: 'The hyperparameters (OpenAI has deprecated this place for method.supervised.hyperparameters).',
    }),
    method: MethodSchema.optional(),
    integrations: IntegrationsSchema.nullable().optional(),
    seed: z
      .number()
      .int()
      .min(0)
      .max(2147483647)
      .optional()
      .openapi({ description: 'The same as hyperparameters.seed (OpenAI has it at the top).' }),
    suffix: SuffixSchema.nullable().optional(),
    metadata: MetadataSchema.nullable().optional(),
    webhook: WebhookInputSchema.nullable()
      .optional()
      .openapi({ description: 'Where fine_tuning.job.* webhooks go (Standard Webhooks).' }),
  })
  .strict()
  .openapi('CreateFineTuningJobRequest');

const ErrorInfo = z.object({ code: z.string(), message: z.string(), param: z.string().nullable() });

export const JobSchema = z
  .object({
    id: z.string(),
    object: z.literal('fine_tuning.job'),
    created_at: z.number().int(),
    finished_at: z.number().int().nullable(),
    model: z.string(),
    fine_tuned_model: z
      .string()
      .nullable()
      .openapi({ description: 'ft:<base>:<suffix>:<job id> once succeeded: use it as model in /v1/classify.' }),
    status: z.enum(['validating_files', 'queued', 'running', 'paused', 'succeeded', 'failed', 'cancelled']),
    training_file: z.string(),
    validation_file: z.string().nullable(),
    hyperparameters: HyperparametersSchema,
    result_files: z.array(z.string()),
    trained_tokens: z.number().int().nullable(),
    error: ErrorInfo.nullable(),
    seed: z.number().int(),
    suffix: z.string().nullable(),
    metadata: z.record(z.string(), z.string()).nullable(),
    estimated_finish: z.number().int().nullable(),
    webhook: z.object({ url: z.string(), endpoint_id: z.string(), disabled: z.boolean() }).nullable(),
    organization_id: z.string(),
    method: z.object({
      type: z.literal('supervised'),
      supervised: z.object({ hyperparameters: HyperparametersSchema }),
    }),
    integrations: z.array(z.unknown()).openapi({ description: 'Always empty (OpenAI compatibility).' }),
    trigger_id: z.string().nullable(),
    cancel_requested: z.boolean().openapi({
      description: 'Always false: a cancel answers the job as cancelled at once (kept for older clients).',
    }),
    attempts: z.number().int(),
    max_attempts: z.number().int(),
    progress: z.object({ step: z.number().int(), total_steps: z.number().int().nullable() }).nullable(),
    webhook_secret: z
      .string()
      .optional()
      .openapi({ description: 'The generated webhook secret: returned once, by the request that created the job.' }),
  })
  .openapi('FineTuningJob');

export const JobListSchema = listSchema(JobSchema, 'FineTuningJobList');

export const EventSchema = z
  .object({
    id: z.string(),
    object: z.literal('fine_tuning.job.event'),
    created_at: z.number().int(),
    level: z.enum(['info', 'warn', 'error']),
    message: z.string(),
    data: z.record(z.string(), z.unknown()).nullable(),
    type: z.enum(['message', 'metrics']),
  })
  .openapi('FineTuningJobEvent');

export const EventListSchema = listSchema(EventSchema, 'FineTuningJobEventList');

export const CheckpointSchema = z
  .object({
    id: z.string(),
    object: z.literal('fine_tuning.job.checkpoint'),
    created_at: z.number().int(),
    fine_tuned_model_checkpoint: z.string(),
    fine_tuning_job_id: z.string(),
    metrics: z.record(z.string(), z.number()),
    step_number: z.number().int(),
    epoch: z.number(),
    files: z.array(z.string()),
  })
  .openapi('FineTuningJobCheckpoint');

export const CheckpointListSchema = listSchema(CheckpointSchema, 'FineTuningJobCheckpointList');

export const DeliverySchema = z
  .object({
    id: z.string(),
    object: z.literal('webhook_delivery'),
    type: z.string(),
    endpoint_id: z.string(),
    status: z.enum(['pending', 'delivered', 'failed']),
    attempts: z.number().int(),
    next_attempt_at: z.number().int().nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
    created_at: z.number().int(),
    completed_at: z.number().int().nullable(),
    payload: z.object({
      id: z.string(),
      object: z.literal('event'),
      type: z.string(),
      created_at: z.number().int(),
      data: z.record(z.string(), z.unknown()),
    }),
  })
  .openapi('WebhookDelivery');

export const DeliveryListSchema = z
  .object({ object: z.literal('list'), data: z.array(DeliverySchema) })
  .openapi('WebhookDeliveryList');

export { ListQuerySchema };
