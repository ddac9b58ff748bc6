// onnxruntime-node behind the InferenceRuntime interface. The native addon is imported on the first session, so
// a process that only tokenizes never loads it.
import { wrapOrtSession } from './ort-common.ts';
import type { InferenceRuntime, InferenceSession } from './runtime.ts';

export interface OrtNodeOptions {
  /** Threads per session run; 0 or undefined: onnxruntime's default (one per physical core). */
  intraOpNumThreads?: number;
}

type OrtNode = typeof import('onnxruntime-node');

export function createOrtNodeRuntime(options: OrtNodeOptions = {}): InferenceRuntime {
  let ort: Promise<OrtNode> | null = null;
  return {
    name: 'onnxruntime-node',
    async createSession(bytes: Uint8Array): Promise<InferenceSession> {
      ort ??= import('onnxruntime-node');
      const { InferenceSession, Tensor } = await ort;
      const session = await InferenceSession.create(bytes, {
        graphOptimizationLevel: 'all',
        // Fatal only: a failed run reaches the caller as an exception, which the service logs once, as JSON.
        logSeverityLevel: 4,
        // ORT fuses each residual Add + LayerNormalization into SkipLayerNormalization, whose CPU kernel is 3-4x
        // slower than the two ops it replaces on AVX-512 (bench/RESULTS.md, the inference profile): about 6 % of a
        // forward. The unfused pair computes the same sums (results agree within float32 rounding).
        extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } },
        ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
      });
      return wrapOrtSession(session, Tensor);
    },
  };
}
