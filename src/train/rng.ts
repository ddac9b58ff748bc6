// Seeded randomness for the trainer: data order, splits and dropout masks are functions of (seed, purpose, counter),
// so a resumed run draws exactly what the uninterrupted run would have.
import { MULBERRY32_STEP, mulberry32, mulberry32Output } from '../nn/random.ts';

/** A generator for one purpose, e.g. streamFor(seed, 'shuffle', epoch). */
export function streamFor(seed: number, purpose: string, counter: number): () => number {
  return mulberry32(streamState(seed, purpose, counter));
}

export function shuffle<T>(items: T[], random: () => number): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Keep-masks for dropout: each byte 1 with probability 1 - p (16-bit resolution, two bytes per generator call). */
export function fillKeepMask(mask: Uint8Array, p: number, random: () => number): void {
  const threshold = keepThreshold(p);
  let i = 0;
  for (; i + 2 <= mask.length; i += 2) {
    const r = Math.floor(random() * 4294967296);
    mask[i] = (r & 0xffff) >= threshold ? 1 : 0;
    mask[i + 1] = r >>> 16 >= threshold ? 1 : 0;
  }
  if (i < mask.length) mask[i] = Math.floor(random() * 65536) >= threshold ? 1 : 0;
}

/** The state mulberry32 starts from in `streamFor(seed, purpose, counter)`. */
export function streamState(seed: number, purpose: string, counter: number): number {
  let h = 2166136261 ^ seed;
  for (const ch of `${purpose}:${counter}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return (h ^ Math.imul(counter + 1, 0x9e3779b1)) >>> 0;
}

/** mulberry32's state `outputs` draws after `a`. */
export function advance(a: number, outputs: number): number {
  return (a + Math.imul(outputs, MULBERRY32_STEP)) >>> 0;
}

/** 16-bit threshold of a keep-mask byte: kept where the 16 bits drawn are >= it. */
export const keepThreshold = (p: number) => Math.round(p * 65536);

/**
 * Bytes [from, mask.length) of a keep-mask from mulberry32 state `a` (its outputs drawn from the state, not through a
 * closure call per two bytes, which cost 3x the time), two bytes per output and the last odd one from the high 16
 * bits of an output of its own, as fillKeepMask draws them. Returns the state after.
 */
export function drawKeepBytes(mask: Uint8Array, from: number, threshold: number, a: number): number {
  const pairsEnd = from + ((mask.length - from) & ~1);
  for (let i = from; i < pairsEnd; i += 2) {
    a = (a + MULBERRY32_STEP) >>> 0;
    const r = mulberry32Output(a);
    mask[i] = (r & 0xffff) >= threshold ? 1 : 0;
    mask[i + 1] = r >>> 16 >= threshold ? 1 : 0;
  }
  if (pairsEnd < mask.length) {
    a = (a + MULBERRY32_STEP) >>> 0;
    mask[pairsEnd] = mulberry32Output(a) >>> 16 >= threshold ? 1 : 0;
  }
  return a;
}

export interface MaskSite {
  size: number;
  p: number;
}

/**
 * The keep-masks of one step's dropout sites, in one pass: the bytes `fillKeepMask` draws from
 * `streamFor(seed, purpose, counter)` site after site. The trainer draws the same bytes with a WebAssembly kernel
 * (keep-masks.ts); this is their definition.
 */
export function keepMasks(seed: number, purpose: string, counter: number, sites: readonly MaskSite[]): Uint8Array[] {
  let a = streamState(seed, purpose, counter);
  return sites.map(({ size, p }) => {
    const mask = new Uint8Array(size);
    a = drawKeepBytes(mask, 0, keepThreshold(p), a);
    return mask;
  });
}
