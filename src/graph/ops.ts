// Typed ONNX ops (opset 17). Each checks its inputs, infers the output dtype and shape, and adds one node.
// Only ops the models and their training need; each is a candidate for a backward rule (src/graph/autodiff).
import { FLOATS, ONNX_DTYPE, type DType } from './dtype.ts';
import type { Value, Attribute } from './graph.ts';
import { broadcastShapes, formatShape, normalizeAxis, numel, sameDim, type Dim, type Shape } from './shape.ts';

const int = (value: number): Attribute => ({ type: 'int', value });
const float = (value: number): Attribute => ({ type: 'float', value });
const ints = (value: number[]): Attribute => ({ type: 'ints', value });

function expectDtype(op: string, v: Value, ...allowed: DType[]): void {
  if (!allowed.includes(v.dtype)) throw new Error(`${op}: '${v.name}' is ${v.dtype}, expected ${allowed.join(' or ')}`);
}

function sameDtype(op: string, a: Value, b: Value): void {
  if (a.dtype !== b.dtype) throw new Error(`${op}: '${a.name}' is ${a.dtype} but '${b.name}' is ${b.dtype}`);
}

function unary(op: string, x: Value, dtypes: DType[] = FLOATS): Value {
  expectDtype(op, x, ...dtypes);
  return x.graph.addNode(op, [x], [{ dtype: x.dtype, shape: x.shape }])[0];
}

function binary(op: string, a: Value, b: Value, outDtype?: DType): Value {
  sameDtype(op, a, b);
  const shape = broadcastShapes(a.shape, b.shape, op);
  return a.graph.addNode(op, [a, b], [{ dtype: outDtype ?? a.dtype, shape }])[0];
}

/** A float scalar or a value: lets formulas read `mul(x, 0.5)`. */
export type Operand = Value | number;
function lift(like: Value, x: Operand): Value {
  return typeof x === 'number' ? like.graph.scalarLike(like, x) : x;
}

// Elementwise -----------------------------------------------------------------------------------------------
export const add = (a: Value, b: Operand) => binary('Add', a, lift(a, b));
export const sub = (a: Value, b: Operand) => binary('Sub', a, lift(a, b));
export const mul = (a: Value, b: Operand) => binary('Mul', a, lift(a, b));
export const div = (a: Value, b: Operand) => binary('Div', a, lift(a, b));
export const pow = (a: Value, b: Operand) => binary('Pow', a, lift(a, b));
export const max = (a: Value, b: Operand) => binary('Max', a, lift(a, b));
export const min = (a: Value, b: Operand) => binary('Min', a, lift(a, b));
export const equal = (a: Value, b: Value) => binary('Equal', a, b, 'bool');
export const less = (a: Value, b: Value) => binary('Less', a, b, 'bool');
export const greater = (a: Value, b: Value) => binary('Greater', a, b, 'bool');
export const and = (a: Value, b: Value) => {
  expectDtype('And', a, 'bool');
  return binary('And', a, b, 'bool');
};
export const not = (x: Value) => unary('Not', x, ['bool']);
/** onnxruntime has no float64 Erf kernel: float64 graphs evaluate it in float32. */
export const erf = (x: Value) =>
  x.dtype === 'float64' ? cast(unary('Erf', cast(x, 'float32')), 'float64') : unary('Erf', x);
export const tanh = (x: Value) => unary('Tanh', x);
export const sin = (x: Value) => unary('Sin', x);
export const cos = (x: Value) => unary('Cos', x);
export const sqrt = (x: Value) => unary('Sqrt', x);
export const exp = (x: Value) => unary('Exp', x);
export const log = (x: Value) => unary('Log', x);
export const neg = (x: Value) => unary('Neg', x, [...FLOATS, 'int64', 'int32']);
export const relu = (x: Value) => unary('Relu', x);
export const abs = (x: Value) => unary('Abs', x);
export const sigmoid = (x: Value) => unary('Sigmoid', x);
export const reciprocal = (x: Value) => unary('Reciprocal', x);
export const identity = (x: Value) => unary('Identity', x, [...FLOATS, 'int64', 'int32', 'bool', 'int8', 'uint8']);

export function where(condition: Value, a: Value, b: Value): Value {
  expectDtype('Where', condition, 'bool');
  sameDtype('Where', a, b);
  const shape = broadcastShapes(broadcastShapes(condition.shape, a.shape, 'Where'), b.shape, 'Where');
  return a.graph.addNode('Where', [condition, a, b], [{ dtype: a.dtype, shape }])[0];
}

