// Node's fine-tuning storage owns its data folder (src/storage/node/): a second opener is refused while the first
// lives, a lock left by a process that died is taken over, and what was written is there after a reopen.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../src/storage/node/data-lock.ts';
import { nodeStorage } from '../src/storage/node/index.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-data-dir-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('the data folder on Node', () => {
  it('refuses a second opener while the first is open, and opens again once it is closed', async () => {
    const dir = path.join(root, 'a');
    const first = nodeStorage(dir, [path.join(root, 'models')]);
    expect(() => nodeStorage(dir, [path.join(root, 'models')])).toThrow(/in use by process \d+/);
    await first.db.prepare('INSERT INTO request_nonces (nonce, expires_at) VALUES (?, ?)').bind('kept', 1).run();
    first.close();
    const again = nodeStorage(dir, [path.join(root, 'models')]);
    expect(await again.db.prepare('SELECT nonce FROM request_nonces').all()).toEqual({
      results: [{ nonce: 'kept' }],
      meta: { changes: 0 },
    });
    again.close();
  });

  it('takes over a lock whose process is gone (a crash)', () => {
    const dir = path.join(root, 'b');
    fs.mkdirSync(dir, { recursive: true });
    // The pid of a process that has exited: nobody holds the folder.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(path.join(dir, LOCK_FILE), `${gone.stdout}\n`);
    const storage = nodeStorage(dir, [path.join(root, 'models')]);
    expect(fs.readFileSync(path.join(dir, LOCK_FILE), 'utf8').trim()).toBe(String(process.pid));
    storage.close();
    expect(fs.existsSync(path.join(dir, LOCK_FILE))).toBe(false);
  });
});
