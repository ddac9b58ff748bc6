// Request and response schemas of /v1/fine_tuning/jobs: OpenAI's names, the training module's hyperparameters.
import { z } from '@hono/zod-openapi';
import { ListQuerySchema, listSchema, MetadataSchema, WebhookInputSchema } from './jobs-common.ts';

const auto = z.literal('auto');
const int = (min: number, max: number) => z.number().int().min(min).max(max);

export const HyperparametersInputSchema = z
  .object({
    n_epochs: z
      .union([int(1, 100), auto])
      .optional()
      .openapi({ description: 'Epochs (default 3; "auto" = default).' }),
    batch_size: z
      .union([int(1, 1024), auto])
      .optional()
      .openapi({ description: 'Examples per optimizer step (default 32).' }),
    learning_rate: z
      .union([z.number().gt(0).max(1), auto])
      .optional()
      .openapi({ description: 'AdamW peak learning rate (default 5e-5).' }),
    max_length: int(8, 8192)
      .optional()
      .openapi({ description: "Tokens per example after truncation (default 128; at most the model's positions)." }),
    num_frozen_layers: int(0, 128)
      .optional()
      .openapi({ description: "Encoder layers from the bottom kept frozen (default 0; at most the model's layers)." }),
    freeze_embeddings: z.boolean().optional().openapi({ description: 'Keep the embeddings frozen (default false).' }),
    pooling: z.enum(['cls', 'mean', 'max']).nullable().optional().openapi({
      description:
        "cls | mean | max: edgeclass's head over that pooling; null (default): the architecture's Hugging Face head.",
    }),
    warmup_ratio: z
      .number()
      .min(0)
      .lt(1)
      .optional()
      .openapi({ description: 'Fraction of steps with a linear warm-up (default 0.1).' }),
    weight_decay: z.number().min(0).max(1).optional().openapi({ description: 'AdamW weight decay (default 0.01).' }),
    seed: int(0, 2147483647)
      .optional()
      .openapi({ description: 'Data order, dropout and head initialisation (default 42).' }),
    gradient_accumulation_steps: int(1, 1024)
      .optional()
      .openapi({ description: 'Micro-batches per optimizer step (default 1).' }),
    eval_steps: int(1, 10_000_000)
      .nullable()
      .optional()
      .openapi({ description: 'Evaluate and checkpoint every N steps; null (default): every epoch.' }),
    early_stopping_patience: int(1, 1000)
      .nullable()
      .optional()
      .openapi({ description: 'Stop after N evaluations without improvement; null (default): never.' }),
  })
  .strict()
  .openapi('HyperparametersInput');

export const HyperparametersSchema = z
  .object({
    n_epochs: z.number().int(),
    batch_size: z.number().int(),
    learning_rate: z.number(),
    max_length: z.number().int(),
    num_frozen_layers: z.number().int(),
    freeze_embeddings: z.boolean(),
    pooling: z.enum(['cls', 'mean', 'max']).nullable(),
    warmup_ratio: z.number(),
    weight_decay: z.number(),
    seed: z.number().int(),
    gradient_accumulation_steps: z.number().int(),
    eval_steps: z.number().int().nullable(),
    early_stopping_patience: z.number().int().nullable(),
  })
  .openapi('Hyperparameters');

export const SuffixSchema = z
  .string()
  .regex(/^[A-Za-z0-9._-]{1,64}$/, 'suffix is 1 to 64 characters of A-Z, a-z, 0-9, ".", "_", "-"')
  .refine((s) => !s.includes('..'), 'suffix must not contain ".."')
  .openapi({ description: 'Part of the fine-tuned model id ft:<base>:<suffix>:<job id>.', example: 'sentiment' });

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
    hyperparameters: HyperparametersInputSchema.optional(),
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