export function cast(x: Value, to: DType): Value {
  return x.graph.addNode('Cast', [x], [{ dtype: to, shape: x.shape }], { to: int(ONNX_DTYPE[to]) })[0];
}

// Linear algebra --------------------------------------------------------------------------------------------

/** numpy matmul: [..., n, k] x [..., k, m] -> [..., n, m]; a 1-D operand gets a dimension added and removed. */
export function matmul(a: Value, b: Value): Value {
  sameDtype('MatMul', a, b);
  if (a.rank < 1 || b.rank < 1) throw new Error('MatMul: scalars are not allowed');
  const as = a.rank === 1 ? [1, a.shape[0]] : a.shape;
  const bs = b.rank === 1 ? [b.shape[0], 1] : b.shape;
  const k1 = as[as.length - 1];
  const k2 = bs[bs.length - 2];
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2) {
    throw new Error(`MatMul: inner dimensions differ: ${a} x ${b}`);
  }
  const batch = broadcastShapes(as.slice(0, -2), bs.slice(0, -2), 'MatMul');
  const shape: Shape = [
    ...batch,
    ...(a.rank === 1 ? [] : [as[as.length - 2]]),
    ...(b.rank === 1 ? [] : [bs[bs.length - 1]]),
  ];
  return a.graph.addNode('MatMul', [a, b], [{ dtype: a.dtype, shape }])[0];
}

/** Gemm: alpha * op(A) op(B) + beta * C on 2-D operands; op = transpose when asked. */
export function gemm(
  a: Value,
  b: Value,
  c: Value | null,
  options: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
): Value {
  if (a.rank !== 2 || b.rank !== 2) throw new Error(`Gemm: 2-D operands expected, got ${a} and ${b}`);
  const [n, k1] = options.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [k2, m] = options.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (typeof k1 === 'number' && typeof k2 === 'number' && k1 !== k2)
    throw new Error(`Gemm: inner dimensions differ: ${a} x ${b}`);
  const attrs: Record<string, Attribute> = {};
  if (options.transA) attrs.transA = int(1);
  if (options.transB) attrs.transB = int(1);
  if (options.alpha !== undefined) attrs.alpha = float(options.alpha);
  if (options.beta !== undefined) attrs.beta = float(options.beta);
  return a.graph.addNode('Gemm', c ? [a, b, c] : [a, b], [{ dtype: a.dtype, shape: [n, m] }], attrs)[0];
}

// Indexing and shapes ---------------------------------------------------------------------------------------

/** Gather along `axis`: data[..., indices, ...]; the embedding lookup. */
export function gather(data: Value, indices: Value, axis = 0): Value {
  expectDtype('Gather', indices, 'int64', 'int32');
  const ax = normalizeAxis(axis, data.rank, 'Gather');
  const shape = [...data.shape.slice(0, ax), ...indices.shape, ...data.shape.slice(ax + 1)];
  return data.graph.addNode('Gather', [data, indices], [{ dtype: data.dtype, shape }], { axis: int(ax) })[0];
}

/** Reshape to `dims` (0 copies the input dimension, -1 is inferred). */
export function reshape(x: Value, dims: number[]): Value {
  const shape: Shape = dims.map((d, i) => (d === 0 ? x.shape[i] : d));
  const inferred = shape.indexOf(-1);
  if (inferred >= 0) {
    const known = numel(x.shape);
    const rest = numel(shape.filter((_, i) => i !== inferred));
    if (known !== null && rest !== null) {
      if (known % rest !== 0) throw new Error(`Reshape: ${x} cannot become ${formatShape(dims)}`);
      shape[inferred] = known / rest;
    } else {
      shape[inferred] = matchingSymbol(x.shape, shape, inferred);
    }
  } else {
    const a = numel(x.shape);
    const b = numel(shape);
    if (a !== null && b !== null && a !== b)
      throw new Error(`Reshape: ${x} has ${a} elements, ${formatShape(dims)} has ${b}`);
  }
  return x.graph.addNode('Reshape', [x, x.graph.constInt64(dims)], [{ dtype: x.dtype, shape }])[0];
}

