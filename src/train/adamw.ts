// AdamW as PyTorch's torch.optim.AdamW computes it (decoupled weight decay, bias correction), on the host, in place:
// the step graph hands over gradients and AdamW runs as one pass over each parameter in a WebAssembly SIMD kernel
// (adamw.wat). In the graph it was 14 elementwise nodes a parameter with their temporaries, and the graph's outputs
// needed a second set of weights and moments (1.3 GB for bert-base); bench/RESULTS.md prices the move. The kernel
// makes the same float32 operations in the same order as the graph did, so the results are the same bits.
// Per step t the host computes the scalars in float64 and rounds them to float32, as PyTorch does with its
// Python-float hyperparameters:
//   g *= clip;  p *= 1 - lr*wd;  m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g*g;
//   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
import { instantiateKernel } from './wasm-kernel.ts';

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  eps: number;
}

/** torch.optim.AdamW's defaults, the trainer's betas and eps. */
export const TORCH_ADAMW: AdamWHyper = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** One optimizer step's scalars, each a float32 value. */
export interface AdamWStep {
  /** clip_grad_norm_'s scale of the gradients (1: none). */
  clip: number;
  /** 1 - lr * weight_decay, for parameters that decay. */
  decay: number;
  /** lr / (1 - beta1^t). */
  stepSize: number;
  /** sqrt(1 - beta2^t). */
  biasCorrection2Sqrt: number;
}

/** The scalars for step t (1-based). */
export function adamwStep(lr: number, weightDecay: number, hyper: AdamWHyper, t: number, clip = 1): AdamWStep {
  return {
    clip: Math.fround(clip),
    decay: Math.fround(1 - lr * weightDecay),
    stepSize: Math.fround(lr / (1 - hyper.beta1 ** t)),
    biasCorrection2Sqrt: Math.fround(Math.sqrt(1 - hyper.beta2 ** t)),
  };
}

/**
 * torch.nn.utils.clip_grad_norm_'s scale, min(max_norm / (norm + 1e-6), 1), in float32 (a float32 operation equals
 * the float64 one rounded to float32: Math.fround after each).
 */
export function clipCoefficient(norm: number, maxNorm: number): number {
  const f = Math.fround;
  return Math.min(f(f(maxNorm) / f(f(norm) + f(1e-6))), 1);
}

/** The global L2 norm of a set of gradients (float64 sums), for clipping summed micro-batch gradients. */
export function globalNorm(grads: Iterable<Float32Array>): number {
  let sum = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) sum += g[i] * g[i];
  return Math.fround(Math.sqrt(sum));
}

export interface AdamW {
  /** Updates p, m and v in place from the gradient g (all of one length). */
  update(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, step: AdamWStep, decays: boolean): void;
}

interface KernelExports {
  memory: WebAssembly.Memory;
  slotFloats: WebAssembly.Global;
  adamw(n: number, ...scalars: number[]): void;
}

export async function createAdamW(hyper: AdamWHyper): Promise<AdamW> {
  const kernel = await instantiateKernel<KernelExports>(new URL('./adamw.wat', import.meta.url));
  const slot = kernel.slotFloats.value as number;
  const heap = new Float32Array(kernel.memory.buffer); // [4 slots, slot]: g, m, v, p
  const b1 = Math.fround(hyper.beta1);
  const c1 = Math.fround(1 - hyper.beta1);
  const b2 = Math.fround(hyper.beta2);
  const c2 = Math.fround(1 - hyper.beta2);
  const eps = Math.fround(hyper.eps);
  return {
    update(p, g, m, v, s, decays) {
      const decay = decays ? s.decay : 1;
      for (let at = 0; at < p.length; at += slot) {
        const n = Math.min(slot, p.length - at);
        heap.set(g.subarray(at, at + n), 0);
        heap.set(m.subarray(at, at + n), slot);
        heap.set(v.subarray(at, at + n), 2 * slot);
        heap.set(p.subarray(at, at + n), 3 * slot);
        kernel.adamw(n, s.clip, decay, b1, c1, b2, c2, s.stepSize, s.biasCorrection2Sqrt, eps);
        m.set(heap.subarray(slot, slot + n), at);
        v.set(heap.subarray(2 * slot, 2 * slot + n), at);
        p.set(heap.subarray(3 * slot, 3 * slot + n), at);
      }
    },
  };
}
