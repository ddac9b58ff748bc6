// Fine-tuning jobs as their owner sees them: create (validated completely before anything is queued, with
// Idempotency-Key), list, get, cancel, events, checkpoints. The worker's side (claims, leases, completion) is in
// leases.ts; both read and write the rows defined here.
import { RequestError } from '../core/errors.ts';
import { canonicalJson, sha256Hex } from './crypto.ts';
import { checkTrainingSet, checkValidationLabels } from './datasets.ts';
import { getFileRow, type FileRow } from './files.ts';
import { resolveHyperparameters, type HyperparametersInput } from './hyperparameters.ts';
import { isId, newId } from './ids.ts';
import { checkAgainstModel, checkBaseModel, fineTunedModelId } from './models.ts';
import { toPage, type Page, type PageRequest } from './pagination.ts';
import type { FineTuningJob, Hyperparameters, JobEvent, JobStatus } from './protocol.ts';
import { isTerminal, webhookTypeFor } from './state.ts';
import { seconds, type JobsContext } from './context.ts';
import { prepareEndpoint, type WebhookInput } from './webhooks/endpoints.ts';
import { prepareDelivery, type WebhookEventType } from './webhooks/deliveries.ts';
import { isValidModelId } from '../store/model-store.ts';
import type { CheckpointRow, EventRow, JobRow, JobView, MetadataFilter, PendingWrite } from '../storage/types.ts';

export type { JobRow, JobView, MetadataFilter } from '../storage/types.ts';

/** OpenAI's fine_tuning.job with edgeclass's additions. */
export interface JobObject extends FineTuningJob {
  webhook: { url: string; endpoint_id: string; disabled: boolean } | null;
  organization_id: string;
  method: { type: 'supervised'; supervised: { hyperparameters: Hyperparameters } };
  integrations: [];
  trigger_id: string | null;
  /** A cancel was asked for while the job runs; it becomes cancelled when the worker stops. */
  cancel_requested: boolean;
  /** Attempts so far (a worker losing its lease costs one) and the most allowed. */
  attempts: number;
  max_attempts: number;
  progress: { step: number; total_steps: number | null } | null;
}

export function jobObject(row: JobView): JobObject {
  const hyperparameters = JSON.parse(row.hyperparameters) as Hyperparameters;
  return {
    id: row.id,
    object: 'fine_tuning.job',
    created_at: seconds(row.created_at)!,
    finished_at: seconds(row.finished_at),
    model: row.model,
    fine_tuned_model: row.status === 'succeeded' ? row.fine_tuned_model_id : null,
    status: row.status,
    training_file: row.training_file,
    validation_file: row.validation_file,
    hyperparameters,
    result_files: JSON.parse(row.result_files) as string[],
    trained_tokens: row.trained_tokens,
    error: row.error === null ? null : (JSON.parse(row.error) as JobObject['error']),
    seed: hyperparameters.seed,
    suffix: row.suffix,
    metadata: row.metadata === null ? null : (JSON.parse(row.metadata) as Record<string, string>),
    estimated_finish: row.status === 'running' ? seconds(row.estimated_finish) : null,
    webhook:
      row.webhook_endpoint_id && row.webhook_url !== null
        ? { url: row.webhook_url, endpoint_id: row.webhook_endpoint_id, disabled: row.webhook_disabled_at !== null }
        : null,
    organization_id: row.owner,
    method: { type: 'supervised', supervised: { hyperparameters } },
    integrations: [],
    trigger_id: row.trigger_id,
    cancel_requested: row.cancel_requested === 1 && !isTerminal(row.status),
    attempts: row.attempt,
    max_attempts: row.max_attempts,
    progress: row.step === null ? null : { step: row.step, total_steps: row.total_steps },
  };
}

// ---- events -----------------------------------------------------------------------------------------------

export interface EventObject {
  id: string;
  object: 'fine_tuning.job.event';
  created_at: number;
  level: JobEvent['level'];
  message: string;
  data: Record<string, unknown> | null;
  type: JobEvent['type'];
}

/**
 * An INSERT for one event (to batch with the change it tells of). `createdAt` in ms. One with a `clientId` (the
 * worker's name for it) already recorded for the job is skipped. Its time is never before the job's newest
 * event's: lists go by insertion (`seq`), and the worker's clock or a batch sent late must not make `created_at`
 * go backwards down a list (OpenAI's lists are newest first by `created_at`).
 */
