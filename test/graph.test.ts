// The graph builder: shape inference catches mistakes at build time, and what it emits runs in both runtimes.
import { describe, expect, it } from 'vitest';
import { Graph, ops, serializeGraph } from '../src/graph/index.ts';
import { BACKENDS, runModel } from './support/ort.ts';

describe('shape inference', () => {
  it('broadcasts, multiplies and reshapes with symbolic dims', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', ['batch', 'seq', 8]);
    const w = g.initializer('w', new Float32Array(8 * 4), [8, 4]);
    const y = ops.matmul(x, w);
    expect(y.shape).toEqual(['batch', 'seq', 4]);
    expect(ops.reshape(y, [0, 0, 2, 2]).shape).toEqual(['batch', 'seq', 2, 2]);
    expect(ops.transpose(ops.reshape(y, [0, 0, 2, 2]), [0, 2, 1, 3]).shape).toEqual(['batch', 2, 'seq', 2]);
    expect(ops.add(y, g.constFloat([1, 2, 3, 4])).shape).toEqual(['batch', 'seq', 4]);
    expect(ops.reduceSum(y, [1], false).shape).toEqual(['batch', 4]);
    expect(ops.gather(w, g.input('ids', 'int64', ['batch', 'seq'])).shape).toEqual(['batch', 'seq', 4]);
  });

  it('rejects mismatches with a message naming the values', () => {
    const g = new Graph();
    const x = g.input('x', 'float32', [2, 3]);
    expect(() => ops.matmul(x, g.input('y', 'float32', [4, 5]))).toThrow(
      /inner dimensions differ: x: float32\[2, 3\] x y/,
    );
    expect(() => ops.add(x, g.input('z', 'float32', [4]))).toThrow(/do not broadcast/);
    expect(() => ops.add(x, g.input('i', 'int64', [3]))).toThrow(/int64/);
    expect(() => ops.reshape(x, [4, 2])).toThrow(/6 elements/);
    expect(() => g.initializer('w', new Float32Array(5), [2, 3])).toThrow(/5 values/);
  });
});

describe('emitted graphs run in onnxruntime-node and onnxruntime-web', () => {
  const g = new Graph('probe');
  const x = g.input('x', 'float32', ['batch', 3]);
  const ids = g.input('ids', 'int64', ['batch']);
  const table = g.initializer('table', Float32Array.from([0, 1, 2, 10, 11, 12]), [2, 3]);
  const rows = ops.gather(table, ids);
  const ln = ops.layerNorm(ops.add(x, rows), g.constFloat([1, 1, 1]), g.constFloat([0, 0, 0]), 1e-5);
  g.output(ops.softmax(ops.mul(ln.y, 2), -1), 'probs');
  g.output(ops.erf(x), 'erf');
  g.output(ops.reduceMax(x, [1], false), 'row_max');
  const bytes = serializeGraph(g);

  for (const backend of BACKENDS) {
    it(backend, async () => {
      const out = await runModel(
        bytes,
        {
          x: { data: Float32Array.from([1, 2, 3, -1, 0, 1]), dims: [2, 3] },
          ids: { data: BigInt64Array.from([0n, 1n]), dims: [2] },
        },
        backend,
      );
      expect(out.probs.dims).toEqual([2, 3]);
      const p = Array.from(out.probs.data as Float32Array);
      expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 6);
      expect(Array.from(out.erf.data as Float32Array)[0]).toBeCloseTo(0.8427007929, 6);
      expect(Array.from(out.row_max.data as Float32Array)).toEqual([3, 1]);
    });
  }
});
