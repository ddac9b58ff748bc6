// Fine-tuning on Node (`edgeclass serve`): the same core as at the edge, over SQLite, a files folder and an
// in-process queue (src/storage/node/). What the Worker gets from its queue consumer and cron trigger, this gets
// from the queue's handler and a timer: the sweep ends jobs whose worker vanished and re-sends overdue webhooks.
// Settings come from the environment, as the Worker's vars (src/jobs/config.ts: EDGECLASS_ADMIN_KEY,
// EDGECLASS_WORKER_SECRET, ...).
import { jobsConfigFromEnv } from '../jobs/config.ts';
import type { JobsContext, JobsMessage } from '../jobs/context.ts';
import { handleMessage, sweep } from '../jobs/dispatch.ts';
import type { JobsProvider } from '../http/deps.ts';
import { nodeStorage } from '../storage/node/index.ts';

/** How often the sweep runs (the Worker's cron trigger runs it every minute). */
const SWEEP_INTERVAL_MS = 60_000;

function logFailure(what: string): (err: unknown) => void {
  return (err) => console.error(JSON.stringify({ level: 'error', msg: `${what} failed`, error: String(err) }));
}

/** Work after the response: nothing waits for it in a Node process, so it only has to log its failure. */
const background = (work: Promise<unknown>): void => void work.catch(logFailure('deferred work'));

/** The fine-tuning provider over the storage in `dataDir`, model folders in `modelDirs`; close() releases it. */
export function createNodeJobs(
  dataDir: string,
  modelDirs: string[],
  env: Record<string, unknown> = process.env,
): JobsProvider & { close(): void } {
  const config = jobsConfigFromEnv(env);
  const { close, ...storage } = nodeStorage<JobsMessage>(dataDir, modelDirs);
  const context = (defer: (work: Promise<unknown>) => void): JobsContext => ({
    ...storage,
    config,
    now: () => Date.now(),
    defer,
  });
  storage.queue.consume((message) => handleMessage(context(background), message));
  const sweeper = setInterval(() => void sweep(context(background)).catch(logFailure('sweep')), SWEEP_INTERVAL_MS);
  sweeper.unref();
  return {
    config,
    context,
    close: () => {
      clearInterval(sweeper);
      close();
    },
  };
}
