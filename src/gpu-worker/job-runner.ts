// One claimed job, start to end, as a sequence of steps over one JobRun (job-run.ts): fetch the dataset, the base
// model and (when resuming) the checkpoint through the edge (job-inputs.ts); train in a worker thread while
// heartbeats hold the lease, events report progress and checkpoints go up behind training (job-training.ts); then
// upload the exported model folder and complete the job (job-results.ts). A run that throws ends by why it stopped
// (job-endings.ts): a lost lease stops everything at once and sends nothing more; a cancel completes it as
// cancelled; a shutdown gives the job back.
import type { ClaimResponse } from '../jobs/protocol.ts';
import { endRun } from './job-endings.ts';
import { fetchInputs } from './job-inputs.ts';
import { completeSucceeded, uploadModel } from './job-results.ts';
import { closeJobRun, openJobRun, type JobOutcome, type JobRun, type RunnerOptions } from './job-run.ts';
import { trainJob } from './job-training.ts';

export async function runJob(claim: ClaimResponse, options: RunnerOptions): Promise<JobOutcome> {
  const run = openJobRun(claim, options);
  try {
    announceClaim(run);
    const inputs = await fetchInputs(run);
    const trained = await trainJob(run, inputs);
    const files = await uploadModel(run);
    return await completeSucceeded(run, trained, files);
  } catch (err) {
    return await endRun(run, err);
  } finally {
    await closeJobRun(run);
  }
}

// A first attempt's start is the edge's own event ("Fine-tuning job started on worker ..."), at the claim; a resumed
// attempt says so itself.
function announceClaim(run: JobRun): void {
  const { claim } = run;
  run.log.info('job claimed', {
    model: claim.job.model,
    resume_step: claim.resume_from?.step ?? null,
    lease_expires_at: claim.lease.expires_at,
  });
  if (!claim.resume_from) return;
  run.events.message(
    `Resuming the fine-tuning job from the checkpoint at step ${claim.resume_from.step} (attempt ${claim.attempt})`,
    { phase: 'resumed', resume_step: claim.resume_from.step, ...run.base },
  );
}
