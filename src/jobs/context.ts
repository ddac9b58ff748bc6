// What the fine-tuning core runs on: the storage ports (src/storage/types.ts: SQL for state, blob stores for bytes
// -- datasets, checkpoints, models --, a queue for dispatch and webhook retries), the settings, and a clock. The
// HTTP layer and the queue consumer build one per request or batch from the runtime's storage (D1/R2/Queue in
// workerd, SQLite and a files folder on Node); tests build one the same way.
import type { JobsStorage } from '../storage/types.ts';
import type { JobsConfig } from './config.ts';

/** Messages on the JOBS queue. */
export type JobsMessage = { type: 'dispatch'; job_id: string } | { type: 'webhook'; delivery_id: string };

export interface JobsContext extends JobsStorage<JobsMessage> {
  config: JobsConfig;
  /** Unix milliseconds; Date.now() except where a test moves time. */
  now(): number;
  /** Runs work after the response (ctx.waitUntil in workerd); awaits it where there is no such thing. */
  defer(work: Promise<unknown>): void;
}

export const seconds = (ms: number | null | undefined): number | null =>
  ms === null || ms === undefined ? null : Math.floor(ms / 1000);
