// onnxruntime-node behind the InferenceRuntime interface. The native addon is imported on the first session, so
// a process that only tokenizes never loads it.
import { wrapOrtSession } from './ort-common.ts';
import { createWorkerSessions } from './ort-node-pool.ts';
import type { InferenceRuntime, InferenceSession } from './runtime.ts';

export interface OrtNodeOptions {
  /** Threads per session run; 0 or undefined: onnxruntime's default (one per physical core). */
  intraOpNumThreads?: number;
  /**
   * Sessions per model, each in its own worker thread, so that this many runs compute at once; 0 or undefined:
   * one session on the calling thread (its runs block the event loop).
   */
  workers?: number;
  /** onnxruntime session options merged over edgeclass's (benchmarks compare variants with it). */
  sessionOptions?: Record<string, unknown>;
}

type OrtNode = typeof import('onnxruntime-node');

/** Past this many, more workers mostly add copies of the weights; the cores go to intra-op threads instead. */
const MAX_DEFAULT_WORKERS = 4;

/**
 * Workers and threads per worker from the settings (0: unset) and the cores: by default a worker per core (up
 * to 4) with one thread each, as two single-thread runs outpace one run on two threads (bench/RESULTS.md).
 */
export function ortParallelism(
  settings: { ortThreads: number; ortWorkers: number },
  cores: number,
): { workers: number; threads: number } {
  const workers =
    settings.ortWorkers || Math.max(1, Math.min(MAX_DEFAULT_WORKERS, Math.floor(cores / (settings.ortThreads || 1))));
  const threads = settings.ortThreads || Math.max(1, Math.floor(cores / workers));
  return { workers, threads };
}

export function createOrtNodeRuntime(options: OrtNodeOptions = {}): InferenceRuntime {
  let ort: Promise<OrtNode> | null = null;
  const sessionOptions = {
    graphOptimizationLevel: 'all',
    // Fatal only: a failed run reaches the caller as an exception, which the service logs once, as JSON.
    logSeverityLevel: 4,
    // ORT fuses each residual Add + LayerNormalization into SkipLayerNormalization, whose CPU kernel is 3-4x
    // slower than the two ops it replaces on AVX-512 (bench/RESULTS.md, the inference profile): about 6 % of a
    // forward. The unfused pair computes the same sums (results agree within float32 rounding).
    extra: { optimization: { disable_specified_optimizers: 'SkipLayerNormFusion' } },
    ...(options.intraOpNumThreads ? { intraOpNumThreads: options.intraOpNumThreads } : {}),
    ...options.sessionOptions,
  };
  return {
    name: 'onnxruntime-node',
    async createSession(bytes: Uint8Array): Promise<InferenceSession> {
      if (options.workers) return createWorkerSessions(bytes, sessionOptions, options.workers);
      ort ??= import('onnxruntime-node');
      const { InferenceSession, Tensor } = await ort;
      return wrapOrtSession(
        await InferenceSession.create(
          bytes,
          sessionOptions as import('onnxruntime-node').InferenceSession.SessionOptions,
        ),
        Tensor,
      );
    },
  };
}
