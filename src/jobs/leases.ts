// The worker's side of a job (src/jobs/protocol.ts): claims and leases, heartbeats, events, checkpoints, result
// files, completion. Lease rules, all enforced by conditional UPDATEs in D1 (each statement is atomic):
// - a claim takes the oldest queued job, or a running one whose lease expired while attempts remain (resumed from
//   its newest registered checkpoint), and writes a fresh lease id: at most one live lease per job;
// - a heartbeat with the current lease id extends it (and answers cancel_requested); any request with another
//   lease id, or with a lease that has expired, gets 409 -- the worker that lost its lease must stop. An expired
//   lease is dead even before another worker claims the job: its worker stopped by itself before the expiry (see
//   src/gpu-worker/lease.ts), so a late heartbeat (held up, e.g., by wrangler dev restarting) must not revive a lease
//   nobody works under any more, nor may a late upload land after the job became claimable;
// - a running job whose lease expired with no attempts left fails (or, if a cancel was asked for, is cancelled):
//   the sweep, run before every claim and by the cron trigger (claims also re-send webhooks whose queue message was
//   lost, at most every 30 s: wrangler dev fires no cron).
import { storeStreamed, type IncomingBytes } from './uploads.ts';
import { RequestError } from '../core/errors.ts';
import { storeFile } from './files.ts';
import { newId } from './ids.ts';
import {
  checkpointObject,
  eventStatement,
  jobObject,
  jobWebhook,
  statusWebhook,
  webhookData,
  type CheckpointRow,
  type JobRow,
  type JobView,
} from './jobs.ts';
import { baseModelFilesForTraining, checkFilePath, deleteModelFolder, SERVABLE_FILES } from './models.ts';
import type {
  ClaimRequest,
  ClaimResponse,
  CheckpointRequest,
  CompleteRequest,
  EventsRequest,
  HeartbeatRequest,
  HeartbeatResponse,
  JobEvent,
  ReleaseRequest,
} from './protocol.ts';
import { wakeWorker } from './wake.ts';
import { isTerminal } from './state.ts';
import { seconds, type JobsContext } from './context.ts';
import { resendOverdueDeliveriesSoon, sendDeliveries } from './webhooks/deliveries.ts';
import type { BlobBody, PendingWrite } from '../storage/types.ts';

/** Most events in one request, and the longest message, kept as sent otherwise. */
export const MAX_EVENTS_PER_REQUEST = 500;
const MAX_MESSAGE_CHARS = 4000;
const MAX_EVENT_DATA_CHARS = 32_000;

export function checkpointKey(jobId: string, step: number, file: string): string {
  return `checkpoints/${jobId}/${step}/${file}`;
}

async function jobView(ctx: JobsContext, jobId: string): Promise<JobView> {
  const row = await ctx.jobs.find(jobId, null);
  if (!row) throw new RequestError('not_found', `no fine-tuning job '${jobId}'`, 'job_id');
  return row;
}

/** The lease is unexpired at `now` (ms). */
function leaseLive(row: Pick<JobRow, 'lease_expires_at'>, now: number): boolean {
  return row.lease_expires_at !== null && row.lease_expires_at >= now;
}

/** The job, if `leaseId` is its live lease; 409 otherwise (lost to another claim, expired, finished). */
export async function requireLease(
  ctx: JobsContext,
  jobId: string,
  leaseId: string | null | undefined,
): Promise<JobView> {
  const row = await jobView(ctx, jobId);
  if (!leaseId || row.lease_id !== leaseId || row.status !== 'running' || !leaseLive(row, ctx.now())) {
    const why =
      row.status !== 'running'
        ? `the job is ${row.status}`
        : row.lease_id !== leaseId
          ? 'another worker holds it now'
          : 'the lease expired';
    throw new RequestError(
      'conflict',
      `lease ${leaseId ?? '(none)'} is not the live lease of ${jobId}: ${why}; stop working on it`,
      'lease_id',
    );
  }
  return row;
}

// ---- sweep ------------------------------------------------------------------------------------------------

/**
 * Ends running jobs whose lease expired and that cannot go on: cancelled when a cancel was asked for, failed when
 * no attempts are left. Returns how many it ended.
 */
