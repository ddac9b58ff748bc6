// The files aggregate in SQL: one row per dataset or result file (the bytes are blobs).
import type { FileReaders, FileRow, FileStore, PageQuery, SqlDatabase } from '../types.ts';
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

  async readers(id: string, owner: string): Promise<FileReaders> {
    const [jobs, triggers] = await this.db.batch([
      this.db
        .prepare(`SELECT id, status FROM jobs WHERE owner = ? AND (training_file = ? OR validation_file = ?)
      AND status IN ('validating_files', 'queued', 'running', 'paused') ORDER BY seq LIMIT 5`)
        .bind(owner, id, id),
      this.db
        .prepare(`SELECT id FROM triggers WHERE owner = ? AND disabled_at IS NULL
      AND (json_extract(dataset, '$.file_id') = ? OR json_extract(validation_dataset, '$.file_id') = ?)
      ORDER BY seq LIMIT 5`)
        .bind(owner, id, id),
    ]);
    return {
      jobs: jobs.results as FileReaders['jobs'],
      triggers: (triggers.results as { id: string }[]).map((t) => t.id),
    };
  }

  async delete(id: string, owner: string): Promise<void> {
    await this.db.prepare('DELETE FROM files WHERE id = ? AND owner = ?').bind(id, owner).run();
  }
}
