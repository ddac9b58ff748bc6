// Starting the service as processes on loopback, for tests, benchmarks and the end-to-end suite: a free port, the
// offline environment, waiting for /healthz, `edgeclass serve` (Node), and `wrangler dev` (workerd, local bindings)
// with its local R2 bucket seeded from a models directory by `edgeclass models sync --local --persist-to`.
// wrangler runs in its own process group; it is stopped by that group's id, never by name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { REPO_ROOT } from './paths.ts';

/** No Hub, no wrangler telemetry, no Cloudflare fetches. */
export const SERVER_ENV = {
  ...process.env,
  HF_HUB_OFFLINE: '1',
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_SEND_ERROR_REPORTS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};
export const CLI = path.join(REPO_ROOT, 'bin/edgeclass.mjs');
export const WRANGLER = path.join(REPO_ROOT, 'node_modules/wrangler/bin/wrangler.js');

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

/** Signals a detached child's whole process group; nothing if it is gone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    /* gone */
  }
}

/**
 * Polls `url`/healthz until it answers 2xx. Throws when `child` exits first or `timeoutMs` passes; `log` (the
 * child's output so far) ends the message. Stopping the child on failure is the caller's.
 */
export async function waitHealthy(
  url: string,
  child: ChildProcess,
  o: { name: string; timeoutMs: number; log?: () => string },
): Promise<void> {
  const tail = () => (o.log ? `: ${o.log().slice(-3000)}` : '');
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited with ${child.exitCode}${tail()}`);
    try {
      if ((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${o.name} did not answer /healthz in ${o.timeoutMs / 1000} s${tail()}`);
}

export interface NodeServe {
  url: string;
  stop(): void;
}

/**
 * `edgeclass serve --models modelsDir` as its own process, on a free port unless one is given; its fine-tuning
 * state in `dataDir` (default: a new temporary folder, not the working directory's .edgeclass).
 */
export async function startNodeServe(
  modelsDir: string,
  o: { port?: number; timeoutMs?: number; dataDir?: string; env?: Record<string, string> } = {},
): Promise<NodeServe> {
  const port = o.port ?? (await freePort());
  const dataDir = o.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-serve-data-'));
  const args = [CLI, 'serve', '--port', String(port), '--models', modelsDir, '--data-dir', dataDir];
  const child = spawn(process.execPath, args, { env: { ...SERVER_ENV, ...o.env }, stdio: 'ignore' });
  const stop = () => {
    child.kill('SIGTERM');
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, { name: 'edgeclass serve', timeoutMs: o.timeoutMs ?? 90_000 });
  } catch (err) {
    stop();
    throw err;
  }
  return { url, stop };
}

/** `wrangler dev` on `port` over the state in `persist`, detached (its own process group), its output collected. */
export async function spawnWranglerDev(o: {
  port: number;
  persist: string;
  vars?: Record<string, string>;
}): Promise<{ child: ChildProcess; log(): string }> {
  const inspectorPort = await freePort();
  const vars = Object.entries(o.vars ?? {}).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      'dev',
      '--ip',
      '127.0.0.1',
      '--port',
      String(o.port),
      '--inspector-port',
      String(inspectorPort),
      '--persist-to',
      o.persist,
      '--log-level',
      'warn',
      ...vars,
    ],
    { env: SERVER_ENV, cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  return { child, log: () => output };
}

export interface WranglerDev {
  url: string;
  /** wrangler's output so far, for failure messages. */
  log(): string;
  stop(): void;
}

/** `wrangler dev` on a free port over a fresh persist folder holding `modelsDir`'s models; stop() removes the folder. */
export async function startWranglerDev(
  modelsDir: string,
  options: { timeoutMs?: number; vars?: Record<string, string> } = {},
): Promise<WranglerDev> {
  const persist = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeclass-wrangler-'));
  const sync = spawnSync(
    process.execPath,
    [CLI, 'models', 'sync', '--local', '--models', modelsDir, '--persist-to', persist],
    { env: SERVER_ENV, cwd: REPO_ROOT, encoding: 'utf8' },
  );
  if (sync.status !== 0) throw new Error(`edgeclass models sync --local failed: ${sync.stderr}`);
  const port = await freePort();
  const { child, log } = await spawnWranglerDev({ port, persist, vars: options.vars });
  const stop = () => {
    killGroup(child, 'SIGTERM');
    fs.rmSync(persist, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitHealthy(url, child, { name: 'wrangler dev', timeoutMs: options.timeoutMs ?? 90_000, log });
  } catch (err) {
    stop();
    throw err;
  }
  return { url, log, stop };
}
