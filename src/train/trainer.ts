// The fine-tuning loop: data -> batches -> one step graph per optimizer step (or gradients + update when
// accumulating) -> evaluation, early stopping, checkpoints, exact resume -> the best model exported as a Hugging
// Face folder with onnx/model.onnx. Deterministic for a seed: data order and dropout masks are functions of
// (seed, epoch, step), a resume continues from the checkpointed state, and the step graph has no kernel whose
// result depends on thread timing (the embedding backward avoids ScatterND's racy add: src/graph/grad-rules.ts),
// so runs on the same machine and thread count agree bit for bit.
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import { hasTokenTypes } from '../nn/encoder.ts';
import { exportModel } from '../nn/export.ts';
import { readModelFolder, writeModelFolder, type ModelFolder } from '../nn/folder.ts';
import type { Pooling } from '../nn/pooling.ts';
import type { NamedTensor } from '../nn/safetensors.ts';
import { Tokenizer } from '../tokenizer/index.ts';
import { adamwScalarValues, type AdamWHyper } from './adamw.ts';
import { collate, encodeExamples, epochPlan, type Batch, type EncodedExample } from './batches.ts';
import { listCheckpoints, loadCheckpoint, saveCheckpoint, type TrainerState } from './checkpoint.ts';
import { DatasetError, isMultiLabel, labelSet, type RawExample } from './data.ts';
import { labelNames } from './label-names.ts';
import { runDifferences, runIdentity } from './run-identity.ts';
import { classificationMetrics, multiLabelMetrics, type Metrics } from './metrics.ts';
import { prepareModel } from './model-setup.ts';
import { fillKeepMask, shuffle, streamFor } from './rng.ts';
import { learningRate, type ScheduleKind } from './schedule.ts';
import { createGraphSession, type ExecutionProvider, type HostTensor } from './session.ts';
import {
  buildEvalGraph,
  buildStepGraph,
  buildUpdateGraph,
  type DropoutSite,
  type StepGraphSpec,
} from './step-graph.ts';

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
}

const ADAMW: AdamWHyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** The held-out split: a seeded shuffle, the last `fraction` for validation. */
function splitValidation(examples: RawExample[], fraction: number, seed: number): [RawExample[], RawExample[]] {
  const order = shuffle(
    examples.map((_, i) => i),
    streamFor(seed, 'split', 0),
  );
  const n = Math.max(1, Math.round(examples.length * fraction));
  return [order.slice(n).map((i) => examples[i]), order.slice(0, n).map((i) => examples[i])];
}

function readPadId(base: string, tokenizer: Tokenizer, fallback: number): number {
  const file = path.join(base, 'tokenizer_config.json');
  if (!fs.existsSync(file)) return fallback;
  const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
  const pad = typeof cfg.pad_token === 'string' ? cfg.pad_token : cfg.pad_token?.content;
  return (pad && tokenizer.tokenToId(pad)) ?? fallback;
}

function resolveDims(shape: (string | number)[], batch: Batch): number[] {
  return shape.map((d) => (d === 'batch_size' ? batch.size : d === 'sequence_length' ? batch.length : Number(d)));
}

