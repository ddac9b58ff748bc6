// What the owner does to a job once it exists: cancel, pause, resume (OpenAI's routes; each answers the job).
// The answer is the state asked for, at once: a running job's lease ends in the same UPDATE, so its worker's next
// heartbeat -- or any other call under that lease -- gets 409 and the worker stops, sending nothing more (see
// requireLease in leases.ts and src/gpu-worker/lease.ts). Each transition is one conditional UPDATE; when another
// request moved the job first, the UPDATE changes nothing and the request decides again from the new state.
import { RequestError } from '../core/errors.ts';
import type { JobsContext } from './context.ts';
import { eventStatement, getJob, getJobView, jobObject, statusWebhook, type JobObject } from './jobs.ts';
import { deleteModelFolder } from './models.ts';
import type { JobStatus } from './protocol.ts';
import { CANCELLABLE, PAUSABLE } from './state.ts';
import { wakeWorker } from './wake.ts';
import { sendDeliveries } from './webhooks/deliveries.ts';

function notNow(id: string, status: JobStatus, action: string, which: string): RequestError {
  return new RequestError('conflict', `job ${id} is ${status}; only ${which} can be ${action}`, 'fine_tuning_job_id');
}

async function newestCheckpointStep(ctx: JobsContext, id: string): Promise<number | null> {
  return (await ctx.checkpoints.newest(id))?.step ?? null;
}

// ---- the operations ---------------------------------------------------------------------------------------

/**
 * Not finished: cancelled now (a running job's worker stops at its next heartbeat; its partial model folder is
 * removed). Already cancelled: unchanged. succeeded or failed: 409. The event and the fine_tuning.job.cancelled
 * webhook come only from the request that made the change, so once.
 */
export async function cancelJob(ctx: JobsContext, owner: string, id: string): Promise<JobObject> {
  const row = await getJobView(ctx, owner, id);
  if (row.status === 'cancelled') return jobObject(row);
  if (!CANCELLABLE.includes(row.status)) throw notNow(id, row.status, 'cancelled', 'a job that has not finished');
  const changed = await ctx.jobs.markCancelled(id, row.status, ctx.now());
  if (!changed) return cancelJob(ctx, owner, id); // it moved on meanwhile: decide again
  const message =
    row.status === 'running'
      ? 'Job cancelled; the worker stops at its next heartbeat and its further writes are refused'
      : row.status === 'paused'
        ? 'Job cancelled while paused'
        : 'Job cancelled before it started';
  const webhook = statusWebhook(ctx, changed, 'cancelled');
  await ctx.db.batch([eventStatement(ctx, id, { message }), ...webhook.statements]);
  await sendDeliveries(ctx, webhook.ids);
  if (row.status === 'running') ctx.defer(deleteModelFolder(ctx.models, row.fine_tuned_model_id));
  return getJob(ctx, owner, id);
}

/**
 * validating_files, queued or running: paused now (a running job's worker stops at its next heartbeat; the
 * checkpoints it registered are kept). Already paused: unchanged. Finished: 409.
 */
export async function pauseJob(ctx: JobsContext, owner: string, id: string): Promise<JobObject> {
  const row = await getJobView(ctx, owner, id);
  if (row.status === 'paused') return jobObject(row);
  if (!PAUSABLE.includes(row.status)) throw notNow(id, row.status, 'paused', 'a job that has not finished');
  const changed = await ctx.jobs.markPaused(id, row.status);
  if (!changed) return pauseJob(ctx, owner, id);
  const step = await newestCheckpointStep(ctx, id);
  const kept = step === null ? 'no checkpoint was registered yet' : `the checkpoint at step ${step} is kept`;
  const message =
    row.status === 'running'
      ? `Job paused; the worker stops at its next heartbeat and ${kept}`
      : `Job paused (it was ${row.status})`;
  await ctx.db.batch([eventStatement(ctx, id, { message, data: { checkpoint_step: step } })]);
  return getJob(ctx, owner, id);
}

/** paused: queued again (the next worker resumes from the newest checkpoint). Any other state: 409. */
export async function resumeJob(ctx: JobsContext, owner: string, id: string): Promise<JobObject> {
  const row = await getJobView(ctx, owner, id);
  if (row.status !== 'paused') throw notNow(id, row.status, 'resumed', 'a paused job');
  const changed = await ctx.jobs.markResumed(id);
  if (!changed) return resumeJob(ctx, owner, id);
  const step = await newestCheckpointStep(ctx, id);
  const from = step === null ? 'it starts from the beginning' : `it continues from the checkpoint at step ${step}`;
  await ctx.db.batch([
    eventStatement(ctx, id, { message: `Job resumed and queued; ${from}`, data: { resume_from_step: step } }),
  ]);
  ctx.defer(wakeWorker(ctx, id));
  return getJob(ctx, owner, id);
}
