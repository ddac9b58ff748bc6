// The SqlDatabase port over SQLite in WebAssembly (node-sqlite3-wasm: no native build, a file on disk), so the
// fine-tuning core's statements -- written for D1, which is SQLite -- run unchanged on Node. The calls are
// synchronous inside; a batch runs between BEGIN and COMMIT without yielding, so it is atomic as D1's is.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlite3 from 'node-sqlite3-wasm';

// A CommonJS module: its class comes through the default export.
const { Database } = sqlite3;
import type { SqlDatabase, SqlResult, SqlStatement } from '../types.ts';

type SqliteValue = number | bigint | string | Uint8Array | null;

/** migrations/ of this package: the same files wrangler applies to D1. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../../migrations/', import.meta.url));

/** What D1 accepts as a bound value, as SQLite stores it; D1 refuses undefined, and so does this. */
function toSqlite(value: unknown, index: number): SqliteValue {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint')
    return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  throw new TypeError(`SQL value ${index + 1}: type '${typeof value}' is not supported (D1 refuses it too)`);
}

class SqliteStatement implements SqlStatement {
  constructor(
    private readonly db: SqliteDatabase,
    readonly sql: string,
    readonly values: SqliteValue[] = [],
  ) {}

  bind(...values: unknown[]): SqlStatement {
    return new SqliteStatement(this.db, this.sql, values.map(toSqlite));
  }

  async first<Row>(): Promise<Row | null> {
    return (this.db.execute<Row>(this).results[0] as Row | undefined) ?? null;
  }

  async all<Row>(): Promise<SqlResult<Row>> {
    return this.db.execute<Row>(this);
  }

  async run<Row>(): Promise<SqlResult<Row>> {
    return this.db.execute<Row>(this);
  }
}

export class SqliteDatabase implements SqlDatabase {
  private readonly raw: InstanceType<typeof Database>;

  /** Opens (or creates) the database file; `:memory:` for one that lives as long as this object. */
  constructor(file: string) {
    this.raw = new Database(file);
    // D1 enforces foreign keys; so does this.
    this.raw.exec('PRAGMA foreign_keys = ON');
  }

  prepare(sql: string): SqlStatement {
    return new SqliteStatement(this, sql);
  }

  async batch<Row>(statements: SqlStatement[]): Promise<SqlResult<Row>[]> {
    this.raw.exec('BEGIN');
    try {
      const results = statements.map((s) => this.execute<Row>(s));
      this.raw.exec('COMMIT');
      return results;
    } catch (err) {
      this.raw.exec('ROLLBACK');
      throw err;
    }
  }

  /** One statement, its rows and the rows it changed. */
  execute<Row>(statement: SqlStatement): SqlResult<Row> {
    if (!(statement instanceof SqliteStatement)) throw new TypeError('a statement of another database');
    const results = this.raw.all(statement.sql, statement.values) as Row[];
    const changes = Number((this.raw.get('SELECT changes() AS n') as { n: number }).n);
    return { results, meta: { changes } };
  }

  /** Applies the migrations not applied yet, in name order, each in its own transaction (as wrangler does). */
  migrate(dir = MIGRATIONS_DIR): string[] {
    this.raw.exec(
      'CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)',
    );
    const done = new Set(this.raw.all('SELECT name FROM d1_migrations').map((r) => r.name as string));
    const todo = readdirSync(dir)
      .filter((f) => f.endsWith('.sql') && !done.has(f))
      .sort();
    for (const name of todo) {
      this.raw.exec('BEGIN');
      try {
        this.raw.exec(readFileSync(path.join(dir, name), 'utf8'));
        this.raw.run('INSERT INTO d1_migrations (name) VALUES (?)', [name]);
        this.raw.exec('COMMIT');
      } catch (err) {
        this.raw.exec('ROLLBACK');
        throw new Error(`migration ${name} failed: ${String(err)}`);
      }
    }
    return todo;
  }

  close(): void {
    if (this.raw.isOpen) this.raw.close();
  }
}
