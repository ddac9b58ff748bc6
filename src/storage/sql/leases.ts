// Leases in SQL: the lease columns of the jobs table. Each write is one conditional UPDATE ... RETURNING, so two
// workers (or a worker and the sweep) racing for a job change it once.
import type { JobEnding, JobRow, LeaseStore, LeaseTerms, SqlDatabase } from '../types.ts';

/** Claimable: binds graceStart, then now. */
const CLAIMABLE = `(status = 'queued'
      OR (status = 'validating_files' AND created_at <= ?)
      OR (status = 'running' AND lease_expires_at < ? AND attempt < max_attempts AND cancel_requested = 0))`;

export class SqlLeaseStore implements LeaseStore {
  constructor(private readonly db: SqlDatabase) {}

  async expire(now: number, error: string): Promise<JobRow[]> {
    const ended = await this.db.batch<JobRow>([
      this.db
        .prepare(`UPDATE jobs SET status = 'cancelled', finished_at = ?
        WHERE status = 'running' AND lease_expires_at < ? AND cancel_requested = 1 RETURNING *`)
        .bind(now, now),
      this.db
        .prepare(`UPDATE jobs SET status = 'failed', finished_at = ?, error = ?
        WHERE status = 'running' AND lease_expires_at < ? AND attempt >= max_attempts RETURNING *`)
        .bind(now, error, now),
    ]);
    return ended.flatMap((r) => r.results);
  }

  findClaimed(claimId: string, workerId: string, now: number): Promise<JobRow | null> {
    return this.db
      .prepare(
        `SELECT * FROM jobs WHERE lease_claim_id = ? AND lease_worker = ? AND status = 'running' AND lease_expires_at >= ?`,
      )
      .bind(claimId, workerId, now)
      .first<JobRow>();
  }

  nextClaimable(now: number, graceStart: number): Promise<Pick<JobRow, 'id' | 'status'> | null> {
    return this.db
      .prepare(`SELECT id, status FROM jobs WHERE ${CLAIMABLE} ORDER BY seq LIMIT 1`)
      .bind(graceStart, now)
      .first<Pick<JobRow, 'id' | 'status'>>();
  }

  take(id: string, lease: LeaseTerms, now: number, graceStart: number): Promise<JobRow | null> {
    return this.db
      .prepare(`UPDATE jobs SET status = 'running', attempt = attempt + 1, lease_id = ?, lease_worker = ?,
          lease_expires_at = ?, lease_claim_id = ?, started_at = COALESCE(started_at, ?)
        WHERE id = ? AND ${CLAIMABLE} RETURNING *`)
      .bind(lease.leaseId, lease.workerId, lease.expiresAt, lease.claimId, now, id, graceStart, now)
      .first<JobRow>();
  }

  renew(
    id: string,
    leaseId: string,
    now: number,
    expiresAt: number,
    progress: Pick<JobRow, 'step' | 'total_steps' | 'estimated_finish'>,
  ): Promise<Pick<JobRow, 'cancel_requested'> | null> {
    return this.db
      .prepare(`UPDATE jobs SET lease_expires_at = ?, step = ?, total_steps = ?, estimated_finish = ?
      WHERE id = ? AND lease_id = ? AND status = 'running' AND lease_expires_at >= ? RETURNING cancel_requested`)
      .bind(expiresAt, progress.step, progress.total_steps, progress.estimated_finish, id, leaseId, now)
      .first<Pick<JobRow, 'cancel_requested'>>();
  }

  requeue(id: string, leaseId: string): Promise<JobRow | null> {
    return this.db
      .prepare(
        "UPDATE jobs SET status = 'queued', lease_id = NULL, lease_expires_at = NULL, max_attempts = max_attempts + 1 WHERE id = ? AND lease_id = ? AND status = 'running' RETURNING *",
      )
      .bind(id, leaseId)
      .first<JobRow>();
  }

  cancel(id: string, leaseId: string, at: number): Promise<JobRow | null> {
    return this.db
      .prepare(
        "UPDATE jobs SET status = 'cancelled', finished_at = ?, lease_expires_at = NULL WHERE id = ? AND lease_id = ? AND status = 'running' RETURNING *",
      )
      .bind(at, id, leaseId)
      .first<JobRow>();
  }

  finish(id: string, leaseId: string, ending: JobEnding): Promise<JobRow | null> {
    return this.db
      .prepare(`UPDATE jobs SET status = ?, finished_at = ?, error = ?, result_files = ?, trained_tokens = ?, estimated_finish = NULL
      WHERE id = ? AND lease_id = ? AND status = 'running' RETURNING *`)
      .bind(ending.status, ending.at, ending.error, ending.resultFiles, ending.trainedTokens, id, leaseId)
      .first<JobRow>();
  }
}
