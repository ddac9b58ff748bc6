// A session runner over onnxruntime-node or onnxruntime-web, in the shape the causal LM takes (SessionRun): what
// the inference runtime provides in production, made directly here.
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import type { FloatOutput, SessionRun } from '../../src/core/classify/llm-local.ts';
import type { Tensor } from '../../src/inference/runtime.ts';
import type { Backend } from './ort.ts';

ortWeb.env.wasm.numThreads = 1;

export interface OrtSession {
  run: SessionRun;
  inputNames: readonly string[];
  /** How many times run was called. */
  calls: () => number;
  release(): Promise<void>;
}

export async function openSession(bytes: Uint8Array, backend: Backend = 'node'): Promise<OrtSession> {
  const ort = (backend === 'node' ? ortNode : ortWeb) as typeof ortNode;
  const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all' });
  let calls = 0;
  return {
    inputNames: session.inputNames,
    calls: () => calls,
    async run(feeds: Record<string, Tensor>) {
      calls++;
      const inputs: Record<string, ortNode.Tensor> = {};
      for (const [name, t] of Object.entries(feeds))
        inputs[name] = new ort.Tensor(t.type, t.data as BigInt64Array, t.dims);
      const out = await session.run(inputs);
      const result: Record<string, FloatOutput> = {};
      for (const [k, t] of Object.entries(out)) result[k] = { data: t.data as Float32Array, dims: t.dims };
      return result;
    },
    release: () => session.release(),
  };
}
