// Evaluation on the held-out set with the eval graph (the current weights, no dropout), and what follows it: the
// best-so-far bookkeeping, early stopping, and a checkpoint with rotation.
import fs from 'node:fs';
import path from 'node:path';
import { collate } from './batches.ts';
import { listCheckpoints, saveCheckpoint } from './checkpoint.ts';
import { copyWeights, paramFeeds } from './host-params.ts';
import { classificationMetrics, multiLabelMetrics, type Metrics } from './metrics.ts';
import { tensorFeeds } from './step-feeds.ts';
import type { LoopState } from './trainer-state.ts';
import type { Run, Sessions } from './trainer-setup.ts';
import type { Evaluation } from './trainer-types.ts';

/** Per-row loss and predictions, accumulated over the batches. */
interface Tally {
  lossSum: number;
  predicted: number[];
  truth: number[];
  multiLogits: number[];
  multiTruth: number[];
}

function tallyMultiLabel(t: Tally, row: number[], y: number[]): void {
  const C = row.length;
  row.forEach((x, c) => {
    t.lossSum += (Math.max(x, 0) - x * y[c] + Math.log1p(Math.exp(-Math.abs(x)))) / C;
  });
  t.multiLogits.push(...row);
  t.multiTruth.push(...y);
}

function tallySingleLabel(t: Tally, row: number[], label: number): void {
  const max = Math.max(...row);
  const logSum = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
  t.lossSum += logSum - row[label];
  t.predicted.push(row.indexOf(max));
  t.truth.push(label);
}

export async function evaluate(run: Run, sessions: Sessions, loop: LoopState): Promise<Metrics> {
  const { validSet, multiLabel, o } = run;
  const C = run.labels.length;
  const order = validSet.map((_, i) => i).sort((a, b) => validSet[a].ids.length - validSet[b].ids.length);
  const t: Tally = { lossSum: 0, predicted: [], truth: [], multiLogits: [], multiTruth: [] };
  for (let b = 0; b < order.length; b += o.batchSize) {
    const batch = collate(validSet, order.slice(b, b + o.batchSize), run.padId, C, multiLabel);
    const feeds = tensorFeeds(run.config, batch);
    paramFeeds(loop.params, feeds);
    const logits = (await sessions.eval.run(feeds)).logits.data as Float32Array; // [batch, C]
    for (let i = 0; i < batch.size; i++) {
      const row = Array.from(logits.subarray(i * C, (i + 1) * C));
      if (multiLabel) tallyMultiLabel(t, row, Array.from((batch.labels as Float32Array).subarray(i * C, (i + 1) * C)));
      else tallySingleLabel(t, row, Number((batch.labels as BigInt64Array)[i]));
    }
  }
  const loss = validSet.length ? t.lossSum / validSet.length : NaN;
  return multiLabel
    ? multiLabelMetrics(Float32Array.from(t.multiLogits), Uint8Array.from(t.multiTruth), C, loss)
    : classificationMetrics(t.predicted, t.truth, loss, C);
}

export function checkpoint(run: Run, loop: LoopState): void {
  const { o } = run;
  const { state, params } = loop;
  const dir = path.join(o.outDir, `checkpoint-${state.globalStep}`);
  saveCheckpoint(dir, { config: run.config, weights: params.weights, moments: params.moments, state }, o.base);
  // Rotation keeps the newest ones and the best one (a resumed run exports the best weights from it).
  const all = listCheckpoints(o.outDir).filter((c) => c.step !== state.bestStep);
  const keep = o.keepCheckpoints ?? 2;
  for (const old of all.slice(0, Math.max(0, all.length - keep))) fs.rmSync(old.dir, { recursive: true, force: true });
  o.onCheckpoint?.({ step: state.globalStep, dir });
}

function metricValue(run: Run, metrics: Metrics): number {
  const name = run.o.metric ?? 'accuracy';
  return name === 'loss' ? metrics.loss : name === 'macro_f1' ? metrics.macroF1 : metrics.accuracy;
}

function isBetter(run: Run, value: number, best: number | null): boolean {
  return best === null || ((run.o.metric ?? 'accuracy') === 'loss' ? value < best : value > best);
}

/** Evaluates, records the result in the state and the history, checkpoints, and decides on early stopping. */
export async function runEvaluation(run: Run, sessions: Sessions, loop: LoopState): Promise<void> {
  const { state } = loop;
  const metrics = await evaluate(run, sessions, loop);
  const value = metricValue(run, metrics);
  const isBest = isBetter(run, value, state.bestMetric);
  if (isBest) {
    state.bestMetric = value;
    state.bestStep = state.globalStep;
    state.patienceUsed = 0;
    loop.bestWeights = copyWeights(loop.params.weights);
  } else {
    state.patienceUsed++;
  }
  const evaluation: Evaluation = { step: state.globalStep, epoch: state.epoch, metrics, isBest };
  if (isBest) loop.best = evaluation;
  state.logHistory.push({
    step: state.globalStep,
    epoch: state.epoch,
    eval_loss: metrics.loss,
    eval_accuracy: metrics.accuracy,
    eval_macro_f1: metrics.macroF1,
  });
  run.o.onEvaluate?.(evaluation);
  checkpoint(run, loop);
  const patience = run.o.earlyStoppingPatience;
  if (patience != null && state.patienceUsed >= patience) loop.stoppedEarly = true;
}
