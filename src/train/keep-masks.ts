// Dropout keep-masks by a WebAssembly SIMD kernel (keep-masks.wat): the bytes rng.ts keepMasks draws, 16 at a time.
// The kernel fills whole runs of 16 bytes; the few bytes left of each site come from drawKeepBytes.
import { advance, drawKeepBytes, keepThreshold, streamState, type MaskSite } from './rng.ts';
import { instantiateKernel } from './wasm-kernel.ts';

interface KernelExports {
  memory: WebAssembly.Memory;
  chunkPairs: WebAssembly.Global;
  fill(a: number, pairs: number, threshold: number): void;
}

export interface MaskDrawer {
  /** keepMasks(seed, purpose, counter, sites), byte for byte. */
  draw(seed: number, purpose: string, counter: number, sites: readonly MaskSite[]): Uint8Array[];
}

export async function createMaskDrawer(): Promise<MaskDrawer> {
  const kernel = await instantiateKernel<KernelExports>(new URL('./keep-masks.wat', import.meta.url));
  const chunk = kernel.chunkPairs.value as number;
  const out = new Uint8Array(kernel.memory.buffer); // [2 * chunk] mask bytes of one call
  /** Whole runs of 8 outputs (16 bytes) of `mask` by the kernel; returns the state after them and how far it got. */
  function fillRuns(mask: Uint8Array, threshold: number, a: number): [number, number] {
    const pairs = (mask.length >> 4) << 3;
    for (let done = 0; done < pairs; ) {
      const n = Math.min(chunk, pairs - done);
      kernel.fill(a, n, threshold);
      mask.set(out.subarray(0, 2 * n), 2 * done);
      a = advance(a, n);
      done += n;
    }
    return [a, 2 * pairs];
  }
  return {
    draw(seed, purpose, counter, sites) {
      let a = streamState(seed, purpose, counter);
      return sites.map(({ size, p }) => {
        const mask = new Uint8Array(size);
        const threshold = keepThreshold(p);
        // A 16-bit lane holds thresholds up to 65535; p = 1 (65536) keeps nothing, drawn the slow way.
        const [after, from] = threshold <= 0xffff ? fillRuns(mask, threshold, a) : [a, 0];
        a = drawKeepBytes(mask, from, threshold, after);
        return mask;
      });
    },
  };
}
