// The state of one claimed job while the worker runs it (job-runner.ts): its folder, its lease, its event sink and
// what every event carries. Each step of the run reads it; opening and closing it are the only places that set up
// or tear down the lease, the shutdown listener and the folder.
import fs from 'node:fs';
import path from 'node:path';
import type { ClaimResponse, CompleteRequest, FineTuningJob, Hyperparameters } from '../jobs/protocol.ts';
import type { ExecutionProvider } from '../train/session.ts';
import type { EdgeClient } from './edge-client.ts';
import { EventSink } from './events.ts';
import { LeaseKeeper } from './lease.ts';
import type { Logger } from './log.ts';
import { withDefaults } from './training-options.ts';

export interface RunnerOptions {
  client: EdgeClient;
  /** This worker's own directory: a folder per job inside. */
  workDir: string;
  executionProvider: ExecutionProvider;
  log: Logger;
  /** A metrics event every N optimizer steps (and at the first and the last). */
  metricsEvery?: number;
  /** Checkpoint every N steps besides evaluations; null: when cheap (see checkpointCadence); 0: evaluations only. */
  checkpointEvery?: number | null;
  heartbeatIntervalMs?: number;
  threads?: number;
  keepWorkDir?: boolean;
  /** The worker is stopping: give the job back. */
  shutdown?: AbortSignal;
  /** Called when the job's training starts and stops (tests and logs). */
  onPhase?: (phase: 'training' | 'stopped', jobId: string) => void;
}

export type JobOutcome =
  | { status: 'succeeded'; fineTunedModel: string | null }
  | { status: 'failed'; error: { code: string; message: string } }
  | { status: 'cancelled' }
  | { status: 'lease_lost'; detail: string }
  | { status: 'released' };

/** A failure that is the job's own (bad file, bad model): complete as failed with this code. */
export class JobFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface JobRun {
  claim: ClaimResponse;
  job: FineTuningJob;
  options: RunnerOptions;
  client: EdgeClient;
  log: Logger;
  /** This job's folder: data/, base/, out/ (the trainer's output), staging/. */
  dir: string;
  outDir: string;
  lease: LeaseKeeper;
  events: EventSink;
  /** In the data of every message event. */
  base: { attempt: number; worker_id: string };
  hp: Hyperparameters;
  /** True while the trainer runs (the cancellation log says whether it stopped training). */
  trainingStarted: boolean;
  /** Ends the lease as 'shutdown' when the worker's shutdown signal fires. */
  onShutdown: () => void;
}

/** A clean job folder, a started lease that ends on shutdown, and an event sink under it. */
export function openJobRun(claim: ClaimResponse, options: RunnerOptions): JobRun {
  const { client } = options;
  const job = claim.job;
  const log = options.log.child({ job_id: job.id, attempt: claim.attempt });
  const dir = path.join(options.workDir, job.id);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const lease = new LeaseKeeper(
    client,
    job.id,
    claim.lease.id,
    claim.lease.expires_at,
    log,
    options.heartbeatIntervalMs,
  );
  const onShutdown = () => lease.end('shutdown', 'the worker is stopping');
  if (options.shutdown?.aborted) onShutdown();
  options.shutdown?.addEventListener('abort', onShutdown, { once: true });
  lease.start();
  return {
    claim,
    job,
    options,
    client,
    log,
    dir,
    outDir: path.join(dir, 'out'),
    lease,
    events: new EventSink(client, job.id, lease, log),
    base: { attempt: claim.attempt, worker_id: client.workerId },
    hp: withDefaults(job.hyperparameters),
    trainingStarted: false,
    onShutdown,
  };
}

export async function closeJobRun(run: JobRun): Promise<void> {
  run.options.shutdown?.removeEventListener('abort', run.onShutdown);
  run.events.close();
  await run.lease.close();
  if (!run.options.keepWorkDir) fs.rmSync(run.dir, { recursive: true, force: true });
}

/** Completes under the lease (heartbeats go on meanwhile); a 409 means another worker has the job now. */
export async function completeJob(run: JobRun, request: CompleteRequest) {
  return run.client.complete(run.job.id, request, { signal: run.lease.lost, deadline: Date.now() + 5 * 60_000 });
}
