// Pooling one row's hidden states [T, H] into a vector [H] over its real tokens, and L2 normalization, in
// float64 accumulation like transformers.js' mean_pooling / normalize and sentence-transformers.
import type { FloatTensor } from '../inference/runtime.ts';

export type Pooling = 'mean' | 'cls' | 'max';
export const POOLINGS: readonly Pooling[] = ['mean', 'cls', 'max'];

/** `hidden` is one row of last_hidden_state: dims [T, H] with T the run's padded length; `length` real tokens. */
export function poolRow(hidden: FloatTensor, length: number, pooling: Pooling): Float32Array {
  const H = hidden.dims[hidden.dims.length - 1];
  const data = hidden.data;
  const out = new Float32Array(H);
  if (pooling === 'cls' || length === 0) {
    out.set(data.subarray(0, H));
    return out;
  }
  if (pooling === 'mean') {
    const sums = new Float64Array(H);
    for (let t = 0; t < length; t++) {
      const base = t * H;
      for (let h = 0; h < H; h++) sums[h] += data[base + h];
    }
    for (let h = 0; h < H; h++) out[h] = sums[h] / length;
    return out;
  }
  out.set(data.subarray(0, H));
  for (let t = 1; t < length; t++) {
    const base = t * H;
    for (let h = 0; h < H; h++) if (data[base + h] > out[h]) out[h] = data[base + h];
  }
  return out;
}

/** x / max(||x||, 1e-12), as torch.nn.functional.normalize. */
export function l2Normalize(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i] * v[i];
  const norm = Math.max(Math.sqrt(sum), 1e-12);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / norm;
  return out;
}

/** sentence-transformers' 1_Pooling/config.json -> our pooling; null for modes edgeclass does not compute. */
export function poolingFromSentenceTransformers(config: Record<string, unknown>): Pooling | null {
  const modes: [string, Pooling][] = [
    ['pooling_mode_cls_token', 'cls'],
    ['pooling_mode_mean_tokens', 'mean'],
    ['pooling_mode_max_tokens', 'max'],
  ];
  const on = modes.filter(([key]) => config[key] === true).map(([, p]) => p);
  const others = [
    'pooling_mode_mean_sqrt_len_tokens',
    'pooling_mode_weightedmean_tokens',
    'pooling_mode_lasttoken',
  ].some((k) => config[k] === true);
  if (typeof config.pooling_mode === 'string' && on.length === 0 && !others) {
    const named = ({ cls: 'cls', mean: 'mean', max: 'max' } as Record<string, Pooling>)[config.pooling_mode];
    return named ?? null;
  }
  return on.length === 1 && !others ? on[0] : null;
}
