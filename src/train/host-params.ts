// The trainer's host state: every weight (frozen ones are never written) and Adam's moments of the trainable ones,
// fed to the step graph and replaced by its outputs. Double buffering: the graph writes the new parameters and
// moments into spare buffers, which then swap with the current ones, so a step allocates nothing for them.
import type { NamedTensor } from '../nn/safetensors.ts';
import type { HostTensor } from './session.ts';

export type Feeds = Record<string, HostTensor>;

export interface HostParams {
  weights: Map<string, NamedTensor>;
  /** `m.<name>` and `v.<name>` of every trainable weight. */
  moments: Map<string, NamedTensor>;
  readonly trainable: readonly string[];
  /** The buffers the next update writes into, by weight or moment name. */
  spare: Map<string, Float32Array>;
}

export function copyWeights(weights: Map<string, NamedTensor>): Map<string, NamedTensor> {
  return new Map([...weights].map(([k, t]) => [k, { shape: t.shape, data: t.data.slice() }]));
}

/**
 * Fresh state: the initial weights, zero moments. It takes the initial buffers over (they become the current weights,
 * then spares): a copy would hold one more set of weights for the whole run (436 MB for bert-base). Pass a copy
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
  return { weights, moments, trainable, spare: new Map() };
}

export function paramFeeds(p: HostParams, feeds: Feeds): void {
  for (const n of p.trainable) feeds[n] = { data: p.weights.get(n)!.data, dims: p.weights.get(n)!.shape };
}

export function momentFeeds(p: HostParams, feeds: Feeds): void {
  for (const [k, t] of p.moments) feeds[k] = { data: t.data, dims: t.shape };
}

/** The step's `new.*`, `new_m.*`, `new_v.*` outputs, bound to the spare buffers. */
export function updateTargets(p: HostParams): Feeds {
  const into: Feeds = {};
  for (const n of p.trainable) {
    const { shape, data } = p.weights.get(n)!;
    for (const [out, key] of [
      [`new.${n}`, n],
      [`new_m.${n}`, `m.${n}`],
      [`new_v.${n}`, `v.${n}`],
    ]) {
      let buffer = p.spare.get(key);
      if (!buffer) p.spare.set(key, (buffer = new Float32Array(data.length)));
      into[out] = { data: buffer, dims: shape };
    }
  }
  return into;
}

/** Makes the written spare buffers current; the previous ones become the spares. */
export function applyUpdate(p: HostParams, out: Feeds): void {
  for (const n of p.trainable) {
    for (const [name, key, holder] of [
      [`new.${n}`, n, p.weights],
      [`new_m.${n}`, `m.${n}`, p.moments],
      [`new_v.${n}`, `v.${n}`, p.moments],
    ] as const) {
      const t = holder.get(key)!;
      const previous = t.data;
      t.data = out[name].data as Float32Array;
      p.spare.set(key, previous);
    }
  }
}
