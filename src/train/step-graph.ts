// The training step as one graph: forward (train-mode dropout from fed masks), loss, backward, and the gradients'
// global norm for clipping. Trainable parameters are inputs and their gradients `grad.<name>` outputs; the host holds
// the state and updates it in place (AdamW, adamw.ts). Frozen parameters are baked in as initializers.
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
import { isFrozen, type FreezeSpec } from './freeze.ts';

export type LossKind = 'cross_entropy' | 'bce_with_logits';

export interface StepGraphSpec {
  config: ModelConfig;
  weights: Map<string, NamedTensor>;
  head: HeadKind;
  pooling?: Pooling;
  freeze: FreezeSpec;
  loss: LossKind;
  /** Also output `grad_norm`, the global L2 norm of the gradients (clipping a step's gradients needs it). */
  gradNorm: boolean;
  /** Train-mode dropout with masks fed per step (see DropoutSites); false: eval-mode math. */
  dropout: boolean;
  /** Also output d loss / d last_hidden_state (for parity tests). */
  debugGradients?: boolean;
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
  /** Trainable parameter names (canonical), in input order; each is an input `name` and an output `grad.name`. */
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

  const gradOf = (v: Value) => grads.get(v) ?? ops.mul(v, 0); // a parameter the loss does not reach: zero gradient
  for (const [name, p] of trainable) g.output(gradOf(p), `grad.${name}`);
  if (spec.gradNorm) {
    const squares = wrt.map((v) =>
      ops.reduceSum(
        ops.mul(gradOf(v), gradOf(v)),
        v.shape.map((_, i) => i),
        false,
      ),
    );
    g.output(ops.sqrt(squares.reduce((a, b) => ops.add(a, b))), 'grad_norm');
  }
  return { graph: g, trainable: trainable.map(([name]) => name), dropoutSites: sites, backwardNodes };
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