export async function train(o: TrainOptions): Promise<TrainResult> {
  const baseFolder: ModelFolder = readModelFolder(o.base);
  const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(o.base, 'tokenizer.json'), 'utf8')));
  const multiLabel = isMultiLabel(o.train);
  if (o.train.length === 0) throw new DatasetError('the training data has no examples');
  const named = labelNames(
    labelSet(o.validation ? [...o.train, ...o.validation] : o.train),
    baseFolder.config,
    o.labels,
  );
  const labels = named.labels;
  const [trainRaw, validRaw] = o.validation
    ? [o.train, o.validation]
    : splitValidation(o.train, o.validationSplit ?? 0.1, o.seed);
  if (trainRaw.length === 0)
    throw new DatasetError(
      `no examples left to train on: ${o.train.length} in the training data, ${validRaw.length} of them held out for ` +
        'validation; give more examples, or a separate validation file',
    );
  const prepared = prepareModel(
    baseFolder,
    labels,
    { head: o.pooling ? 'project' : 'hf_seqcls', pooling: o.pooling },
    { seed: o.seed, multiLabel },
  );
  const { config } = prepared;
  const padId = readPadId(o.base, tokenizer, config.padTokenId);
  const trainSet = encodeExamples(tokenizer, trainRaw, labels, o.maxLength);
  const validSet = encodeExamples(tokenizer, validRaw, labels, o.maxLength);

  const accumulation = Math.max(1, o.gradientAccumulationSteps ?? 1);
  const batchesPerEpoch = Math.ceil(trainSet.length / o.batchSize);
  const stepsPerEpoch = Math.ceil(batchesPerEpoch / accumulation);
  const totalSteps = stepsPerEpoch * o.epochs;
  const schedule = {
    kind: o.schedule ?? 'linear',
    peak: o.learningRate,
    warmupSteps: Math.floor(totalSteps * o.warmupRatio),
    totalSteps,
  };
  const freeze = { embeddings: o.freezeEmbeddings, layers: o.numFrozenLayers };
  const spec: StepGraphSpec = {
    config,
    weights: prepared.weights,
    head: prepared.head,
    pooling: prepared.pooling ?? undefined,
    freeze,
    loss: multiLabel ? 'bce_with_logits' : 'cross_entropy',
    adamw: ADAMW,
    decayExclusions: true,
    maxGradNorm: o.maxGradNorm === undefined ? 1.0 : o.maxGradNorm,
    dropout: o.dropout ?? true,
    backwardPrecision: o.backwardPrecision,
    mode: accumulation > 1 ? 'gradients' : 'fused',
  };
  const step = buildStepGraph(spec);
  const ep = o.executionProvider ?? 'cpu';
  const stepSession = await createGraphSession(serializeGraph(step.graph), ep, o.threads);
  const updateSession =
    accumulation > 1
      ? await createGraphSession(
          serializeGraph(
            buildUpdateGraph(
              step.trainable.map((name) => ({ name, shape: prepared.weights.get(name)!.shape })),
              spec,
            ),
          ),
          ep,
          o.threads,
        )
      : null;
  const evalSession = await createGraphSession(serializeGraph(buildEvalGraph(spec)), ep, o.threads);

  // Host state: every weight (frozen ones are never written), and Adam's moments of the trainable ones.
  let weights: Map<string, NamedTensor> = new Map(
    [...prepared.weights].map(([k, t]) => [k, { shape: t.shape, data: t.data.slice() }]),
  );
  let moments = new Map<string, NamedTensor>(
    step.trainable.flatMap((n) => {
      const shape = weights.get(n)!.shape;
      const size = weights.get(n)!.data.length;
      return [
        [`m.${n}`, { shape, data: new Float32Array(size) }],
        [`v.${n}`, { shape, data: new Float32Array(size) }],
      ];
    }),
  );
  let state: TrainerState = {
    globalStep: 0,
    epoch: 0,
    batchInEpoch: 0,
    bestMetric: null,
    bestStep: null,
    patienceUsed: 0,
    logHistory: [],
  };
  fs.mkdirSync(o.outDir, { recursive: true });
  const resumeDir =
    o.resumeFrom === 'latest' ? (listCheckpoints(o.outDir).at(-1)?.dir ?? null) : (o.resumeFrom ?? null);
  if (o.resumeFrom === 'latest' && !resumeDir)
    throw new Error(`there is no checkpoint-*/ in ${o.outDir} to resume from; leave out the resume to start afresh`);
  const identity = runIdentity(trainRaw, o);
  state.run = identity;
  if (resumeDir) {
    const loaded = loadCheckpoint(resumeDir, config);
    const differences = loaded.state.run ? runDifferences(loaded.state.run, identity) : [];
    if (differences.length)
      throw new Error(
        `cannot resume from ${resumeDir}: ${differences.join('; ')}. Resume with the same data and settings, ` +
          'or train into another folder',
      );
    weights = loaded.weights;
    moments = loaded.moments;
    state = { ...loaded.state, run: identity };
  }
  const resumedFrom = resumeDir ? { dir: resumeDir, step: state.globalStep } : null;
  let best: Evaluation | null = null;
  let bestWeights: Map<string, NamedTensor> | null = null;
  // A resumed run (maybe on another machine) reports the best evaluation of the run so far, from the history.
  const bestEntry =
    state.bestStep === null ? undefined : state.logHistory.find((h) => h.step === state.bestStep && 'eval_loss' in h);
  if (bestEntry) {
    const metrics: Metrics = {
      loss: Number(bestEntry.eval_loss),
      accuracy: Number(bestEntry.eval_accuracy),
      macroF1: Number(bestEntry.eval_macro_f1),
      examples: validSet.length,
    };
    best = { step: state.bestStep!, epoch: Number(bestEntry.epoch), metrics, isBest: true };
  }
  const metricName = o.metric ?? 'accuracy';
  const better = (a: number, b: number | null) => b === null || (metricName === 'loss' ? a < b : a > b);

  const tensorFeeds = (batch: Batch): Record<string, HostTensor> => {
    const dims = [batch.size, batch.length];
    const feeds: Record<string, HostTensor> = {
      input_ids: { data: batch.inputIds, dims },
      attention_mask: { data: batch.attentionMask, dims },
    };
    if (hasTokenTypes(config)) feeds.token_type_ids = { data: batch.tokenTypeIds, dims };
    return feeds;
  };
  const paramFeeds = (feeds: Record<string, HostTensor>) => {
    for (const n of step.trainable) feeds[n] = { data: weights.get(n)!.data, dims: weights.get(n)!.shape };
  };
  const momentFeeds = (feeds: Record<string, HostTensor>) => {
    for (const [k, t] of moments) feeds[k] = { data: t.data, dims: t.shape };
  };
  const dropoutFeeds = (feeds: Record<string, HostTensor>, sites: DropoutSite[], batch: Batch, micro: number) => {
    const random = streamFor(o.seed, 'dropout', micro);
    for (const site of sites) {
      const dims = resolveDims(site.shape, batch);
      const mask = new Uint8Array(dims.reduce((a, b) => a * b, 1));
      fillKeepMask(mask, site.p, random);
      feeds[site.input] = { data: mask, dims };
    }
  };
  const adamFeeds = (feeds: Record<string, HostTensor>, lr: number, t: number) => {
    for (const [k, v] of Object.entries(adamwScalarValues(lr, o.weightDecay, ADAMW, t)))
      feeds[k] = { data: Float32Array.of(v), dims: [] };
  };
  // Double buffering: the graph writes the new parameters and moments into the spare buffers, then they swap.
  const spare = new Map<string, Float32Array>();
  const updateTargets = (): Record<string, HostTensor> => {
    const into: Record<string, HostTensor> = {};
    for (const n of step.trainable) {
      const shape = weights.get(n)!.shape;
      for (const [out, key] of [
        [`new.${n}`, n],
        [`new_m.${n}`, `m.${n}`],
        [`new_v.${n}`, `v.${n}`],
      ]) {
        let buffer = spare.get(key);
        if (!buffer) spare.set(key, (buffer = new Float32Array(weights.get(n)!.data.length)));
        into[out] = { data: buffer, dims: shape };
      }
    }
    return into;
  };
  const applyUpdate = (out: Record<string, HostTensor>) => {
    for (const n of step.trainable) {
      for (const [name, key, holder] of [
        [`new.${n}`, n, weights],
        [`new_m.${n}`, `m.${n}`, moments],
        [`new_v.${n}`, `v.${n}`, moments],
      ] as const) {
        const t = holder.get(key)!;
        const previous = t.data;
        t.data = out[name].data as Float32Array;
        spare.set(key, previous);
      }
    }
  };

  const evaluate = async (): Promise<Metrics> => {
    const order = validSet.map((_, i) => i).sort((a, b) => validSet[a].ids.length - validSet[b].ids.length);
    const predicted: number[] = [];
    const truth: number[] = [];
    const multiTruth: number[] = [];
    const multiLogits: number[] = [];
    let lossSum = 0;
    const C = labels.length;
    for (let b = 0; b < order.length; b += o.batchSize) {
      const batch = collate(validSet, order.slice(b, b + o.batchSize), padId, C, multiLabel);
      const feeds = tensorFeeds(batch);
      paramFeeds(feeds);
      const logits = (await evalSession.run(feeds)).logits.data as Float32Array;
      for (let i = 0; i < batch.size; i++) {
        const row = Array.from(logits.subarray(i * C, (i + 1) * C));
        if (multiLabel) {
          const y = Array.from((batch.labels as Float32Array).subarray(i * C, (i + 1) * C));
          row.forEach((x, c) => {
            lossSum += (Math.max(x, 0) - x * y[c] + Math.log1p(Math.exp(-Math.abs(x)))) / C;
          });
          multiLogits.push(...row);
          multiTruth.push(...y);
        } else {
          const label = Number((batch.labels as BigInt64Array)[i]);
          const max = Math.max(...row);
          const logSum = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
          lossSum += logSum - row[label];
          predicted.push(row.indexOf(max));
          truth.push(label);
        }
      }
    }
    const loss = validSet.length ? lossSum / validSet.length : NaN;
    return multiLabel
      ? multiLabelMetrics(Float32Array.from(multiLogits), Uint8Array.from(multiTruth), C, loss)
      : classificationMetrics(predicted, truth, loss, C);
  };

  const checkpoint = (stateNow: TrainerState) => {
    const dir = path.join(o.outDir, `checkpoint-${stateNow.globalStep}`);
    saveCheckpoint(dir, { config, weights, moments, state: stateNow }, o.base);
    // Rotation keeps the newest ones and the best one (a resumed run exports the best weights from it).
    const all = listCheckpoints(o.outDir).filter((c) => c.step !== stateNow.bestStep);
    const keep = o.keepCheckpoints ?? 2;
    for (const old of all.slice(0, Math.max(0, all.length - keep)))
      fs.rmSync(old.dir, { recursive: true, force: true });
    o.onCheckpoint?.({ step: stateNow.globalStep, dir });
  };

  let stoppedEarly = false;
  let cancelled = false;
  const runEvaluation = async (): Promise<void> => {
    const metrics = await evaluate();
    const value = metricName === 'loss' ? metrics.loss : metricName === 'macro_f1' ? metrics.macroF1 : metrics.accuracy;
    const isBest = better(value, state.bestMetric);
    if (isBest) {
      state.bestMetric = value;
      state.bestStep = state.globalStep;
      state.patienceUsed = 0;
      bestWeights = new Map([...weights].map(([k, t]) => [k, { shape: t.shape, data: t.data.slice() }]));
    } else {
      state.patienceUsed++;
    }
    const evaluation: Evaluation = { step: state.globalStep, epoch: state.epoch, metrics, isBest };
    if (isBest) best = evaluation;
    state.logHistory.push({
      step: state.globalStep,
      epoch: state.epoch,
      eval_loss: metrics.loss,
      eval_accuracy: metrics.accuracy,
      eval_macro_f1: metrics.macroF1,
    });
    o.onEvaluate?.(evaluation);
    checkpoint(state);
    if (o.earlyStoppingPatience != null && state.patienceUsed >= o.earlyStoppingPatience) stoppedEarly = true;
  };

  const started = performance.now();
  const startStep = state.globalStep;
  let samples = 0;
  let gradSums: Map<string, Float32Array> | null = null;
  let lossWindow = 0;
  let microInStep = 0;
  training: while (state.epoch < o.epochs) {
    const plan = epochPlan(trainSet, o.batchSize, o.seed, state.epoch);
    while (state.batchInEpoch < plan.length) {
      if (o.signal?.aborted) {
        cancelled = true;
        break training;
      }
      const batch = collate(trainSet, plan[state.batchInEpoch], padId, labels.length, multiLabel);
      const micro = state.epoch * batchesPerEpoch + state.batchInEpoch;
      const lr = learningRate(schedule, state.globalStep);
      const feeds = tensorFeeds(batch);
      feeds.labels = { data: batch.labels, dims: multiLabel ? [batch.size, labels.length] : [batch.size] };
      paramFeeds(feeds);
      dropoutFeeds(feeds, step.dropoutSites, batch, micro);
      let out: Record<string, HostTensor>;
      if (accumulation === 1) {
        momentFeeds(feeds);
        adamFeeds(feeds, lr, state.globalStep + 1);
        out = await stepSession.run(feeds, updateTargets());
        applyUpdate(out);
        state.globalStep++;
      } else {
        out = await stepSession.run(feeds);
        gradSums ??= new Map(step.trainable.map((n) => [n, new Float32Array(weights.get(n)!.data.length)]));
        for (const n of step.trainable) {
          const g = out[`grad.${n}`].data as Float32Array;
          const acc = gradSums.get(n)!;
          for (let i = 0; i < g.length; i++) acc[i] += g[i] / accumulation;
        }
        microInStep++;
        if (microInStep === accumulation || state.batchInEpoch === plan.length - 1) {
          const upd: Record<string, HostTensor> = {};
          paramFeeds(upd);
          momentFeeds(upd);
          adamFeeds(upd, lr, state.globalStep + 1);
          for (const [n, g] of gradSums) upd[`grad.${n}`] = { data: g, dims: weights.get(n)!.shape };
          applyUpdate(await updateSession!.run(upd, updateTargets()));
          state.globalStep++;
          gradSums = null;
          microInStep = 0;
        }
      }
      state.batchInEpoch++;
      samples += batch.size;
      const loss = (out.loss.data as Float32Array)[0];
      lossWindow = lossWindow === 0 ? loss : 0.9 * lossWindow + 0.1 * loss;
      if (microInStep !== 0) continue;
      const seconds = (performance.now() - started) / 1000;
      const done = state.globalStep - startStep;
      o.onProgress?.({
        step: state.globalStep,
        totalSteps,
        epoch: state.epoch + state.batchInEpoch / plan.length,
        loss: lossWindow,
        learningRate: lr,
        samplesPerSecond: samples / seconds,
        etaSeconds: done ? ((totalSteps - state.globalStep) * seconds) / done : NaN,
      });
      if (state.globalStep % 50 === 0) state.logHistory.push({ step: state.globalStep, loss, learning_rate: lr });
      const endOfEpoch = state.batchInEpoch === plan.length;
      if (!endOfEpoch && typeof o.evalEvery === 'number' && state.globalStep % o.evalEvery === 0) await runEvaluation();
      else if (!endOfEpoch && o.checkpointEvery && state.globalStep % o.checkpointEvery === 0) checkpoint(state);
      if (stoppedEarly) break training;
    }
    // Each epoch ends with an evaluation and a checkpoint that resumes at the start of the next one.
    state.epoch++;
    state.batchInEpoch = 0;
    await runEvaluation();
    if (stoppedEarly) break;
  }
  await Promise.all([stepSession.release(), evalSession.release(), updateSession?.release()]);
  if (cancelled && o.exportOnCancel === false) {
    return {
      outDir: o.outDir,
      labels,
      labelNote: named.note,
      resumedFrom,
      steps: state.globalStep,
      best,
      history: state.logHistory,
      stoppedEarly,
      cancelled,
    };
  }

  // Export the best weights (the last ones when nothing was evaluated) as a servable folder.
  const bestDir = state.bestStep === null ? null : path.join(o.outDir, `checkpoint-${state.bestStep}`);
  if (!bestWeights && bestDir && fs.existsSync(bestDir)) bestWeights = loadCheckpoint(bestDir, config).weights;
  const finalWeights = bestWeights ?? weights;
  writeModelFolder(o.outDir, { config, weights: finalWeights, tokenizerDir: o.base });
  exportModel(o.outDir, { task: 'sequence-classification', pooling: prepared.pooling });
  const result: TrainResult = {
    outDir: o.outDir,
    labels,
    labelNote: named.note,
    resumedFrom,
    steps: state.globalStep,
    best,
    history: state.logHistory,
    stoppedEarly,
    cancelled,
  };
  fs.writeFileSync(path.join(o.outDir, 'trainer_state.json'), `${JSON.stringify(state, null, 2)}\n`);
  fs.writeFileSync(
    path.join(o.outDir, 'eval_results.json'),
    `${JSON.stringify(best ? { step: (best as Evaluation).step, ...(best as Evaluation).metrics } : {}, null, 2)}\n`,
  );
  return result;
}

export type { EncodedExample };
