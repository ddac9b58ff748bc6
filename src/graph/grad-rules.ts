// One backward rule per op: given the node and the gradients of its outputs, the gradients of its inputs (null
// where not needed). Shapes in comments; broadcasting is undone by summing over the broadcast axes.
import type { Node, Value } from './graph.ts';
import * as ops from './ops.ts';

export interface RuleContext {
  /** The node's float32 values were widened to float64 for a float64 backward of a float32 forward. */
  widened: boolean;
}

export type BackwardRule = (
  node: Node,
  gradOutputs: (Value | null)[],
  needs: boolean[],
  context: RuleContext,
) => (Value | null)[];

/** The integer values of a constant input (axes, shapes), read from its initializer. */
function constantInts(v: Value | null): number[] {
  const init = v ? v.graph.initializers.get(v.name) : undefined;
  if (!init || init.trainable) throw new Error(`expected a constant, got ${v}`);
  return Array.from(init.data as ArrayLike<number | bigint>, Number);
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a && a.type === 'int' ? a.value : fallback;
}

function intsAttr(node: Node, name: string): number[] {
  const a = node.attributes[name];
  if (a?.type !== 'ints') throw new Error(`${node.opType} ${node.name}: attribute ${name} missing`);
  return a.value;
}

/**
 * Sums g (the broadcast shape) down to `target`'s shape: leading axes dropped, size-1 axes kept. Like every sum of the
 * backward it runs in the values' own type: bias and LayerNorm gradients are sums of many small terms, and a float32
 * sum differs from an exact one by float32 rounding, which the reference's revised tolerance (Adam's amplification of
 * gradient noise, as any float32 implementation shows it, PyTorch's included) allows.
 */
