// How a run that did not succeed ends, by why it stopped: a lost lease (or an unreachable edge) drops the job here
// and sends nothing more; a cancel completes it as cancelled; a shutdown gives it back to be resumed elsewhere;
// anything else completes it as failed, with the JobFailure's code or 'training_failed'.
import { EdgeUnreachableError, LeaseLostError } from './edge-client.ts';
import { completeJob, JobFailure, type JobOutcome, type JobRun } from './job-run.ts';
import { errorMessage } from './log.ts';

const RELEASE_DEADLINE_MS = 3_000;

function dropLostLease(run: JobRun, err: unknown, level: 'warn' | 'error', logMessage: string): JobOutcome {
  run.lease.end('lease_lost', errorMessage(err));
  run.log[level](logMessage, { error: errorMessage(err) });
  return { status: 'lease_lost', detail: errorMessage(err) };
}

async function reportCancelled(run: JobRun): Promise<JobOutcome> {
  run.events.message('The job was cancelled', { phase: 'cancelled', ...run.base });
  await run.events.flush();
  await completeJob(run, { lease_id: run.lease.id, status: 'cancelled' }).catch((e) => {
    run.log.error('could not report the cancellation', { error: errorMessage(e) });
  });
  run.log.info('job cancelled', { while_training: run.trainingStarted });
  return { status: 'cancelled' };
}

async function giveBack(run: JobRun): Promise<JobOutcome> {
  await run.events.flush();
  const released = await run.client
    .release(
      run.job.id,
      { lease_id: run.lease.id, reason: 'the worker is shutting down' },
      { deadline: Date.now() + RELEASE_DEADLINE_MS },
    )
    .catch(() => false);
  run.log.info('job given back', { released });
  return { status: 'released' };
}

async function reportFailed(run: JobRun, err: unknown): Promise<JobOutcome> {
  const error =
    err instanceof JobFailure
      ? { code: err.code, message: err.message }
      : { code: 'training_failed', message: errorMessage(err) };
  run.log.error('job failed', { ...error });
  run.events.message(`The job failed: ${error.message}`, { phase: 'failed', code: error.code, ...run.base }, 'error');
  await run.events.flush();
  await completeJob(run, { lease_id: run.lease.id, status: 'failed', error }).catch((e) => {
    run.log.error('could not report the failure', { error: errorMessage(e) });
  });
  return { status: 'failed', error };
}

/** The outcome of a run that threw: the lease's stop reason first, then what was thrown. */
export async function endRun(run: JobRun, err: unknown): Promise<JobOutcome> {
  const reason = run.lease.stopReason ?? (err instanceof LeaseLostError ? 'lease_lost' : null);
  if (reason === 'lease_lost' || err instanceof LeaseLostError)
    return dropLostLease(run, err, 'warn', 'lease lost: the job is dropped here');
  if (reason === 'cancelled') return reportCancelled(run);
  if (reason === 'shutdown') return giveBack(run);
  // The edge is away: nothing can be reported. Stop; the lease expires and the job is retried elsewhere.
  if (err instanceof EdgeUnreachableError)
    return dropLostLease(run, err, 'error', 'the edge is unreachable: the job is dropped here');
  return reportFailed(run, err);
}
