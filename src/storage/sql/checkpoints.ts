// The checkpoints aggregate in SQL: job_checkpoints, one row per job and step.
import type { CheckpointRow, CheckpointStore, PageQuery, PendingWrite, SqlDatabase } from '../types.ts';

export class SqlCheckpointStore implements CheckpointStore {
  constructor(private readonly db: SqlDatabase) {}

  newest(jobId: string): Promise<CheckpointRow | null> {
    return this.db
      .prepare('SELECT * FROM job_checkpoints WHERE job_id = ? ORDER BY step DESC LIMIT 1')
      .bind(jobId)
      .first<CheckpointRow>();
  }

  find(jobId: string, step: number): Promise<CheckpointRow | null> {
    return this.db
      .prepare('SELECT * FROM job_checkpoints WHERE job_id = ? AND step = ?')
      .bind(jobId, step)
      .first<CheckpointRow>();
  }

  async all(jobId: string): Promise<CheckpointRow[]> {
    const { results } = await this.db
      .prepare('SELECT * FROM job_checkpoints WHERE job_id = ? ORDER BY step')
      .bind(jobId)
      .all<CheckpointRow>();
    return results;
  }

  async page(jobId: string, page: PageQuery): Promise<CheckpointRow[]> {
    // By step, not by insertion: a step registered again (a retried attempt) keeps its place.
    const sql = page.after
      ? 'SELECT * FROM job_checkpoints WHERE job_id = ? AND step < (SELECT step FROM job_checkpoints WHERE id = ? AND job_id = ?) ORDER BY step DESC LIMIT ?'
      : 'SELECT * FROM job_checkpoints WHERE job_id = ? ORDER BY step DESC LIMIT ?';
    const args = page.after ? [jobId, page.after, jobId, page.limit + 1] : [jobId, page.limit + 1];
    const { results } = await this.db
      .prepare(sql)
      .bind(...args)
      .all<CheckpointRow>();
    return results;
  }

  put(row: CheckpointRow): PendingWrite {
    return this.db
      .prepare(`INSERT INTO job_checkpoints (id, job_id, step, epoch, files, metrics, attempt, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (job_id, step) DO UPDATE SET id = excluded.id, epoch = excluded.epoch, files = excluded.files, metrics = excluded.metrics,
        attempt = excluded.attempt, created_at = excluded.created_at`)
      .bind(row.id, row.job_id, row.step, row.epoch, row.files, row.metrics, row.attempt, row.created_at);
  }
}
