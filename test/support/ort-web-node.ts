// onnxruntime-web in Node the way workerd runs it: ort-web.ts handed a module compiled from the package's .wasm
// (workerd gets the same module as a CompiledWasm import).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { createOrtWebRuntime } from '../../src/inference/ort-web.ts';
import type { InferenceRuntime } from '../../src/inference/runtime.ts';

export function createOrtWebRuntimeForNode(): InferenceRuntime {
  const wasmPath = createRequire(import.meta.url).resolve('onnxruntime-web/ort-wasm-simd-threaded.wasm');
  // Node has WebAssembly.compile; the Workers types this project compiles against do not declare it.
  const { compile } = WebAssembly as unknown as { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };
  return createOrtWebRuntime({ wasmModule: () => compile(fs.readFileSync(wasmPath)) });
}