export function eventStatement(
  ctx: JobsContext,
  jobId: string,
  event: {
    level?: JobEvent['level'];
    type?: JobEvent['type'];
    message: string;
    data?: Record<string, unknown> | null;
    createdAt?: number;
    clientId?: string;
  },
): PendingWrite {
  const at = event.createdAt ?? ctx.now();
  return ctx.jobs.addEvent({
    id: newId('event', at),
    job_id: jobId,
    created_at: at,
    level: event.level ?? 'info',
    type: event.type ?? 'message',
    message: event.message,
    data: event.data ? JSON.stringify(event.data) : null,
    client_id: event.clientId ?? null,
  });
}

function eventObject(row: EventRow): EventObject {
  return {
    id: row.id,
    object: 'fine_tuning.job.event',
    created_at: seconds(row.created_at)!,
    level: row.level,
    message: row.message,
    data: row.data === null ? null : JSON.parse(row.data),
    type: row.type,
  };
}

// ---- checkpoints ------------------------------------------------------------------------------------------

export type { CheckpointRow } from '../storage/types.ts';

/** OpenAI's fine_tuning.job.checkpoint, plus epoch and files. */
export interface CheckpointObject {
  id: string;
  object: 'fine_tuning.job.checkpoint';
  created_at: number;
  fine_tuned_model_checkpoint: string;
  fine_tuning_job_id: string;
  metrics: Record<string, number>;
  step_number: number;
  epoch: number;
  files: string[];
}

export function checkpointObject(row: CheckpointRow, fineTunedModelId: string): CheckpointObject {
  return {
    id: row.id,
    object: 'fine_tuning.job.checkpoint',
    created_at: seconds(row.created_at)!,
    fine_tuned_model_checkpoint: `${fineTunedModelId}:ckpt-step-${row.step}`,
    fine_tuning_job_id: row.job_id,
    metrics: { step: row.step, ...(JSON.parse(row.metrics) as Record<string, number>) },
    step_number: row.step,
    epoch: row.epoch,
    files: JSON.parse(row.files) as string[],
  };
}

// ---- webhooks of state changes ----------------------------------------------------------------------------

/** The webhook data of a job event: its id and what a receiver acts on. */
export function webhookData(
  row: JobRow,
  status: JobStatus,
  extra: Record<string, unknown> = {},
): { id: string } & Record<string, unknown> {
  return {
    id: row.id,
    status,
    model: row.model,
    fine_tuned_model: status === 'succeeded' ? row.fine_tuned_model_id : null,
    metadata: row.metadata === null ? null : JSON.parse(row.metadata),
    ...extra,
  };
}

/** Delivery inserts for a job's webhook (none without an endpoint). */
export function jobWebhook(
  ctx: JobsContext,
  row: JobRow,
  type: WebhookEventType,
  data: { id: string } & Record<string, unknown>,
): { ids: string[]; statements: PendingWrite[] } {
  if (!row.webhook_endpoint_id) return { ids: [], statements: [] };
  const { id, insert } = prepareDelivery(ctx, row.webhook_endpoint_id, row.id, type, data);
  return { ids: [id], statements: [insert] };
}

/** The webhook announcing that `row` reached `status` (running, succeeded, failed, cancelled). */
export function statusWebhook(
  ctx: JobsContext,
  row: JobRow,
  status: JobStatus,
  extra: Record<string, unknown> = {},
): { ids: string[]; statements: PendingWrite[] } {
  const type = webhookTypeFor(status);
  return type ? jobWebhook(ctx, row, type, webhookData(row, status, extra)) : { ids: [], statements: [] };
}

// ---- reading ----------------------------------------------------------------------------------------------

/** The owner's job; not_found for unknown ids and other owners' jobs alike. */
export async function getJobView(ctx: JobsContext, owner: string, id: string): Promise<JobView> {
  const row = isId('job', id) ? await ctx.jobs.find(id, owner) : null;
  if (!row) throw new RequestError('not_found', `no fine-tuning job '${id}'`, 'fine_tuning_job_id');
  return row;
}

export async function getJob(ctx: JobsContext, owner: string, id: string): Promise<JobObject> {
  return jobObject(await getJobView(ctx, owner, id));
}

export async function listJobs(
  ctx: JobsContext,
  owner: string,
  page: PageRequest & { metadata?: MetadataFilter },
): Promise<Page<JobObject>> {
  const rows = await ctx.jobs.page(owner, page.metadata, { after: page.after, limit: page.limit });
  return toPage(rows.map(jobObject), page.limit);
}

