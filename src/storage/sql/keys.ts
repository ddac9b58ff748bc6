// The API keys aggregate in SQL (D1 or SQLite: the same statements).
import type { ApiKeyRow, KeyStore, SqlDatabase } from '../types.ts';

export class SqlKeyStore implements KeyStore {
  constructor(private readonly db: SqlDatabase) {}

  async insert(row: ApiKeyRow): Promise<void> {
    await this.db
      .prepare('INSERT INTO api_keys (id, owner, name, key_hash, key_prefix, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .bind(row.id, row.owner, row.name, row.key_hash, row.key_prefix, row.created_at)
      .run();
  }

  findActiveByHash(keyHash: string): Promise<Pick<ApiKeyRow, 'id' | 'owner'> | null> {
    return this.db
      .prepare('SELECT id, owner FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL')
      .bind(keyHash)
      .first<{ id: string; owner: string }>();
  }

  async list(owner: string | null): Promise<ApiKeyRow[]> {
    const stmt = owner
      ? this.db.prepare('SELECT * FROM api_keys WHERE owner = ? ORDER BY created_at DESC, id DESC').bind(owner)
      : this.db.prepare('SELECT * FROM api_keys ORDER BY created_at DESC, id DESC');
    const { results } = await stmt.all<ApiKeyRow>();
    return results;
  }

  revoke(id: string, at: number): Promise<ApiKeyRow | null> {
    return this.db
      .prepare('UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? RETURNING *')
      .bind(at, id)
      .first<ApiKeyRow>();
  }
}
