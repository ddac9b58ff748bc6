// Poolings of last_hidden_state [B, T, H] into one vector per sequence [B, H], padding excluded.
import { ops, type Value } from '../graph/index.ts';

export type Pooling = 'cls' | 'mean' | 'max';
export const POOLINGS: Pooling[] = ['cls', 'mean', 'max'];

/** [B, T] int64 mask -> [B, T, 1] of the hidden states' float type */
function maskColumn(mask: Value, like: Value): Value {
  return ops.cast(ops.unsqueeze(mask, [2]), like.dtype);
}

export function pool(hidden: Value, mask: Value, pooling: Pooling): Value {
  const g = hidden.graph;
  switch (pooling) {
    case 'cls':
      return ops.gather(hidden, g.constInt64([0], []), 1); // [B, H]
    case 'mean': {
      const m = maskColumn(mask, hidden); // [B, T, 1]
      const sum = ops.reduceSum(ops.mul(hidden, m), [1], false); // [B, H]
      const count = ops.max(ops.reduceSum(m, [1], false), 1e-9); // [B, 1]
      return ops.div(sum, count);
    }
    case 'max': {
      const real = ops.cast(ops.unsqueeze(mask, [2]), 'bool'); // [B, T, 1]
      return ops.reduceMax(ops.where(real, hidden, g.scalarLike(hidden, -1e9)), [1], false); // [B, H]
    }
  }
}

/** x / max(||x||_2, 1e-12) along the last axis, as torch.nn.functional.normalize (sentence-transformers). */
export function l2Normalize(x: Value): Value {
  const norm = ops.sqrt(ops.reduceSum(ops.mul(x, x), [-1], true));
  return ops.div(x, ops.max(norm, 1e-12));
}