export function unbroadcast(g: Value, target: Value): Value {
  let out = g;
  const lead = g.rank - target.rank;
  if (lead > 0)
    out = ops.reduceSum(
      out,
      Array.from({ length: lead }, (_, i) => i),
      false,
    );
  const axes = target.shape.map((d, i) => (d === 1 && out.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  if (axes.length) out = ops.reduceSum(out, axes, true);
  return out;
}

const one = (like: Value, value: number) => like.graph.scalarLike(like, value);
const floatMask = (cond: Value, like: Value) => ops.cast(cond, like.dtype);

function elementwise(rule: (x: Value, y: Value, g: Value) => Value): BackwardRule {
  return (node, [g]) => [rule(node.inputs[0]!, node.outputs[0], g!)];
}

/** a @ b with a [..., n, k] and b [..., k, m] (b possibly a 2-D weight shared across a's batch axes). */
const matmulRule: BackwardRule = (node, [g], needs) => {
  const a = node.inputs[0]!;
  const b = node.inputs[1]!;
  const lastTwo = (v: Value) => [...Array.from({ length: v.rank - 2 }, (_, i) => i), v.rank - 1, v.rank - 2];
  let ga: Value | null = null;
  let gb: Value | null = null;
  if (needs[0]) ga = unbroadcast(ops.matmul(g!, ops.transpose(b, lastTwo(b))), a); // [..., n, k]
  if (needs[1]) {
    if (b.rank === 2 && a.rank > 2) {
      // Shared weight: fold a's batch axes into rows, one [k, m] product. a2 [R, k], g2 [R, m] -> [k, m]
      const k = a.shape[a.rank - 1] as number;
      const m = b.shape[1] as number;
      gb = ops.gemm(ops.reshape(a, [-1, k]), ops.reshape(g!, [-1, m]), null, { transA: true });
    } else {
      gb = unbroadcast(ops.matmul(ops.transpose(a, lastTwo(a)), g!), b); // [..., k, m]
    }
  }
  return [ga, gb];
};

/**
 * The gradient of an embedding table [V, ...rest] read by Gather(table, indices): each row of g summed into the
 * table row of its index. Not ScatterND with reduction add: onnxruntime's CPU kernel adds update slices on several
 * threads without synchronization, and rows sharing an index (a repeated token, one position across a batch) lose
 * updates (measured at 2 threads: sums up to 35% off, different on every run). Race-free and deterministic instead:
 * sort the rows by index (Unique + TopK), prefix-sum them in float64 (CumSum), take each distinct index's sum as
 * the difference of two prefix sums, and write the distinct rows (ScatterND without reduction: no two updates
 * share a row). The table's dtype is kept (a widened backward writes float32 rows, half the traffic over [V, H]).
 */
function embeddingGrad(data: Value, indices: Value, g: Value): Value {
  const rest = data.shape.slice(1).map((d) => (typeof d === 'number' ? d : 0));
  if (rest.includes(0)) throw new Error(`Gather backward: the table ${data} needs static row dims`);
  const flat = ops.reshape(ops.cast(indices, 'int64'), [-1]); // [N]
  const rows = ops.cast(ops.reshape(g, [-1, ...rest]), 'float64'); // [N, ...rest]
  const { values, inverse, counts } = ops.unique(flat); // [U], [N], [U]
  const order = ops.topK(inverse, ops.shapeOf(flat), flat.shape[0], false).indices; // [N]: rows grouped by index, ascending
  const prefix = ops.cumSum(ops.gather(rows, order), 0); // [N, ...rest]
  const zeroRow = ops.constantOfShape(data.graph.constInt64([1, ...rest]), [1, ...rest], 0, 'float64'); // [1, ...rest]
  const padded = ops.concat([zeroRow, prefix], 0); // [N + 1, ...rest]: padded[i] = sum of the first i sorted rows
  const ends = ops.cumSum(counts, 0); // [U]
  const sums = ops.sub(ops.gather(padded, ends), ops.gather(padded, ops.sub(ends, counts))); // [U, ...rest]
  const dtype = data.dtype === 'float64' ? 'float64' : 'float32';
  const zeros = ops.constantOfShape(ops.shapeOf(data), data.shape, 0, dtype); // [V, ...rest]
  return ops.scatterND(zeros, ops.unsqueeze(values, [-1]), ops.cast(sums, dtype));
}

/** Gather backward. axis 0 (embedding tables): a race-free scatter-add of rows; other axes: a scalar index (e.g. [CLS]). */
const gatherRule: BackwardRule = (node, [g]) => {
  const data = node.inputs[0]!;
  const indices = node.inputs[1]!;
  const axis = intAttr(node, 'axis', 0);
  if (axis === 0) return [embeddingGrad(data, indices, g!), null];
  if (indices.rank !== 0) throw new Error(`Gather backward: only scalar indices are supported on axis ${axis}`);
  const hit = floatMask(ops.equal(ops.positionsAlong(data, axis), ops.cast(indices, 'int64')), g!); // [1, .., T, .., 1]
  return [ops.mul(ops.unsqueeze(g!, [axis]), hit), null];
};

/**
 * LayerNorm backward: dx = invStd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat)), dxhat = g * scale, with
 * the forward's saved mean and 1/std. Those are float32 (the op's stash type): a graph that is float64 throughout
 * (gradient checks) recomputes them at full precision instead.
 */
const layerNormRule: BackwardRule = (node, [g], needs, context) => {
  const [x, scale] = node.inputs as Value[];
  let [, mean, invStd] = node.outputs; // [..., 1]
  if (x.dtype === 'float64' && !context.widened) {
    const eps = node.attributes.epsilon?.type === 'float' ? node.attributes.epsilon.value : 1e-5;
    mean = ops.reduceMean(x, [-1]);
    const centered = ops.sub(x, mean);
    invStd = ops.reciprocal(ops.sqrt(ops.add(ops.reduceMean(ops.mul(centered, centered), [-1]), eps)));
  }
  const rows = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const xhat = ops.mul(ops.sub(x, mean), invStd); // [..., H]
  const gxhat = ops.mul(g!, scale); // [..., H]
  const gx = needs[0]
    ? ops.mul(
        invStd,
        ops.sub(
          ops.sub(gxhat, ops.reduceMean(gxhat, [-1], true)),
          ops.mul(xhat, ops.reduceMean(ops.mul(gxhat, xhat), [-1], true)),
        ),
      )
    : null;
  const gscale = needs[1] ? ops.reduceSum(ops.mul(g!, xhat), rows, false) : null; // [H]
  const gbias = needs[2] ? ops.reduceSum(g!, rows, false) : null; // [H]
  return [gx, gscale, gbias];
};

/** Reductions route the gradient back over the reduced axes. */
function expandBack(g: Value, x: Value, axes: number[], keepDims: boolean): Value {
  const kept = keepDims ? g : ops.unsqueeze(g, axes);
  return ops.expand(kept, ops.shapeOf(x), x.shape);
}

const reduceMaxRule: BackwardRule = (node, [g]) => {
  const x = node.inputs[0]!;
  const axes = intsAttr(node, 'axes');
  if (axes.length !== 1) throw new Error('ReduceMax backward: one axis only');
  const keep = intAttr(node, 'keepdims', 1) === 1;
  // torch.max(dim) sends the gradient to the first maximal element only.
  const first = floatMask(ops.equal(ops.positionsAlong(x, axes[0]), ops.argMax(x, axes[0])), g!); // x's shape
  return [ops.mul(keep ? g! : ops.unsqueeze(g!, axes), first)];
};

/** mean cross-entropy: d/dscores = (softmax - onehot(labels)) * g / N, from the saved log-probabilities. */
const softmaxCrossEntropyRule: BackwardRule = (node, [g]) => {
  const [scores, labels] = node.inputs as Value[];
  const logProb = node.outputs[1]; // [N, C]
  const onehot = floatMask(ops.equal(ops.positionsAlong(scores, 1), ops.unsqueeze(labels, [1])), scores); // [N, C]
  const scale = ops.div(g!, ops.countAlong(scores, [0])); // []
  return [ops.mul(ops.sub(ops.exp(logProb), onehot), scale), null];
};

export const BACKWARD_RULES: Record<string, BackwardRule> = {
  Identity: (_n, [g]) => [g],
  Add: (n, [g]) => [unbroadcast(g!, n.inputs[0]!), unbroadcast(g!, n.inputs[1]!)],
  Sub: (n, [g], needs) => [
    needs[0] ? unbroadcast(g!, n.inputs[0]!) : null,
    needs[1] ? unbroadcast(ops.neg(g!), n.inputs[1]!) : null,
  ],
  Mul: (n, [g], needs) => [
    needs[0] ? unbroadcast(ops.mul(g!, n.inputs[1]!), n.inputs[0]!) : null,
    needs[1] ? unbroadcast(ops.mul(g!, n.inputs[0]!), n.inputs[1]!) : null,
  ],
  Div: (n, [g], needs) => [
    needs[0] ? unbroadcast(ops.div(g!, n.inputs[1]!), n.inputs[0]!) : null,
    needs[1] ? unbroadcast(ops.neg(ops.div(ops.mul(g!, n.outputs[0]), n.inputs[1]!)), n.inputs[1]!) : null,
  ],
  Max: (n, [g]) => {
    const [a, b] = n.inputs as Value[];
    const takeA = floatMask(ops.not(ops.less(a, b)), g!);
    return [unbroadcast(ops.mul(g!, takeA), a), unbroadcast(ops.sub(g!, ops.mul(g!, takeA)), b)];
  },
  Min: (n, [g]) => {
    const [a, b] = n.inputs as Value[];
    const takeA = floatMask(ops.not(ops.greater(a, b)), g!);
    return [unbroadcast(ops.mul(g!, takeA), a), unbroadcast(ops.sub(g!, ops.mul(g!, takeA)), b)];
  },
  Neg: (_n, [g]) => [ops.neg(g!)],
  // d erf(x) = 2/sqrt(pi) exp(-x^2)
  Erf: elementwise((x, _y, g) => ops.mul(g, ops.mul(ops.exp(ops.neg(ops.mul(x, x))), 2 / Math.sqrt(Math.PI)))),
  Tanh: elementwise((_x, y, g) => ops.mul(g, ops.sub(one(y, 1), ops.mul(y, y)))),
  Sqrt: elementwise((_x, y, g) => ops.div(ops.mul(g, 0.5), y)),
  Exp: elementwise((_x, y, g) => ops.mul(g, y)),
  Log: elementwise((x, _y, g) => ops.div(g, x)),
  Relu: elementwise((x, _y, g) => ops.mul(g, floatMask(ops.greater(x, one(x, 0)), g))),
  Abs: elementwise((x, _y, g) => ops.mul(g, x.graph.addNode('Sign', [x], [{ dtype: x.dtype, shape: x.shape }])[0])),
  Sigmoid: elementwise((_x, y, g) => ops.mul(g, ops.mul(y, ops.sub(one(y, 1), y)))),
  Reciprocal: elementwise((_x, y, g) => ops.neg(ops.mul(g, ops.mul(y, y)))),
  Cast: (n, [g]) => [ops.cast(g!, n.inputs[0]!.dtype)],
  Where: (n, [g], needs) => {
    const [c, a, b] = n.inputs as Value[];
    const zero = one(g!, 0);
    return [
      null,
      needs[1] ? unbroadcast(ops.where(c, g!, zero), a) : null,
      needs[2] ? unbroadcast(ops.where(c, zero, g!), b) : null,
    ];
  },
  MatMul: matmulRule,
  Transpose: (n, [g]) => {
    const perm = intsAttr(n, 'perm');
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return [ops.transpose(g!, inverse)];
  },
  Reshape: (n, [g]) => [ops.reshapeTo(g!, ops.shapeOf(n.inputs[0]!), n.inputs[0]!.shape), null],
  Unsqueeze: (n, [g]) => [ops.squeeze(g!, constantInts(n.inputs[1])), null],
  Squeeze: (n, [g]) => [ops.unsqueeze(g!, constantInts(n.inputs[1])), null],
  Expand: (n, [g]) => [unbroadcast(g!, n.inputs[0]!), null],
  Gather: gatherRule,
  Softmax: (n, [g]) => {
    const y = n.outputs[0];
    const axis = intAttr(n, 'axis', -1);
    return [ops.mul(y, ops.sub(g!, ops.reduceSum(ops.mul(g!, y), [axis], true)))];
  },
  LogSoftmax: (n, [g]) => {
    const y = n.outputs[0];
    const axis = intAttr(n, 'axis', -1);
    return [ops.sub(g!, ops.mul(ops.exp(y), ops.reduceSum(g!, [axis], true)))];
  },
  LayerNormalization: layerNormRule,
  ReduceSum: (n, [g]) => [
    expandBack(g!, n.inputs[0]!, constantInts(n.inputs[1]), intAttr(n, 'keepdims', 1) === 1),
    null,
  ],
  ReduceMean: (n, [g]) => {
    const x = n.inputs[0]!;
    const axes = intsAttr(n, 'axes');
    return [ops.div(expandBack(g!, x, axes, intAttr(n, 'keepdims', 1) === 1), ops.countAlong(x, axes))];
  },
  ReduceMax: reduceMaxRule,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyRule,
};
