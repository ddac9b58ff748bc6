// Dropout-mask generation cost per training step: src/train/rng.ts fillKeepMask over a streamFor generator, site
// after site (the trainer before 2026-12-07), keepMasks (one pass with mulberry32 inlined; the trainer until the
// WebAssembly kernel), and the trainer's MaskDrawer (src/train/keep-masks.wat): same generator, same bytes (checked).
//
//   npx tsx bench/lib/train-masks.ts [--case A] [--repeat 7]
import { createMaskDrawer } from '../../src/train/keep-masks.ts';
import { fillKeepMask, keepMasks, streamFor } from '../../src/train/rng.ts';
import { buildCase, CASES, SEED } from './train-cases.ts';

const argv = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  argv.indexOf(`--${name}`) >= 0 ? argv[argv.indexOf(`--${name}`) + 1]! : fallback;
const c = CASES[opt('case', 'A').toUpperCase() as 'A'];
const repeat = Number(opt('repeat', '7'));

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
const kernel: number[] = [];
const drawer = await createMaskDrawer();
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
  const fast = keepMasks(
    SEED,
    'dropout',
    k,
    sizes.map((size) => ({ size, p })),
  );
  inlined.push(performance.now() - t);
  t = performance.now();
  const drawn = drawer.draw(
    SEED,
    'dropout',
    k,
    sizes.map((size) => ({ size, p })),
  );
  kernel.push(performance.now() - t);
  for (let s = 0; s < ref.length; s++)
    if (
      !Buffer.from(ref[s]!.buffer).equals(Buffer.from(fast[s]!.buffer)) ||
      !Buffer.from(ref[s]!.buffer).equals(Buffer.from(drawn[s]!.buffer))
    )
      throw new Error(`site ${s}: masks differ`);
}
const bytes = sizes.reduce((a, b) => a + b, 0);
console.log(
  `case ${c.name}: ${sizes.length} dropout sites, ${(bytes / 2 ** 20).toFixed(1)} MiB of masks a step; median of ${repeat}: ` +
    `fillKeepMask(streamFor) ${med(current).toFixed(1)} ms, keepMasks (one pass) ${med(inlined).toFixed(1)} ms, ` +
    `MaskDrawer (WebAssembly) ${med(kernel).toFixed(1)} ms (identical bytes)`,
);
