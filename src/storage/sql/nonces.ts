// Nonces in SQL: expired rows go with each insert, through the expiry index, so the table holds at most one
// signature window's worth of calls. One round trip.
import type { NonceStore, SqlDatabase } from '../types.ts';

export class SqlNonceStore implements NonceStore {
  constructor(private readonly db: SqlDatabase) {}

  async take(nonce: string, expiresAt: number, now: number): Promise<boolean> {
    const [, inserted] = await this.db.batch([
      this.db.prepare('DELETE FROM request_nonces WHERE expires_at < ?').bind(now),
      this.db
        .prepare('INSERT INTO request_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING')
        .bind(nonce, expiresAt),
    ]);
    return (inserted.meta.changes ?? 0) === 1;
  }
}
