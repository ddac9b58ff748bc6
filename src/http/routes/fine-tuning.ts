// /v1/fine_tuning/jobs: OpenAI's fine-tuning API over the jobs core (src/jobs/jobs.ts). Thin: authenticate,
// validate, call the core, shape the answer.
import { createRoute, z } from '@hono/zod-openapi';
import { createJob, getJob, getJobView, listCheckpoints, listEvents, listJobs } from '../../jobs/jobs.ts';
import { cancelJob, pauseJob, resumeJob } from '../../jobs/lifecycle.ts';
import { listDeliveries } from '../../jobs/webhooks/deliveries.ts';
import type { App } from '../deps.ts';
import { requireApiKey } from '../auth.ts';
import {
  CheckpointListSchema,
  CreateJobRequestSchema,
  DeliveryListSchema,
  EventListSchema,
  JobListSchema,
  JobSchema,
  ListQuerySchema,
} from '../schemas/fine-tuning.ts';
import { authErrorResponses, bearerSecurity, JobIdParam } from '../schemas/jobs-common.ts';
import { metadataFilter } from '../schemas/metadata-filter.ts';
import { ErrorSchema } from '../schemas/common.ts';

const json = <T extends z.ZodTypeAny>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const TAGS = ['Fine-tuning'];

const createJobRoute = createRoute({
  method: 'post',
  path: '/v1/fine_tuning/jobs',
  tags: TAGS,
  summary: 'Create a fine-tuning job (validated, then queued for a GPU worker)',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: {
    headers: z.object({
      'idempotency-key': z
        .string()
        .min(1)
        .max(255)
        .optional()
        .openapi({ description: 'The same key with the same body returns the same job; with another body, 409.' }),
    }),
    body: { required: true, content: { 'application/json': { schema: CreateJobRequestSchema } } },
  },
  responses: {
    200: json(
      JobSchema,
      'The job (created, or the one an earlier request with this Idempotency-Key created: header Idempotent-Replayed: true).',
    ),
    409: json(ErrorSchema, 'The Idempotency-Key was used with another body.'),
    ...authErrorResponses,
  },
});

const listJobsRoute = createRoute({
  method: 'get',
  path: '/v1/fine_tuning/jobs',
  tags: TAGS,
  summary: "The key's jobs, newest first; metadata[key]=value filters (every pair must match), metadata=null: none",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { query: ListQuerySchema },
  responses: { 200: json(JobListSchema, 'A page of jobs.'), ...authErrorResponses },
});

const getJobRoute = createRoute({
  method: 'get',
  path: '/v1/fine_tuning/jobs/{fine_tuning_job_id}',
  tags: TAGS,
  summary: 'A job',
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: JobIdParam },
  responses: { 200: json(JobSchema, 'The job.'), ...authErrorResponses },
});

const eventsRoute = createRoute({
  method: 'get',
  path: '/v1/fine_tuning/jobs/{fine_tuning_job_id}/events',
  tags: TAGS,
  summary: "A job's events (status changes, metrics, evaluations), newest first",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: JobIdParam, query: ListQuerySchema },
  responses: { 200: json(EventListSchema, 'A page of events.'), ...authErrorResponses },
});

const checkpointsRoute = createRoute({
  method: 'get',
  path: '/v1/fine_tuning/jobs/{fine_tuning_job_id}/checkpoints',
  tags: TAGS,
  summary: "A job's registered checkpoints, newest first",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: JobIdParam, query: ListQuerySchema },
  responses: { 200: json(CheckpointListSchema, 'A page of checkpoints.'), ...authErrorResponses },
});

/** POST /v1/fine_tuning/jobs/{id}/<action>: the job, in the state asked for. */
function lifecycleRoute(action: 'cancel' | 'pause' | 'resume', summary: string, conflict: string) {
  return createRoute({
    method: 'post',
    path: `/v1/fine_tuning/jobs/{fine_tuning_job_id}/${action}`,
    tags: TAGS,
    summary,
    security: bearerSecurity,
    middleware: [requireApiKey] as const,
    request: { params: JobIdParam },
    responses: { 200: json(JobSchema, 'The job.'), 409: json(ErrorSchema, conflict), ...authErrorResponses },
  });
}

const cancelRoute = lifecycleRoute(
  'cancel',
  "Cancel a job: answered cancelled at once; a running job's worker stops at its next heartbeat",
  'The job already succeeded or failed.',
);
const pauseRoute = lifecycleRoute(
  'pause',
  "Pause a job: answered paused at once; a running job's worker stops at its next heartbeat, its checkpoints kept",
  'The job already finished.',
);
const resumeRoute = lifecycleRoute(
  'resume',
  'Resume a paused job: queued again, trained on from its newest checkpoint',
  'The job is not paused.',
);

const deliveriesRoute = createRoute({
  method: 'get',
  path: '/v1/fine_tuning/jobs/{fine_tuning_job_id}/webhook_deliveries',
  tags: TAGS,
  summary: "A job's webhook deliveries and their state (newest first, up to 200)",
  security: bearerSecurity,
  middleware: [requireApiKey] as const,
  request: { params: JobIdParam },
  responses: { 200: json(DeliveryListSchema, 'The deliveries.'), ...authErrorResponses },
});

export function registerFineTuningRoutes(app: App): void {
  app.openapi(createJobRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    const body = c.req.valid('json');
    const result = await createJob(jobs, owner, body, {
      idempotencyKey: c.req.valid('header')['idempotency-key'] ?? null,
    });
    if (!result.created) c.header('Idempotent-Replayed', 'true');
    return c.json({ ...result.job, ...(result.webhookSecret ? { webhook_secret: result.webhookSecret } : {}) }, 200);
  });

  app.openapi(listJobsRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    const metadata = metadataFilter(new URL(c.req.url).searchParams);
    return c.json(await listJobs(jobs, owner, { ...c.req.valid('query'), metadata }), 200);
  });

  app.openapi(getJobRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await getJob(jobs, owner, c.req.valid('param').fine_tuning_job_id), 200);
  });

  app.openapi(eventsRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await listEvents(jobs, owner, c.req.valid('param').fine_tuning_job_id, c.req.valid('query')), 200);
  });

  app.openapi(checkpointsRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(
      await listCheckpoints(jobs, owner, c.req.valid('param').fine_tuning_job_id, c.req.valid('query')),
      200,
    );
  });

  app.openapi(cancelRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await cancelJob(jobs, owner, c.req.valid('param').fine_tuning_job_id), 200);
  });

  app.openapi(pauseRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await pauseJob(jobs, owner, c.req.valid('param').fine_tuning_job_id), 200);
  });

  app.openapi(resumeRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    return c.json(await resumeJob(jobs, owner, c.req.valid('param').fine_tuning_job_id), 200);
  });

  app.openapi(deliveriesRoute, async (c) => {
    const { jobs, owner } = c.get('auth');
    const job = await getJobView(jobs, owner, c.req.valid('param').fine_tuning_job_id);
    return c.json({ object: 'list' as const, data: await listDeliveries(jobs, job.id) }, 200);
  });
}
