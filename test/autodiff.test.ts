// Every backward rule against finite differences (float64 unless a kernel is float32-only), and the property the
// trainer relies on: frozen layers add no backward nodes.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { Graph, ops, serializeGraph, type Value } from '../src/graph/index.ts';
import { gradients } from '../src/graph/autodiff.ts';
import { gradcheck, type GradInput } from './support/gradcheck.ts';

type Case = [string, (xs: Value[]) => Value, GradInput[], ('float32' | 'float64')?];

const ids = (values: number[], shape: number[]): GradInput => ({
  shape,
  constant: { data: BigInt64Array.from(values, BigInt) },
});
const positive = (shape: number[]): GradInput => ({
  shape,
  data: Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => 0.5 + (i % 7) * 0.3),
});

const CASES: Case[] = [
  ['Add with broadcasting', ([a, b]) => ops.add(a, b), [{ shape: [2, 3, 4] }, { shape: [4] }]],
  ['Sub with broadcasting', ([a, b]) => ops.sub(a, b), [{ shape: [2, 1, 4] }, { shape: [3, 1] }]],
  ['Mul', ([a, b]) => ops.mul(a, b), [{ shape: [2, 3] }, { shape: [2, 3] }]],
  ['Div', ([a, b]) => ops.div(a, b), [{ shape: [2, 3] }, positive([1, 3])]],
  ['Max', ([a, b]) => ops.max(a, b), [{ shape: [2, 3] }, { shape: [2, 3] }]],
  ['Neg', ([a]) => ops.neg(a), [{ shape: [5] }]],
  ['Erf', ([a]) => ops.erf(a), [{ shape: [6] }], 'float32'],
  ['Tanh', ([a]) => ops.tanh(a), [{ shape: [6] }]],
  ['Sqrt', ([a]) => ops.sqrt(a), [positive([6])]],
  ['Exp', ([a]) => ops.exp(a), [{ shape: [6] }]],
  ['Log', ([a]) => ops.log(a), [positive([6])]],
  ['Relu', ([a]) => ops.relu(a), [{ shape: [6] }]],
  ['Abs', ([a]) => ops.abs(a), [{ shape: [6] }]],
  ['Sigmoid', ([a]) => ops.sigmoid(a), [{ shape: [6] }]],
  ['Reciprocal', ([a]) => ops.reciprocal(a), [positive([6])]],
  ['Where', ([a, b]) => ops.where(ops.greater(a, b), a, ops.mul(b, 3)), [{ shape: [2, 4] }, { shape: [4] }]],
  ['MatMul batched', ([a, b]) => ops.matmul(a, b), [{ shape: [2, 2, 3, 4] }, { shape: [2, 2, 4, 2] }]],
  ['MatMul with a shared 2-D weight', ([a, b]) => ops.matmul(a, b), [{ shape: [2, 3, 4] }, { shape: [4, 5] }]],
  ['MatMul 2-D', ([a, b]) => ops.matmul(a, ops.transpose(b, [1, 0])), [{ shape: [3, 4] }, { shape: [2, 4] }]],
  ['Transpose', ([a]) => ops.transpose(a, [2, 0, 1]), [{ shape: [2, 3, 4] }]],
  ['Reshape', ([a]) => ops.reshape(a, [0, 0, 2, 2]), [{ shape: [2, 3, 4] }]],
  ['Unsqueeze / Squeeze', ([a]) => ops.squeeze(ops.mul(ops.unsqueeze(a, [1]), 2), [1]), [{ shape: [3, 4] }]],
  ['Expand', ([a, b]) => ops.mul(ops.expand(a, ops.shapeOf(b), b.shape), b), [{ shape: [1, 4] }, { shape: [3, 4] }]],
  [
    'Gather rows with repeats (embedding)',
    ([t, i]) => ops.gather(t, i),
    [{ shape: [5, 3] }, ids([1, 3, 1, 0, 1, 4], [2, 3])],
  ],
  [
    'Gather a scalar index on axis 1 ([CLS])',
    ([h]) => ops.gather(h, h.graph.constInt64([0], []), 1),
    [{ shape: [2, 4, 3] }],
  ],
  ['Softmax', ([a]) => ops.softmax(a, -1), [{ shape: [2, 5] }]],
  ['LogSoftmax', ([a]) => ops.logSoftmax(a, -1), [{ shape: [2, 5] }]],
  [
    'LayerNormalization',
    ([x, s, b]) => ops.layerNorm(x, s, b, 1e-5).y,
    [{ shape: [2, 3, 6] }, { shape: [6] }, { shape: [6] }],
  ],
  ['ReduceSum', ([a]) => ops.reduceSum(a, [1], false), [{ shape: [2, 3, 4] }]],
  ['ReduceMean', ([a]) => ops.reduceMean(a, [0, 2], true), [{ shape: [2, 3, 4] }]],
  ['ReduceMax', ([a]) => ops.reduceMax(a, [1], false), [{ shape: [2, 5, 3] }]],
  [
    'SoftmaxCrossEntropyLoss',
    ([s, l]) => ops.softmaxCrossEntropyLoss(s, l).loss,
    [{ shape: [4, 3] }, ids([0, 2, 1, 2], [4])],
  ],
  ['Cast float64 -> float64 chain', ([a]) => ops.cast(ops.mul(a, a), 'float64'), [{ shape: [4] }]],
];

