// Cross-request batching on Node, in the manner of text-embeddings-inference: every request's rows join one queue
// per model; whenever a run slot is free, the rows queued so far are cut into runs under the token budget. While
// runs compute, new requests queue up and form the next runs, so the batch size follows the load with no waiting
// timer: one request alone runs at once. With several slots (a session per worker thread: ort-node-pool.ts) the
// queued rows are shared out in equal runs so the slots finish together (split.ts), and each slot's rows, sorted
// by length, are cut further where the padding saved outweighs the cost of another run.
import {
  buildFeeds,
  DEFAULT_BATCH_BUDGET,
  splitOutputs,
  type BatchBudget,
  type EncodedRow,
  type FeedSpec,
  type RowOutputs,
  type RowRunner,
} from './rows.ts';
import type { InferenceSession } from './runtime.ts';
import { bucketByLength, rowsPerRun, splitByTokens } from './split.ts';

interface Job {
  results: RowOutputs[];
  remaining: number;
  outputs: readonly string[];
  resolve(results: RowOutputs[]): void;
  reject(err: unknown): void;
  failed: boolean;
  /** performance.now() when the request's rows joined the queue; null once its first run started. */
  enqueuedAt: number | null;
}

interface QueuedRow {
  row: EncodedRow;
  index: number;
  job: Job;
}

export interface BatcherOptions extends BatchBudget {
  /** Runs in flight at once: 1 for a session that computes on the calling thread, N for N worker sessions. */
  maxInFlight: number;
  /**
   * What a run costs besides its padded tokens, in padded tokens: rows of a slot are split by length into several
   * runs where that saves more padding than this per extra run. Infinity: never split.
   */
  runOverheadTokens: number;
  /** Metrics: each request's wait for its first run, and each run (src/core/telemetry.ts). */
  observer?: BatchObserver;
}

/** What the batcher reports for metrics (src/core/telemetry.ts). */
export interface BatchObserver {
  /** A request's wait from joining the queue to the start of the run that takes its first row. */
  queue(seconds: number): void;
  batch(observation: BatchObservation): void;
}

export interface BatchObservation {
  /** Rows in the run. */
  rows: number;
  /** Padded tokens fed: rows x the longest row. */
  paddedTokens: number;
  /** session.run, end to end. */
  seconds: number;
}

/**
 * A run's cost besides its padded tokens, in padded tokens, for onnxruntime-node on one thread: about 1-2 ms, or
 * 5-9 tokens of a MiniLM-sized model, in fixed shapes; a little more where each run has a new shape. 16 came out
 * best of 4, 16, 48 and never (bench/RESULTS.md, classify).
 */
export const DEFAULT_RUN_OVERHEAD_TOKENS = 16;

export class BatchingRunner implements RowRunner {
  private readonly queue: QueuedRow[] = [];
  private head = 0;
  private inFlight = 0;
  private scheduled = false;
  private readonly options: BatcherOptions;
  /** Runs made and rows run, for tests and metrics. */
  readonly stats = { runs: 0, rows: 0 };

  constructor(
    private readonly session: InferenceSession,
    private readonly spec: FeedSpec,
    options: Partial<BatcherOptions> = {},
  ) {
    this.options = {
      ...DEFAULT_BATCH_BUDGET,
      maxInFlight: 1,
      runOverheadTokens: DEFAULT_RUN_OVERHEAD_TOKENS,
      ...options,
    };
  }

  run(rows: readonly EncodedRow[], outputs: readonly string[]): Promise<RowOutputs[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return new Promise((resolve, reject) => {
      const job: Job = {
        results: new Array(rows.length),
        remaining: rows.length,
        outputs,
        resolve,
        reject,
        failed: false,
        enqueuedAt: performance.now(),
      };
      // Longest first within a request, so the runs cut from a big request pad little.
      const order = rows.map((_, i) => i).sort((a, b) => rows[b].ids.length - rows[a].ids.length || a - b);
      for (const index of order) this.queue.push({ row: rows[index], index, job });
      this.schedule();
    });
  }

  /** Flushes after the current I/O phase, so requests that arrived together share a run. */
  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.options.maxInFlight || this.pending() === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private pending(): number {
    return this.queue.length - this.head;
  }

