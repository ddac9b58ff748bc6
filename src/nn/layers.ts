// Building blocks with Hugging Face's exact semantics: Linear (weight [out, in], y = x W^T + b), exact erf GELU,
// LayerNorm, and the dropout hook that training graphs fill in (inference passes x through).
import { ops, type Value } from '../graph/index.ts';
import type { Params } from './params.ts';

/** Dropout as the graph being built wants it: identity for inference, a masked scale for training. */
export type Dropout = (x: Value, p: number) => Value;
export const noDropout: Dropout = (x) => x;

/** y = x W^T + b, W [out, in] as stored by PyTorch. x: [..., in] -> [..., out]. */
export function linear(params: Params, prefix: string, x: Value, inFeatures: number, outFeatures: number): Value {
  const w = params.get(`${prefix}.weight`, [outFeatures, inFeatures]); // [out, in]
  const b = params.get(`${prefix}.bias`, [outFeatures]); // [out]
  return ops.add(ops.matmul(x, ops.transpose(w, [1, 0])), b);
}

/** GELU with erf, as transformers' "gelu": x * 0.5 * (1 + erf(x / sqrt(2))). */
export function gelu(x: Value): Value {
  return ops.mul(ops.mul(x, 0.5), ops.add(ops.erf(ops.div(x, Math.SQRT2)), 1));
}

export function layerNorm(params: Params, prefix: string, x: Value, hidden: number, eps: number): Value {
  return ops.layerNorm(x, params.get(`${prefix}.weight`, [hidden]), params.get(`${prefix}.bias`, [hidden]), eps).y;
}
