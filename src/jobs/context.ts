// What the fine-tuning core runs on: D1 for state, R2 for bytes (datasets, checkpoints, models), a Queue for
// dispatch and webhook retries, the settings, and a clock. The HTTP layer and the queue consumer build one per
// request or batch from the Worker's bindings; tests build one the same way.
import type { JobsConfig } from './config.ts';

/** Messages on the JOBS queue. */
export type JobsMessage = { type: 'dispatch'; job_id: string } | { type: 'webhook'; delivery_id: string };

export interface JobsContext {
  db: D1Database;
  /** Datasets (`files/<owner>/<file id>`), trigger datasets (`owners/<owner>/...`), checkpoints, result files. */
  files: R2Bucket;
  /** Model folders `<model id>/<file>`: base models to train from, fine-tuned models (`ft:...`) to serve. */
  models: R2Bucket;
  queue: Queue<JobsMessage>;
  config: JobsConfig;
  /** Unix milliseconds; Date.now() except where a test moves time. */
  now(): number;
  /** Runs work after the response (ctx.waitUntil in workerd); awaits it where there is no such thing. */
  defer(work: Promise<unknown>): void;
}

export const seconds = (ms: number | null | undefined): number | null =>
  ms === null || ms === undefined ? null : Math.floor(ms / 1000);
