// One interface over the ONNX runtimes edgeclass runs on: onnxruntime-node (Node) and onnxruntime-web (WASM, in
// workerd). The core never imports either package: it asks an InferenceRuntime for sessions and runs them with
// plain typed arrays, so the same classify/embeddings code runs in both places.

export type TensorType = 'int64' | 'float32' | 'int32' | 'bool';
export type TensorData = BigInt64Array | Float32Array | Int32Array | Uint8Array;

export interface Tensor {
  type: TensorType;
  data: TensorData;
  dims: readonly number[];
}

/** A float output: what every encoder graph edgeclass serves returns (hidden states, embeddings, logits). */
export interface FloatTensor {
  data: Float32Array;
  dims: readonly number[];
}

export interface InferenceSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs that compute at once when started together (sessions in worker threads); absent: 1. */
  readonly concurrentRuns?: number;
  /** Runs the graph; only the outputs named are fetched (all when omitted). */
  run(feeds: Record<string, Tensor>, outputNames?: readonly string[]): Promise<Record<string, FloatTensor>>;
  release(): Promise<void>;
}

export interface InferenceRuntime {
  /** 'onnxruntime-node' or 'onnxruntime-web', for logs and /healthz. */
  readonly name: string;
  /** A session over serialized ONNX bytes; rejects with the runtime's message when the bytes do not load. */
  createSession(bytes: Uint8Array): Promise<InferenceSession>;
}

/** Outputs must be float32: the scoring code reads them as Float32Array. */
export function asFloatTensor(name: string, data: unknown, dims: readonly number[]): FloatTensor {
  if (!(data instanceof Float32Array)) {
    throw new Error(
      `output '${name}' is not float32 (${Object.prototype.toString.call(data)}); edgeclass serves float32 graphs`,
    );
  }
  return { data, dims };
}
