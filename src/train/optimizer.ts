// The optimizer step after a step's gradients: clip_grad_norm_'s scale from their global norm, then AdamW over every
// trainable weight, in place (adamw.ts). The trainer and bench:train both take their steps through here.
import { adamwStep, clipCoefficient, globalNorm, type AdamW, type AdamWHyper } from './adamw.ts';
import { excludedFromDecay } from './freeze.ts';
import type { HostParams } from './host-params.ts';

export interface OptimizerSpec {
  hyper: AdamWHyper;
  weightDecay: number;
  /** Global-norm clipping threshold; null: none. */
  maxGradNorm: number | null;
  /** Exclude biases and LayerNorm weights from weight decay (Hugging Face Trainer); false: decay everything. */
  decayExclusions: boolean;
}

/**
 * Step t (1-based) at learning rate lr. `norm`: the gradients' global norm when the graph computed it; null computes
 * it here (summed micro-batch gradients). `grads`: the state's own gradient buffers unless given.
 */
export function optimizerStep(
  p: HostParams,
  adamw: AdamW,
  o: OptimizerSpec,
  lr: number,
  t: number,
  norm: number | null,
  grads: Map<string, Float32Array> = p.grads,
): void {
  const clip = o.maxGradNorm === null ? 1 : clipCoefficient(norm ?? globalNorm(grads.values()), o.maxGradNorm);
  const step = adamwStep(lr, o.weightDecay, o.hyper, t, clip);
  for (const n of p.trainable) {
    const m = p.moments.get(`m.${n}`)!.data;
    const v = p.moments.get(`v.${n}`)!.data;
    const decays = !(o.decayExclusions && excludedFromDecay(n));
    adamw.update(p.weights.get(n)!.data, grads.get(n)!, m, v, step, decays);
  }
}
