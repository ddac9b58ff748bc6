// Which onnxruntime-node execution provider the trainer runs on, and, when one cannot start here, a message that
// names it and says what it needs. onnxruntime-node's own errors say neither plainly ("Failed to get a WebGPU
// adapter: No supported adapters", "OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library").
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

export const EXECUTION_PROVIDERS = ['cpu', 'webgpu', 'cuda'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

const NEEDS: Record<ExecutionProvider, string> = {
  cpu: '',
  webgpu:
    "onnxruntime-node's webgpu provider runs on Dawn, over Vulkan on Linux: it needs a GPU, its driver and the " +
    'Vulkan loader (libvulkan.so.1)',
  cuda:
    "onnxruntime-node's cuda provider needs its provider libraries (npm install onnxruntime-node with " +
    'ONNXRUNTIME_NODE_INSTALL=cuda12 downloads them), CUDA 12, cuDNN 9 and an NVIDIA GPU',
};

export class ExecutionProviderError extends Error {
  constructor(
    readonly provider: string,
    why: string,
  ) {
    super(`execution provider '${provider}' is not available on this machine: ${why}`);
    this.name = 'ExecutionProviderError';
  }
}

/** The folder of onnxruntime-node's native binding, where it looks for provider libraries. */
function bindingFolder(): string {
  const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
  return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Why `ep` cannot start here, found without starting it; null when only trying can tell. */
export function providerMissing(ep: string): string | null {
  if (!(EXECUTION_PROVIDERS as readonly string[]).includes(ep))
    return `edgeclass knows ${EXECUTION_PROVIDERS.join(', ')}`;
  if (ep === 'cpu') return null;
  const listed = ort.listSupportedBackends().find((b) => b.name === ep);
  if (!listed) return `this onnxruntime-node build (${process.platform}/${process.arch}) has no ${ep} provider`;
  if (ep === 'cuda' && !listed.bundled) {
    const lib = path.join(bindingFolder(), 'libonnxruntime_providers_cuda.so');
    if (!fs.existsSync(lib)) return `${lib} is not installed; ${NEEDS.cuda}`;
  }
  return null;
}

/** The error to throw when creating a session on `ep` failed with `err`. */
export function providerFailure(ep: ExecutionProvider, err: unknown): Error {
  const detail = (err instanceof Error ? err.message : String(err)).trim().split('\n')[0];
  if (ep === 'cpu') return new Error(`could not start onnxruntime-node on the cpu: ${detail}`);
  const reason = /adapter/i.test(detail) ? 'no GPU adapter was found' : 'it failed to start';
  return new ExecutionProviderError(ep, `${reason}; ${NEEDS[ep]} (onnxruntime-node said: ${detail})`);
}
