// How the Node batcher cuts the queued rows into runs when several runs compute at once (one per worker of
// ort-node-pool.ts): runs of equal size, so that the workers finish together; each worker's rows of about equal
// length; and a worker's rows split further by length where the padding saved is worth an extra run.
import type { BatchBudget } from './rows.ts';

/**
 * Rows per run for `pending` rows (the longest `longest` tokens) over `slots` concurrent runs: the fewest runs the
 * budget allows, rounded up to whole rounds over the slots, then equal. One slot: the budget's rows (runs follow
 * one another, so their sizes do not matter; the token budget still cuts them).
 */
export function rowsPerRun(pending: number, longest: number, budget: BatchBudget, slots: number): number {
  if (slots <= 1 || pending === 0) return budget.maxRows;
  const fewest = Math.max(
    Math.ceil(pending / budget.maxRows),
    Math.ceil((pending * Math.max(longest, 1)) / budget.maxTokens),
    1,
  );
  const runs = Math.ceil(fewest / slots) * slots;
  return Math.max(1, Math.ceil(pending / runs));
}

/** Cuts lengths sorted longest first into min(parts, rows) consecutive groups of about equal tokens; their sizes. */
export function splitByTokens(lengths: readonly number[], parts: number): number[] {
  const groups = Math.max(1, Math.min(parts, lengths.length));
  const total = lengths.reduce((a, b) => a + b, 0);
  const sizes: number[] = [];
  let start = 0;
  let sum = 0;
  for (let i = 0; i < lengths.length && sizes.length < groups - 1; i++) {
    sum += lengths[i];
    const rowsLeft = lengths.length - i - 1;
    const groupsLeft = groups - sizes.length - 1;
    if (rowsLeft === groupsLeft || (sum >= (total * (sizes.length + 1)) / groups && rowsLeft >= groupsLeft)) {
      sizes.push(i + 1 - start);
      start = i + 1;
    }
  }
  if (lengths.length > 0) sizes.push(lengths.length - start);
  return sizes;
}

/**
 * Cuts lengths sorted longest first into consecutive runs that minimise the padded tokens (a run's rows x its
 * longest row) plus `overheadTokens` per run, each run under the budget (a row over it runs alone); their sizes.
 * Exact by dynamic programming over the cut points: n <= a few hundred rows, O(n x maxRows).
 */
export function bucketByLength(lengths: readonly number[], overheadTokens: number, budget: BatchBudget): number[] {
  const n = lengths.length;
  // Infinity ("never split") as a cost that still orders plans: fewest runs first, then fewest padded tokens.
  const perRun = Math.min(overheadTokens, 1e12);
  const cost = new Float64Array(n + 1).fill(Infinity); // cost[j]: the best plan of rows [j, n)
  const next = new Int32Array(n + 1); // next[j]: where the first run of that plan ends
  cost[n] = 0;
  for (let j = n - 1; j >= 0; j--) {
    const widest = Math.max(lengths[j], 1);
    for (let k = j + 1; k <= n; k++) {
      const rows = k - j;
      if (rows > 1 && (rows > budget.maxRows || rows * widest > budget.maxTokens)) break;
      const c = perRun + rows * widest + cost[k];
      if (c < cost[j]) {
        cost[j] = c;
        next[j] = k;
      }
    }
  }
  const sizes: number[] = [];
  for (let j = 0; j < n; j = next[j]) sizes.push(next[j] - j);
  return sizes;
}