/** The symbolic size a -1 stands for: the input's dims that the other target dims do not account for. */
function matchingSymbol(from: Shape, to: Shape, at: number): Dim {
  const remaining = [...from];
  to.forEach((d, i) => {
    if (i === at) return;
    const k = remaining.findIndex((r) => sameDim(r, d));
    if (k >= 0) remaining.splice(k, 1);
  });
  const unknown = remaining.filter((d) => d !== 1);
  return unknown.length === 1 ? unknown[0] : unknown.join('*') || 1;
}

export function transpose(x: Value, perm: number[]): Value {
  if (perm.length !== x.rank || [...perm].sort().some((p, i) => p !== i)) {
    throw new Error(`Transpose: perm ${formatShape(perm)} does not fit ${x}`);
  }
  return x.graph.addNode('Transpose', [x], [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], {
    perm: ints(perm),
  })[0];
}

export function unsqueeze(x: Value, axes: number[]): Value {
  const rank = x.rank + axes.length;
  const norm = axes.map((a) => normalizeAxis(a, rank, 'Unsqueeze')).sort((a, b) => a - b);
  const shape: Shape = [];
  let k = 0;
  for (let i = 0; i < rank; i++) shape.push(norm.includes(i) ? 1 : x.shape[k++]);
  return x.graph.addNode('Unsqueeze', [x, x.graph.constInt64(norm)], [{ dtype: x.dtype, shape }])[0];
}

export function squeeze(x: Value, axes: number[]): Value {
  const norm = axes.map((a) => normalizeAxis(a, x.rank, 'Squeeze'));
  for (const a of norm)
    if (x.shape[a] !== 1 && typeof x.shape[a] === 'number') throw new Error(`Squeeze: axis ${a} of ${x} is not 1`);
  const shape = x.shape.filter((_, i) => !norm.includes(i));
  return x.graph.addNode('Squeeze', [x, x.graph.constInt64(norm)], [{ dtype: x.dtype, shape }])[0];
}

export function concat(xs: Value[], axis: number): Value {
  const first = xs[0];
  const ax = normalizeAxis(axis, first.rank, 'Concat');
  let total: Dim = 0;
  for (const x of xs) {
    sameDtype('Concat', first, x);
    const d = x.shape[ax];
    total = typeof total === 'number' && typeof d === 'number' ? total + d : `${total}+${d}`;
  }
  const shape = first.shape.map((d, i) => (i === ax ? total : d));
  return first.graph.addNode('Concat', xs, [{ dtype: first.dtype, shape }], { axis: int(ax) })[0];
}

/** x[starts:ends] along `axes` (constants; ends may exceed the size, as in numpy). */
export function slice(x: Value, starts: number[], ends: number[], axes: number[]): Value {
  const g = x.graph;
  const shape = [...x.shape];
  axes.forEach((a, i) => {
    const ax = normalizeAxis(a, x.rank, 'Slice');
    const d = x.shape[ax];
    if (typeof d === 'number') {
      const s = Math.max(0, Math.min(d, starts[i] < 0 ? starts[i] + d : starts[i]));
      const e = Math.max(0, Math.min(d, ends[i] < 0 ? ends[i] + d : ends[i]));
      shape[ax] = Math.max(0, e - s);
    } else if (starts[i] >= 0 && ends[i] >= 0 && ends[i] < 2 ** 31) {
      shape[ax] = ends[i] - starts[i];
    } else {
      shape[ax] = `${d}_sliced`;
    }
  });
  return g.addNode(
    'Slice',
    [x, g.constInt64(starts), g.constInt64(ends), g.constInt64(axes)],
    [{ dtype: x.dtype, shape }],
  )[0];
}

export function shapeOf(x: Value): Value {
  return x.graph.addNode('Shape', [x], [{ dtype: 'int64', shape: [x.rank] }])[0];
}

/** Broadcasts x to the shape held (at run time) by `shape`, whose static value is `like`. */
export function expand(x: Value, shape: Value, like: Shape): Value {
  return x.graph.addNode(
    'Expand',
    [x, shape],
    [{ dtype: x.dtype, shape: broadcastShapes(x.shape, like, 'Expand') }],
  )[0];
}

export function cumSum(x: Value, axis: number): Value {
  const ax = normalizeAxis(axis, x.rank, 'CumSum');
  return x.graph.addNode('CumSum', [x, x.graph.constInt64([ax], [])], [{ dtype: x.dtype, shape: x.shape }])[0];
}

// Reductions and normalizations -----------------------------------------------------------------------------

