// AdamW's WebAssembly kernel (src/train/adamw.wat) against the update written out in float32 scalar operations
// (Math.fround after each: a float32 +, -, *, /, sqrt equals the float64 one rounded), bit for bit: in the four-wide
// loop, across the chunk boundary and in the scalar tail, with and without decay, clipped and not. And clipping's
// scale as torch.nn.utils.clip_grad_norm_ makes it.
import { describe, expect, it } from 'vitest';
import { adamwStep, clipCoefficient, createAdamW, globalNorm, type AdamWStep } from '../src/train/adamw.ts';
import { mulberry32 } from '../src/nn/random.ts';

const HYPER = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };
const f = Math.fround;

/** PyTorch 1.13's single-tensor AdamW for one float, each operation rounded to float32. */
function reference(p: number, g: number, m: number, v: number, s: AdamWStep, decays: boolean) {
  const gc = f(g * s.clip);
  const m2 = f(f(m * f(HYPER.beta1)) + f(gc * f(1 - HYPER.beta1)));
  const v2 = f(f(v * f(HYPER.beta2)) + f(f(gc * gc) * f(1 - HYPER.beta2)));
  const denom = f(f(f(Math.sqrt(v2)) / s.biasCorrection2Sqrt) + f(HYPER.eps));
  const p2 = f(f(p * (decays ? s.decay : 1)) - f(f(m2 / denom) * s.stepSize));
  return { p: p2, m: m2, v: v2 };
}

/** Values over many magnitudes, zeros among them (a fresh v, a parameter the loss does not reach). */
function spread(n: number, random: () => number, scale: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const r = random();
    return r < 0.05 ? 0 : (random() - 0.5) * scale * 10 ** Math.floor(random() * 8 - 6);
  });
}

describe('AdamW kernel', () => {
  // Two 16,384-float chunks and 7 more: the four-wide loop, a second chunk, and a tail of 3 in the scalar loop.
  const n = 2 * 16384 + 7;
  for (const [decays, clip, t] of [
    [true, 1, 1],
    [false, 0.37, 5],
    [true, 0.0123, 1000],
  ] as const) {
    it(`equals float32 scalar arithmetic bit for bit (decays ${decays}, clip ${clip}, step ${t})`, async () => {
      const random = mulberry32(t);
      const p = spread(n, random, 2);
      const g = spread(n, random, 1);
      const m = spread(n, random, 0.1);
      const v = Float32Array.from(spread(n, random, 0.01), Math.abs);
      const step = adamwStep(2e-5, 0.01, HYPER, t, clip);
      const expected = Array.from(p, (_, i) => reference(p[i], g[i], m[i], v[i], step, decays));
      const adamw = await createAdamW(HYPER);
      adamw.update(p, g, m, v, step, decays);
      const mismatches = expected.flatMap((e, i) =>
        Object.is(e.p, p[i]) && Object.is(e.m, m[i]) && Object.is(e.v, v[i])
          ? []
          : [{ i, expected: e, got: { p: p[i], m: m[i], v: v[i] } }],
      );
      expect(mismatches.slice(0, 3)).toEqual([]);
    });
  }

  it('leaves the gradient as it was (clipping scales a copy)', async () => {
    const g = Float32Array.of(0.5, -2, 3, 4, 5);
    const before = g.slice();
    const adamw = await createAdamW(HYPER);
    adamw.update(
      new Float32Array(5),
      g,
      new Float32Array(5),
      new Float32Array(5),
      adamwStep(1e-3, 0, HYPER, 1, 0.5),
      true,
    );
    expect(g).toEqual(before);
  });
});

describe('clipping', () => {
  it("scales by max_norm / (norm + 1e-6) when the norm is larger, else by 1 (clip_grad_norm_'s rule)", () => {
    expect(clipCoefficient(4, 1)).toBe(f(1 / f(4 + f(1e-6))));
    expect(clipCoefficient(0.5, 1)).toBe(1);
    expect(clipCoefficient(0, 1)).toBe(1);
  });

  it('takes the global norm over every tensor: sqrt of the sum of all squares', () => {
    expect(globalNorm([Float32Array.of(3), Float32Array.of(0, 4)])).toBe(5);
    expect(globalNorm([])).toBe(0);
  });
});