export async function listEvents(
  ctx: JobsContext,
  owner: string,
  jobId: string,
  page: PageRequest,
): Promise<Page<EventObject>> {
  await getJobView(ctx, owner, jobId);
  const rows = await ctx.jobs.events(jobId, { after: page.after, limit: page.limit });
  return toPage(rows.map(eventObject), page.limit);
}

export async function listCheckpoints(
  ctx: JobsContext,
  owner: string,
  jobId: string,
  page: PageRequest,
): Promise<Page<CheckpointObject>> {
  const job = await getJobView(ctx, owner, jobId);
  const rows = await ctx.checkpoints.page(jobId, { after: page.after, limit: page.limit });
  return toPage(
    rows.map((r) => checkpointObject(r, job.fine_tuned_model_id)),
    page.limit,
  );
}

// ---- creating ---------------------------------------------------------------------------------------------

export interface CreateJobInput {
  model: string;
  training_file: string;
  validation_file?: string | null;
  /** Deprecated by OpenAI for method.supervised.hyperparameters; either place, not both. */
  hyperparameters?: HyperparametersInput;
  method?: { type: 'supervised'; supervised?: { hyperparameters?: HyperparametersInput } };
  /** Only an empty list passes the schema: no integration is supported. */
  integrations?: unknown[] | null;
  seed?: number;
  suffix?: string | null;
  metadata?: Record<string, string> | null;
  webhook?: WebhookInput | null;
}

/** The hyperparameters a request gives, from OpenAI's place for them or the older top-level one. */
function requestedHyperparameters(input: CreateJobInput): { given: HyperparametersInput | undefined; param: string } {
  const nested = input.method?.supervised?.hyperparameters;
  if (nested && input.hyperparameters) {
    throw new RequestError(
      'invalid_request',
      'hyperparameters: give them in method.supervised.hyperparameters or at the top level, not both',
      'hyperparameters',
    );
  }
  if (nested) return { given: nested, param: 'method.supervised.hyperparameters' };
  return { given: input.hyperparameters, param: 'hyperparameters' };
}

export interface CreateJobOptions {
  idempotencyKey?: string | null;
  /** Jobs a trigger starts: its id, and its webhook endpoint (instead of input.webhook). */
  triggerId?: string | null;
  webhookEndpointId?: string | null;
}

export interface CreateJobResult {
  job: JobObject;
  /** false when an Idempotency-Key found the job made by an earlier request. */
  created: boolean;
  /** The generated webhook secret, shown this once. */
  webhookSecret: string | null;
}

async function requestHash(input: CreateJobInput): Promise<string> {
  return sha256Hex(canonicalJson(input));
}

/** The job an Idempotency-Key already made, or null; 409 when the key came with another request. */
async function replayed(ctx: JobsContext, owner: string, key: string, hash: string): Promise<JobObject | null> {
  const row = await ctx.jobs.findIdempotencyKey(owner, key);
  if (!row) return null;
  if (row.request_hash !== hash) {
    throw new RequestError(
      'conflict',
      `Idempotency-Key '${key}' was used with a different request (job ${row.job_id}); use a new key for a new job`,
      'Idempotency-Key',
    );
  }
  return getJob(ctx, owner, row.job_id);
}

function datasetFile(file: FileRow, param: string): FileRow {
  if (file.purpose !== 'fine-tune' || file.labels === null) {
    throw new RequestError(
      'invalid_request',
      `${param}: ${file.id} has purpose '${file.purpose}'; upload the dataset with purpose 'fine-tune'`,
      param,
    );
  }
  return file;
}

async function ownedDataset(ctx: JobsContext, owner: string, id: string, param: string): Promise<FileRow> {
  try {
    return datasetFile(await getFileRow(ctx, owner, id, param), param);
  } catch (err) {
    // A body naming a file that is not the caller's is invalid input (400), not a missing route resource.
    if (err instanceof RequestError && err.kind === 'not_found')
      throw new RequestError('invalid_request', `${param}: no file '${id}'`, param);
    throw err;
  }
}

/**
 * Validates everything a worker would trip on -- files, labels, base model, hyperparameters against its config,
 * webhook target -- then writes the job, its first events, its endpoint and its Idempotency-Key in one D1 batch,
 * and only then queues it. Bad input throws before anything is written or queued.
 */
