// onnxruntime-web (WASM SIMD, one thread) behind the InferenceRuntime interface, for workerd.
//
// Workers forbid compiling WebAssembly from bytes, and ORT-web 1.30 cannot be handed a compiled module: it passes
// only numThreads, wasmBinary and locateFile to its emscripten loader. So (see ../../docs or RUNTIME.md):
// - the loader is `onnxruntime-web/wasm`, the bundle with the emscripten glue built in (nothing to fetch);
// - env.wasm.wasmBinary is a placeholder, so ORT neither fetches nor locates the .wasm file;
// - while the first session is created, WebAssembly.instantiate is wrapped so that it instantiates the module
//   compiled at deploy time (the caller's `wasmModule`) with the imports emscripten gives it, then restored.
// Everything is imported on the first session, so requests that never infer never load ORT.
import { wrapOrtSession } from './ort-common.ts';
import type { InferenceRuntime, InferenceSession } from './runtime.ts';

export interface OrtWebOptions {
  /** The compiled ort-wasm-simd-threaded.wasm: a CompiledWasm import in workerd, WebAssembly.compile in tests. */
  wasmModule: () => Promise<WebAssembly.Module> | WebAssembly.Module;
}

type OrtWeb = typeof import('onnxruntime-web/wasm');

/** Any non-empty bytes: ORT only checks that a binary was given, our instantiate wrapper ignores it. */
const PLACEHOLDER_BINARY = new Uint8Array([0]);

export function createOrtWebRuntime(options: OrtWebOptions): InferenceRuntime {
  let ort: Promise<OrtWeb> | null = null;
  /** Settles when the first session creation (the one that instantiates the WASM module) is over. */
  let initialized: Promise<unknown> | null = null;
  /** ORT's linear memory (exported or imported by the module), read for the heap size it reports. */
  let memory: WebAssembly.Memory | null = null;

  async function loadOrt(): Promise<OrtWeb> {
    const mod = await import('onnxruntime-web/wasm');
    mod.env.wasm.numThreads = 1; // no threads in Workers
    mod.env.wasm.proxy = false; // no worker to proxy to
    mod.env.wasm.wasmBinary = PLACEHOLDER_BINARY;
    mod.env.logLevel = 'fatal';
    return mod;
  }

  async function create(mod: OrtWeb, bytes: Uint8Array) {
    return mod.InferenceSession.create(bytes, {
      executionProviders: ['wasm'],
      graphOptimizationLevel: 'all',
      logSeverityLevel: 4,
    });
  }

  /** The first creation, with WebAssembly.instantiate pointed at the precompiled module for its duration. */
  async function createFirst(bytes: Uint8Array) {
    const mod = await (ort ??= loadOrt());
    const compiled = await options.wasmModule();
    const original = WebAssembly.instantiate;
    const instantiate = async (_source: unknown, imports?: WebAssembly.Imports) => {
      const instance = await original(compiled, imports);
      memory =
        findMemory(instance.exports) ??
        Object.values(imports ?? {})
          .map(findMemory)
          .find(Boolean) ??
        null;
      return { module: compiled, instance };
    };
    (WebAssembly as { instantiate: unknown }).instantiate = instantiate;
    try {
      return await create(mod, bytes);
    } finally {
      WebAssembly.instantiate = original;
    }
  }

  return {
    name: 'onnxruntime-web',
    memoryBytes: () => memory?.buffer.byteLength ?? null,
    async createSession(bytes: Uint8Array): Promise<InferenceSession> {
      let session: Awaited<ReturnType<typeof create>>;
      if (initialized === null) {
        const first = createFirst(bytes);
        initialized = first.catch(() => undefined);
        session = await first;
      } else {
        await initialized;
        session = await create(await ort!, bytes);
      }
      const mod = await ort!;
      return wrapOrtSession(session, mod.Tensor);
    },
  };
}

function findMemory(values: object | undefined): WebAssembly.Memory | undefined {
  return Object.values(values ?? {}).find((v): v is WebAssembly.Memory => v instanceof WebAssembly.Memory);
}
