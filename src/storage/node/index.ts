// The fine-tuning storage on Node, under one data folder: `<data dir>/edgeclass.sqlite` (the migrations/ schema,
// applied on open), `<data dir>/files/` (datasets, checkpoints, result files), the models home for model folders
// (base models to train from; fine-tuned ones are written to its first directory, where `serve` finds them), and
// an in-process queue over the tables. One process at a time (data-lock.ts).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { JobsStorage } from '../types.ts';
import { sqlStores } from '../sql/index.ts';
import { lockDataDir } from './data-lock.ts';
import { FsBlobStore } from './fs-blobs.ts';
import { LocalQueue } from './local-queue.ts';
import { SqliteDatabase } from './sqlite.ts';

export interface NodeStorage<Message> extends JobsStorage<Message> {
  db: SqliteDatabase;
  queue: LocalQueue<Message>;
  close(): void;
}

export const DATABASE_FILE = 'edgeclass.sqlite';

/** Opens (creating what is missing) the storage in `dataDir`; model folders in `modelDirs`, the first written. */
export function nodeStorage<Message>(dataDir: string, modelDirs: string[]): NodeStorage<Message> {
  mkdirSync(dataDir, { recursive: true });
  const unlock = lockDataDir(dataDir);
  let db: SqliteDatabase;
  try {
    db = new SqliteDatabase(path.join(dataDir, DATABASE_FILE));
    db.migrate();
  } catch (err) {
    unlock();
    throw err;
  }
  const queue = new LocalQueue<Message>();
  return {
    db,
    ...sqlStores(db),
    files: new FsBlobStore([path.join(dataDir, 'files')]),
    models: new FsBlobStore(modelDirs),
    queue,
    close: () => {
      queue.close();
      db.close();
      unlock();
    },
  };
}
