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
