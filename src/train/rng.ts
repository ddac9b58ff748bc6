// Seeded randomness for the trainer: data order, splits and dropout masks are functions of (seed, purpose, counter),
// so a resumed run draws exactly what the uninterrupted run would have.
import { mulberry32 } from '../nn/random.ts';

/** A generator for one purpose, e.g. streamFor(seed, 'shuffle', epoch). */
export function streamFor(seed: number, purpose: string, counter: number): () => number {
  let h = 2166136261 ^ seed;
  for (const ch of `${purpose}:${counter}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  return mulberry32((h ^ Math.imul(counter + 1, 0x9e3779b1)) >>> 0);
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
  const threshold = Math.round(p * 65536);
  let i = 0;
  for (; i + 2 <= mask.length; i += 2) {
    const r = Math.floor(random() * 4294967296);
    mask[i] = (r & 0xffff) >= threshold ? 1 : 0;
    mask[i + 1] = r >>> 16 >= threshold ? 1 : 0;
  }
  if (i < mask.length) mask[i] = Math.floor(random() * 65536) >= threshold ? 1 : 0;
}

/**
 * The keep-masks of one step's dropout sites, in one pass: the bytes `fillKeepMask` draws from
 * `streamFor(seed, purpose, counter)` site after site, with mulberry32 inlined (a closure call per two bytes cost
 * 3x the time: 67 -> 22 ms a step for case A, bench/RESULTS.md).
 */
export function keepMasks(
  seed: number,
  purpose: string,
  counter: number,
  sites: readonly { size: number; p: number }[],
): Uint8Array[] {
  let h = 2166136261 ^ seed;
  for (const ch of `${purpose}:${counter}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  let a = (h ^ Math.imul(counter + 1, 0x9e3779b1)) >>> 0; // mulberry32's state, as streamFor seeds it
  const masks: Uint8Array[] = [];
  for (const { size, p } of sites) {
    const mask = new Uint8Array(size);
    const threshold = Math.round(p * 65536);
    const pairs = size & ~1;
    for (let i = 0; i < pairs; i += 2) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const r = (t ^ (t >>> 14)) >>> 0;
      mask[i] = (r & 0xffff) >= threshold ? 1 : 0;
      mask[i + 1] = r >>> 16 >= threshold ? 1 : 0;
    }
    if (pairs < size) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = Math.imul(a ^ (a >>> 15), a | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      mask[pairs] = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 65536) >= threshold ? 1 : 0;
    }
    masks.push(mask);
  }
  return masks;
}