  private flush(): void {
    const idle = this.options.maxInFlight - this.inFlight;
    if (idle <= 0 || this.pending() === 0) return;
    const { maxInFlight, runOverheadTokens } = this.options;
    const perRun = rowsPerRun(this.pending(), this.longestPending(), this.options, maxInFlight);
    const rows = this.take(
      Math.min(idle, Math.ceil(this.pending() / perRun)) * perRun,
      maxInFlight > 1 ? Infinity : this.options.maxTokens,
    );
    if (rows.length === 0) return;
    // Longest first (stable: queue order among equals), so each slot's rows and each run's rows pad little.
    const sorted = rows
      .map((q, i) => ({ q, i }))
      .sort((a, b) => b.q.row.ids.length - a.q.row.ids.length || a.i - b.i)
      .map((x) => x.q);
    const lengths = sorted.map((q) => q.row.ids.length);
    let start = 0;
    for (const size of splitByTokens(lengths, Math.min(idle, Math.ceil(rows.length / perRun)))) {
      const runs: QueuedRow[][] = [];
      let at = start;
      for (const n of bucketByLength(lengths.slice(start, start + size), runOverheadTokens, this.options)) {
        runs.push(sorted.slice(at, at + n));
        at += n;
      }
      start += size;
      this.inFlight++;
      void this.runSlot(runs).finally(() => {
        this.inFlight--;
        this.schedule();
      });
    }
  }

  /** The longest row queued: what the budget must hold when the queue is shared out. */
  private longestPending(): number {
    let longest = 1;
    for (let i = this.head; i < this.queue.length; i++) longest = Math.max(longest, this.queue[i].row.ids.length);
    return longest;
  }

  /**
   * The oldest queued rows, at most `count` and, as one run padded to its longest, `maxTokens` (rows of failed
   * requests are dropped).
   */
  private take(count: number, maxTokens: number): QueuedRow[] {
    const batch: QueuedRow[] = [];
    let longest = 0;
    while (this.head < this.queue.length && batch.length < count) {
      const next = this.queue[this.head];
      if (next.job.failed) {
        this.head++;
        continue;
      }
      const widest = Math.max(longest, next.row.ids.length, 1);
      if (batch.length > 0 && (batch.length + 1) * widest > maxTokens) break;
      batch.push(next);
      longest = widest;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    return batch;
  }

  /** One slot's runs, one after another. */
  private async runSlot(runs: QueuedRow[][]): Promise<void> {
    for (const run of runs) {
      const live = run.filter((q) => !q.job.failed);
      if (live.length > 0) await this.runBatch(live);
    }
  }

  private async runBatch(batch: QueuedRow[]): Promise<void> {
    try {
      await this.compute(batch);
    } catch (err) {
      const jobs = [...new Set(batch.map((q) => q.job))];
      if (jobs.length === 1) return fail(jobs[0], err);
      // One request's bad row must not fail the others that shared its run: rerun each request's rows alone.
      for (const job of jobs) {
        try {
          await this.compute(batch.filter((q) => q.job === job));
        } catch (jobErr) {
          fail(job, jobErr);
        }
      }
    }
  }

  private async compute(batch: QueuedRow[]): Promise<void> {
    const outputs = [...new Set(batch.flatMap((q) => q.job.outputs))];
    const observer = this.options.observer;
    const started = performance.now();
    if (observer) {
      for (const { job } of batch) {
        if (job.enqueuedAt === null) continue;
        observer.queue((started - job.enqueuedAt) / 1000);
        job.enqueuedAt = null;
      }
    }
    const feeds = buildFeeds(
      batch.map((q) => q.row),
      this.spec,
    );
    const out = await this.session.run(feeds, outputs);
    this.stats.runs++;
    this.stats.rows += batch.length;
    observer?.batch({
      rows: batch.length,
      paddedTokens: feeds.input_ids.data.length,
      seconds: (performance.now() - started) / 1000,
    });
    splitOutputs(out, batch.length).forEach((row, j) => {
      const { job, index } = batch[j];
      if (job.failed) return;
      job.results[index] = row;
      if (--job.remaining === 0) job.resolve(job.results);
    });
  }
}

function fail(job: Job, err: unknown): void {
  if (job.failed) return;
  job.failed = true;
  job.reject(err);
}
