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
import type { EncodedExample } from './batches.ts';
import { loadCheckpoint } from './checkpoint.ts';
import { trainEpochs } from './trainer-loop.ts';
import { openSessions, prepareRun, type Run } from './trainer-setup.ts';
import { startLoop, type LoopState } from './trainer-state.ts';
import type { TrainOptions, TrainResult } from './trainer-types.ts';

export type { Evaluation, Progress, TrainOptions, TrainResult } from './trainer-types.ts';

export async function train(o: TrainOptions): Promise<TrainResult> {
  const run = prepareRun(o);
  const sessions = await openSessions(run);
  let loop: LoopState;
  try {
    loop = startLoop(run);
    await trainEpochs(run, sessions, loop);
  } finally {
    await Promise.all([sessions.step.release(), sessions.eval.release()]);
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
