// One claimed job, start to end: fetch the dataset, the base model and (when resuming) the checkpoint through the
// edge; train in a worker thread while heartbeats hold the lease, events report progress and checkpoints go up
// behind training; then upload the exported model folder and complete the job. A lost lease stops everything at
// once and sends nothing more; a cancel stops training and completes as cancelled; a shutdown gives the job back.
import fs from 'node:fs';
import path from 'node:path';
import type { ClaimResponse, CompleteRequest, EvaluationEventData, MetricsEventData } from '../jobs/protocol.ts';
import { encodeExamples } from '../train/batches.ts';
import type { TrainerState } from '../train/checkpoint.ts';
import { DatasetError, labelSet, type RawExample } from '../train/data.ts';
import type { ExecutionProvider } from '../train/session.ts';
import type { Evaluation, Progress, TrainResult } from '../train/trainer.ts';
import { trainInWorker } from '../train/train-thread.ts';
import { Tokenizer } from '../tokenizer/index.ts';
import { EdgeHttpError, EdgeUnreachableError, LeaseLostError, type EdgeClient } from './edge-client.ts';
import { EventSink } from './events.ts';
import { LeaseKeeper } from './lease.ts';
import { errorMessage, type Logger } from './log.ts';
import { evaluationMetricNames } from '../jobs/metric-names.ts';
import { checkpointCadence, readDataset, trainOptionsFor, withDefaults } from './training-options.ts';
import { CheckpointUploader, resultFiles } from './uploads.ts';

export interface RunnerOptions {
  client: EdgeClient;
  /** This worker's own directory: a folder per job inside. */
  workDir: string;
  executionProvider: ExecutionProvider;
  log: Logger;
  /** A metrics event every N optimizer steps (and at the first and the last). */
  metricsEvery?: number;
  /** Checkpoint every N steps besides evaluations; null: when cheap (see checkpointCadence); 0: evaluations only. */
  checkpointEvery?: number | null;
  heartbeatIntervalMs?: number;
  threads?: number;
  keepWorkDir?: boolean;
  /** The worker is stopping: give the job back. */
  shutdown?: AbortSignal;
  /** Called when the job's training starts and stops (tests and logs). */
  onPhase?: (phase: 'training' | 'stopped', jobId: string) => void;
}

export type JobOutcome =
  | { status: 'succeeded'; fineTunedModel: string | null }
  | { status: 'failed'; error: { code: string; message: string } }
  | { status: 'cancelled' }
  | { status: 'lease_lost'; detail: string }
  | { status: 'released' };

/** A failure that is the job's own (bad file, bad model): complete as failed with this code. */
class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Base model files training needs: everything but ONNX exports (which can be large, and are rebuilt). */
function neededModelFile(file: string): boolean {
  return !file.startsWith('onnx/') && !file.endsWith('.onnx') && !file.endsWith('.onnx_data') && !file.startsWith('.');
}

function safeRelative(file: string): string {
  const normal = path.posix.normalize(file);
  if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal))
    throw new JobFailure('invalid_file_name', `refusing the file name '${file}'`);
  return normal;
}

function countTokens(baseDir: string, examples: RawExample[], maxLength: number): number {
  const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(baseDir, 'tokenizer.json'), 'utf8')));
  return encodeExamples(tokenizer, examples, labelSet(examples), maxLength).reduce((sum, e) => sum + e.ids.length, 0);
}

