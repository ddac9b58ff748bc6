// AdamW as PyTorch's torch.optim.AdamW computes it (decoupled weight decay, bias correction), one parameter at a
// time, as graph nodes. Per step t the host feeds scalars it computes in float64 and rounds to float32, as
// PyTorch does with its Python-float hyperparameters:
//   p *= 1 - lr*wd;  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;
//   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
import { ops, type Graph, type Value } from '../graph/index.ts';

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

/** The per-step scalar inputs of the update, shared by every parameter. */
export interface AdamWScalars {
  /** 1 - lr * weight_decay ([]), for parameters that decay. */
  decay: Value;
  /** lr / (1 - beta1^t) ([]). */
  stepSize: Value;
  /** sqrt(1 - beta2^t) ([]). */
  biasCorrection2Sqrt: Value;
}

export function adamwScalarInputs(g: Graph, dtype: 'float32' | 'float64' = 'float32'): AdamWScalars {
  return {
    decay: g.input('adamw_decay', dtype, []),
    stepSize: g.input('adamw_step_size', dtype, []),
    biasCorrection2Sqrt: g.input('adamw_bias_correction2_sqrt', dtype, []),
  };
}

/** Host side: the scalars for step t (1-based). */
export function adamwScalarValues(
  lr: number,
  weightDecay: number,
  hyper: AdamWHyper,
  step: number,
): Record<string, number> {
  return {
    adamw_decay: Math.fround(1 - lr * weightDecay),
    adamw_step_size: Math.fround(lr / (1 - hyper.beta1 ** step)),
    adamw_bias_correction2_sqrt: Math.fround(Math.sqrt(1 - hyper.beta2 ** step)),
  };
}

/** One parameter's update: returns the new p, m and v (same shape as p). */
export function adamwUpdate(
  p: Value,
  grad: Value,
  m: Value,
  v: Value,
  s: AdamWScalars,
  hyper: AdamWHyper,
  decays: boolean,
): { p: Value; m: Value; v: Value } {
  const decayed = decays ? ops.mul(p, s.decay) : p;
  const m2 = ops.add(ops.mul(m, Math.fround(hyper.beta1)), ops.mul(grad, Math.fround(1 - hyper.beta1)));
  const v2 = ops.add(ops.mul(v, Math.fround(hyper.beta2)), ops.mul(ops.mul(grad, grad), Math.fround(1 - hyper.beta2)));
  const denom = ops.add(ops.div(ops.sqrt(v2), s.biasCorrection2Sqrt), Math.fround(hyper.eps));
  const p2 = ops.sub(decayed, ops.mul(ops.div(m2, denom), s.stepSize));
  return { p: p2, m: m2, v: v2 };
}
