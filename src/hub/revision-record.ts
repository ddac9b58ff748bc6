// `<models dir>/<id>/.edgeclass-revision.json`: which commit a pulled folder holds and what each file's etag was,
// so a later pull of the same revision skips files that have not changed and a user can tell what they run.
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const REVISION_RECORD_FILE = '.edgeclass-revision.json';

export interface RevisionRecord {
  modelId: string;
  /** What was asked for: a branch, tag or commit. */
  revision: string;
  /** X-Repo-Commit: the commit the files were resolved at. */
  commit: string | null;
  endpoint: string;
  pulledAt: string;
  files: Record<string, { etag: string | null; size: number }>;
}

export async function readRevisionRecord(modelDir: string): Promise<RevisionRecord | null> {
  try {
    return JSON.parse(await readFile(path.join(modelDir, REVISION_RECORD_FILE), 'utf8')) as RevisionRecord;
  } catch {
    return null; // absent or unreadable: every file is downloaded again
  }
}

export async function writeRevisionRecord(modelDir: string, record: RevisionRecord): Promise<void> {
  const target = path.join(modelDir, REVISION_RECORD_FILE);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, target);
}
