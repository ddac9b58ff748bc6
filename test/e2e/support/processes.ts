// The real system on loopback for the end-to-end tests: wrangler dev (workerd with local D1, R2 and Queue, state
// in a persist folder that outlives restarts), `edgeclass worker` processes (Node), and the commands that prepare
// the edge's state (D1 migrations, the R2 model bucket). Processes are started in their own process group and
// stopped by pid, never by name.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { REPO_ROOT } from '../../support/paths.ts';
import { CLI, killGroup, SERVER_ENV, spawnWranglerDev, waitHealthy, WRANGLER } from '../../support/servers.ts';

function run(args: string[], what: string): void {
  const r = spawnSync(process.execPath, args, { env: SERVER_ENV, cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`${what} failed (${r.status}): ${r.stdout}\n${r.stderr}`);
}

/** D1 migrations and the R2 model bucket, in `persist` (what `wrangler dev --persist-to persist` reads). */
export function prepareEdgeState(persist: string, modelsDir: string): void {
  run(
    [WRANGLER, 'd1', 'migrations', 'apply', 'DB', '--local', '--persist-to', persist],
    'wrangler d1 migrations apply',
  );
  run(
    [CLI, 'models', 'sync', '--local', '--models', modelsDir, '--persist-to', persist],
    'edgeclass models sync --local',
  );
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => child.once('exit', () => r()));
}

export interface EdgeDev {
  url: string;
  port: number;
  log(): string;
  /** Stops wrangler dev (its whole process group); the persist folder stays. */
  stop(): Promise<void>;
}

/**
 * wrangler dev on a given port over a persist folder that outlives it (prepareEdgeState's), so that a restart on
 * the same port finds the same D1, R2 and Queue state; stop() waits until wrangler is gone and the port is free.
 */
export async function startEdge(o: {
  persist: string;
  port: number;
  vars: Record<string, string>;
  timeoutMs?: number;
}): Promise<EdgeDev> {
  const { child, log } = await spawnWranglerDev({ port: o.port, persist: o.persist, vars: o.vars });
  const edge: EdgeDev = {
    url: `http://127.0.0.1:${o.port}`,
    port: o.port,
    log,
    stop: async () => {
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
      await exited(child);
      clearTimeout(timer);
      // workerd may outlive wrangler for a moment: wait until the port is free again.
      for (let i = 0; i < 100; i++) {
        try {
          await fetch(`${edge.url}/healthz`, { signal: AbortSignal.timeout(500) });
        } catch {
          return;
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
  try {
    await waitHealthy(edge.url, child, { name: 'wrangler dev', timeoutMs: o.timeoutMs ?? 120_000, log });
  } catch (err) {
    await edge.stop();
    throw err;
  }
  return edge;
}

export interface WorkerLine {
  /** When the test read the line. */
  at: number;
  ts: string;
  level: string;
  msg: string;
  worker_id: string;
  job_id?: string;
  attempt?: number;
  [key: string]: unknown;
}

export interface WorkerProcess {
  name: string;
  pid: number;
  lines: WorkerLine[];
  stderr(): string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(signal: NodeJS.Signals): void;
}

/** `edgeclass worker` as its own process, its JSON log lines collected as they come. */
export function startWorker(o: {
  name: string;
  edge: string;
  secret: string;
  workDir: string;
  args?: string[];
}): WorkerProcess {
  fs.mkdirSync(o.workDir, { recursive: true });
  const child = spawn(
    process.execPath,
    [CLI, 'worker', '--edge', o.edge, '--work-dir', o.workDir, '--worker-id', o.name, ...(o.args ?? [])],
    {
      env: { ...SERVER_ENV, EDGECLASS_WORKER_SECRET: o.secret },
      cwd: REPO_ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
      detached: true,
    },
  );
  const lines: WorkerLine[] = [];
  let raw = '';
  let pending = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    raw += chunk;
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop()!;
    for (const part of parts) {
      try {
        lines.push({ at: Date.now(), ...JSON.parse(part) });
      } catch {
        /* not a log line (a crash trace): kept in stderr() */
      }
    }
  });
  return {
    name: o.name,
    pid: child.pid!,
    lines,
    stderr: () => raw,
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    kill: (signal) => killGroup(child, signal),
  };
}
