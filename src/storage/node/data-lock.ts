// One process per data folder: SQLite in WASM takes no file locks that another process would honour, so two servers
// over one folder could interleave writes and corrupt the database. The folder is claimed with a lock file holding
// the owner's pid, made atomically (O_EXCL); a lock whose process is gone (a crash, kill -9) is taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const LOCK_FILE = 'edgeclass.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return (err as { code?: string }).code === 'EPERM';
  }
}

function holder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Claims `dataDir` for this process; throws when a live process holds it. Returns the release. */
export function lockDataDir(dataDir: string): () => void {
  const file = path.join(dataDir, LOCK_FILE);
  for (let tries = 0; tries < 2; tries++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const pid = holder(file);
      if (pid !== null && alive(pid))
        throw new Error(
          `the data folder ${dataDir} is in use by process ${pid} (one edgeclass serve per --data-dir); stop it or choose another folder`,
        );
      rmSync(file, { force: true }); // its process is gone
    }
  }
  throw new Error(`could not lock the data folder ${dataDir} (${file} keeps coming back)`);
}
