// The trainer's mutable state, in one object: the checkpointed part (TrainerState, weights, moments), the best
// evaluation so far, and the bookkeeping of the loop. A run starts fresh or from a checkpoint of the same run.
import fs from 'node:fs';
import type { NamedTensor } from '../nn/safetensors.ts';
import { listCheckpoints, loadCheckpoint, type TrainerState } from './checkpoint.ts';
import { freshParams, type HostParams } from './host-params.ts';
import type { Metrics } from './metrics.ts';
import { runDifferences, runIdentity } from './run-identity.ts';
import type { Run } from './trainer-setup.ts';
import type { Evaluation } from './trainer-types.ts';

export interface LoopState {
  state: TrainerState;
  params: HostParams;
  resumedFrom: { dir: string; step: number } | null;
  best: Evaluation | null;
  /** A copy of the weights at the best evaluation of this process (a resumed run reloads older ones). */
  bestWeights: Map<string, NamedTensor> | null;
  stoppedEarly: boolean;
  cancelled: boolean;
  /** For progress: when this process started training, from which step, how many samples since. */
  started: number;
  startStep: number;
  samples: number;
  /** Exponential moving average of the training loss. */
  lossWindow: number;
  /**
   * Gradient accumulation: the running mean of the micro-batches' gradients (allocated at the first, zeroed after each
   * update), and how many are in it.
   */
  gradSums: Map<string, Float32Array> | null;
  microInStep: number;
}

function resumeDirOf(run: Run): string | null {
  const { o } = run;
  const dir = o.resumeFrom === 'latest' ? (listCheckpoints(o.outDir).at(-1)?.dir ?? null) : (o.resumeFrom ?? null);
  if (o.resumeFrom === 'latest' && !dir)
    throw new Error(`there is no checkpoint-*/ in ${o.outDir} to resume from; leave out the resume to start afresh`);
  return dir;
}

/** A resumed run (maybe on another machine) reports the best evaluation of the run so far, from the history. */
function bestFromHistory(state: TrainerState, examples: number): Evaluation | null {
  const entry =
    state.bestStep === null ? undefined : state.logHistory.find((h) => h.step === state.bestStep && 'eval_loss' in h);
  if (!entry) return null;
  const metrics: Metrics = {
    loss: Number(entry.eval_loss),
    accuracy: Number(entry.eval_accuracy),
    macroF1: Number(entry.eval_macro_f1),
    examples,
  };
  return { step: state.bestStep!, epoch: Number(entry.epoch), metrics, isBest: true };
}

export function startLoop(run: Run): LoopState {
  const { o } = run;
  const identity = runIdentity(run.trainRaw, o);
  let state: TrainerState = {
    globalStep: 0,
    epoch: 0,
    batchInEpoch: 0,
    bestMetric: null,
    bestStep: null,
    patienceUsed: 0,
    logHistory: [],
    run: identity,
  };
  const params = freshParams(run.prepared.weights, run.step.trainable);
  fs.mkdirSync(o.outDir, { recursive: true });
  const resumeDir = resumeDirOf(run);
  if (resumeDir) {
    const loaded = loadCheckpoint(resumeDir, run.config);
    const differences = loaded.state.run ? runDifferences(loaded.state.run, identity) : [];
    if (differences.length)
      throw new Error(
        `cannot resume from ${resumeDir}: ${differences.join('; ')}. Resume with the same data and settings, ` +
          'or train into another folder',
      );
    params.weights = loaded.weights;
    params.moments = loaded.moments;
    state = { ...loaded.state, run: identity };
  }
  return {
    state,
    params,
    resumedFrom: resumeDir ? { dir: resumeDir, step: state.globalStep } : null,
    best: bestFromHistory(state, run.validSet.length),
    bestWeights: null,
    stoppedEarly: false,
    cancelled: false,
    started: performance.now(),
    startStep: state.globalStep,
    samples: 0,
    lossWindow: 0,
    gradSums: null,
    microInStep: 0,
  };
}
