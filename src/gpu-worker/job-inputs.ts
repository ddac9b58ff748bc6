// A job's inputs, fetched through the edge under the lease: the training (and validation) file parsed into
// examples, the base model folder, and when resuming the newest checkpoint (and the best one, whose weights the
// export takes). What is the job's own fault (a missing file, a file that does not parse, a model without the
// files training needs) is a JobFailure with its code; anything else goes up as it is.
import fs from 'node:fs';
import path from 'node:path';
import type { TrainerState } from '../train/checkpoint.ts';
import { DatasetError, type RawExample } from '../train/data.ts';
import { EdgeHttpError, type EdgeClient } from './edge-client.ts';
import { JobFailure, type JobRun } from './job-run.ts';
import { readDataset } from './training-options.ts';

export interface JobInputs {
  train: RawExample[];
  validation: RawExample[] | null;
  /** The base model folder. */
  baseDir: string;
  /** Bytes of model.safetensors: whether a checkpoint is cheap enough to take often. */
  weightBytes: number;
  /** The checkpoint folder to resume from, or null on a first attempt. */
  resumeFrom: string | null;
}

type DatasetKind = 'training' | 'validation';
type DownloadedFile = Awaited<ReturnType<EdgeClient['downloadFile']>>;

/** Base model files training needs: everything but ONNX exports (which can be large, and are rebuilt). */
function neededModelFile(file: string): boolean {
  return !file.startsWith('onnx/') && !file.endsWith('.onnx') && !file.endsWith('.onnx_data') && !file.startsWith('.');
}

const REQUIRED_MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'];

function safeRelative(file: string): string {
  const normal = path.posix.normalize(file);
  if (normal.startsWith('../') || normal === '..' || path.posix.isAbsolute(normal))
    throw new JobFailure('invalid_file_name', `refusing the file name '${file}'`);
  return normal;
}

/** A 404 from the edge is the job's failure (the file or model is gone); other errors are not. */
async function fetchOrFail<T>(what: string, code: string, task: () => Promise<T>): Promise<T> {
  try {
    return await task();
  } catch (err) {
    if (err instanceof EdgeHttpError && err.status === 404)
      throw new JobFailure(code, `${what} is not available (404)`);
    throw err;
  }
}

function fetchOptions(run: JobRun) {
  return { lease: run.lease.id, signal: run.lease.stop };
}

function parseDatasetFile(file: string, info: DownloadedFile, which: DatasetKind): RawExample[] {
  try {
    return readDataset(file, info.name, info.contentType);
  } catch (err) {
    if (err instanceof DatasetError) throw new JobFailure(`invalid_${which}_file`, `${which} file: ${err.message}`);
    throw err;
  }
}

async function downloadDataset(run: JobRun, fileId: string, which: DatasetKind): Promise<[string, DownloadedFile]> {
  const target = path.join(run.dir, 'data', which === 'training' ? 'train' : 'validation');
  const info = await fetchOrFail(`the ${which} file ${fileId}`, 'file_not_found', () =>
    run.client.downloadFile(fileId, target, fetchOptions(run)),
  );
  return [target, info];
}

/** Both files are fetched before either is parsed: a missing file is reported before a malformed one. */
async function fetchDatasets(run: JobRun): Promise<Pick<JobInputs, 'train' | 'validation'>> {
  const { job } = run;
  const train = await downloadDataset(run, job.training_file, 'training');
  const validation = job.validation_file ? await downloadDataset(run, job.validation_file, 'validation') : null;
  return {
    train: parseDatasetFile(...train, 'training'),
    validation: validation ? parseDatasetFile(...validation, 'validation') : null,
  };
}

/** Downloads the base model's files into base/; returns how many bytes came. */
async function fetchBaseModel(run: JobRun, baseDir: string): Promise<number> {
  const { job, claim } = run;
  const modelFiles = claim.base_model_files.filter(neededModelFile);
  if (!REQUIRED_MODEL_FILES.every((file) => modelFiles.includes(file))) {
    throw new JobFailure(
      'invalid_base_model',
      `the base model ${job.model} cannot be fine-tuned: it needs config.json, model.safetensors and tokenizer.json (has ${claim.base_model_files.join(', ') || 'no files'})`,
    );
  }
  let modelBytes = 0;
  for (const file of modelFiles) {
    const got = await fetchOrFail(`the base model file ${job.model}/${file}`, 'base_model_unavailable', () =>
      run.client.downloadModelFile(job.model, file, path.join(baseDir, safeRelative(file)), fetchOptions(run)),
    );
    modelBytes += got.bytes;
  }
  return modelBytes;
}

async function fetchCheckpoint(run: JobRun, step: number, files: string[]): Promise<string> {
  const target = path.join(run.outDir, `checkpoint-${step}`);
  for (const file of files)
    await run.client.downloadCheckpointFile(
      run.job.id,
      step,
      file,
      path.join(target, safeRelative(file)),
      fetchOptions(run),
    );
  return target;
}

/** The newest checkpoint, and the best one so far when it is another: the export takes the best's weights. */
async function fetchResumeCheckpoints(run: JobRun): Promise<string | null> {
  if (!run.claim.resume_from) return null;
  const { step, files } = run.claim.resume_from;
  const resumeFrom = await fetchCheckpoint(run, step, files);
  const state = JSON.parse(fs.readFileSync(path.join(resumeFrom, 'trainer_state.json'), 'utf8')) as TrainerState;
  if (state.bestStep !== null && state.bestStep !== step) await fetchBestCheckpoint(run, state.bestStep, files);
  return resumeFrom;
}

// A best checkpoint the edge no longer has is not fatal: the run goes on and exports the newest weights.
async function fetchBestCheckpoint(run: JobRun, bestStep: number, files: string[]): Promise<void> {
  try {
    await fetchCheckpoint(run, bestStep, files);
  } catch (err) {
    if (!(err instanceof EdgeHttpError)) throw err;
    fs.rmSync(path.join(run.outDir, `checkpoint-${bestStep}`), { recursive: true, force: true });
    run.log.warn('the best checkpoint is not on the edge; the export will take the newest weights', {
      best_step: bestStep,
      error: err.message,
    });
    run.events.message(
      `The best checkpoint (step ${bestStep}) could not be fetched; the model will be exported from the newest weights`,
      { ...run.base },
      'warn',
    );
  }
}

export async function fetchInputs(run: JobRun): Promise<JobInputs> {
  const { train, validation } = await fetchDatasets(run);
  const baseDir = path.join(run.dir, 'base');
  const modelBytes = await fetchBaseModel(run, baseDir);
  const weightBytes = fs.statSync(path.join(baseDir, 'model.safetensors')).size;
  const resumeFrom = await fetchResumeCheckpoints(run);
  run.log.info('inputs ready', {
    train_examples: train.length,
    validation_examples: validation?.length ?? null,
    base_bytes: modelBytes,
    resume_from: resumeFrom,
  });
  return { train, validation, baseDir, weightBytes, resumeFrom };
}
