// Seeded standard normals for weight initialisation, the trainer's streams and tests: mulberry32 uniforms and
// Box-Muller pairs (both values used), so a model or a run is reproducible from its seed alone. A leaf module:
// the architecture modules and the folder writers all draw from it.

/** mulberry32's increment: its k-th output after state a is the output of state a + k * MULBERRY32_STEP. */
export const MULBERRY32_STEP = 0x6d2b79f5;

/** mulberry32's 32-bit output for state `a` (a hash of the state alone). */
export function mulberry32Output(a: number): number {
  let t = Math.imul(a ^ (a >>> 15), a | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return (t ^ (t >>> 14)) >>> 0;
}

export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + MULBERRY32_STEP) >>> 0;
    return mulberry32Output(a) / 4294967296;
  };
}

export function normalSampler(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    const u1 = Math.max(uniform(), 1e-12);
    const u2 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  };
}
