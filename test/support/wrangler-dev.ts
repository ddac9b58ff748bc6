// Starting `wrangler dev` (workerd, local bindings, offline) for tests and benchmarks: a free loopback port, the
// local R2 bucket seeded from a models directory with `edgeclass models sync --local --persist-to`, and a stop
// that ends wrangler's whole process group.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths.ts';

export const WRANGLER_ENV = { ...process.env, HF_HUB_OFFLINE: '1', WRANGLER_SEND_METRICS: 'false', WRANGLER_SEND_ERROR_REPORTS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false' };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface WranglerDev {
  url: string;
  /** wrangler's output so far, for failure messages. */
  log(): string;
  stop(): void;
}

export async function startWranglerDev(modelsDir: string, options: { timeoutMs?: number; vars?: Record<string, string> } = {}): Promise<WranglerDev> {
  const persist = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-wrangler-'));
  const sync = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/edgeclass.mjs'), 'models', 'sync', '--local', '--models', modelsDir, '--persist-to', persist],
    { env: WRANGLER_ENV, cwd: REPO_ROOT, encoding: 'utf8' });
  if (sync.status !== 0) throw new Error(`edgeclass models sync --local failed: ${sync.stderr}`);
  const [port, inspectorPort] = [await freePort(), await freePort()];
  const vars = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const child = spawn(process.execPath, [path.join(REPO_ROOT, 'node_modules/wrangler/bin/wrangler.js'), 'dev', '--ip', '127.0.0.1', '--port', String(port),
    '--inspector-port', String(inspectorPort), '--persist-to', persist, '--log-level', 'warn', ...vars],
  { env: WRANGLER_ENV, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const stop = () => {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch { /* already gone */ }
    fs.rmSync(persist, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      stop();
      throw new Error(`wrangler dev exited with ${child.exitCode}: ${output.slice(-2000)}`);
    }
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { url, log: () => output, stop };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  stop();
  throw new Error(`wrangler dev did not answer /healthz in time: ${output.slice(-2000)}`);
}
