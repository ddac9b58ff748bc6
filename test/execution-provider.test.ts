// `--ep webgpu|cuda` where the provider cannot start: the command fails at once, before any work, with a message that
// names the provider and what it needs. The GPU is hidden from the child (no Vulkan driver, no CUDA device), so the
// test states the same property on a machine with a GPU: nothing here needs one, and nothing here is skipped.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/paths.ts';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-ep-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** No Vulkan driver (Dawn finds no adapter) and no CUDA device, whatever the machine has. */
const NO_GPU = {
  VK_ICD_FILENAMES: path.join(root, 'none.json'),
  VK_DRIVER_FILES: path.join(root, 'none.json'),
  CUDA_VISIBLE_DEVICES: '',
};

function edgeclass(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), ...args],
      { timeout: 60_000, env: { ...process.env, ...NO_GPU } },
      (err, _stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stderr }),
    );
  });
}

describe('--ep where the provider cannot start', () => {
  it.each(['webgpu', 'cuda'])(
    'edgeclass train --ep %s fails before reading the data, naming the provider',
    async (ep) => {
      const out = path.join(root, `train-${ep}`);
      const r = await edgeclass([
        'train',
        '--base',
        root,
        '--train',
        path.join(root, 'missing.tsv'),
        '--out',
        out,
        '--ep',
        ep,
      ]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`execution provider '${ep}' is not available on this machine`);
      expect(r.stderr).not.toContain('missing.tsv'); // the provider is checked first
      expect(fs.existsSync(out)).toBe(false);
    },
  );

  it.each(['webgpu', 'cuda'])(
    'edgeclass worker --ep %s fails at start, before asking the edge for work',
    async (ep) => {
      // Port 9 (discard) on loopback: nothing listens, so contacting the edge would fail differently.
      const r = await edgeclass(['worker', '--edge', 'http://127.0.0.1:9', '--secret', 's', '--ep', ep]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`execution provider '${ep}' is not available on this machine`);
      expect(r.stderr).toMatch(ep === 'webgpu' ? /Vulkan/ : /CUDA/);
    },
  );
});
