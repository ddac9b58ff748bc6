// The training step as one graph: forward (train-mode dropout from fed masks), loss, backward, optional global-norm
// gradient clipping, AdamW. Trainable parameters and their moments are inputs; their updated values are outputs,
// so the host holds the state and a step is one session.run. Frozen parameters are baked in as initializers.
import { Graph, ops, type Value } from '../graph/index.ts';
import { gradients } from '../graph/autodiff.ts';
import { encoderArchitecture } from '../nn/arch/index.ts';
import type { ModelConfig } from '../nn/config.ts';
import { buildEncoder, encoderInputs } from '../nn/encoder.ts';
import { hfSequenceClassificationHead, projectHead, type HeadKind } from '../nn/heads.ts';
import type { Dropout } from '../nn/layers.ts';
import { Params } from '../nn/params.ts';
import type { Pooling } from '../nn/pooling.ts';
import type { NamedTensor } from '../nn/safetensors.ts';
import { adamwScalarInputs, adamwUpdate, type AdamWHyper } from './adamw.ts';
import { excludedFromDecay, isFrozen, type FreezeSpec } from './freeze.ts';

export type LossKind = 'cross_entropy' | 'bce_with_logits';

export interface StepGraphSpec {
  config: ModelConfig;
  weights: Map<string, NamedTensor>;
  head: HeadKind;
  pooling?: Pooling;
  freeze: FreezeSpec;
  loss: LossKind;
  adamw: AdamWHyper;
  /** Exclude biases and LayerNorm weights from weight decay (Hugging Face Trainer); false: decay everything. */
  decayExclusions: boolean;
  /** Global-norm clipping threshold; null: none. */
  maxGradNorm: number | null;
  /** Train-mode dropout with masks fed per step (see DropoutSites); false: eval-mode math. */
  dropout: boolean;
  /** Also output every gradient and d loss / d last_hidden_state (for parity tests). */
  debugGradients?: boolean;
  /** 'gradients': forward + backward only, outputs `grad.<name>` (gradient accumulation runs the update apart). */
  mode?: 'fused' | 'gradients';
  /** float64: the same step at reference precision (for checking the float32 one); float32 by default. */
  dtype?: 'float32' | 'float64';
  /**
   * The backward runs in the forward's float32 by default: it passes every fixture under the reference's revised
   * tolerance (../shared/golden/model/README.md, "Tolerances"), which allows Adam's amplification of float32
   * gradient noise. 'float64' differentiates the float32 forward in float64 (gradients rounded for the update):
   * slower, closer to the float64 reference where a gradient is as small as its own rounding.
   */
  backwardPrecision?: 'float32' | 'float64';
}

/** One dropout site: the name of its uint8 mask input and the mask's shape in terms of the batch. */
export interface DropoutSite {
  input: string;
  shape: (string | number)[];
  p: number;
}

export interface StepGraph {
  graph: Graph;
  /** Trainable parameter names (canonical), in input order; each has inputs `name`, `m.name`, `v.name`. */
  trainable: string[];
  dropoutSites: DropoutSite[];
  /** Nodes the backward pass added: it grows with the trainable layers only. */
  backwardNodes: number;
}

/** Dropout whose keep-mask is a uint8 graph input, so the host decides the randomness (seed, step). */
function fedDropout(g: Graph, sites: DropoutSite[], dtype: 'float32' | 'float64'): Dropout {
  return (x, p) => {
    if (p <= 0) return x;
    const name = `dropout_mask_${sites.length}`;
    sites.push({ input: name, shape: x.shape, p });
    const mask = g.input(name, 'uint8', x.shape);
    return ops.mul(ops.mul(x, ops.cast(mask, dtype)), Math.fround(1 / (1 - p)));
  };
}

function lossOf(kind: LossKind, logits: Value, labels: Value): Value {
  if (kind === 'cross_entropy') return ops.softmaxCrossEntropyLoss(logits, labels).loss;
  // mean(max(x, 0) - x*y + log(1 + exp(-|x|))), the numerically stable BCE-with-logits of PyTorch.
  const x = logits;
  const terms = ops.add(ops.sub(ops.relu(x), ops.mul(x, labels)), ops.log(ops.add(ops.exp(ops.neg(ops.abs(x))), 1)));
  return ops.reduceMean(terms, [0, 1], false);
}

