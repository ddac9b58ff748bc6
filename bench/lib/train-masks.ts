// Dropout-mask generation cost per training step (src/train/rng.ts fillKeepMask over a streamFor generator, as the
// trainer does), against the same masks made by a loop with mulberry32 inlined: same generator, same bytes.
//
//   npx tsx bench/lib/train-masks.ts [--case A] [--repeat 7]
import { fillKeepMask, streamFor } from '../../src/train/rng.ts';
import { buildCase, CASES, SEED } from './train-cases.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1]! : fallback;
const c = CASES[opt('case', 'A').toUpperCase() as 'A'];
const repeat = Number(opt('repeat', '7'));

/** streamFor's seed derivation, then mulberry32 and fillKeepMask's 16-bit comparisons in one loop. */
function fillInlined(masks: Uint8Array[], p: number, seed: number, purpose: string, counter: number): void {
  let h = 2166136261 ^ seed;
  for (const ch of `${purpose}:${counter}`) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  let a = (h ^ Math.imul(counter + 1, 0x9e3779b1)) >>> 0;
  const threshold = Math.round(p * 65536);
  for (const mask of masks) {
    const n = mask.length;
    let i = 0;
    for (; i + 2 <= n; i += 2) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const r = (t ^ (t >>> 14)) >>> 0;
      mask[i] = (r & 0xffff) >= threshold ? 1 : 0;
      mask[i + 1] = r >>> 16 >= threshold ? 1 : 0;
    }
    if (i < n) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      mask[i] = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 65536) >= threshold ? 1 : 0;
    }
  }
}

const { step } = buildCase(c, 'float32');
const sizes = step.dropoutSites.map((s) =>
  s.shape
    .map((x) => (x === 'batch_size' ? c.batch : x === 'sequence_length' ? c.seq : Number(x)))
    .reduce((a, b) => a * b, 1),
);
const p = step.dropoutSites[0]!.p;
if (step.dropoutSites.some((s) => s.p !== p)) throw new Error('sites with different p');
const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const current: number[] = [];
const inlined: number[] = [];
for (let k = 0; k < repeat; k++) {
  let t = performance.now();
  const random = streamFor(SEED, 'dropout', k);
  const ref = sizes.map((n) => {
    const m = new Uint8Array(n);
    fillKeepMask(m, p, random);
    return m;
  });
  current.push(performance.now() - t);
  t = performance.now();
  const fast = sizes.map((n) => new Uint8Array(n));
  fillInlined(fast, p, SEED, 'dropout', k);
  inlined.push(performance.now() - t);
  for (let s = 0; s < ref.length; s++)
    if (!Buffer.from(ref[s]!.buffer).equals(Buffer.from(fast[s]!.buffer))) throw new Error(`site ${s}: masks differ`);
}
const bytes = sizes.reduce((a, b) => a + b, 0);
console.log(
  `case ${c.name}: ${sizes.length} dropout sites, ${(bytes / 2 ** 20).toFixed(1)} MiB of masks a step; median of ${repeat}: ` +
    `fillKeepMask(streamFor) ${med(current).toFixed(1)} ms, inlined mulberry32 ${med(inlined).toFixed(1)} ms (identical bytes)`,
);
