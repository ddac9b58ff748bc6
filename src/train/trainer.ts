// The fine-tuning loop: data -> batches -> one step graph per optimizer step (or gradients + update when
// accumulating) -> evaluation, early stopping, checkpoints, exact resume -> the best model exported as a Hugging
// Face folder with onnx/model.onnx. Deterministic for a seed: data order and dropout masks are functions of
// (seed, epoch, step), a resume continues from the checkpointed state, and the step graph has no kernel whose
// result depends on thread timing (the embedding backward avoids ScatterND's racy add: src/graph/grad-rules.ts),
// so runs on the same machine and thread count agree bit for bit.
//
// train() is the sequence; each step lives in its own module over two objects: the Run (fixed before the first
// step: trainer-setup.ts) and the LoopState (everything that changes: trainer-state.ts).
import fs from 'node:fs';
import path from 'node:path';
import { exportModel } from '../nn/export.ts';
import { writeModelFolder } from '../nn/folder.ts';
import type { Pooling } from '../nn/pooling.ts';
import type { EncodedExample } from './batches.ts';
import { loadCheckpoint } from './checkpoint.ts';
import type { RawExample } from './data.ts';
import type { Metrics } from './metrics.ts';
import type { ScheduleKind } from './schedule.ts';
import type { ExecutionProvider } from './session.ts';
import { trainEpochs } from './trainer-loop.ts';
import { openSessions, prepareRun, type Run } from './trainer-setup.ts';
import { startLoop, type LoopState } from './trainer-state.ts';

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

export async function train(o: TrainOptions): Promise<TrainResult> {
  const run = prepareRun(o);
  const sessions = await openSessions(run);
  let loop: LoopState;
  try {
    loop = startLoop(run);
    await trainEpochs(run, sessions, loop);
  } finally {
    await Promise.all([sessions.step.release(), sessions.eval.release(), sessions.update?.release()]);
  }
  const result = resultOf(run, loop);
  if (loop.cancelled && o.exportOnCancel === false) return result;
  exportBest(run, loop);
  return result;
}

function resultOf(run: Run, loop: LoopState): TrainResult {
  return {
    outDir: run.o.outDir,
    labels: run.labels,
    labelNote: run.labelNote,
    resumedFrom: loop.resumedFrom,
    steps: loop.state.globalStep,
    best: loop.best,
    history: loop.state.logHistory,
    stoppedEarly: loop.stoppedEarly,
    cancelled: loop.cancelled,
    trainedTokens: run.trainedTokens,
  };
}

/** The best weights (the last ones when nothing was evaluated) as a servable folder, with the run's state. */
function exportBest(run: Run, loop: LoopState): void {
  const { o } = run;
  const { state, best } = loop;
  const bestDir = state.bestStep === null ? null : path.join(o.outDir, `checkpoint-${state.bestStep}`);
  const reloaded = !loop.bestWeights && bestDir && fs.existsSync(bestDir) ? loadCheckpoint(bestDir, run.config) : null;
  const weights = loop.bestWeights ?? reloaded?.weights ?? loop.params.weights;
  writeModelFolder(o.outDir, { config: run.config, weights, tokenizerDir: o.base });
  exportModel(o.outDir, { task: 'sequence-classification', pooling: run.prepared.pooling });
  fs.writeFileSync(path.join(o.outDir, 'trainer_state.json'), `${JSON.stringify(state, null, 2)}\n`);
  const bestResults = best ? { step: best.step, ...best.metrics } : {};
  fs.writeFileSync(path.join(o.outDir, 'eval_results.json'), `${JSON.stringify(bestResults, null, 2)}\n`);
}

export type { EncodedExample };
