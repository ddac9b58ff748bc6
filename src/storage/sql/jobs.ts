// The jobs aggregate in SQL: jobs (read with their webhook endpoint), job_events and idempotency_keys.
import type {
  EventRow,
  IdempotencyKeyRow,
  JobRow,
  JobStatus,
  JobStore,
  JobView,
  MetadataFilter,
  NewEvent,
  NewJob,
  PageQuery,
  PendingWrite,
  SqlDatabase,
} from '../types.ts';
import { pageRows } from './pages.ts';

const JOB_SELECT = `SELECT jobs.*, e.url AS webhook_url, e.disabled_at AS webhook_disabled_at
  FROM jobs LEFT JOIN webhook_endpoints e ON e.id = jobs.webhook_endpoint_id`;

/** SQL (with its arguments) restricting `jobs` to those matching `filter`. */
function metadataClause(filter: MetadataFilter): { sql: string; args: string[] } {
  if (filter === undefined) return { sql: '', args: [] };
  if (filter === null) return { sql: " AND (jobs.metadata IS NULL OR jobs.metadata = '{}')", args: [] };
  const pairs = Object.entries(filter);
  return {
    sql: pairs
      .map(
        () =>
          " AND EXISTS (SELECT 1 FROM json_each(jobs.metadata) m WHERE m.key = ? AND m.type = 'text' AND m.value = ?)",
      )
      .join(''),
    args: pairs.flat(),
  };
}

export class SqlJobStore implements JobStore {
  constructor(private readonly db: SqlDatabase) {}

  insert(row: NewJob): PendingWrite {
    return this.db
      .prepare(`INSERT INTO jobs (id, owner, status, model, fine_tuned_model_id, training_file, validation_file, hyperparameters,
      suffix, metadata, webhook_endpoint_id, trigger_id, created_at, max_attempts)
      VALUES (?, ?, 'validating_files', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(
        row.id,
        row.owner,
        row.model,
        row.fine_tuned_model_id,
        row.training_file,
        row.validation_file,
        row.hyperparameters,
        row.suffix,
        row.metadata,
        row.webhook_endpoint_id,
        row.trigger_id,
        row.created_at,
        row.max_attempts,
      );
  }

  find(id: string, owner: string | null): Promise<JobView | null> {
    return owner === null
      ? this.db.prepare(`${JOB_SELECT} WHERE jobs.id = ?`).bind(id).first<JobView>()
      : this.db.prepare(`${JOB_SELECT} WHERE jobs.id = ? AND jobs.owner = ?`).bind(id, owner).first<JobView>();
  }

  async page(owner: string, metadata: MetadataFilter, page: PageQuery): Promise<JobView[]> {
    const filter = metadataClause(metadata);
    const sql = page.after
      ? `${JOB_SELECT} WHERE jobs.owner = ?${filter.sql} AND jobs.seq < (SELECT seq FROM jobs WHERE id = ? AND owner = ?) ORDER BY jobs.seq DESC LIMIT ?`
      : `${JOB_SELECT} WHERE jobs.owner = ?${filter.sql} ORDER BY jobs.seq DESC LIMIT ?`;
    const args = page.after
      ? [owner, ...filter.args, page.after, owner, page.limit + 1]
      : [owner, ...filter.args, page.limit + 1];
    const { results } = await this.db
      .prepare(sql)
      .bind(...args)
      .all<JobView>();
    return results;
  }

  addEvent(row: NewEvent): PendingWrite {
    return this.db
      .prepare(`INSERT INTO job_events (id, job_id, created_at, level, type, message, data, client_id)
      SELECT ?, ?, MAX(?, COALESCE((SELECT created_at FROM job_events WHERE job_id = ? ORDER BY seq DESC LIMIT 1), 0)), ?, ?, ?, ?, ?
      WHERE true ON CONFLICT (job_id, client_id) DO NOTHING`)
      .bind(row.id, row.job_id, row.created_at, row.job_id, row.level, row.type, row.message, row.data, row.client_id);
  }

  events(jobId: string, page: PageQuery): Promise<EventRow[]> {
    return pageRows<EventRow>(this.db, 'job_events', 'job_id = ?', [jobId], page);
  }

  findIdempotencyKey(owner: string, key: string): Promise<Pick<IdempotencyKeyRow, 'request_hash' | 'job_id'> | null> {
    return this.db
      .prepare('SELECT request_hash, job_id FROM idempotency_keys WHERE owner = ? AND key = ?')
      .bind(owner, key)
      .first<{ request_hash: string; job_id: string }>();
  }

  insertIdempotencyKey(row: IdempotencyKeyRow): PendingWrite {
    return this.db
      .prepare('INSERT INTO idempotency_keys (owner, key, request_hash, job_id, created_at) VALUES (?, ?, ?, ?, ?)')
      .bind(row.owner, row.key, row.request_hash, row.job_id, row.created_at);
  }

  async markQueued(id: string): Promise<boolean> {
    const moved = await this.db
      .prepare("UPDATE jobs SET status = 'queued' WHERE id = ? AND status = 'validating_files' RETURNING id")
      .bind(id)
      .first();
    return moved !== null;
  }

  markCancelled(id: string, from: JobStatus, at: number): Promise<JobRow | null> {
    return this.db
      .prepare(`UPDATE jobs SET status = 'cancelled', finished_at = ?, lease_expires_at = NULL, estimated_finish = NULL,
      cancel_requested = 0 WHERE id = ? AND status = ? RETURNING *`)
      .bind(at, id, from)
      .first<JobRow>();
  }

  markPaused(id: string, from: JobStatus): Promise<JobRow | null> {
    return this.db
      .prepare(`UPDATE jobs SET status = 'paused', lease_expires_at = NULL, estimated_finish = NULL,
      max_attempts = max_attempts + (CASE WHEN status = 'running' THEN 1 ELSE 0 END)
      WHERE id = ? AND status = ? RETURNING *`)
      .bind(id, from)
      .first<JobRow>();
  }

  markResumed(id: string): Promise<JobRow | null> {
    return this.db
      .prepare("UPDATE jobs SET status = 'queued' WHERE id = ? AND status = 'paused' RETURNING *")
      .bind(id)
      .first<JobRow>();
  }

  async madeModel(owner: string, jobId: string, modelId: string): Promise<boolean> {
    const row = await this.db
      .prepare(
        "SELECT 1 AS ok FROM jobs WHERE id = ? AND owner = ? AND fine_tuned_model_id = ? AND status = 'succeeded'",
      )
      .bind(jobId, owner, modelId)
      .first();
    return row !== null;
  }

  async madeModels(owner: string): Promise<string[]> {
    const { results } = await this.db
      .prepare("SELECT fine_tuned_model_id AS id FROM jobs WHERE owner = ? AND status = 'succeeded'")
      .bind(owner)
      .all<{ id: string }>();
    return results.map((r) => r.id);
  }
}
