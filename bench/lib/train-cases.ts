// Shared by bench/train.ts, bench/lib/train-worker.ts and bench/lib/train-profile.ts: the training-step cases, the
// step graph each one builds, the host-side training state and one timed step done as src/train/trainer.ts does it.
import fs from 'node:fs';
import path from 'node:path';
import { serializeGraph } from '../../src/graph/serialize.ts';
import { parseModelConfig } from '../../src/nn/arch/index.ts';
import type { ModelConfig } from '../../src/nn/config.ts';
import { initWeights } from '../../src/nn/init.ts';
import { mulberry32 } from '../../src/nn/random.ts';
import type { NamedTensor } from '../../src/nn/safetensors.ts';
import { createAdamW, TORCH_ADAMW, type AdamW } from '../../src/train/adamw.ts';
import { copyWeights, freshParams, gradTargets, paramFeeds, type HostParams } from '../../src/train/host-params.ts';
import { optimizerStep, type OptimizerSpec } from '../../src/train/optimizer.ts';
import { createMaskDrawer, type MaskDrawer } from '../../src/train/keep-masks.ts';
import { dropoutFeeds } from '../../src/train/step-feeds.ts';
import type { GraphSession, HostTensor } from '../../src/train/session.ts';
import { buildStepGraph, type StepGraph, type StepGraphSpec } from '../../src/train/step-graph.ts';
import { MODELS_DIR } from './infer-common.ts';

export interface TrainCase {
  name: 'A' | 'B' | 'C';
  title: string;
  layers: number;
  hidden: number;
  heads: number;
  intermediate: number;
  batch: number;
  seq: number;
  freeze: { embeddings: boolean; layers: number };
}

export const CASES: Record<TrainCase['name'], TrainCase> = {
  A: {
    name: 'A',
    title: '4 layers, hidden 256, 4 heads, intermediate 1024, batch 16 x 128, full fine-tune',
    layers: 4,
    hidden: 256,
    heads: 4,
    intermediate: 1024,
    batch: 16,
    seq: 128,
    freeze: { embeddings: false, layers: 0 },
  },
  B: {
    name: 'B',
    title: 'A with the embeddings and the first 2 layers frozen',
    layers: 4,
    hidden: 256,
    heads: 4,
    intermediate: 1024,
    batch: 16,
    seq: 128,
    freeze: { embeddings: true, layers: 2 },
  },
  C: {
    name: 'C',
    title: 'bert-base shape (12 layers, hidden 768, 12 heads, intermediate 3072), batch 8 x 128, full fine-tune',
    layers: 12,
    hidden: 768,
    heads: 12,
    intermediate: 3072,
    batch: 8,
    seq: 128,
    freeze: { embeddings: false, layers: 0 },
  },
};

export type Precision = 'float64' | 'float32';

export const LEARNING_RATE = 5e-5;
export const WEIGHT_DECAY = 0.01;
export const SEED = 0;
export const VOCAB = 30522;

export function caseConfig(c: TrainCase): ModelConfig {
  return parseModelConfig({
    model_type: 'bert',
    vocab_size: VOCAB,
    hidden_size: c.hidden,
    num_hidden_layers: c.layers,
    num_attention_heads: c.heads,
    intermediate_size: c.intermediate,
    max_position_embeddings: 512,
    type_vocab_size: 2,
    id2label: { 0: 'LABEL_0', 1: 'LABEL_1' },
  });
}

/** The trainer's optimizer settings for every case: AdamW, weight decay 0.01 but on biases and LayerNorms, clipping 1.0. */
export const OPTIMIZER: OptimizerSpec = {
  hyper: TORCH_ADAMW,
  weightDecay: WEIGHT_DECAY,
  maxGradNorm: 1.0,
  decayExclusions: true,
};

/** The spec the trainer would build for this case (project head, cls pooling, the norm for clipping, train-mode dropout). */
export function caseSpec(
  c: TrainCase,
  precision: Precision,
  weights?: Map<string, NamedTensor>,
  dropout = true,
): StepGraphSpec {
  const config = caseConfig(c);
  return {
    config,
    weights: weights ?? initWeights(config, { seed: SEED, head: 'project' }),
    head: 'project',
    pooling: 'cls',
    freeze: c.freeze,
    loss: 'cross_entropy',
    gradNorm: true,
    dropout,
    backwardPrecision: precision, // float32 is buildStepGraph's (and the trainer's) default
  };
}

export interface CaseInputs {
  /** Row-major [batch, seq]: [CLS] + ordinary vocabulary ids + [SEP]. */
  inputIds: number[];
  labels: number[];
}

/**
 * Deterministic inputs: ids as bench/infer.ts draws them (mulberry32(seed) over bert-base-uncased's ordinary tokens,
 * [CLS] first, [SEP] last; without the tokenizer folder, ids 1996..30521 with [CLS] 101 and [SEP] 102), full
 * attention, token type 0, labels 0/1 from the same generator.
 */