describe('backward rules against finite differences', () => {
  for (const [name, build, inputs, dtype] of CASES) {
    it(name, async () => {
      const r = await gradcheck(build, inputs, { dtype });
      expect(r.maxRelError, r.worst).toBeLessThan(dtype === 'float32' ? 2e-2 : 1e-6);
    });
  }
});

describe('frozen parameters', () => {
  it('get no gradient, and nothing below them is differentiated', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['b', 4]);
    const w1 = g.initializer('w1', new Float32Array(16).fill(0.1), [4, 4]);
    const w2 = g.initializer('w2', new Float32Array(16).fill(0.2), [4, 4]);
    const h = ops.tanh(ops.matmul(ops.tanh(ops.matmul(x, w1)), w2));
    const loss = ops.reduceSum(h, [0, 1], false);
    const { grads, backwardNodes } = gradients(loss, [w2]);
    expect([...grads.keys()]).toEqual([w2]);
    const g2 = new Graph();
    const x2 = g2.input('x', 'float32', ['b', 4]);
    const w = g2.initializer('w2', new Float32Array(16).fill(0.2), [4, 4]);
    const loss2 = ops.reduceSum(ops.tanh(ops.matmul(ops.tanh(x2), w)), [0, 1], false);
    expect(gradients(loss2, [w]).backwardNodes).toBe(backwardNodes);
  });
});

describe('embedding backward on several threads', () => {
  // ScatterND with reduction add, what the rule used to emit, lost updates of rows sharing an index when
  // onnxruntime ran it on 2 threads (sums up to 35% off, different on every run). 4,096 rows over 50 indices.
  it('sums every row into its index exactly, the same on every run', async () => {
    const [V, H, N] = [1000, 128, 4096];
    const g = new Graph('embedding-grad');
    const table = g.input('table', 'float32', [V, H]);
    const idx = g.input('idx', 'int64', [N]);
    const upstream = g.input('upstream', 'float32', [N, H]);
    const loss = ops.reduceSum(ops.mul(ops.gather(table, idx), upstream), [0, 1], false);
    g.output(loss, 'loss');
    g.output(gradients(loss, [table]).grads.get(table)!, 'grad');
    const session = await ort.InferenceSession.create(serializeGraph(g), { intraOpNumThreads: 2 });
    const ids = BigInt64Array.from({ length: N }, (_, i) => BigInt((i * 7919) % 50));
    const up = Float32Array.from({ length: N * H }, (_, i) => Math.sin(i) * 1e-3 + 1e-3);
    const exact = new Float64Array(V * H); // [V, H]
    for (let i = 0; i < N; i++) for (let h = 0; h < H; h++) exact[Number(ids[i]) * H + h] += up[i * H + h];
    const feeds = {
      table: new ort.Tensor('float32', new Float32Array(V * H), [V, H]),
      idx: new ort.Tensor('int64', ids, [N]),
      upstream: new ort.Tensor('float32', up, [N, H]),
    };
    const first = (await session.run(feeds)).grad.data as Float32Array;
    let maxError = 0;
    for (let k = 0; k < V * H; k++) maxError = Math.max(maxError, Math.abs(first[k] - exact[k]));
    expect(maxError).toBeLessThan(1e-8); // float64 sums rounded once to float32
    for (let run = 0; run < 10; run++) expect((await session.run(feeds)).grad.data).toEqual(first);
    await session.release();
  });
});
