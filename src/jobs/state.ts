// The job state machine, OpenAI's states:
//
//   validating_files --dispatch--> queued --claim--> running --complete--> succeeded | failed
//          |                        |  ^               |  \--lease lost, attempts left--> running (next attempt)
//          |                        |  |               |  \--lease lost, none left--> failed
//          |                        |  +--resume-- paused <--pause--+   (pause also from queued/validating_files)
//          +--------cancel----------+-----------------+---cancel---> cancelled (paused too)
//
// Cancel and pause answer the state asked for at once: they end a running job's lease in the same UPDATE, so the
// worker's next heartbeat (or any other call) gets 409 and it stops, sending nothing more. Checkpoints are kept;
// a resumed job is claimed like any queued one and trained on from its newest checkpoint.
import type { JobStatus } from './protocol.ts';

export const TERMINAL: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  validating_files: ['queued', 'running', 'paused', 'failed', 'cancelled'],
  queued: ['running', 'paused', 'cancelled', 'failed'],
  running: ['running', 'paused', 'succeeded', 'failed', 'cancelled'],
  paused: ['queued', 'cancelled'],
  succeeded: [],
  failed: [],
  cancelled: [],
};

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.includes(status);
}

export function canMove(from: JobStatus, to: JobStatus): boolean {
  return NEXT[from].includes(to);
}

/** The states a job may be paused or cancelled from (not yet finished, not already there). */
export const PAUSABLE: readonly JobStatus[] = ['validating_files', 'queued', 'running'];
export const CANCELLABLE: readonly JobStatus[] = ['validating_files', 'queued', 'running', 'paused'];

/** The webhook event type announcing that a job reached `status`, if there is one. */
export function webhookTypeFor(
  status: JobStatus,
): `fine_tuning.job.${'running' | 'succeeded' | 'failed' | 'cancelled'}` | null {
  return status === 'running' || status === 'succeeded' || status === 'failed' || status === 'cancelled'
    ? `fine_tuning.job.${status}`
    : null;
}
