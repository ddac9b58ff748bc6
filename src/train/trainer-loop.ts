// The epochs: one micro-batch at a time through the step graph, its gradients straight into AdamW's update (or
// summed until the accumulation is complete, then the update), then progress, evaluations and checkpoints at the
// optimizer steps they are due at. Each epoch ends with an evaluation and a checkpoint.
import { collate, epochPlan, type Batch } from './batches.ts';
import { gradTargets, paramFeeds, type Feeds } from './host-params.ts';
import { optimizerStep } from './optimizer.ts';
import { learningRate } from './schedule.ts';
import { dropoutFeeds, tensorFeeds } from './step-feeds.ts';
import { checkpoint, runEvaluation } from './trainer-eval.ts';
import type { Run, Sessions } from './trainer-setup.ts';
import type { LoopState } from './trainer-state.ts';

function stepFeeds(run: Run, sessions: Sessions, loop: LoopState, batch: Batch, micro: number): Feeds {
  const feeds = tensorFeeds(run.config, batch);
  const labelDims = run.multiLabel ? [batch.size, run.labels.length] : [batch.size];
  feeds.labels = { data: batch.labels, dims: labelDims };
  paramFeeds(loop.params, feeds);
  dropoutFeeds(feeds, sessions.masks, run.step.dropoutSites, batch, run.o.seed, micro);
  return feeds;
}

/** One optimizer step: the graph's gradients (and their norm), then AdamW in place. */
async function fusedStep(run: Run, sessions: Sessions, loop: LoopState, feeds: Feeds, lr: number): Promise<Feeds> {
  const out = await sessions.step.run(feeds, gradTargets(loop.params));
  const norm = out.grad_norm ? (out.grad_norm.data as Float32Array)[0] : null;
  optimizerStep(loop.params, sessions.adamw, run.optimizer, lr, loop.state.globalStep + 1, norm);
  loop.state.globalStep++;
  return out;
}

/** One micro-batch's gradients into the running mean; the update when the accumulation (or the epoch) is done. */
async function accumulatingStep(
  run: Run,
  sessions: Sessions,
  loop: LoopState,
  feeds: Feeds,
  lr: number,
  last: boolean,
) {
  const { params } = loop;
  const out = await sessions.step.run(feeds, gradTargets(params));
  loop.gradSums ??= new Map(params.trainable.map((n) => [n, new Float32Array(params.weights.get(n)!.data.length)]));
  for (const n of params.trainable) {
    const g = params.grads.get(n)!;
    const acc = loop.gradSums.get(n)!;
    for (let i = 0; i < g.length; i++) acc[i] += g[i] / run.accumulation;
  }
  loop.microInStep++;
  if (loop.microInStep === run.accumulation || last) {
    optimizerStep(params, sessions.adamw, run.optimizer, lr, loop.state.globalStep + 1, null, loop.gradSums);
    loop.state.globalStep++;
    for (const sum of loop.gradSums.values()) sum.fill(0); // kept for the next step: no new buffers a step
    loop.microInStep = 0;
  }
  return out;
}

function reportProgress(run: Run, loop: LoopState, planLength: number, loss: number, lr: number): void {
  const { state } = loop;
  const seconds = (performance.now() - loop.started) / 1000;
  const done = state.globalStep - loop.startStep;
  run.o.onProgress?.({
    step: state.globalStep,
    totalSteps: run.totalSteps,
    epoch: state.epoch + state.batchInEpoch / planLength,
    loss: loop.lossWindow,
    learningRate: lr,
    samplesPerSecond: loop.samples / seconds,
    etaSeconds: done ? ((run.totalSteps - state.globalStep) * seconds) / done : NaN,
  });
  if (state.globalStep % 50 === 0) state.logHistory.push({ step: state.globalStep, loss, learning_rate: lr });
}

/** After an optimizer step inside an epoch: an evaluation or a checkpoint when one is due. */
async function stepDue(run: Run, sessions: Sessions, loop: LoopState): Promise<void> {
  const { o } = run;
  const step = loop.state.globalStep;
  if (typeof o.evalEvery === 'number' && step % o.evalEvery === 0) await runEvaluation(run, sessions, loop);
  else if (o.checkpointEvery && step % o.checkpointEvery === 0) checkpoint(run, loop);
}

/** The rest of the current epoch; false when training stops (cancelled, or stopped early). */
async function trainEpoch(run: Run, sessions: Sessions, loop: LoopState): Promise<boolean> {
  const { state } = loop;
  const plan = epochPlan(run.trainSet, run.o.batchSize, run.o.seed, state.epoch);
  while (state.batchInEpoch < plan.length) {
    if (run.o.signal?.aborted) {
      loop.cancelled = true;
      return false;
    }
    const batch = collate(run.trainSet, plan[state.batchInEpoch], run.padId, run.labels.length, run.multiLabel);
    const micro = state.epoch * run.batchesPerEpoch + state.batchInEpoch;
    const lr = learningRate(run.schedule, state.globalStep);
    const feeds = stepFeeds(run, sessions, loop, batch, micro);
    const out =
      run.accumulation === 1
        ? await fusedStep(run, sessions, loop, feeds, lr)
        : await accumulatingStep(run, sessions, loop, feeds, lr, state.batchInEpoch === plan.length - 1);
    state.batchInEpoch++;
    loop.samples += batch.size;
    const loss = (out.loss.data as Float32Array)[0];
    loop.lossWindow = loop.lossWindow === 0 ? loss : 0.9 * loop.lossWindow + 0.1 * loss;
    if (loop.microInStep !== 0) continue;
    reportProgress(run, loop, plan.length, loss, lr);
    if (state.batchInEpoch !== plan.length) await stepDue(run, sessions, loop);
    if (loop.stoppedEarly) return false;
  }
  return true;
}

export async function trainEpochs(run: Run, sessions: Sessions, loop: LoopState): Promise<void> {
  const { state } = loop;
  while (state.epoch < run.o.epochs) {
    if (!(await trainEpoch(run, sessions, loop))) return;
    // The end-of-epoch checkpoint resumes at the start of the next one.
    state.epoch++;
    state.batchInEpoch = 0;
    await runEvaluation(run, sessions, loop);
    if (loop.stoppedEarly) return;
  }
}
