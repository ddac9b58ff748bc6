// The files aggregate in SQL: one row per dataset or result file (the bytes are blobs).
import type { FileRow, FileStore, PageQuery, SqlDatabase } from '../types.ts';
import { pageRows } from './pages.ts';

export class SqlFileStore implements FileStore {
  constructor(private readonly db: SqlDatabase) {}

  async insert(row: FileRow): Promise<void> {
    await this.db
      .prepare(`INSERT INTO files (id, owner, purpose, filename, bytes, sha256, r2_key, format, examples, labels, multi_label, status, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .bind(
        row.id,
        row.owner,
        row.purpose,
        row.filename,
        row.bytes,
        row.sha256,
        row.r2_key,
        row.format,
        row.examples,
        row.labels,
        row.multi_label,
        row.status,
        row.created_at,
      )
      .run();
  }

  find(id: string, owner: string | null): Promise<FileRow | null> {
    return owner === null
      ? this.db.prepare('SELECT * FROM files WHERE id = ?').bind(id).first<FileRow>()
      : this.db.prepare('SELECT * FROM files WHERE id = ? AND owner = ?').bind(id, owner).first<FileRow>();
  }

  page(owner: string, purpose: FileRow['purpose'] | null, page: PageQuery): Promise<FileRow[]> {
    const scope = purpose ? 'owner = ? AND purpose = ?' : 'owner = ?';
    const args = purpose ? [owner, purpose] : [owner];
    return pageRows<FileRow>(this.db, 'files', scope, args, page);
  }
}
