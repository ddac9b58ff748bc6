// The trainer's WebAssembly kernels (AdamW's update, dropout masks), written in the text format beside their callers
// and assembled by wabt once per process: a few tens of ms, nothing to build or check in. Node only.
import fs from 'node:fs';
import initWabt from 'wabt';

/** Node's WebAssembly.compile; the Workers types in tsconfig.json leave it out (workerd refuses bytes at run time). */
type NodeWebAssembly = { compile(bytes: Uint8Array): Promise<WebAssembly.Module> };

const modules = new Map<string, Promise<WebAssembly.Module>>();

/** `file`, a .wat file's URL, assembled (SIMD on) and compiled; each file once per process. */
export function wasmKernel(file: URL): Promise<WebAssembly.Module> {
  let compiled = modules.get(file.href);
  if (!compiled) {
    compiled = initWabt().then((wabt) => {
      const parsed = wabt.parseWat(file.pathname, fs.readFileSync(file, 'utf8'), { simd: true });
      try {
        return (WebAssembly as unknown as NodeWebAssembly).compile(parsed.toBinary({}).buffer);
      } finally {
        parsed.destroy();
      }
    });
    modules.set(file.href, compiled);
  }
  return compiled;
}

/** A fresh instance of the kernel in `file`, its exports as `T`. */
export async function instantiateKernel<T>(file: URL): Promise<T> {
  const instance = await WebAssembly.instantiate(await wasmKernel(file));
  return instance.exports as unknown as T;
}
