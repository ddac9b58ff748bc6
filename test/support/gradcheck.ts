// Gradient check: the backward graph's gradient against central finite differences of the same graph, both run
// in onnxruntime-node in float64 (float32 where a kernel exists only for float32, with a looser tolerance).
import { Graph, ops, serializeGraph, type Value } from '../../src/graph/index.ts';
import { gradients } from '../../src/graph/autodiff.ts';
import { normalSampler } from '../../src/nn/random.ts';
import { runModel, type FeedSpec } from './ort.ts';

export interface GradInput {
  shape: number[];
  /** Values; random normals by default. */
  data?: number[];
  /** Not differentiated (e.g. int64 indices). */
  constant?: { data: BigInt64Array | Float64Array | Float32Array };
}

export interface GradcheckResult {
  maxAbsError: number;
  maxRelError: number;
  worst: string;
}

/**
 * `build` maps the inputs to an output; the check differentiates loss = sum(output * R) for a fixed random R.
 */
export async function gradcheck(
  build: (xs: Value[]) => Value,
  inputs: GradInput[],
  options: { dtype?: 'float32' | 'float64'; eps?: number; seed?: number } = {},
): Promise<GradcheckResult> {
  const dtype = options.dtype ?? 'float64';
  const eps = options.eps ?? (dtype === 'float64' ? 1e-6 : 1e-2);
  const normal = normalSampler(options.seed ?? 1);
  const Arr = dtype === 'float64' ? Float64Array : Float32Array;
  const values = inputs.map(
    (inp) =>
      inp.constant?.data ?? Arr.from(inp.data ?? Array.from({ length: inp.shape.reduce((a, b) => a * b, 1) }, normal)),
  );

  const g = new Graph('gradcheck');
  const xs = inputs.map((inp, i) => {
    const data = values[i];
    const type = data instanceof BigInt64Array ? 'int64' : dtype;
    return g.input(`x${i}`, type, inp.shape);
  });
  const y = build(xs);
  const size = y.shape.reduce((a: number, b) => a * (b as number), 1);
  const r = g.constant(Arr.from(Array.from({ length: size }, normal)), y.shape as number[]);
  const loss = ops.reduceSum(
    ops.mul(y, r),
    y.shape.map((_, i) => i),
    false,
  );
  g.output(loss, 'loss');
  const differentiable = xs.filter((_, i) => !inputs[i].constant);
  const { grads } = gradients(loss, differentiable);
  differentiable.forEach((x) => {
    const gx = grads.get(x);
    if (!gx) throw new Error(`no gradient reached ${x.name}`);
    g.output(gx, `grad_${x.name}`);
  });
  const model = serializeGraph(g);
  const feeds = (vals: typeof values): Record<string, FeedSpec> =>
    Object.fromEntries(xs.map((x, i) => [x.name, { data: vals[i] as FeedSpec['data'], dims: inputs[i].shape }]));
  const analytic = await runModel(model, feeds(values), 'node');

  let maxAbsError = 0;
  let maxRelError = 0;
  let worst = '';
  for (const [i, x] of xs.entries()) {
    if (inputs[i].constant) continue;
    const grad = analytic[`grad_${x.name}`].data as Float64Array;
    const base = values[i] as Float64Array;
    for (let k = 0; k < base.length; k++) {
      const plus = Arr.from(base);
      const minus = Arr.from(base);
      plus[k] += eps;
      minus[k] -= eps;
      const lp = (await runModel(model, feeds(values.map((v, j) => (j === i ? plus : v))), 'node')).loss
        .data as Float64Array;
      const lm = (await runModel(model, feeds(values.map((v, j) => (j === i ? minus : v))), 'node')).loss
        .data as Float64Array;
      const numeric = (lp[0] - lm[0]) / (2 * eps);
      const abs = Math.abs(numeric - grad[k]);
      const rel = abs / Math.max(1e-3, Math.abs(numeric), Math.abs(grad[k]));
      if (rel > maxRelError) worst = `${x.name}[${k}]: analytic ${grad[k]}, numeric ${numeric}`;
      maxAbsError = Math.max(maxAbsError, abs);
      maxRelError = Math.max(maxRelError, rel);
    }
  }
  return { maxAbsError, maxRelError, worst };
}
