// onnxruntime-node sessions for training graphs, on a configurable execution provider. Training runs on Node
// (here, in CI and on the GPU worker); cuda needs its provider libraries installed on the host.
import * as ort from 'onnxruntime-node';
import { Graph, ops, serializeGraph } from '../graph/index.ts';
import {
  ExecutionProviderError,
  providerFailure,
  providerMissing,
  type ExecutionProvider,
} from './execution-provider.ts';

export type { ExecutionProvider };

export type HostTensor = { data: Float32Array | Float64Array | BigInt64Array | Uint8Array; dims: readonly number[] };

export interface GraphSession {
  /**
   * Runs the graph. Outputs named in `into` are written into those buffers (no allocation, no copy): the trainer's
   * gradients go into the same buffers every step this way. The others come back as new arrays.
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

export interface SessionTuning {
  /**
   * onnxruntime's CPU memory arena, on by default. Off, a step's intermediates go back to the system instead of
   * staying at the arena's high-water mark: measured side by side (bench/RESULTS.md, 2026-12-07), case C (bert-base)
   * peak RSS 6.94 -> 5.43 GiB and case A 1.40 -> 0.95 GiB with the same losses, but case C's CPU time a step +25-30%
   * (user and system: memory mapped and faulted in afresh every step), A's +15%. Off, for memory over speed.
   */
  memoryArena?: boolean;
  /**
   * onnxruntime's memory pattern (one block planned for a run's intermediates), off by default for training graphs:
   * measured (bench/RESULTS.md, 2026-12-07) it held case C (bert-base) at 5,129 MiB peak RSS against 3,833 without,
   * case A at 1,101 against 782 MiB, for the same losses and the same step time (C) or 3% more (A).
   */
  memoryPattern?: boolean;
}

export async function createGraphSession(
  model: Uint8Array,
  ep: ExecutionProvider = 'cpu',
  threads?: number,
  tuning: SessionTuning = {},
): Promise<GraphSession> {
  const missing = providerMissing(ep);
  if (missing) throw new ExecutionProviderError(ep, missing);
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(model, {
      executionProviders: [ep],
      graphOptimizationLevel: 'all',
      ...(threads ? { intraOpNumThreads: threads } : {}),
      enableCpuMemArena: tuning.memoryArena ?? true,
      enableMemPattern: tuning.memoryPattern ?? false,
    });
  } catch (err) {
    throw providerFailure(ep, err);
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

/**
 * Starts `ep` on a one-node graph and runs it: a command that will train on `ep` checks it before it starts work, so
 * a missing GPU provider fails at once with ExecutionProviderError, not at the first job.
 */
export async function probeExecutionProvider(ep: ExecutionProvider): Promise<void> {
  const g = new Graph('probe');
  g.output(ops.add(g.input('x', 'float32', [2]), 1), 'y');
  const session = await createGraphSession(serializeGraph(g), ep, 1);
  try {
    await session.run({ x: { data: Float32Array.of(1, 2), dims: [2] } });
  } catch (err) {
    throw providerFailure(ep, err);
  } finally {
    await session.release();
  }
}