export async function expireLeases(ctx: JobsContext): Promise<number> {
  const now = ctx.now();
  const rows = await ctx.leases.expire(
    now,
    JSON.stringify({
      code: 'worker_lost',
      message: 'the worker stopped heartbeating and no attempts are left',
      param: null,
    }),
  );
  const statements: PendingWrite[] = [];
  const deliveries: string[] = [];
  for (const row of rows) {
    const message =
      row.status === 'cancelled'
        ? 'Job cancelled (the worker stopped before it could confirm)'
        : `Job failed: the worker stopped heartbeating (lease expired) and all ${row.max_attempts} attempts are used`;
    statements.push(eventStatement(ctx, row.id, { level: row.status === 'failed' ? 'error' : 'info', message }));
    const webhook = statusWebhook(
      ctx,
      row,
      row.status,
      row.status === 'failed' ? { error: JSON.parse(row.error!) } : {},
    );
    statements.push(...webhook.statements);
    deliveries.push(...webhook.ids);
  }
  if (statements.length) await ctx.db.batch(statements);
  await sendDeliveries(ctx, deliveries);
  for (const row of rows) ctx.defer(deleteModelFolder(ctx.models, row.fine_tuned_model_id));
  return rows.length;
}

// ---- claim ------------------------------------------------------------------------------------------------

export async function claimJob(ctx: JobsContext, request: ClaimRequest): Promise<ClaimResponse | null> {
  await expireLeases(ctx);
  resendOverdueDeliveriesSoon(ctx);
  const now = ctx.now();
  if (request.claim_id) {
    // A retry of a claim that took a job but whose answer was lost: the same lease again, nothing recorded twice.
    const taken = await ctx.leases.findClaimed(request.claim_id, request.worker_id, now);
    if (taken) return claimResponse(ctx, taken, taken.lease_id!, taken.lease_expires_at!);
  }
  const leaseId = newId('lease', now);
  const expires = now + ctx.config.leaseSeconds * 1000;
  const graceStart = now - ctx.config.dispatchGraceSeconds * 1000;
  // Find the oldest candidate, then take it with an UPDATE that checks the same condition: if another claim took
  // it in between, the UPDATE changes nothing and we look again. (Two steps to know what the job was before.)
  let row: JobRow | null = null;
  let previous: JobRow['status'] = 'queued';
  for (let tries = 0; row === null && tries < 5; tries++) {
    const candidate = await ctx.leases.nextClaimable(now, graceStart);
    if (!candidate) return null;
    previous = candidate.status;
    const lease = { leaseId, workerId: request.worker_id, claimId: request.claim_id ?? null, expiresAt: expires };
    row = await ctx.leases.take(candidate.id, lease, now, graceStart);
  }
  if (!row) return null;

  const checkpoint = await ctx.checkpoints.newest(row.id);
  const statements: PendingWrite[] = [];
  let deliveries: string[] = [];
  const where = `worker ${request.worker_id} (${request.execution_provider})`;
  if (row.attempt === 1) {
    statements.push(
      eventStatement(ctx, row.id, {
        message: `Fine-tuning job started on ${where}`,
        data: { attempt: 1, worker_id: request.worker_id, execution_provider: request.execution_provider },
      }),
    );
    const webhook = statusWebhook(ctx, row, 'running');
    statements.push(...webhook.statements);
    deliveries = webhook.ids;
  } else {
    const from = checkpoint
      ? `resumes from the checkpoint at step ${checkpoint.step}`
      : 'starts over (no checkpoint was registered)';
    const why =
      previous === 'running' ? "The previous worker's lease expired" : 'The job was queued again (released or resumed)';
    statements.push(
      eventStatement(ctx, row.id, {
        level: previous === 'running' ? 'warn' : 'info',
        message: `${why}; attempt ${row.attempt} of ${row.max_attempts} on ${where} ${from}`,
        data: { attempt: row.attempt, worker_id: request.worker_id, resume_from_step: checkpoint?.step ?? null },
      }),
    );
  }
  await ctx.db.batch(statements);
  await sendDeliveries(ctx, deliveries);
  return claimResponse(ctx, row, leaseId, expires, checkpoint);
}

