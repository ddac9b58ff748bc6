// What a benchmark's RATIO line may claim. A number only when both sides ran in this run, on quiet samples, and
// computed the same thing; otherwise `RATIO <name> n/a (<why>)`. Never a figure stored from an earlier run: against
// an old figure a ratio can "meet" a goal that the same-run comparison misses. A disagreement between the sides also
// fails the run (exit code 1): a speed ratio between two computations that differ means nothing.

export interface Sides {
  /** Both sides measured in this run: null, or why not (e.g. "PyTorch not measured: ..."). */
  missing: string | null;
  /** Both sides' figures come from quiet samples: null, or why not. */
  noisy: string | null;
  /** Both sides computed the same thing: null, or how they differ. */
  disagreement: string | null;
}

/** The RATIO line for `value` = ours / theirs, or n/a with the first reason that forbids a number. */
export function ratioLine(name: string, value: number, sides: Sides): string {
  const why = sides.disagreement
    ? `the two sides computed different things: ${sides.disagreement}`
    : (sides.missing ?? sides.noisy ?? (Number.isFinite(value) ? null : `the ratio is ${value}`));
  return why ? `RATIO ${name} n/a (${oneLine(why)})` : `RATIO ${name} ${value.toFixed(3)}`;
}

export function naLine(name: string, why: string): string {
  return `RATIO ${name} n/a (${oneLine(why)})`;
}

function oneLine(s: string): string {
  return s.replace(/\s+/g, ' ').replace(/\)/g, ']').replace(/\(/g, '[').trim();
}

/** Prints the RATIO lines last and fails the run if any pair of sides disagreed. */
export function finishRatios(lines: string[], disagreements: string[]): void {
  for (const d of disagreements) console.log(`DISAGREEMENT: ${d}`);
  for (const line of lines) console.log(line);
  if (disagreements.length) process.exitCode = 1;
}

/** max |a - b| over two equally long arrays (Infinity when the lengths differ or a value is not finite). */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    if (!Number.isFinite(d)) return Infinity;
    m = Math.max(m, d);
  }
  return m;
}

/**
 * Why `rows` (rows x width values) cannot tell two computations apart, or null: not finite, (nearly) constant, or
 * every row the same (outputs that do not depend on the input). Agreement on such outputs proves nothing.
 */
export function degenerate(values: ArrayLike<number>, rows: number, minSpread = 1e-3): string | null {
  if (rows < 2 || values.length % rows !== 0) return `cannot split ${values.length} values into ${rows} rows`;
  const width = values.length / rows;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return `value ${i} is ${v}`;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  if (max - min < minSpread) return `every value is within ${minSpread} of ${min}`;
  let rowSpread = 0;
  for (let r = 1; r < rows; r++)
    for (let j = 0; j < width; j++) rowSpread = Math.max(rowSpread, Math.abs(values[r * width + j]! - values[j]!));
  return rowSpread < minSpread ? `every row equals the first within ${minSpread}` : null;
}
