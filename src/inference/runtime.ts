// One interface over the ONNX runtimes edgeclass runs on: onnxruntime-node (Node) and onnxruntime-web (WASM, in
// workerd). The core never imports either package: it asks an InferenceRuntime for sessions and runs them with
// plain typed arrays, so the same classify/embeddings code runs in both places.

export type TensorType = 'int64' | 'float32' | 'float16' | 'int32' | 'bool';
/** float16 travels as its raw bits (Uint16Array): Node 20 has no Float16Array. */
export type TensorData = BigInt64Array | Float32Array | Int32Array | Uint8Array | Uint16Array;

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

/** An input the graph declares: its element type and shape, a string for each symbolic axis (e.g. batch_size). */
export interface InputInfo {
  name: string;
  type: string;
  shape: readonly (number | string)[];
}

export interface InferenceSession {
  readonly inputNames: readonly string[];
  /** The inputs' declared types and shapes, where the runtime reports them (empty past_key_values are made from them). */
  readonly inputs?: readonly InputInfo[];
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
  /** Bytes of the runtime's own heap where it has one (onnxruntime-web: the WASM linear memory); null before use. */
  memoryBytes?(): number | null;
}

/** Outputs must be float: the scoring code reads them as Float32Array, so float16 outputs are widened. */
export function asFloatTensor(name: string, data: unknown, dims: readonly number[], type?: string): FloatTensor {
  if (type === 'float16' && data instanceof Uint16Array) return { data: halfToFloat(data), dims };
  if (!(data instanceof Float32Array)) {
    throw new Error(
      `output '${name}' is not float32 (${Object.prototype.toString.call(data)}); edgeclass serves float32 graphs`,
    );
  }
  return { data, dims };
}

/** IEEE 754 half-precision bits to float32 values. */
export function halfToFloat(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = sign * 2 ** -14 * (fraction / 1024);
    else if (exponent === 31) out[i] = fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
    else out[i] = sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
  }
  return out;
}

/** Declared input metadata as InputInfo (onnxruntime-common's ValueMetadata; non-tensors are skipped). */
export function inputInfos(metadata: readonly unknown[] | undefined): InputInfo[] | undefined {
  if (!metadata) return undefined;
  return metadata.flatMap((m) => {
    const v = m as { name?: unknown; isTensor?: unknown; type?: unknown; shape?: unknown };
    if (typeof v.name !== 'string' || v.isTensor !== true) return [];
    return [{ name: v.name, type: String(v.type), shape: Array.isArray(v.shape) ? v.shape : [] }];
  });
}