export async function createJob(
  ctx: JobsContext,
  owner: string,
  input: CreateJobInput,
  options: CreateJobOptions = {},
): Promise<CreateJobResult> {
  const hash = await requestHash(input);
  if (options.idempotencyKey) {
    const job = await replayed(ctx, owner, options.idempotencyKey, hash);
    if (job) return { job, created: false, webhookSecret: null };
  }

  const training = await ownedDataset(ctx, owner, input.training_file, 'training_file');
  checkTrainingSet(
    { examples: training.examples ?? 0, labels: JSON.parse(training.labels!), multiLabel: training.multi_label === 1 },
    ctx.config.minTrainingExamples,
    'training_file',
  );
  let validation: FileRow | null = null;
  if (input.validation_file) {
    validation = await ownedDataset(ctx, owner, input.validation_file, 'validation_file');
    if ((validation.multi_label === 1) !== (training.multi_label === 1)) {
      throw new RequestError(
        'invalid_request',
        'validation_file: one file is multi-label and the other is not',
        'validation_file',
      );
    }
    checkValidationLabels(JSON.parse(training.labels!), JSON.parse(validation.labels!), 'validation_file');
  }
  const config = await checkBaseModel(ctx, input.model);
  const requested = requestedHyperparameters(input);
  const hyperparameters = resolveHyperparameters(requested.given, input.seed, requested.param);
  checkAgainstModel(hyperparameters, config, requested.param);

  const now = ctx.now();
  const id = newId('job', now);
  const suffix = input.suffix ?? null;
  const ftId = fineTunedModelId(input.model, suffix, id);
  if (!isValidModelId(ftId))
    throw new RequestError('invalid_request', `suffix: '${suffix}' does not make a valid model id (${ftId})`, 'suffix');

  const statements: PendingWrite[] = [];
  let endpointId = options.webhookEndpointId ?? null;
  let webhookSecret: string | null = null;
  if (!endpointId && input.webhook) {
    const endpoint = prepareEndpoint(ctx, owner, input.webhook, 'webhook');
    statements.push(endpoint.insert);
    endpointId = endpoint.row.id;
    if (endpoint.generated) webhookSecret = endpoint.secret;
  }
  statements.push(
    ctx.jobs.insert({
      id,
      owner,
      model: input.model,
      fine_tuned_model_id: ftId,
      training_file: training.id,
      validation_file: validation?.id ?? null,
      hyperparameters: JSON.stringify(hyperparameters),
      suffix,
      metadata: input.metadata ? JSON.stringify(input.metadata) : null,
      webhook_endpoint_id: endpointId,
      trigger_id: options.triggerId ?? null,
      created_at: now,
      max_attempts: ctx.config.maxAttempts,
    }),
  );
  statements.push(eventStatement(ctx, id, { message: `Created fine-tuning job: ${id}`, createdAt: now }));
  statements.push(
    eventStatement(ctx, id, {
      message:
        `Validated training file: ${training.id} (${training.examples} examples, labels: ${(JSON.parse(training.labels!) as string[]).slice(0, 20).join(', ')})` +
        (validation ? `; validation file: ${validation.id} (${validation.examples} examples)` : ''),
      createdAt: now,
    }),
  );
  if (options.idempotencyKey) {
    statements.push(
      ctx.jobs.insertIdempotencyKey({
        owner,
        key: options.idempotencyKey,
        request_hash: hash,
        job_id: id,
        created_at: now,
      }),
    );
  }
  try {
    await ctx.db.batch(statements);
  } catch (err) {
    // Two requests with one Idempotency-Key at once: the batch (a transaction) of the second failed as a whole.
    if (options.idempotencyKey && /UNIQUE/i.test(String(err))) {
      const job = await replayed(ctx, owner, options.idempotencyKey, hash);
      if (job) return { job, created: false, webhookSecret: null };
    }
    throw err;
  }
  try {
    await ctx.queue.send({ type: 'dispatch', job_id: id });
  } catch (err) {
    // The job is safe in D1: after EDGECLASS_DISPATCH_GRACE_SECONDS a worker's claim takes it anyway.
    console.error(
      JSON.stringify({
        level: 'warn',
        msg: 'could not queue a job; claims will take it after the grace period',
        job: id,
        error: String(err),
      }),
    );
  }
  return { job: await getJob(ctx, owner, id), created: true, webhookSecret };
}
