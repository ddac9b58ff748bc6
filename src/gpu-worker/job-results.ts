// A trained job's results: the exported model folder uploaded file by file under the lease, then the completion
// with the final metrics and the trained tokens. The success message is the edge's, recorded with the completion
// (it names the fine-tuned model).
import fs from 'node:fs';
import path from 'node:path';
import { evaluationMetricNames } from '../jobs/metric-names.ts';
import { completeJob, type JobOutcome, type JobRun } from './job-run.ts';
import { finiteOnly, type Trained } from './job-training.ts';
import { resultFiles } from './uploads.ts';

const UPLOAD_DEADLINE_MS = 5 * 60_000;

/** Uploads the exported model folder; returns its files (relative to the trainer's output folder). */
export async function uploadModel(run: JobRun): Promise<string[]> {
  const files = resultFiles(run.outDir);
  run.events.message(`Uploading the fine-tuned model (${files.length} files)`, {
    phase: 'uploading',
    files,
    ...run.base,
  });
  const started = Date.now();
  for (const file of files) {
    await run.client.putResultFile(run.job.id, file, fs.readFileSync(path.join(run.outDir, file)), {
      lease: run.lease.id,
      signal: run.lease.stop,
      deadline: Date.now() + UPLOAD_DEADLINE_MS,
    });
  }
  run.log.info('model uploaded', { files: files.length, ms: Date.now() - started });
  return files;
}

function finalMetrics({ result, lastProgress }: Trained): Record<string, number> {
  const metrics: Record<string, number> = { steps: result.steps };
  if (result.best)
    Object.assign(metrics, { ...evaluationMetricNames(result.best.metrics), best_step: result.best.step });
  if (lastProgress) metrics.train_loss = lastProgress.loss;
  return finiteOnly(metrics);
}

export async function completeSucceeded(run: JobRun, trained: Trained, files: string[]): Promise<JobOutcome> {
  const request = {
    lease_id: run.lease.id,
    status: 'succeeded' as const,
    files,
    // Every training example's tokens, once per epoch, as the trainer counted them.
    trained_tokens: trained.result.trainedTokens,
    metrics: finalMetrics(trained),
  };
  await run.events.flush();
  const done = await completeJob(run, request);
  run.log.info('job succeeded', { fine_tuned_model: done.fine_tuned_model ?? null });
  return { status: 'succeeded', fineTunedModel: done.fine_tuned_model ?? null };
}