/** What a claim answers: the job, its lease, and the newest checkpoint to resume from. */
async function claimResponse(
  ctx: JobsContext,
  row: JobRow,
  leaseId: string,
  expires: number,
  checkpoint?: CheckpointRow | null,
): Promise<ClaimResponse> {
  const resume = checkpoint !== undefined ? checkpoint : await ctx.checkpoints.newest(row.id);
  return {
    job: jobObject(await jobView(ctx, row.id)),
    lease: { id: leaseId, expires_at: seconds(expires)! },
    attempt: row.attempt,
    base_model_files: await baseModelFilesForTraining(ctx.models, row.model),
    resume_from: resume ? { step: resume.step, files: JSON.parse(resume.files) as string[] } : null,
  };
}

// ---- heartbeat --------------------------------------------------------------------------------------------

export async function heartbeat(
  ctx: JobsContext,
  jobId: string,
  request: HeartbeatRequest,
): Promise<HeartbeatResponse> {
  const row = await requireLease(ctx, jobId, request.lease_id);
  const now = ctx.now();
  const expires = now + ctx.config.leaseSeconds * 1000;
  const step = request.step ?? row.step;
  const total = request.total_steps ?? row.total_steps;
  // Remaining time at the pace so far (since the first start; a resumed job's estimate includes its downtime).
  const estimate =
    step && total && row.started_at !== null && step <= total
      ? Math.round(now + ((now - row.started_at) * (total - step)) / step)
      : row.estimated_finish;
  const progress = { step, total_steps: total, estimated_finish: estimate };
  const updated = await ctx.leases.renew(jobId, request.lease_id, now, expires, progress);
  if (!updated) return heartbeat(ctx, jobId, request); // changed since we read it: requireLease says how
  return { expires_at: seconds(expires)!, cancel_requested: updated.cancel_requested === 1 };
}

// ---- release ----------------------------------------------------------------------------------------------

/**
 * The worker gives the job back (it is shutting down): the lease ends and the job is queued again at once, to
 * resume from its newest checkpoint. A release is not a failure: it does not use up an attempt. If a cancel was
 * asked for, the job is cancelled instead.
 */
export async function releaseJob(
  ctx: JobsContext,
  jobId: string,
  request: ReleaseRequest,
  workerId: string | null,
): Promise<void> {
  const row = await requireLease(ctx, jobId, request.lease_id);
  const now = ctx.now();
  const cancel = row.cancel_requested === 1;
  const updated = cancel
    ? await ctx.leases.cancel(jobId, request.lease_id, now)
    : await ctx.leases.requeue(jobId, request.lease_id);
  if (!updated) return releaseJob(ctx, jobId, request, workerId); // changed meanwhile: requireLease says how
  const reason = request.reason ? ` (${request.reason.slice(0, 500)})` : '';
  const webhook = cancel ? statusWebhook(ctx, updated, 'cancelled') : { ids: [], statements: [] };
  await ctx.db.batch([
    eventStatement(ctx, jobId, {
      message: cancel
        ? `Job cancelled: the worker stopped${reason}`
        : `Worker ${workerId ?? row.lease_worker} released the job${reason}; it is queued again`,
    }),
    ...webhook.statements,
  ]);
  await sendDeliveries(ctx, webhook.ids);
  if (cancel) ctx.defer(deleteModelFolder(ctx.models, row.fine_tuned_model_id));
  else ctx.defer(wakeWorker(ctx, jobId));
}

// ---- events -----------------------------------------------------------------------------------------------

function clip(data: Record<string, unknown> | null | undefined): Record<string, unknown> | null {
  if (!data) return null;
  const text = JSON.stringify(data);
  return text.length <= MAX_EVENT_DATA_CHARS ? data : { truncated: true, excerpt: text.slice(0, 1000) };
}

export async function addEvents(ctx: JobsContext, jobId: string, request: EventsRequest): Promise<void> {
  await requireLease(ctx, jobId, request.lease_id);
  if (request.events.length > MAX_EVENTS_PER_REQUEST) {
    throw new RequestError(
      'invalid_request',
      `events: ${request.events.length} in one request; the limit is ${MAX_EVENTS_PER_REQUEST}`,
      'events',
    );
  }
  const now = ctx.now();
  const statements = request.events.map((e: JobEvent) => {
    // The worker's time, unless it is off by more than a day (then ours), and never later than ours: a worker clock
    // running ahead would otherwise stamp every later event of the job (they never go back) in the future.
    const at =
      Number.isFinite(e.created_at) && Math.abs(e.created_at * 1000 - now) < 86_400_000
        ? Math.min(Math.round(e.created_at * 1000), now)
        : now;
    return eventStatement(ctx, jobId, {
      level: e.level,
      type: e.type,
      message: e.message.slice(0, MAX_MESSAGE_CHARS),
      data: clip(e.data),
      createdAt: at,
      clientId: e.id,
    });
  });
  if (statements.length) await ctx.db.batch(statements);
}