export function caseInputs(c: TrainCase, seed = 1): CaseInputs {
  const tokenizer = path.join(MODELS_DIR, 'bert-base-uncased', 'tokenizer.json');
  let ordinary: number[];
  let cls = 101;
  let sep = 102;
  if (fs.existsSync(tokenizer)) {
    const vocab = (JSON.parse(fs.readFileSync(tokenizer, 'utf8')) as { model: { vocab: Record<string, number> } }).model
      .vocab;
    ordinary = Object.entries(vocab)
      .filter(([tok]) => !/^\[.*\]$/.test(tok))
      .map(([, id]) => id)
      .sort((a, b) => a - b);
    cls = vocab['[CLS]']!;
    sep = vocab['[SEP]']!;
  } else {
    ordinary = Array.from({ length: VOCAB - 1996 }, (_, i) => 1996 + i);
  }
  const rand = mulberry32(seed);
  const inputIds: number[] = [];
  for (let b = 0; b < c.batch; b++) {
    inputIds.push(cls);
    for (let t = 0; t < c.seq - 2; t++) inputIds.push(ordinary[Math.floor(rand() * ordinary.length)]!);
    inputIds.push(sep);
  }
  const labels = Array.from({ length: c.batch }, () => (rand() < 0.5 ? 0 : 1));
  return { inputIds, labels };
}

export interface BuiltStep {
  step: StepGraph;
  model: Uint8Array;
  weights: Map<string, NamedTensor>;
  initMs: number;
  buildMs: number;
  serializeMs: number;
}

/** rewrite: an experiment's change to the built graph before it is serialized (bench/lib/train-profile.ts). */
export function buildCase(
  c: TrainCase,
  precision: Precision,
  rewrite?: (step: StepGraph) => void,
  dropout = true,
): BuiltStep {
  const t0 = performance.now();
  const weights = initWeights(caseConfig(c), { seed: SEED, head: 'project' });
  const t1 = performance.now();
  const step = buildStepGraph(caseSpec(c, precision, weights, dropout));
  rewrite?.(step);
  const t2 = performance.now();
  const model = serializeGraph(step.graph);
  const t3 = performance.now();
  return { step, model, weights, initMs: t1 - t0, buildMs: t2 - t1, serializeMs: t3 - t2 };
}

export interface StepTiming {
  /** The whole step: feeds, masks, session.run, AdamW's update. */
  totalMs: number;
  maskMs: number;
  runMs: number;
  updateMs: number;
  loss: number;
}

/**
 * The host side of training with src/train/trainer.ts's own code: its HostParams (every trainable weight, its Adam
 * moments and gradient buffers), its step feeds and its optimizer step (AdamW in place).
 */
export class TrainState {
  readonly params: HostParams;
  private readonly ids: BigInt64Array;
  private readonly mask: BigInt64Array;
  private readonly types: BigInt64Array;
  private readonly labels: BigInt64Array;
  private adamw: AdamW | null = null;
  private masks: MaskDrawer | null = null;
  globalStep = 0;

  constructor(
    readonly c: TrainCase,
    readonly step: StepGraph,
    weights: Map<string, NamedTensor>,
    inputs: CaseInputs,
    /** true: take the weights' buffers over, as the trainer does (one state per weights); false: a copy. */
    own = false,
  ) {
    this.params = freshParams(own ? weights : copyWeights(weights), step.trainable);
    this.ids = BigInt64Array.from(inputs.inputIds, (x) => BigInt(x));
    this.mask = new BigInt64Array(this.ids.length).fill(1n);
    this.types = new BigInt64Array(this.ids.length);
    this.labels = BigInt64Array.from(inputs.labels, (x) => BigInt(x));
  }

  get weights(): Map<string, NamedTensor> {
    return this.params.weights;
  }

  /** Feeds for the next step (trainer: tensorFeeds + labels + paramFeeds + dropoutFeeds). */
  feeds(masks: MaskDrawer): { feeds: Record<string, HostTensor>; maskMs: number } {
    const { batch, seq } = this.c;
    const dims = [batch, seq];
    const feeds: Record<string, HostTensor> = {
      input_ids: { data: this.ids, dims },
      attention_mask: { data: this.mask, dims },
      token_type_ids: { data: this.types, dims },
      labels: { data: this.labels, dims: [batch] },
    };
    paramFeeds(this.params, feeds);
    const t0 = performance.now();
    dropoutFeeds(feeds, masks, this.step.dropoutSites, { size: batch, length: seq }, SEED, this.globalStep);
    const maskMs = performance.now() - t0;
    return { feeds, maskMs };
  }

  /** One timed training step, as the trainer's fusedStep takes it. */
  async run(session: GraphSession): Promise<StepTiming> {
    this.adamw ??= await createAdamW(OPTIMIZER.hyper);
    this.masks ??= await createMaskDrawer();
    const t0 = performance.now();
    const { feeds, maskMs } = this.feeds(this.masks);
    const t1 = performance.now();
    const out = await session.run(feeds, gradTargets(this.params));
    const t2 = performance.now();
    const norm = (out.grad_norm!.data as Float32Array)[0]!;
    optimizerStep(this.params, this.adamw, OPTIMIZER, LEARNING_RATE, this.globalStep + 1, norm);
    const t3 = performance.now();
    this.globalStep++;
    const loss = (out.loss!.data as Float32Array)[0]!;
    return { totalMs: t3 - t0, maskMs, runMs: t2 - t1, updateMs: t3 - t2, loss };
  }
}

/** Bytes of the step's outputs (the gradients; loss, logits and grad_norm are a few bytes) and of its per-step feeds. */
export function stepBytes(state: TrainState): { trainableParams: number; outputBytes: number; maskBytes: number } {
  let params = 0;
  for (const n of state.step.trainable) params += state.weights.get(n)!.data.length;
  let maskBytes = 0;
  for (const site of state.step.dropoutSites) {
    maskBytes += site.shape
      .map((x) => (x === 'batch_size' ? state.c.batch : x === 'sequence_length' ? state.c.seq : Number(x)))
      .reduce((a, b) => a * b, 1);
  }
  return { trainableParams: params, outputBytes: params * 4, maskBytes };
}
