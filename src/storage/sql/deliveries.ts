// The webhook deliveries aggregate in SQL: webhook_deliveries (the outbox, one row per event and endpoint, with a
// lock column that keeps two senders apart) and webhook_attempts (one row per attempt).
import type { AttemptRow, DeliveryRow, DeliveryStore, NewDelivery, PendingWrite, SqlDatabase } from '../types.ts';

export class SqlDeliveryStore implements DeliveryStore {
  constructor(private readonly db: SqlDatabase) {}

  insert(row: NewDelivery): PendingWrite {
    // INSERT ... SELECT: no row at all when the endpoint is gone or disabled.
    return this.db
      .prepare(`INSERT INTO webhook_deliveries (id, endpoint_id, job_id, type, payload, status, attempts, next_attempt_at, created_at)
    SELECT ?, id, ?, ?, ?, 'pending', 0, ?, ? FROM webhook_endpoints WHERE id = ? AND disabled_at IS NULL`)
      .bind(row.id, row.job_id, row.type, row.payload, row.created_at, row.created_at, row.endpoint_id);
  }

  lockDue(id: string, now: number, dueBy: number, lockedUntil: number): Promise<DeliveryRow | null> {
    return this.db
      .prepare(`UPDATE webhook_deliveries SET locked_until = ?
      WHERE id = ? AND status = 'pending' AND (locked_until IS NULL OR locked_until < ?) AND next_attempt_at <= ?
      RETURNING *`)
      .bind(lockedUntil, id, now, dueBy)
      .first<DeliveryRow>();
  }

  async pendingDueAt(id: string): Promise<number | null> {
    const row = await this.db
      .prepare("SELECT next_attempt_at FROM webhook_deliveries WHERE id = ? AND status = 'pending'")
      .bind(id)
      .first<{ next_attempt_at: number | null }>();
    return row?.next_attempt_at ?? null;
  }

  recordAttempt(row: AttemptRow): PendingWrite {
    return this.db
      .prepare(
        'INSERT OR REPLACE INTO webhook_attempts (delivery_id, attempt, started_at, duration_ms, status_code, error) VALUES (?, ?, ?, ?, ?, ?)',
      )
      .bind(row.delivery_id, row.attempt, row.started_at, row.duration_ms, row.status_code, row.error);
  }

  complete(
    id: string,
    status: 'delivered' | 'failed',
    attempts: number,
    code: number | null,
    error: string | null,
    at: number,
  ): PendingWrite {
    return this.db
      .prepare(
        'UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status_code = ?, last_error = ?, completed_at = ?, locked_until = NULL WHERE id = ?',
      )
      .bind(status, attempts, code, error, at, id);
  }

  failPending(endpointId: string, error: string, at: number): PendingWrite {
    return this.db
      .prepare(
        "UPDATE webhook_deliveries SET status = 'failed', last_error = ?, completed_at = ?, locked_until = NULL WHERE endpoint_id = ? AND status = 'pending'",
      )
      .bind(error, at, endpointId);
  }

  retryAt(id: string, attempts: number, next: number, code: number | null, error: string | null): PendingWrite {
    return this.db
      .prepare(
        'UPDATE webhook_deliveries SET attempts = ?, next_attempt_at = ?, locked_until = NULL, last_status_code = ?, last_error = ? WHERE id = ?',
      )
      .bind(attempts, next, code, error, id);
  }

  async overdue(dueBefore: number, now: number, limit: number): Promise<string[]> {
    const { results } = await this.db
      .prepare(`SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ?
      AND (locked_until IS NULL OR locked_until < ?) ORDER BY next_attempt_at LIMIT ?`)
      .bind(dueBefore, now, limit)
      .all<{ id: string }>();
    return results.map((r) => r.id);
  }

  async listForJob(jobId: string, limit: number): Promise<DeliveryRow[]> {
    const { results } = await this.db
      .prepare('SELECT * FROM webhook_deliveries WHERE job_id = ? ORDER BY seq DESC LIMIT ?')
      .bind(jobId, limit)
      .all<DeliveryRow>();
    return results;
  }
}