// ---- checkpoints ------------------------------------------------------------------------------------------

export async function putCheckpointFile(
  ctx: JobsContext,
  jobId: string,
  step: number,
  file: string,
  leaseId: string | null,
  upload: IncomingBytes,
): Promise<void> {
  checkFilePath(file);
  // The lease first: a worker that lost it gets its 409 before a byte of the upload is read.
  await requireLease(ctx, jobId, leaseId);
  await storeStreamed(ctx.files, checkpointKey(jobId, step, file), upload);
}

export async function getCheckpointFile(
  ctx: JobsContext,
  jobId: string,
  step: number,
  file: string,
): Promise<BlobBody> {
  checkFilePath(file);
  await jobView(ctx, jobId);
  const object = await ctx.files.get(checkpointKey(jobId, step, file));
  if (!object) throw new RequestError('not_found', `no checkpoint file ${file} at step ${step} of ${jobId}`, 'file');
  return object;
}

/** Registers a checkpoint whose files are uploaded; the next attempt resumes from the newest. Announced by a
 * fine_tuning.job.progress webhook. */
export async function registerCheckpoint(ctx: JobsContext, jobId: string, request: CheckpointRequest): Promise<void> {
  const row = await requireLease(ctx, jobId, request.lease_id);
  if (!request.files.length)
    throw new RequestError('invalid_request', 'files: a checkpoint needs at least one file', 'files');
  request.files.forEach((f, i) => checkFilePath(f, `files[${i}]`));
  const heads = await Promise.all(request.files.map((f) => ctx.files.head(checkpointKey(jobId, request.step, f))));
  const missing = request.files.filter((_, i) => heads[i] === null);
  if (missing.length)
    throw new RequestError(
      'invalid_request',
      `files: not uploaded for step ${request.step}: ${missing.join(', ')}`,
      'files',
    );
  // The worker retries a call whose answer it lost (e.g. across an edge restart): the same attempt registering the
  // same step and files again is that retry, already recorded and announced once.
  const known = await ctx.checkpoints.find(jobId, request.step);
  if (known && known.attempt === row.attempt && known.files === JSON.stringify(request.files)) return;
  const now = ctx.now();
  const id = newId('checkpoint', now);
  const checkpoint: CheckpointRow = {
    id,
    job_id: jobId,
    step: request.step,
    epoch: request.epoch,
    files: JSON.stringify(request.files),
    metrics: JSON.stringify(request.metrics ?? {}),
    attempt: row.attempt,
    created_at: now,
  };
  const webhook = jobWebhook(
    ctx,
    row,
    'fine_tuning.job.progress',
    webhookData(row, 'running', {
      checkpoint: checkpointObject(checkpoint, row.fine_tuned_model_id).id,
      step: request.step,
      epoch: request.epoch,
      total_steps: row.total_steps,
      metrics: request.metrics ?? {},
    }),
  );
  await ctx.db.batch([
    ctx.checkpoints.put(checkpoint),
    eventStatement(ctx, jobId, {
      // A record of a file written, not a measurement: OpenAI's "metrics" events are the step metrics alone.
      type: 'message',
      message: `Checkpoint saved at step ${request.step} (epoch ${request.epoch})`,
      data: { step: request.step, epoch: request.epoch, ...request.metrics },
    }),
    ...webhook.statements,
  ]);
  await sendDeliveries(ctx, webhook.ids);
}

// ---- the fine-tuned model ---------------------------------------------------------------------------------

export async function putResultFile(
  ctx: JobsContext,
  jobId: string,
  file: string,
  leaseId: string | null,
  upload: IncomingBytes,
): Promise<void> {
  checkFilePath(file);
  const row = await requireLease(ctx, jobId, leaseId);
  await storeStreamed(ctx.models, `${row.fine_tuned_model_id}/${file}`, upload);
}

