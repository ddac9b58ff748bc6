// Runs serialized graphs in onnxruntime-node and in onnxruntime-web (WASM, in Node), the two runtimes every
// emitted graph must load in.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';

export type Backend = 'node' | 'web';
export const BACKENDS: Backend[] = ['node', 'web'];

ortWeb.env.wasm.numThreads = 1;

export type Feed = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;
export interface FeedSpec {
  data: Feed;
  dims: number[];
}

export async function runModel(
  bytes: Uint8Array,
  feeds: Record<string, FeedSpec>,
  backend: Backend,
): Promise<
  Record<
    string,
    { data: Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array; dims: readonly number[] }
  >
> {
  const ort = (backend === 'node' ? ortNode : ortWeb) as typeof ortNode;
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  try {
    const inputs: Record<string, ortNode.Tensor> = {};
    for (const [name, { data, dims }] of Object.entries(feeds)) {
      const type =
        data instanceof Float32Array
          ? 'float32'
          : data instanceof Float64Array
            ? 'float64'
            : data instanceof BigInt64Array
              ? 'int64'
              : data instanceof Int32Array
                ? 'int32'
                : 'bool';
      inputs[name] = new ort.Tensor(type as 'float32', data as Float32Array, dims);
    }
    const out = await session.run(inputs);
    const result: Record<string, { data: any; dims: readonly number[] }> = {};
    for (const [k, t] of Object.entries(out)) result[k] = { data: t.data, dims: t.dims };
    return result;
  } finally {
    await session.release();
  }
}
