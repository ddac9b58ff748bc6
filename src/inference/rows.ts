// Rows in, rows out: the unit the core hands to inference is one tokenized sequence, and what comes back is that
// sequence's slice of every output. Batching (padding rows into [B, T] feeds, cutting [B, ...] outputs back into
// rows, grouping rows under a token budget) lives here, once, for the per-request runner and the Node batcher.
import { buildFeeds, type FeedSpec } from './hf-inputs.ts';
import type { FloatTensor, InferenceSession } from './runtime.ts';

export { buildFeeds, type FeedSpec } from './hf-inputs.ts';

/** One sequence: its token ids (all attended) and, for models that take them, its token type ids. */
export interface EncodedRow {
  ids: readonly number[];
  typeIds: readonly number[] | null;
}

/** One row's slice of each fetched output: `[B, ...rest]` becomes `rest` (e.g. [T, H] or [C]). */
export type RowOutputs = Record<string, FloatTensor>;

export interface BatchBudget {
  /** Padded tokens per run: rows × the longest row. */
  maxTokens: number;
  /** Rows per run. */
  maxRows: number;
}

export const DEFAULT_BATCH_BUDGET: BatchBudget = { maxTokens: 4096, maxRows: 64 };

/** Cuts each `[B, ...rest]` output into B row views (no copy). */
export function splitOutputs(outputs: Record<string, FloatTensor>, count: number): RowOutputs[] {
  const rows: RowOutputs[] = Array.from({ length: count }, () => ({}));
  for (const [name, { data, dims }] of Object.entries(outputs)) {
    if (dims[0] !== count) throw new Error(`output '${name}' has batch dimension ${dims[0]}, expected ${count}`);
    const rest = dims.slice(1);
    const stride = rest.reduce((a, b) => a * b, 1);
    for (let b = 0; b < count; b++) rows[b][name] = { data: data.subarray(b * stride, (b + 1) * stride), dims: rest };
  }
  return rows;
}

/**
 * Groups row indices into runs under the budget, longest rows first so each run pads little. A row longer than
 * the token budget runs alone.
 */
export function planBatches(rows: readonly EncodedRow[], budget: BatchBudget): number[][] {
  const order = rows.map((_, i) => i).sort((a, b) => rows[b].ids.length - rows[a].ids.length || a - b);
  const batches: number[][] = [];
  let current: number[] = [];
  let longest = 0;
  for (const i of order) {
    const length = Math.max(rows[i].ids.length, 1);
    const widest = Math.max(longest, length);
    if (
      current.length > 0 &&
      (current.length + 1 > budget.maxRows || (current.length + 1) * widest > budget.maxTokens)
    ) {
      batches.push(current);
      current = [];
      longest = 0;
    }
    current.push(i);
    longest = Math.max(longest, length);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Runs rows through a model and gives back each row's outputs, in order. */
export interface RowRunner {
  run(rows: readonly EncodedRow[], outputs: readonly string[]): Promise<RowOutputs[]>;
}

/**
 * Batches within one call: rows sorted by length and cut into runs under the budget, run one after another.
 * What workerd uses (an isolate serves its requests on one thread; each request is batched internally).
 */
export class DirectRunner implements RowRunner {
  constructor(
    private readonly session: InferenceSession,
    private readonly spec: FeedSpec,
    private readonly budget: BatchBudget = DEFAULT_BATCH_BUDGET,
  ) {}

  async run(rows: readonly EncodedRow[], outputs: readonly string[]): Promise<RowOutputs[]> {
    const results: RowOutputs[] = new Array(rows.length);
    for (const batch of planBatches(rows, this.budget)) {
      const out = await this.session.run(
        buildFeeds(
          batch.map((i) => rows[i]),
          this.spec,
        ),
        outputs,
      );
      splitOutputs(out, batch.length).forEach((row, j) => (results[batch[j]] = row));
    }
    return results;
  }
}
