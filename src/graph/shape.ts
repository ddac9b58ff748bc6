// Shapes with symbolic dimensions: a number is a known size, a string names a size known only at run time
// ("batch", "sequence"), so the same graph serves any batch and sequence length.

export type Dim = number | string;
export type Shape = Dim[];

export function formatShape(s: Shape): string {
  return `[${s.join(', ')}]`;
}

export function sameDim(a: Dim, b: Dim): boolean {
  return a === b;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => sameDim(d, b[i]));
}

/** numpy broadcasting; a known size against a symbolic one keeps the known size (unless it is 1). */
export function broadcastShapes(a: Shape, b: Shape, what: string): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (sameDim(x, y) || y === 1) out.push(x);
    else if (x === 1) out.push(y);
    else if (typeof x === 'string' && typeof y === 'string') out.push(x);
    else if (typeof x === 'string') out.push(y);
    else if (typeof y === 'string') out.push(x);
    else throw new Error(`${what}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast`);
  }
  return out;
}

export function normalizeAxis(axis: number, rank: number, what: string): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new Error(`${what}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

export function numel(s: Shape): number | null {
  let n = 1;
  for (const d of s) {
    if (typeof d !== 'number') return null;
    n *= d;
  }
  return n;
}
