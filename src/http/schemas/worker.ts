// Schemas of the worker API (src/jobs/protocol.ts): what a GPU worker sends and gets.
import { z } from '@hono/zod-openapi';
import { JobSchema } from './fine-tuning.ts';

export const ClaimRequestSchema = z
  .object({
    worker_id: z.string().min(1).max(200),
    execution_provider: z.enum(['cpu', 'webgpu', 'cuda']),
    claim_id: z.string().min(1).max(200).optional().openapi({
      description:
        "The worker's name for this claim, kept while it retries: a retry gets the lease the first try took.",
    }),
  })
  .openapi('WorkerClaimRequest');

export const ClaimResponseSchema = z
  .object({
    job: JobSchema,
    lease: z.object({ id: z.string(), expires_at: z.number().int().openapi({ description: 'Unix seconds.' }) }),
    attempt: z.number().int(),
    base_model_files: z.array(z.string()),
    resume_from: z.object({ step: z.number().int(), files: z.array(z.string()) }).nullable(),
  })
  .openapi('WorkerClaimResponse');

export const HeartbeatRequestSchema = z
  .object({
    lease_id: z.string().min(1).max(100),
    step: z.number().int().min(0).optional(),
    total_steps: z.number().int().min(0).optional(),
  })
  .openapi('WorkerHeartbeatRequest');

export const HeartbeatResponseSchema = z
  .object({ expires_at: z.number().int(), cancel_requested: z.boolean() })
  .openapi('WorkerHeartbeatResponse');

const EventInput = z.object({
  id: z.string().min(1).max(200).optional().openapi({
    description: "The worker's name for the event, unique within the job: a retried post of it is recorded once.",
  }),
  type: z.enum(['message', 'metrics']),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string().max(100_000),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  created_at: z.number(),
});

export const EventsRequestSchema = z
  .object({ lease_id: z.string().min(1).max(100), events: z.array(EventInput).max(500) })
  .openapi('WorkerEventsRequest');

export const CheckpointRequestSchema = z
  .object({
    lease_id: z.string().min(1).max(100),
    step: z.number().int().min(0),
    epoch: z.number().min(0),
    files: z.array(z.string().min(1).max(500)).max(1000),
    metrics: z.record(z.string(), z.number()),
  })
  .openapi('WorkerCheckpointRequest');

export const CompleteRequestSchema = z
  .object({
    lease_id: z.string().min(1).max(100),
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    error: z
      .object({ code: z.string().max(100), message: z.string().max(10_000) })
      .nullable()
      .optional(),
    files: z.array(z.string().min(1).max(500)).max(1000).optional(),
    trained_tokens: z.number().int().min(0).nullable().optional(),
    metrics: z.record(z.string(), z.number()).optional(),
  })
  .openapi('WorkerCompleteRequest');

export const CompleteResponseSchema = z
  .object({ status: z.enum(['succeeded', 'failed', 'cancelled']), fine_tuned_model: z.string().nullable() })
  .openapi('WorkerCompleteResponse');

export const ReleaseRequestSchema = z
  .object({ lease_id: z.string().min(1).max(100), reason: z.string().max(2000).optional() })
  .openapi('WorkerReleaseRequest');
