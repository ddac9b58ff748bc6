// The webhook endpoints aggregate in SQL. Inserts and disabling are pending writes: an endpoint is made in the same
// batch as the job or trigger that names it, and disabled in the same batch as the delivery that was refused.
import type { EndpointRow, EndpointStore, PendingWrite, SqlDatabase } from '../types.ts';

export class SqlEndpointStore implements EndpointStore {
  constructor(private readonly db: SqlDatabase) {}

  insert(row: EndpointRow): PendingWrite {
    return this.db
      .prepare('INSERT INTO webhook_endpoints (id, owner, url, secrets, created_at) VALUES (?, ?, ?, ?, ?)')
      .bind(row.id, row.owner, row.url, row.secrets, row.created_at);
  }

  find(id: string, owner: string | null): Promise<EndpointRow | null> {
    return owner === null
      ? this.db.prepare('SELECT * FROM webhook_endpoints WHERE id = ?').bind(id).first<EndpointRow>()
      : this.db
          .prepare('SELECT * FROM webhook_endpoints WHERE id = ? AND owner = ?')
          .bind(id, owner)
          .first<EndpointRow>();
  }

  async setSecrets(id: string, secrets: string): Promise<void> {
    await this.db.prepare('UPDATE webhook_endpoints SET secrets = ? WHERE id = ?').bind(secrets, id).run();
  }

  disable(id: string, at: number, reason: string): PendingWrite {
    return this.db
      .prepare('UPDATE webhook_endpoints SET disabled_at = ?, disabled_reason = ? WHERE id = ? AND disabled_at IS NULL')
      .bind(at, reason, id);
  }
}
