// The trainer's host state: every weight (frozen ones are never written), Adam's moments of the trainable ones, and
// the buffers the step graph writes their gradients into. AdamW updates weights and moments in place, so a step
// allocates nothing for them and holds one copy of each.
import type { NamedTensor } from '../nn/safetensors.ts';
import type { HostTensor } from './session.ts';

export type Feeds = Record<string, HostTensor>;

export interface HostParams {
  weights: Map<string, NamedTensor>;
  /** `m.<name>` and `v.<name>` of every trainable weight. */
  moments: Map<string, NamedTensor>;
  readonly trainable: readonly string[];
  /** `grad.<name>` of every trainable weight, written by the step graph (allocated at the first step). */
  grads: Map<string, Float32Array>;
}

export function copyWeights(weights: Map<string, NamedTensor>): Map<string, NamedTensor> {
  return new Map([...weights].map(([k, t]) => [k, { shape: t.shape, data: t.data.slice() }]));
}

/**
 * Fresh state: the initial weights, zero moments. It takes the initial buffers over (they become the current weights,
 * updated in place): a copy would hold one more set of weights for the whole run (436 MB for bert-base). Pass a copy
 * where the caller still needs the initial values.
 */
export function freshParams(initial: Map<string, NamedTensor>, trainable: readonly string[]): HostParams {
  const weights = new Map([...initial].map(([k, t]) => [k, { shape: t.shape, data: t.data }]));
  const moments = new Map<string, NamedTensor>(
    trainable.flatMap((n) => {
      const { shape, data } = weights.get(n)!;
      return [
        [`m.${n}`, { shape, data: new Float32Array(data.length) }],
        [`v.${n}`, { shape, data: new Float32Array(data.length) }],
      ];
    }),
  );
  return { weights, moments, trainable, grads: new Map() };
}

export function paramFeeds(p: HostParams, feeds: Feeds): void {
  for (const n of p.trainable) feeds[n] = { data: p.weights.get(n)!.data, dims: p.weights.get(n)!.shape };
}

/** The step's `grad.*` outputs, bound to the state's gradient buffers. */
export function gradTargets(p: HostParams): Feeds {
  const into: Feeds = {};
  for (const n of p.trainable) {
    const { shape, data } = p.weights.get(n)!;
    let buffer = p.grads.get(n);
    if (!buffer) p.grads.set(n, (buffer = new Float32Array(data.length)));
    into[`grad.${n}`] = { data: buffer, dims: shape };
  }
  return into;
}
