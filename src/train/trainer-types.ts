// The trainer's public shapes: its options, what it reports while it runs and what it returns. A module of their
// own so the trainer's step modules (trainer-*.ts) can name them without importing trainer.ts, which imports them.
import type { Pooling } from '../nn/pooling.ts';
import type { RawExample } from './data.ts';
import type { Metrics } from './metrics.ts';
import type { ScheduleKind } from './schedule.ts';
import type { ExecutionProvider } from './session.ts';

export interface TrainOptions {
  /** The base model folder (Hugging Face layout with model.safetensors and tokenizer files). */
  base: string;
  train: RawExample[];
  /** Without it, `validationSplit` of the training data (seeded) is held out. */
  validation?: RawExample[] | null;
  labels?: string[];
  epochs: number;
  batchSize: number;
  learningRate: number;
  maxLength: number;
  numFrozenLayers: number;
  freezeEmbeddings: boolean;
  /** cls | mean | max: the project head with that pooling; null: the Hugging Face head of the architecture. */
  pooling: Pooling | null;
  warmupRatio: number;
  weightDecay: number;
  schedule?: ScheduleKind;
  gradientAccumulationSteps?: number;
  maxGradNorm?: number | null;
  /** Evaluate every N optimizer steps, or at the end of each epoch. */
  evalEvery?: number | 'epoch';
  /** Stop after this many evaluations without improvement; null: never. */
  earlyStoppingPatience?: number | null;
  metric?: 'accuracy' | 'macro_f1' | 'loss';
  validationSplit?: number;
  seed: number;
  dropout?: boolean;
  backwardPrecision?: 'float32' | 'float64';
  executionProvider?: ExecutionProvider;
  threads?: number;
  outDir: string;
  /** Save a checkpoint every N optimizer steps (and at each evaluation); null: only at evaluations. */
  checkpointEvery?: number | null;
  keepCheckpoints?: number;
  /** Resume from this checkpoint folder, or 'latest' (the newest under outDir). */
  resumeFrom?: string | null;
  onProgress?: (p: Progress) => void;
  onEvaluate?: (e: Evaluation) => void;
  onCheckpoint?: (c: { step: number; dir: string }) => void;
  signal?: AbortSignal;
  /** false: a cancelled run returns as soon as the step in flight ends, without exporting (the GPU worker). */
  exportOnCancel?: boolean;
}

export interface Progress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  learningRate: number;
  samplesPerSecond: number;
  etaSeconds: number;
}

export interface Evaluation {
  step: number;
  epoch: number;
  metrics: Metrics;
  isBest: boolean;
}

export interface TrainResult {
  outDir: string;
  labels: string[];
  /** Why the labels have the names they have, when it is not the dataset's own (the base model's names). */
  labelNote: string | null;
  /** The checkpoint this run went on from. */
  resumedFrom: { dir: string; step: number } | null;
  steps: number;
  best: Evaluation | null;
  history: Record<string, number | string>[];
  stoppedEarly: boolean;
  cancelled: boolean;
  /** Tokens of the training data (the held-out part included, without padding) times epochs: `trained_tokens`. */
  trainedTokens: number;
}
