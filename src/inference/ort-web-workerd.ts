// The workerd side of onnxruntime-web: the WASM module arrives as a CompiledWasm import (compiled when the Worker
// is deployed or loaded; wrangler.toml's [[rules]]), the rest is ort-web.ts. worker.ts imports this file
// dynamically, so the ORT bundle is evaluated only by requests that infer.
import ortWasm from 'onnxruntime-web/ort-wasm-simd-threaded.wasm';
import { createOrtWebRuntime } from './ort-web.ts';
import type { InferenceRuntime } from './runtime.ts';

export function createWorkerdRuntime(): InferenceRuntime {
  return createOrtWebRuntime({ wasmModule: () => ortWasm });
}
