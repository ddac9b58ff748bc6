// A job's training: the trainer in a worker thread under the lease's stop signal, its progress and evaluations
// reported as metrics events, its checkpoints uploaded behind it. A stop (cancel, lost lease, shutdown) makes the
// trainer return after the step in flight without exporting; that is thrown, for the run's ending to settle.
import { evaluationMetricNames } from '../jobs/metric-names.ts';
import path from 'node:path';
import type { EvaluationEventData, MetricsEventData } from '../jobs/protocol.ts';
import type { Evaluation, Progress, TrainResult } from '../train/trainer.ts';
import { trainInWorker } from '../train/train-thread.ts';
import type { JobInputs } from './job-inputs.ts';
import type { JobRun } from './job-run.ts';
import { checkpointCadence, trainOptionsFor } from './training-options.ts';
import { CheckpointUploader } from './uploads.ts';

export interface Trained {
  result: TrainResult;
  /** The last optimizer step's progress (its training loss goes into the final metrics). */
  lastProgress: Progress | null;
}

/** What the trainer has told so far: what a checkpoint of a given step is registered with. */
class TrainingRecord {
  lastProgress: Progress | null = null;
  private readonly evaluations = new Map<number, Evaluation>();
  // Only the newest step's: a checkpoint is taken at the step it follows.
  private readonly progressAt = new Map<number, Progress>();

  progress(p: Progress): void {
    this.lastProgress = p;
    this.progressAt.clear();
    this.progressAt.set(p.step, p);
  }

  evaluation(e: Evaluation): void {
    this.evaluations.set(e.step, e);
  }

  describe(step: number): { epoch: number; metrics: Record<string, number> } {
    const e = this.evaluations.get(step);
    const p = this.progressAt.get(step);
    const metrics: Record<string, number> = {};
    if (p) metrics.train_loss = p.loss;
    if (e) Object.assign(metrics, evaluationMetricNames(e.metrics));
    return { epoch: e?.epoch ?? p?.epoch ?? 0, metrics: finiteOnly(metrics) };
  }
}

export function finiteOnly(metrics: Record<string, number>): Record<string, number> {
  for (const k of Object.keys(metrics)) if (!Number.isFinite(metrics[k])) delete metrics[k];
  return metrics;
}

/** A metrics event every `every` steps, at the last step and at the first step of this attempt. */
function reportProgress(run: JobRun, p: Progress, every: number): void {
  const firstStep = 1 + (run.claim.resume_from?.step ?? 0);
  if (p.step % every !== 0 && p.step !== p.totalSteps && p.step !== firstStep) return;
  const data: MetricsEventData = {
    step: p.step,
    total_steps: p.totalSteps,
    epoch: p.epoch,
    train_loss: p.loss,
    learning_rate: p.learningRate,
    samples_per_second: p.samplesPerSecond,
    eta_seconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : null,
    attempt: run.claim.attempt,
  };
  run.events.push({
    type: 'metrics',
    level: 'info',
    message: `Step ${p.step}/${p.totalSteps}: training loss=${p.loss.toFixed(4)}`,
    data: { ...data },
  });
}

function reportEvaluation(run: JobRun, e: Evaluation): void {
  const data: EvaluationEventData = {
    step: e.step,
    epoch: e.epoch,
    ...evaluationMetricNames(e.metrics),
    is_best: e.isBest,
    attempt: run.claim.attempt,
  };
  run.events.push({
    type: 'metrics',
    level: 'info',
    message: `Step ${e.step}: validation loss=${e.metrics.loss.toFixed(4)}, accuracy=${e.metrics.accuracy.toFixed(4)}`,
    data: { ...data },
  });
  run.log.info('evaluation', { step: e.step, ...e.metrics, is_best: e.isBest });
}

function checkpointUploader(run: JobRun, record: TrainingRecord): CheckpointUploader {
  return new CheckpointUploader({
    client: run.client,
    jobId: run.job.id,
    lease: run.lease,
    stagingDir: path.join(run.dir, 'staging'),
    log: run.log,
    flushEvents: () => run.events.flush(),
    describe: (step) => record.describe(step),
  });
}

/** Runs the trainer to its end, reporting as it goes; the onPhase hooks bracket it. */
async function runTrainer(run: JobRun, inputs: JobInputs, record: TrainingRecord, uploader: CheckpointUploader) {
  const { options: o, hp, lease } = run;
  const plan = checkpointCadence(
    inputs.train.length,
    hp,
    inputs.weightBytes,
    o.checkpointEvery ?? null,
    inputs.validation !== null,
  );
  const metricsEvery = Math.max(1, o.metricsEvery ?? 10);
  const options = trainOptionsFor(hp, {
    base: inputs.baseDir,
    train: inputs.train,
    validation: inputs.validation,
    outDir: run.outDir,
    executionProvider: o.executionProvider,
    checkpointEvery: plan.checkpointEvery,
    resumeFrom: inputs.resumeFrom,
    threads: o.threads,
  });
  run.log.info('training', {
    steps_per_epoch: plan.stepsPerEpoch,
    epochs: hp.n_epochs,
    checkpoint_every: plan.checkpointEvery,
    eval_steps: hp.eval_steps,
    ep: o.executionProvider,
  });
  run.trainingStarted = true;
  o.onPhase?.('training', run.job.id);
  try {
    return await trainInWorker(options, {
      signal: lease.stop,
      onProgress: (p) => {
        record.progress(p);
        lease.progress = { step: p.step, totalSteps: p.totalSteps };
        reportProgress(run, p, metricsEvery);
      },
      onEvaluate: (e) => {
        record.evaluation(e);
        if (e.isBest) uploader.markBest(e.step);
        reportEvaluation(run, e);
      },
      onCheckpoint: (c) => uploader.add(c.step, c.dir),
    });
  } finally {
    o.onPhase?.('stopped', run.job.id);
    run.trainingStarted = false;
  }
}

function reportTrainingDone(run: JobRun, { result, lastProgress }: Trained): void {
  run.log.info('training done', {
    steps: result.steps,
    best_step: result.best?.step ?? null,
    stopped_early: result.stoppedEarly,
    last_loss: lastProgress?.loss ?? null,
  });
  run.events.message(`Training finished after ${result.steps} steps${result.stoppedEarly ? ' (stopped early)' : ''}`, {
    phase: 'training_done',
    steps: result.steps,
    ...run.base,
  });
  if (result.labelNote)
    run.events.message(`Labels: ${result.labelNote}`, { phase: 'labels', labels: result.labels, ...run.base });
}

/** Trains, then waits for the checkpoint uploads still running behind training. */
export async function trainJob(run: JobRun, inputs: JobInputs): Promise<Trained> {
  const record = new TrainingRecord();
  const uploader = checkpointUploader(run, record);
  const result = await runTrainer(run, inputs, record, uploader);
  // Stopped (cancel, lost lease, shutdown): the trainer returned after the step in flight, without exporting.
  if (result.cancelled || run.lease.stop.aborted)
    throw new Error(`training stopped: ${run.lease.stopReason ?? 'cancelled'}`);
  const trained = { result, lastProgress: record.lastProgress };
  reportTrainingDone(run, trained);
  await uploader.drain();
  if (run.lease.stop.aborted) throw new Error('stopped');
  return trained;
}
