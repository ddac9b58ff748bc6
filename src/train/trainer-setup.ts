// What a training run fixes before its first step: the data (split, labels, encoded), the prepared model, the
// schedule, the step graph and the onnxruntime sessions that run it. Everything here is read-only afterwards.
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../graph/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { readModelFolder } from '../nn/folder.ts';
import { Tokenizer } from '../tokenizer/index.ts';
import { createAdamW, TORCH_ADAMW, type AdamW } from './adamw.ts';
import { createMaskDrawer, type MaskDrawer } from './keep-masks.ts';
import { encodeExamples, type EncodedExample } from './batches.ts';
import { DatasetError, isMultiLabel, labelSet, type RawExample } from './data.ts';
import { labelNames } from './label-names.ts';
import { prepareModel, type PreparedModel } from './model-setup.ts';
import { shuffle, streamFor } from './rng.ts';
import type { Schedule } from './schedule.ts';
import { createGraphSession, type GraphSession } from './session.ts';
import type { OptimizerSpec } from './optimizer.ts';
import { buildEvalGraph, buildStepGraph, type StepGraph, type StepGraphSpec } from './step-graph.ts';
import type { TrainOptions } from './trainer-types.ts';

export interface Run {
  o: TrainOptions;
  config: ModelConfig;
  /** Its weights' buffers belong to the training state once the loop starts (host-params.ts freshParams). */
  prepared: PreparedModel;
  labels: string[];
  labelNote: string | null;
  multiLabel: boolean;
  padId: number;
  /** The training examples left after the validation split, as passed to `identity` (run-identity.ts). */
  trainRaw: RawExample[];
  trainSet: EncodedExample[];
  validSet: EncodedExample[];
  /** Tokens of the training data (without padding) times epochs, as the job's `trained_tokens`. */
  trainedTokens: number;
  accumulation: number;
  batchesPerEpoch: number;
  totalSteps: number;
  schedule: Schedule;
  spec: StepGraphSpec;
  step: StepGraph;
  optimizer: OptimizerSpec;
}

export interface Sessions {
  step: GraphSession;
  eval: GraphSession;
  adamw: AdamW;
  masks: MaskDrawer;
}

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

function splitData(o: TrainOptions): [RawExample[], RawExample[]] {
  const [trainRaw, validRaw] = o.validation
    ? [o.train, o.validation]
    : splitValidation(o.train, o.validationSplit ?? 0.1, o.seed);
  if (trainRaw.length === 0)
    throw new DatasetError(
      `no examples left to train on: ${o.train.length} in the training data, ${validRaw.length} of them held out for ` +
        'validation; give more examples, or a separate validation file',
    );
  return [trainRaw, validRaw];
}

function stepSpec(o: TrainOptions, prepared: PreparedModel, multiLabel: boolean, accumulation: number): StepGraphSpec {
  return {
    config: prepared.config,
    weights: prepared.weights,
    head: prepared.head,
    pooling: prepared.pooling ?? undefined,
    freeze: { embeddings: o.freezeEmbeddings, layers: o.numFrozenLayers },
    loss: multiLabel ? 'bce_with_logits' : 'cross_entropy',
    // Summed micro-batch gradients are clipped by the norm of the sum, computed on the host.
    gradNorm: maxGradNorm(o) !== null && accumulation === 1,
    dropout: o.dropout ?? true,
    backwardPrecision: o.backwardPrecision,
  };
}

const maxGradNorm = (o: TrainOptions) => (o.maxGradNorm === undefined ? 1.0 : o.maxGradNorm);

const tokenCount = (set: EncodedExample[]) => set.reduce((sum, e) => sum + e.ids.length, 0);

export function prepareRun(o: TrainOptions): Run {
  const baseFolder = readModelFolder(o.base);
  const tokenizer = Tokenizer.fromJson(JSON.parse(fs.readFileSync(path.join(o.base, 'tokenizer.json'), 'utf8')));
  const multiLabel = isMultiLabel(o.train);
  if (o.train.length === 0) throw new DatasetError('the training data has no examples');
  const named = labelNames(
    labelSet(o.validation ? [...o.train, ...o.validation] : o.train),
    baseFolder.config,
    o.labels,
  );
  const [trainRaw, validRaw] = splitData(o);
  const head = { head: o.pooling ? 'project' : 'hf_seqcls', pooling: o.pooling } as const;
  const prepared = prepareModel(baseFolder, named.labels, head, { seed: o.seed, multiLabel });
  const trainSet = encodeExamples(tokenizer, trainRaw, named.labels, o.maxLength);
  const validSet = encodeExamples(tokenizer, validRaw, named.labels, o.maxLength);
  const accumulation = Math.max(1, o.gradientAccumulationSteps ?? 1);
  const batchesPerEpoch = Math.ceil(trainSet.length / o.batchSize);
  const totalSteps = Math.ceil(batchesPerEpoch / accumulation) * o.epochs;
  const spec = stepSpec(o, prepared, multiLabel, accumulation);
  return {
    o,
    config: prepared.config,
    prepared,
    labels: named.labels,
    labelNote: named.note,
    multiLabel,
    padId: readPadId(o.base, tokenizer, prepared.config.padTokenId),
    trainRaw,
    trainSet,
    validSet,
    // All of the training data, the held-out part included, as the job runner counted it before it was told.
    trainedTokens: (tokenCount(trainSet) + (o.validation ? 0 : tokenCount(validSet))) * o.epochs,
    accumulation,
    batchesPerEpoch,
    totalSteps,
    schedule: {
      kind: o.schedule ?? 'linear',
      peak: o.learningRate,
      warmupSteps: Math.floor(totalSteps * o.warmupRatio),
      totalSteps,
    },
    spec,
    step: buildStepGraph(spec),
    optimizer: {
      hyper: TORCH_ADAMW,
      weightDecay: o.weightDecay,
      maxGradNorm: maxGradNorm(o),
      decayExclusions: true,
    },
  };
}

export async function openSessions(run: Run): Promise<Sessions> {
  const { o, spec, step } = run;
  const ep = o.executionProvider ?? 'cpu';
  return {
    step: await createGraphSession(serializeGraph(step.graph), ep, o.threads),
    eval: await createGraphSession(serializeGraph(buildEvalGraph(spec)), ep, o.threads),
    adamw: await createAdamW(run.optimizer.hyper),
    masks: await createMaskDrawer(),
  };
}