export interface CompleteResult {
  fine_tuned_model: string | null;
  status: CompleteRequest['status'];
}

/**
 * Ends the job as the worker says. succeeded: the uploaded folder must be servable (config.json, tokenizer.json,
 * onnx/model.onnx), then it is registered as ft:<base>:<suffix>:<job id>. Repeating a completion that already
 * happened with the same lease answers the same (the worker may not have seen the first answer).
 */
export async function completeJob(ctx: JobsContext, jobId: string, request: CompleteRequest): Promise<CompleteResult> {
  const current = await jobView(ctx, jobId);
  if (isTerminal(current.status) && current.lease_id === request.lease_id && current.status === request.status) {
    return {
      status: current.status,
      fine_tuned_model: current.status === 'succeeded' ? current.fine_tuned_model_id : null,
    };
  }
  const row = await requireLease(ctx, jobId, request.lease_id);
  const now = ctx.now();
  let status = request.status;
  const files = request.files ?? [];
  if (status === 'succeeded') {
    files.forEach((f, i) => checkFilePath(f, `files[${i}]`));
    const needed = SERVABLE_FILES.filter((f) => !files.includes(f));
    if (needed.length)
      throw new RequestError('invalid_request', `files: a fine-tuned model needs ${needed.join(', ')}`, 'files');
    const heads = await Promise.all(files.map((f) => ctx.models.head(`${row.fine_tuned_model_id}/${f}`)));
    const missing = files.filter((_, i) => heads[i] === null);
    if (missing.length)
      throw new RequestError('invalid_request', `files: not uploaded: ${missing.join(', ')}`, 'files');
  }
  // A worker that stops for a cancel may report it as cancelled; a cancel asked for that arrives as 'failed' is
  // still the user's cancel.
  if (status === 'failed' && row.cancel_requested === 1) status = 'cancelled';

  const error =
    status === 'failed'
      ? {
          code: request.error?.code ?? 'training_failed',
          message: request.error?.message ?? 'the worker reported a failure',
          param: null,
        }
      : null;
  const resultFiles: string[] = [];
  const statements: PendingWrite[] = [];
  if (status === 'succeeded' || request.metrics) {
    const checkpoints = await ctx.checkpoints.all(jobId);
    const summary = {
      job_id: jobId,
      status,
      fine_tuned_model: status === 'succeeded' ? row.fine_tuned_model_id : null,
      metrics: request.metrics ?? {},
      trained_tokens: request.trained_tokens ?? null,
      files,
      checkpoints: checkpoints.map((c) => ({ step: c.step, epoch: c.epoch, metrics: JSON.parse(c.metrics) })),
    };
    const file = await storeFile(
      ctx,
      row.owner,
      'fine-tune-results',
      `${jobId}-results.json`,
      new TextEncoder().encode(JSON.stringify(summary, null, 2)),
      null,
    );
    resultFiles.push(file.id);
  }
  const updated = await ctx.leases.finish(jobId, request.lease_id, {
    status,
    at: now,
    error: error ? JSON.stringify(error) : null,
    resultFiles: JSON.stringify(resultFiles),
    trainedTokens: request.trained_tokens ?? null,
  });
  if (!updated) return completeJob(ctx, jobId, request); // changed meanwhile: answer from the new state

  const messages: Record<CompleteRequest['status'], string> = {
    succeeded: `The job has successfully completed. New fine-tuned model created: ${row.fine_tuned_model_id}`,
    failed: `Job failed: ${error?.message}`,
    cancelled: 'Job cancelled',
  };
  statements.push(
    eventStatement(ctx, jobId, {
      level: status === 'failed' ? 'error' : 'info',
      message: messages[status],
      data: request.metrics ? { metrics: request.metrics } : null,
    }),
  );
  const webhook = statusWebhook(ctx, updated, status, {
    ...(error ? { error } : {}),
    ...(request.metrics ? { metrics: request.metrics } : {}),
    result_files: resultFiles,
  });
  statements.push(...webhook.statements);
  await ctx.db.batch(statements);
  await sendDeliveries(ctx, webhook.ids);
  if (status !== 'succeeded') ctx.defer(deleteModelFolder(ctx.models, row.fine_tuned_model_id));
  return { status, fine_tuned_model: status === 'succeeded' ? row.fine_tuned_model_id : null };
}
