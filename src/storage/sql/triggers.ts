// The triggers aggregate in SQL: the triggers table, and trigger_calls (one row per received call id).
import type { PageQuery, PendingWrite, SqlDatabase, TriggerRow, TriggerStore } from '../types.ts';
import { pageRows } from './pages.ts';

export class SqlTriggerStore implements TriggerStore {
  constructor(private readonly db: SqlDatabase) {}

  insert(row: TriggerRow): PendingWrite {
    return this.db
      .prepare(`INSERT INTO triggers (id, owner, name, model, hyperparameters, dataset, validation_dataset, suffix, metadata,
      webhook_endpoint_id, secret, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(
        row.id,
        row.owner,
        row.name,
        row.model,
        row.hyperparameters,
        row.dataset,
        row.validation_dataset,
        row.suffix,
        row.metadata,
        row.webhook_endpoint_id,
        row.secret,
        row.created_at,
      );
  }

  find(id: string, owner: string): Promise<TriggerRow | null> {
    return this.db.prepare('SELECT * FROM triggers WHERE id = ? AND owner = ?').bind(id, owner).first<TriggerRow>();
  }

  findLive(id: string): Promise<TriggerRow | null> {
    return this.db.prepare('SELECT * FROM triggers WHERE id = ? AND disabled_at IS NULL').bind(id).first<TriggerRow>();
  }

  page(owner: string, page: PageQuery): Promise<TriggerRow[]> {
    return pageRows<TriggerRow>(this.db, 'triggers', 'owner = ?', [owner], page);
  }

  async disable(id: string, at: number): Promise<void> {
    await this.db.prepare('UPDATE triggers SET disabled_at = COALESCE(disabled_at, ?) WHERE id = ?').bind(at, id).run();
  }

  async recordCall(triggerId: string, callId: string, at: number): Promise<boolean> {
    const { meta } = await this.db
      .prepare(
        'INSERT INTO trigger_calls (trigger_id, call_id, received_at) VALUES (?, ?, ?) ON CONFLICT (trigger_id, call_id) DO NOTHING',
      )
      .bind(triggerId, callId, at)
      .run();
    return meta.changes === 1;
  }

  async linkCall(triggerId: string, callId: string, jobId: string): Promise<void> {
    await this.db
      .prepare('UPDATE trigger_calls SET job_id = ? WHERE trigger_id = ? AND call_id = ?')
      .bind(jobId, triggerId, callId)
      .run();
  }

  async forgetCall(triggerId: string, callId: string): Promise<void> {
    await this.db
      .prepare('DELETE FROM trigger_calls WHERE trigger_id = ? AND call_id = ? AND job_id IS NULL')
      .bind(triggerId, callId)
      .run();
  }
}
