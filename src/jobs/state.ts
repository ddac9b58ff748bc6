// The job state machine, OpenAI's states:
//
//   validating_files --dispatch--> queued --claim--> running --complete--> succeeded | failed | cancelled
//          |                          |                 |  \--lease lost, attempts left--> running (next attempt)
//          |                          |                 \--lease lost, none left--> failed
//          +--------cancel------------+--> cancelled     \--cancel--> running + cancel_requested --> cancelled
//
// A running job's cancel is a request: the worker sees it on its next heartbeat and completes with 'cancelled'
// (or the lease runs out and the sweep cancels it).
import type { JobStatus } from './protocol.ts';

export const TERMINAL: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  validating_files: ['queued', 'running', 'failed', 'cancelled'],
  queued: ['running', 'cancelled', 'failed'],
  running: ['running', 'succeeded', 'failed', 'cancelled'],
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

/** The webhook event type announcing that a job reached `status`, if there is one. */
export function webhookTypeFor(
  status: JobStatus,
): `fine_tuning.job.${'running' | 'succeeded' | 'failed' | 'cancelled'}` | null {
  return status === 'running' || status === 'succeeded' || status === 'failed' || status === 'cancelled'
    ? `fine_tuning.job.${status}`
    : null;
}