export function buildStepGraph(spec: StepGraphSpec): StepGraph {
  const g = new Graph('train-step');
  const dtype = spec.dtype ?? 'float32';
  const layout = encoderArchitecture(spec.config.modelType).layout;
  const params = new Params(g, spec.weights, (name) => !isFrozen(layout, name, spec.freeze), dtype);
  const inputs = encoderInputs(g, spec.config);
  const labels =
    spec.loss === 'cross_entropy'
      ? g.input('labels', 'int64', ['batch_size'])
      : g.input('labels', dtype, ['batch_size', spec.config.id2label.length]);
  const sites: DropoutSite[] = [];
  const dropout = spec.dropout ? fedDropout(g, sites, dtype) : undefined;
  const { lastHiddenState } = buildEncoder(params, spec.config, inputs, dropout);
  const logits =
    spec.head === 'project'
      ? projectHead(params, spec.config, lastHiddenState, inputs.attentionMask, spec.pooling ?? 'cls', dropout)
      : hfSequenceClassificationHead(params, spec.config, lastHiddenState, dropout);
  const loss = lossOf(spec.loss, logits, labels);
  g.output(loss, 'loss');
  g.output(logits, 'logits');

  const trainable = params.used().filter(([name]) => !isFrozen(layout, name, spec.freeze));
  const wrt = trainable.map(([, v]) => v);
  const wideBackward = (spec.backwardPrecision ?? 'float32') === 'float64' && dtype === 'float32';
  const { grads: rawGrads, backwardNodes } = gradients(
    loss,
    spec.debugGradients ? [...wrt, lastHiddenState] : wrt,
    wideBackward ? { precision: 'float64' } : {},
  );
  // The optimizer state stays in the parameters' type: a float64 backward hands over rounded gradients.
  const grads = new Map([...rawGrads].map(([v, gv]) => [v, gv.dtype === v.dtype ? gv : ops.cast(gv, v.dtype)]));
  if (spec.debugGradients) {
    const gh = grads.get(lastHiddenState);
    if (gh) g.output(gh, 'grad_last_hidden_state');
  }

  let gradOf = (v: Value) => grads.get(v) ?? ops.mul(v, 0); // a parameter the loss does not reach: zero gradient
  if (spec.mode === 'gradients') {
    for (const [name, p] of trainable) g.output(gradOf(p), `grad.${name}`);
    return { graph: g, trainable: trainable.map(([name]) => name), dropoutSites: sites, backwardNodes };
  }
  if (spec.maxGradNorm !== null) {
    const squares = wrt.map((v) =>
      ops.reduceSum(
        ops.mul(gradOf(v), gradOf(v)),
        v.shape.map((_, i) => i),
        false,
      ),
    );
    const norm = ops.sqrt(squares.reduce((a, b) => ops.add(a, b)));
    g.output(norm, 'grad_norm');
    // torch.nn.utils.clip_grad_norm_: scale by min(max_norm / (norm + 1e-6), 1).
    const coef = ops.min(ops.div(g.scalarLike(norm, spec.maxGradNorm), ops.add(norm, 1e-6)), 1);
    const raw = gradOf;
    const clipped = new Map(wrt.map((v) => [v, ops.mul(raw(v), coef)]));
    gradOf = (v) => clipped.get(v)!;
  }

  addAdamW(g, trainable, gradOf, spec, dtype);
  return { graph: g, trainable: trainable.map(([name]) => name), dropoutSites: sites, backwardNodes };
}

function addAdamW(
  g: Graph,
  trainable: [string, Value][],
  gradOf: (v: Value) => Value,
  spec: Pick<StepGraphSpec, 'adamw' | 'decayExclusions' | 'debugGradients'>,
  dtype: 'float32' | 'float64',
): void {
  const scalars = adamwScalarInputs(g, dtype);
  for (const [name, p] of trainable) {
    const grad = gradOf(p);
    if (spec.debugGradients) g.output(grad, `grad.${name}`);
    const m = g.input(`m.${name}`, dtype, p.shape);
    const v = g.input(`v.${name}`, dtype, p.shape);
    const decays = !(spec.decayExclusions && excludedFromDecay(name));
    const next = adamwUpdate(p, grad, m, v, scalars, spec.adamw, decays);
    g.output(next.p, `new.${name}`);
    g.output(next.m, `new_m.${name}`);
    g.output(next.v, `new_v.${name}`);
  }
}

/** Clipping and AdamW over gradients fed as inputs `grad.<name>`: the update half of gradient accumulation. */
export function buildUpdateGraph(
  params: { name: string; shape: number[] }[],
  spec: Pick<StepGraphSpec, 'adamw' | 'decayExclusions' | 'maxGradNorm'>,
): Graph {
  const g = new Graph('train-update');
  const trainable: [string, Value][] = params.map(({ name, shape }) => [name, g.input(name, 'float32', shape)]);
  const grads = new Map(trainable.map(([name, p]) => [p, g.input(`grad.${name}`, 'float32', p.shape)]));
  let gradOf = (p: Value) => grads.get(p)!;
  if (spec.maxGradNorm !== null) {
    const squares = trainable.map(([, p]) =>
      ops.reduceSum(
        ops.mul(gradOf(p), gradOf(p)),
        p.shape.map((_, i) => i),
        false,
      ),
    );
    const norm = ops.sqrt(squares.reduce((a, b) => ops.add(a, b)));
    g.output(norm, 'grad_norm');
    const coef = ops.min(ops.div(g.scalarLike(norm, spec.maxGradNorm), ops.add(norm, 1e-6)), 1);
    const clipped = new Map(trainable.map(([, p]) => [p, ops.mul(grads.get(p)!, coef)]));
    gradOf = (p) => clipped.get(p)!;
  }
  addAdamW(g, trainable, gradOf, spec, 'float32');
  return g;
}

/** Forward only, in eval mode, with the trainable parameters as inputs: logits for evaluation during training. */
export function buildEvalGraph(spec: Pick<StepGraphSpec, 'config' | 'weights' | 'head' | 'pooling' | 'freeze'>): Graph {
  const g = new Graph('train-eval');
  const layout = encoderArchitecture(spec.config.modelType).layout;
  const params = new Params(g, spec.weights, (name) => !isFrozen(layout, name, spec.freeze));
  const inputs = encoderInputs(g, spec.config);
  const { lastHiddenState } = buildEncoder(params, spec.config, inputs);
  const logits =
    spec.head === 'project'
      ? projectHead(params, spec.config, lastHiddenState, inputs.attentionMask, spec.pooling ?? 'cls')
      : hfSequenceClassificationHead(params, spec.config, lastHiddenState);
  g.output(logits, 'logits');
  return g;
}
