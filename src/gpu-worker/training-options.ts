// A job's hyperparameters (the API's snake_case names) -> the trainer's options, and its dataset files -> examples.
import fs from 'node:fs';
import type { Hyperparameters } from '../jobs/hyperparameters.ts';
import {
  DatasetError,
  formatOf,
  parseDataset,
  sniffFormat,
  type DatasetFormat,
  type RawExample,
} from '../train/data.ts';
import type { ExecutionProvider } from '../train/session.ts';
import type { TrainOptions } from '../train/trainer.ts';

// The edge sends every hyperparameter; an older edge may leave some out: the one definition's defaults fill them.
export { withDefaults } from '../jobs/hyperparameters.ts';

export interface TrainingPlan {
  /** Optimizer steps of one epoch (as the trainer counts them), for the checkpoint cadence. */
  stepsPerEpoch: number;
  checkpointEvery: number | null;
}

/**
 * Checkpoints every N steps besides the evaluations, when a checkpoint is cheap: for a base model under
 * `cheapBytes` of weights, about 4 per epoch (at least 10 steps apart). `requested` (the --checkpoint-every flag)
 * wins: 0 means at evaluations only.
 */
export function checkpointCadence(
  trainExamples: number,
  hp: Hyperparameters,
  weightBytes: number,
  requested: number | null,
  hasValidationFile: boolean,
  cheapBytes = 64 << 20,
): TrainingPlan {
  const held = hasValidationFile ? 0 : Math.max(1, Math.round(trainExamples * 0.1));
  const batches = Math.ceil(Math.max(0, trainExamples - held) / Math.max(1, hp.batch_size));
  const stepsPerEpoch = Math.max(1, Math.ceil(batches / Math.max(1, hp.gradient_accumulation_steps)));
  if (requested !== null) return { stepsPerEpoch, checkpointEvery: requested > 0 ? requested : null };
  if (weightBytes > cheapBytes) return { stepsPerEpoch, checkpointEvery: null };
  return { stepsPerEpoch, checkpointEvery: Math.max(10, Math.ceil(stepsPerEpoch / 4)) };
}

export function trainOptionsFor(
  hp: Hyperparameters,
  o: {
    base: string;
    train: RawExample[];
    validation: RawExample[] | null;
    outDir: string;
    executionProvider: ExecutionProvider;
    checkpointEvery: number | null;
    resumeFrom: string | null;
    threads?: number;
  },
): Omit<TrainOptions, 'onProgress' | 'onEvaluate' | 'onCheckpoint' | 'signal'> {
  return {
    base: o.base,
    train: o.train,
    validation: o.validation,
    epochs: hp.n_epochs,
    batchSize: hp.batch_size,
    learningRate: hp.learning_rate,
    maxLength: hp.max_length,
    numFrozenLayers: hp.num_frozen_layers,
    freezeEmbeddings: hp.freeze_embeddings,
    // null: the architecture's Hugging Face head (BertForSequenceClassification...); else the project head.
    pooling: hp.pooling,
    warmupRatio: hp.warmup_ratio,
    weightDecay: hp.weight_decay,
    seed: hp.seed,
    gradientAccumulationSteps: hp.gradient_accumulation_steps,
    evalEvery: hp.eval_steps ?? 'epoch',
    earlyStoppingPatience: hp.early_stopping_patience,
    executionProvider: o.executionProvider,
    threads: o.threads,
    outDir: o.outDir,
    checkpointEvery: o.checkpointEvery,
    // The newest checkpoint, the best one and the next: uploads run behind training and read hard links.
    keepCheckpoints: 3,
    resumeFrom: o.resumeFrom,
    // Cancelled, lease lost, shutting down: stop after the step in flight, export nothing.
    exportOnCancel: false,
  };
}

/** The format of a downloaded dataset: the name's extension, else the content type, else the content. */
export function datasetFormat(name: string | null, contentType: string | null, head: string): DatasetFormat {
  if (name) {
    try {
      return formatOf(name);
    } catch {
      /* no known extension: look further */
    }
  }
  const type = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (['application/jsonl', 'application/x-ndjson', 'application/x-jsonlines', 'application/json'].includes(type))
    return 'jsonl';
  if (type === 'text/csv') return 'csv';
  if (type === 'text/tab-separated-values') return 'tsv';
  return sniffFormat(head);
}

export function readDataset(file: string, name: string | null, contentType: string | null): RawExample[] {
  const content = fs.readFileSync(file, 'utf8');
  const examples = parseDataset(content, datasetFormat(name, contentType, content.slice(0, 4096)));
  if (examples.length === 0) throw new DatasetError('the file has no examples');
  return examples;
}
