// Position ids [B, T] int64 from input_ids [B, T]: the two conventions encoders use.
import { ops, type Graph, type Value } from '../../graph/index.ts';

/** 0..T-1 in every row, padding or not (BERT, DistilBERT). */
export function arangePositions(g: Graph, inputIds: Value): Value {
  const ones = ops.add(ops.mul(inputIds, g.constInt64([0], [])), g.constInt64([1], [])); // [B, T] of 1
  return ops.sub(ops.cumSum(ones, 1), g.constInt64([1], []));
}

/**
 * cumsum(ids != pad) * (ids != pad) + pad: padding gets the pad position and the first real token pad + 1
 * (transformers' create_position_ids_from_input_ids; RoBERTa, XLM-RoBERTa).
 */
export function paddingOffsetPositions(g: Graph, padTokenId: number, inputIds: Value): Value {
  const pad = g.constInt64([padTokenId], []);
  const real = ops.cast(ops.not(ops.equal(inputIds, pad)), 'int64'); // [B, T]
  return ops.add(ops.mul(ops.cumSum(real, 1), real), pad);
}
