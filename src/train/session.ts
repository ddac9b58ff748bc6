// onnxruntime-node sessions for training graphs, on a configurable execution provider. Training runs on Node
// (here, in CI and on the GPU worker); cuda needs its provider libraries installed on the host.
import * as ort from 'onnxruntime-node';

export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda';

export type HostTensor = { data: Float32Array | Float64Array | BigInt64Array | Uint8Array; dims: readonly number[] };

export interface GraphSession {
  /**
   * Runs the graph. Outputs named in `into` are written into those buffers (no allocation, no copy): the trainer
   * double-buffers its parameters and moments this way. The others come back as new arrays.
   */
  run(feeds: Record<string, HostTensor>, into?: Record<string, HostTensor>): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

const TYPE_OF = (data: HostTensor['data']) =>
  data instanceof Float32Array
    ? 'float32'
    : data instanceof Float64Array
      ? 'float64'
      : data instanceof BigInt64Array
        ? 'int64'
        : 'uint8';

export async function createGraphSession(
  model: Uint8Array,
  ep: ExecutionProvider = 'cpu',
  threads?: number,
): Promise<GraphSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads } : {}),
    });
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new Error(`could not start onnxruntime-node with execution provider '${ep}': ${why}`);
  }
  return {
    async run(feeds, into) {
      const tensor = (t: HostTensor) => new ort.Tensor(TYPE_OF(t.data) as 'float32', t.data as Float32Array, t.dims);
      const inputs: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) inputs[name] = tensor(t);
      let out: ort.InferenceSession.ReturnType;
      if (into) {
        const fetches: Record<string, ort.Tensor | null> = {};
        for (const name of session.outputNames) fetches[name] = into[name] ? tensor(into[name]) : null;
        out = await session.run(inputs, fetches);
      } else {
        out = await session.run(inputs);
      }
      const result: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(out))
        result[name] = into?.[name] ?? { data: t.data as HostTensor['data'], dims: t.dims };
      return result;
    },
    release: () => session.release(),
  };
}