function reducedShape(x: Value, axes: number[], keepDims: boolean, op: string): [number[], Shape] {
  const norm = axes.map((a) => normalizeAxis(a, x.rank, op));
  const shape = keepDims
    ? x.shape.map((d, i) => (norm.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !norm.includes(i));
  return [norm, shape];
}

export function reduceSum(x: Value, axes: number[], keepDims = true): Value {
  const [norm, shape] = reducedShape(x, axes, keepDims, 'ReduceSum');
  return x.graph.addNode('ReduceSum', [x, x.graph.constInt64(norm)], [{ dtype: x.dtype, shape }], {
    keepdims: int(keepDims ? 1 : 0),
  })[0];
}

/** ReduceMean and ReduceMax take axes as an attribute up to opset 17. */
function reduceWithAttribute(op: string, x: Value, axes: number[], keepDims: boolean): Value {
  const [norm, shape] = reducedShape(x, axes, keepDims, op);
  return x.graph.addNode(op, [x], [{ dtype: x.dtype, shape }], {
    axes: ints(norm),
    keepdims: int(keepDims ? 1 : 0),
  })[0];
}
export const reduceMean = (x: Value, axes: number[], keepDims = true) =>
  reduceWithAttribute('ReduceMean', x, axes, keepDims);
export const reduceMax = (x: Value, axes: number[], keepDims = true) =>
  reduceWithAttribute('ReduceMax', x, axes, keepDims);

export function softmax(x: Value, axis = -1): Value {
  expectDtype('Softmax', x, ...FLOATS);
  return x.graph.addNode('Softmax', [x], [{ dtype: x.dtype, shape: x.shape }], {
    axis: int(normalizeAxis(axis, x.rank, 'Softmax')),
  })[0];
}

export function logSoftmax(x: Value, axis = -1): Value {
  expectDtype('LogSoftmax', x, ...FLOATS);
  return x.graph.addNode('LogSoftmax', [x], [{ dtype: x.dtype, shape: x.shape }], {
    axis: int(normalizeAxis(axis, x.rank, 'LogSoftmax')),
  })[0];
}

/**
 * LayerNormalization over the last axis: y, and the saved mean and 1/std ([..., 1]) that the backward reuses.
 * The saved statistics are float32 whatever x's type (the op's stash_type).
 */
export function layerNorm(
  x: Value,
  scale: Value,
  bias: Value,
  epsilon: number,
): { y: Value; mean: Value; invStdDev: Value } {
  expectDtype('LayerNormalization', x, ...FLOATS);
  const h = x.shape[x.rank - 1];
  for (const p of [scale, bias]) {
    if (p.rank !== 1 || !sameDim(p.shape[0], h))
      throw new Error(`LayerNormalization: ${p} does not match the last axis of ${x}`);
  }
  const stats = x.shape.map((d, i) => (i === x.rank - 1 ? 1 : d));
  const [y, mean, invStdDev] = x.graph.addNode(
    'LayerNormalization',
    [x, scale, bias],
    [
      { dtype: x.dtype, shape: x.shape },
      { dtype: 'float32', shape: stats },
      { dtype: 'float32', shape: stats },
    ],
    { axis: int(-1), epsilon: float(epsilon) },
  );
  return { y, mean, invStdDev };
}

/** Cross-entropy of `scores` [N, C] against int64 `labels` [N], mean over N; also log-probabilities. */
export function softmaxCrossEntropyLoss(scores: Value, labels: Value): { loss: Value; logProb: Value } {
  expectDtype('SoftmaxCrossEntropyLoss', labels, 'int64');
  if (scores.rank !== 2 || labels.rank !== 1)
    throw new Error(`SoftmaxCrossEntropyLoss: expected [N, C] and [N], got ${scores} and ${labels}`);
  const [loss, logProb] = scores.graph.addNode(
    'SoftmaxCrossEntropyLoss',
    [scores, labels],
    [
      { dtype: scores.dtype, shape: [] },
      { dtype: scores.dtype, shape: scores.shape },
    ],
    { reduction: { type: 'string', value: 'mean' } },
  );
  return { loss, logProb };
}

// Ops the backward pass needs ---------------------------------------------------------------------------------

/** Reshape to a shape known only at run time (`shape`, int64 [rank]), whose static value is `like`. */
export function reshapeTo(x: Value, shape: Value, like: Shape): Value {
  return x.graph.addNode('Reshape', [x, shape], [{ dtype: x.dtype, shape: like }])[0];
}

/** A tensor of the run-time shape `shape` (int64 [rank], static value `like`) filled with `value`. */
export function constantOfShape(
  shape: Value,
  like: Shape,
  value: number,
  dtype: 'float32' | 'float64' | 'int64' = 'float32',
): Value {
  const data =
    dtype === 'float64'
      ? Float64Array.of(value)
      : dtype === 'int64'
        ? BigInt64Array.of(BigInt(value))
        : Float32Array.of(value);
  return shape.graph.addNode('ConstantOfShape', [shape], [{ dtype, shape: like }], {
    value: { type: 'tensor', value: { data, dims: [1] } },
  })[0];
}

/** data with `updates` written at `indices` ([..., k] int64 index tuples), which must not repeat: ScatterND. */
export function scatterND(data: Value, indices: Value, updates: Value): Value {
  expectDtype('ScatterND', indices, 'int64');
  sameDtype('ScatterND', data, updates);
  return data.graph.addNode('ScatterND', [data, indices, updates], [{ dtype: data.dtype, shape: data.shape }])[0];
}

/**
 * The distinct values of a 1-D tensor, ascending (Unique, sorted): `values` [U], `inverse` [N] (the slot of values
 * each element is) and `counts` [U]. U is known only at run time: a fresh symbolic dim.
 */
export function unique(x: Value): { values: Value; inverse: Value; counts: Value } {
  if (x.rank !== 1) throw new Error(`Unique: ${x} must be 1-D`);
  const u = `unique_${x.graph.nodes.length}`;
  const [values, , inverse, counts] = x.graph.addNode(
    'Unique',
    [x],
    [
      { dtype: x.dtype, shape: [u] },
      { dtype: 'int64', shape: [u] },
      { dtype: 'int64', shape: x.shape },
      { dtype: 'int64', shape: [u] },
    ],
    { sorted: int(1) },
  );
  return { values, inverse, counts };
}

/** The k smallest (or largest) entries of a 1-D tensor, sorted, and their positions: TopK; `k` is an int64 [1]. */
export function topK(x: Value, k: Value, like: Dim, largest: boolean): { values: Value; indices: Value } {
  if (x.rank !== 1) throw new Error(`TopK: ${x} must be 1-D`);
  expectDtype('TopK', k, 'int64');
  const [values, indices] = x.graph.addNode(
    'TopK',
    [x, k],
    [
      { dtype: x.dtype, shape: [like] },
      { dtype: 'int64', shape: [like] },
    ],
    { axis: int(0), largest: int(largest ? 1 : 0), sorted: int(1) },
  );
  return { values, indices };
}

/** Index of the first maximum along `axis` (torch.max's choice), kept as a size-1 axis. */
export function argMax(x: Value, axis: number): Value {
  const ax = normalizeAxis(axis, x.rank, 'ArgMax');
  return x.graph.addNode('ArgMax', [x], [{ dtype: 'int64', shape: x.shape.map((d, i) => (i === ax ? 1 : d)) }], {
    axis: int(ax),
    keepdims: int(1),
    select_last_index: int(0),
  })[0];
}

/** 0, 1, ..., n-1 along `axis` of `like`'s run-time shape, int64, other axes of size 1: [1, .., n, .., 1]. */
export function positionsAlong(like: Value, axis: number): Value {
  const g = like.graph;
  const ax = normalizeAxis(axis, like.rank, 'positionsAlong');
  const n = gather(shapeOf(like), g.constInt64([ax]), 0); // [1]
  const ones = constantOfShape(n, [like.shape[ax]], 1, 'int64'); // [n]
  const range = sub(cumSum(ones, 0), g.constInt64([1], [])); // [n]
  const dims = like.shape.map((_, i) => (i === ax ? -1 : 1));
  return reshape(range, dims);
}

/** Number of elements along `axes` of `x` at run time, as a float scalar of x's type. */
export function countAlong(x: Value, axes: number[]): Value {
  const g = x.graph;
  const dims = gather(shapeOf(x), g.constInt64(axes.map((a) => normalizeAxis(a, x.rank, 'countAlong'))), 0); // [k]
  const product = x.graph.addNode('ReduceProd', [dims], [{ dtype: 'int64', shape: [] }], { keepdims: int(0) })[0];
  return cast(product, x.dtype);
}