export async function runJob(claim: ClaimResponse, o: RunnerOptions): Promise<JobOutcome> {
  const { client } = o;
  const job = claim.job;
  const log = o.log.child({ job_id: job.id, attempt: claim.attempt });
  const dir = path.join(o.workDir, job.id);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const outDir = path.join(dir, 'out');
  const lease = new LeaseKeeper(client, job.id, claim.lease.id, claim.lease.expires_at, log, o.heartbeatIntervalMs);
  const onShutdown = () => lease.end('shutdown', 'the worker is stopping');
  if (o.shutdown?.aborted) onShutdown();
  o.shutdown?.addEventListener('abort', onShutdown, { once: true });
  lease.start();
  const events = new EventSink(client, job.id, lease, log);
  const base = { attempt: claim.attempt, worker_id: client.workerId };
  let trainingStarted = false;
  log.info('job claimed', {
    model: job.model,
    resume_step: claim.resume_from?.step ?? null,
    lease_expires_at: claim.lease.expires_at,
  });

  const fetchOpts = { lease: lease.id, signal: lease.stop };
  const fetchOrFail = async <T>(what: string, code: string, task: () => Promise<T>): Promise<T> => {
    try {
      return await task();
    } catch (err) {
      if (err instanceof EdgeHttpError && err.status === 404)
        throw new JobFailure(code, `${what} is not available (404)`);
      throw err;
    }
  };

  try {
    const hp = withDefaults(job.hyperparameters);
    if (claim.resume_from) {
      events.message(
        `Resuming the fine-tuning job from the checkpoint at step ${claim.resume_from.step} (attempt ${claim.attempt})`,
        { phase: 'resumed', resume_step: claim.resume_from.step, ...base },
      );
    } // a first attempt's start is the edge's own event ("Fine-tuning job started on worker ..."), at the claim

    // ---- inputs
    const trainFile = path.join(dir, 'data', 'train');
    const trainInfo = await fetchOrFail(`the training file ${job.training_file}`, 'file_not_found', () =>
      client.downloadFile(job.training_file, trainFile, fetchOpts),
    );
    let validInfo: Awaited<ReturnType<EdgeClient['downloadFile']>> | null = null;
    if (job.validation_file) {
      validInfo = await fetchOrFail(`the validation file ${job.validation_file}`, 'file_not_found', () =>
        client.downloadFile(job.validation_file!, path.join(dir, 'data', 'validation'), fetchOpts),
      );
    }
    const parse = (file: string, info: { name: string | null; contentType: string | null }, code: string) => {
      try {
        return readDataset(file, info.name, info.contentType);
      } catch (err) {
        if (err instanceof DatasetError)
          throw new JobFailure(
            code,
            `${code === 'invalid_training_file' ? 'training' : 'validation'} file: ${err.message}`,
          );
        throw err;
      }
    };
    const train = parse(trainFile, trainInfo, 'invalid_training_file');
    const validation = validInfo
      ? parse(path.join(dir, 'data', 'validation'), validInfo, 'invalid_validation_file')
      : null;

    const baseDir = path.join(dir, 'base');
    const modelFiles = claim.base_model_files.filter(neededModelFile);
    if (
      !modelFiles.includes('config.json') ||
      !modelFiles.includes('model.safetensors') ||
      !modelFiles.includes('tokenizer.json')
    ) {
      throw new JobFailure(
        'invalid_base_model',
        `the base model ${job.model} cannot be fine-tuned: it needs config.json, model.safetensors and tokenizer.json (has ${claim.base_model_files.join(', ') || 'no files'})`,
      );
    }
    let modelBytes = 0;
    for (const file of modelFiles) {
      const got = await fetchOrFail(`the base model file ${job.model}/${file}`, 'base_model_unavailable', () =>
        client.downloadModelFile(job.model, file, path.join(baseDir, safeRelative(file)), fetchOpts),
      );
      modelBytes += got.bytes;
    }
    const weightBytes = fs.statSync(path.join(baseDir, 'model.safetensors')).size;

    let resumeFrom: string | null = null;
    if (claim.resume_from) {
      const { step, files } = claim.resume_from;
      const fetchCheckpoint = async (s: number) => {
        const target = path.join(outDir, `checkpoint-${s}`);
        for (const file of files)
          await client.downloadCheckpointFile(job.id, s, file, path.join(target, safeRelative(file)), fetchOpts);
        return target;
      };
      resumeFrom = await fetchCheckpoint(step);
      // The best checkpoint so far: the export takes its weights (as an uninterrupted run would).
      const state = JSON.parse(fs.readFileSync(path.join(resumeFrom, 'trainer_state.json'), 'utf8')) as TrainerState;
      if (state.bestStep !== null && state.bestStep !== step) {
        try {
          await fetchCheckpoint(state.bestStep);
        } catch (err) {
          if (!(err instanceof EdgeHttpError)) throw err;
          fs.rmSync(path.join(outDir, `checkpoint-${state.bestStep}`), { recursive: true, force: true });
          log.warn('the best checkpoint is not on the edge; the export will take the newest weights', {
            best_step: state.bestStep,
            error: err.message,
          });
          events.message(
            `The best checkpoint (step ${state.bestStep}) could not be fetched; the model will be exported from the newest weights`,
            { ...base },
            'warn',
          );
        }
      }
    }
    log.info('inputs ready', {
      train_examples: train.length,
      validation_examples: validation?.length ?? null,
      base_bytes: modelBytes,
      resume_from: resumeFrom,
    });

    // ---- training
    const plan = checkpointCadence(train.length, hp, weightBytes, o.checkpointEvery ?? null, validation !== null);
    const metricsEvery = Math.max(1, o.metricsEvery ?? 10);
    let lastProgress: Progress | null = null;
    const evaluations = new Map<number, Evaluation>();
    const progressAt = new Map<number, Progress>();
    const uploader = new CheckpointUploader({
      client,
      jobId: job.id,
      lease,
      stagingDir: path.join(dir, 'staging'),
      log,
      flushEvents: () => events.flush(),
      describe: (step) => {
        const e = evaluations.get(step);
        const p = progressAt.get(step);
        const metrics: Record<string, number> = {};
        if (p) metrics.train_loss = p.loss;
        if (e) Object.assign(metrics, evaluationMetricNames(e.metrics));
        for (const k of Object.keys(metrics)) if (!Number.isFinite(metrics[k])) delete metrics[k];
        return { epoch: e?.epoch ?? p?.epoch ?? 0, metrics };
      },
    });
    const options = trainOptionsFor(hp, {
      base: baseDir,
      train,
      validation,
      outDir,
      executionProvider: o.executionProvider,
      checkpointEvery: plan.checkpointEvery,
      resumeFrom,
      threads: o.threads,
    });
    log.info('training', {
      steps_per_epoch: plan.stepsPerEpoch,
      epochs: hp.n_epochs,
      checkpoint_every: plan.checkpointEvery,
      eval_steps: hp.eval_steps,
      ep: o.executionProvider,
    });
    trainingStarted = true;
    o.onPhase?.('training', job.id);
    let result: TrainResult;
    try {
      result = await trainInWorker(options, {
        signal: lease.stop,
        onProgress: (p) => {
          lastProgress = p;
          lease.progress = { step: p.step, totalSteps: p.totalSteps };
          progressAt.clear();
          progressAt.set(p.step, p);
          if (p.step % metricsEvery === 0 || p.step === p.totalSteps || p.step === 1 + (claim.resume_from?.step ?? 0)) {
            const data: MetricsEventData = {
              step: p.step,
              total_steps: p.totalSteps,
              epoch: p.epoch,
              train_loss: p.loss,
              learning_rate: p.learningRate,
              samples_per_second: p.samplesPerSecond,
              eta_seconds: Number.isFinite(p.etaSeconds) ? p.etaSeconds : null,
              attempt: claim.attempt,
            };
            events.push({
              type: 'metrics',
              level: 'info',
              message: `Step ${p.step}/${p.totalSteps}: training loss=${p.loss.toFixed(4)}`,
              data: { ...data },
            });
          }
        },
        onEvaluate: (e) => {
          evaluations.set(e.step, e);
          if (e.isBest) uploader.markBest(e.step);
          const data: EvaluationEventData = {
            step: e.step,
            epoch: e.epoch,
            ...evaluationMetricNames(e.metrics),
            is_best: e.isBest,
            attempt: claim.attempt,
          };
          events.push({
            type: 'metrics',
            level: 'info',
            message: `Step ${e.step}: validation loss=${e.metrics.loss.toFixed(4)}, accuracy=${e.metrics.accuracy.toFixed(4)}`,
            data: { ...data },
          });
          log.info('evaluation', { step: e.step, ...e.metrics, is_best: e.isBest });
        },
        onCheckpoint: (c) => uploader.add(c.step, c.dir),
      });
    } finally {
      o.onPhase?.('stopped', job.id);
      trainingStarted = false;
    }
    // Stopped (cancel, lost lease, shutdown): the trainer returned after the step in flight, without exporting.
    if (result.cancelled || lease.stop.aborted) throw new Error(`training stopped: ${lease.stopReason ?? 'cancelled'}`);
    log.info('training done', {
      steps: result.steps,
      best_step: result.best?.step ?? null,
      stopped_early: result.stoppedEarly,
      last_loss: (lastProgress as Progress | null)?.loss ?? null,
    });
    events.message(`Training finished after ${result.steps} steps${result.stoppedEarly ? ' (stopped early)' : ''}`, {
      phase: 'training_done',
      steps: result.steps,
      ...base,
    });
    if (result.labelNote)
      events.message(`Labels: ${result.labelNote}`, { phase: 'labels', labels: result.labels, ...base });

    // ---- results
    await uploader.drain();
    if (lease.stop.aborted) throw new Error('stopped');
    const files = resultFiles(outDir);
    events.message(`Uploading the fine-tuned model (${files.length} files)`, { phase: 'uploading', files, ...base });
    const uploadStarted = Date.now();
    for (const file of files) {
      await client.putResultFile(job.id, file, fs.readFileSync(path.join(outDir, file)), {
        lease: lease.id,
        signal: lease.stop,
        deadline: Date.now() + 5 * 60_000,
      });
    }
    log.info('model uploaded', { files: files.length, ms: Date.now() - uploadStarted });
    const trainedTokens = countTokens(baseDir, train, hp.max_length) * hp.n_epochs;
    const metrics: Record<string, number> = { steps: result.steps };
    if (result.best)
      Object.assign(metrics, { ...evaluationMetricNames(result.best.metrics), best_step: result.best.step });
    if (lastProgress) metrics.train_loss = (lastProgress as Progress).loss;
    for (const k of Object.keys(metrics)) if (!Number.isFinite(metrics[k])) delete metrics[k];
    // The success message is the edge's, recorded with the completion (it names the fine-tuned model).
    await events.flush();
    const done = await complete(client, job.id, lease, {
      lease_id: lease.id,
      status: 'succeeded',
      files,
      trained_tokens: trainedTokens,
      metrics,
    });
    log.info('job succeeded', { fine_tuned_model: done.fine_tuned_model ?? null });
    return { status: 'succeeded', fineTunedModel: done.fine_tuned_model ?? null };
  } catch (err) {
    const reason = lease.stopReason ?? (err instanceof LeaseLostError ? 'lease_lost' : null);
    if (reason === 'lease_lost' || err instanceof LeaseLostError) {
      lease.end('lease_lost', errorMessage(err));
      log.warn('lease lost: the job is dropped here', { error: errorMessage(err) });
      return { status: 'lease_lost', detail: errorMessage(err) };
    }
    if (reason === 'cancelled') {
      events.message('The job was cancelled', { phase: 'cancelled', ...base });
      await events.flush();
      await complete(client, job.id, lease, { lease_id: lease.id, status: 'cancelled' }).catch((e) => {
        log.error('could not report the cancellation', { error: errorMessage(e) });
      });
      log.info('job cancelled', { while_training: trainingStarted });
      return { status: 'cancelled' };
    }
    if (reason === 'shutdown') {
      await events.flush();
      const released = await client
        .release(
          job.id,
          { lease_id: lease.id, reason: 'the worker is shutting down' },
          { deadline: Date.now() + 3_000 },
        )
        .catch(() => false);
      log.info('job given back', { released });
      return { status: 'released' };
    }
    if (err instanceof EdgeUnreachableError) {
      // The edge is away: nothing can be reported. Stop; the lease expires and the job is retried elsewhere.
      lease.end('lease_lost', errorMessage(err));
      log.error('the edge is unreachable: the job is dropped here', { error: errorMessage(err) });
      return { status: 'lease_lost', detail: errorMessage(err) };
    }
    const error =
      err instanceof JobFailure
        ? { code: err.code, message: err.message }
        : { code: 'training_failed', message: errorMessage(err) };
    log.error('job failed', { ...error });
    events.message(`The job failed: ${error.message}`, { phase: 'failed', code: error.code, ...base }, 'error');
    await events.flush();
    await complete(client, job.id, lease, { lease_id: lease.id, status: 'failed', error }).catch((e) => {
      log.error('could not report the failure', { error: errorMessage(e) });
    });
    return { status: 'failed', error };
  } finally {
    o.shutdown?.removeEventListener('abort', onShutdown);
    events.close();
    await lease.close();
    if (!o.keepWorkDir) fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Completes under the lease (heartbeats go on meanwhile); a 409 means another worker has the job now. */
async function complete(client: EdgeClient, jobId: string, lease: LeaseKeeper, request: CompleteRequest) {
  return client.complete(jobId, request, { signal: lease.lost, deadline: Date.now() + 5 * 60_000 });
}
