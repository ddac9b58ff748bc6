// The GPU worker: claims a job (pull: POST claim every poll interval, or at once when the edge pushes a signed
// wake-up), runs it to the end (job-runner.ts), and claims the next. One job at a time: a worker is one GPU.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import type { ClaimResponse } from '../jobs/protocol.ts';
import type { ExecutionProvider } from '../train/session.ts';
import { EdgeClient, EdgeHttpError, sleep } from './edge-client.ts';
import type { JobOutcome, RunnerOptions } from './job-run.ts';
import { runJob } from './job-runner.ts';
import { createLogger, errorMessage, type Logger } from './log.ts';
import { startWakeServer, type WakeServer } from './wake-server.ts';

export interface WorkerOptions {
  edge: string;
  secret: string;
  executionProvider?: ExecutionProvider;
  /** Default: <tmp>/edgeclass-worker; each worker process works in <workDir>/<worker id>/. */
  workDir?: string;
  pollIntervalMs?: number;
  /** Listen for pushed wake-ups on this port (0: any free port); undefined: pull only. */
  port?: number;
  host?: string;
  workerId?: string;
  log?: Logger;
  metricsEvery?: number;
  checkpointEvery?: number | null;
  heartbeatIntervalMs?: number;
  threads?: number;
  keepWorkDir?: boolean;
  /** Stop after this many jobs (tests); default: run until stopped. */
  maxJobs?: number;
  fetch?: typeof fetch;
  onJobStart?: (claim: ClaimResponse) => void;
  onJobEnd?: (claim: ClaimResponse, outcome: JobOutcome) => void;
  onPhase?: RunnerOptions['onPhase'];
}

export function defaultWorkerId(): string {
  return `${os.hostname().replace(/[^A-Za-z0-9.-]/g, '-')}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the folders of worker processes that are gone (killed workers leave theirs behind). */
function sweepWorkDir(root: string, log: Logger): void {
  if (!fs.existsSync(root)) return;
  for (const name of fs.readdirSync(root)) {
    const owner = path.join(root, name, 'owner.json');
    try {
      const { pid, host } = JSON.parse(fs.readFileSync(owner, 'utf8')) as { pid: number; host: string };
      if (host === os.hostname() && !pidAlive(pid)) {
        fs.rmSync(path.join(root, name), { recursive: true, force: true });
        log.debug('removed the folder of a dead worker', { dir: name });
      }
    } catch {
      /* not a worker folder, or in use */
    }
  }
}

export class GpuWorker {
  readonly id: string;
  readonly client: EdgeClient;
  readonly log: Logger;
  readonly dir: string;
  private readonly stopController = new AbortController();
  private wakeController = new AbortController();
  private wakeServer: WakeServer | null = null;
  private current: ClaimResponse | null = null;
  private loop: Promise<void> | null = null;
  jobsDone = 0;

  constructor(private readonly o: WorkerOptions) {
    this.id = o.workerId ?? defaultWorkerId();
    this.log = (o.log ?? createLogger()).child({ worker_id: this.id });
    this.client = new EdgeClient({ edge: o.edge, secret: o.secret, workerId: this.id, log: this.log, fetch: o.fetch });
    const root = path.resolve(o.workDir ?? path.join(os.tmpdir(), 'edgeclass-worker'));
    sweepWorkDir(root, this.log);
    this.dir = path.join(root, this.id);
    fs.mkdirSync(this.dir, { recursive: true });
    fs.writeFileSync(path.join(this.dir, 'owner.json'), JSON.stringify({ pid: process.pid, host: os.hostname() }));
  }

  get wakeUrl(): string | null {
    return this.wakeServer?.url ?? null;
  }

  get busyWith(): string | null {
    return this.current?.job.id ?? null;
  }

  async start(): Promise<void> {
    if (this.o.port !== undefined) {
      this.wakeServer = await startWakeServer({
        port: this.o.port,
        host: this.o.host ?? '127.0.0.1',
        secret: this.o.secret,
        log: this.log,
        onWake: (request) => {
          this.log.info('woken up', { job_id: request.job_id ?? null, busy: this.busyWith });
          this.wake();
        },
        status: () => ({ worker_id: this.id, busy: this.current !== null, job_id: this.busyWith }),
      });
    }
    this.log.info('worker started', {
      edge: this.o.edge,
      ep: this.o.executionProvider ?? 'cpu',
      wake_url: this.wakeUrl,
      dir: this.dir,
      poll_interval_ms: this.pollInterval,
    });
    this.loop = this.run();
  }

  /** Resolves when the loop ends (stop(), or maxJobs done). */
  done(): Promise<void> {
    return this.loop ?? Promise.resolve();
  }

  wake(): void {
    this.wakeController.abort();
  }

  /** Stops claiming; a running job is stopped and given back to the edge. */
  async stop(): Promise<void> {
    this.stopController.abort();
    this.wake();
    await this.loop;
    await this.wakeServer?.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private get pollInterval(): number {
    return this.o.pollIntervalMs ?? 2000;
  }

  private async idle(ms: number): Promise<void> {
    await sleep(ms, AbortSignal.any([this.stopController.signal, this.wakeController.signal]));
    if (this.wakeController.signal.aborted) this.wakeController = new AbortController();
  }

  private async run(): Promise<void> {
    const stop = this.stopController.signal;
    let failures = 0;
    // Kept until a claim is answered: if the edge took a job for us but the answer was lost, asking again under the
    // same name gets that lease back instead of leaving the job leased to nobody.
    let claimId = randomUUID();
    while (!stop.aborted && (this.o.maxJobs === undefined || this.jobsDone < this.o.maxJobs)) {
      let claim: ClaimResponse | null;
      try {
        claim = await this.client.claim(
          { worker_id: this.id, execution_provider: this.o.executionProvider ?? 'cpu', claim_id: claimId },
          { signal: stop, deadline: Date.now() + 10_000 },
        );
        failures = 0;
        claimId = randomUUID();
      } catch (err) {
        if (stop.aborted) break;
        failures++;
        const wait = Math.min(30_000, this.pollInterval * 2 ** Math.min(failures, 4));
        const level = err instanceof EdgeHttpError && (err.status === 401 || err.status === 403) ? 'error' : 'warn';
        this.log[level]('claim failed', { error: errorMessage(err), retry_in_ms: wait });
        await this.idle(wait);
        continue;
      }
      if (!claim) {
        await this.idle(this.pollInterval);
        continue;
      }
      this.current = claim;
      this.o.onJobStart?.(claim);
      let outcome: JobOutcome;
      try {
        outcome = await runJob(claim, {
          client: this.client,
          workDir: this.dir,
          executionProvider: this.o.executionProvider ?? 'cpu',
          log: this.log,
          metricsEvery: this.o.metricsEvery,
          checkpointEvery: this.o.checkpointEvery,
          heartbeatIntervalMs: this.o.heartbeatIntervalMs,
          threads: this.o.threads,
          keepWorkDir: this.o.keepWorkDir,
          shutdown: stop,
          onPhase: this.o.onPhase,
        });
      } catch (err) {
        outcome = { status: 'failed', error: { code: 'worker_error', message: errorMessage(err) } };
        this.log.error('the job runner failed', { job_id: claim.job.id, error: errorMessage(err) });
      }
      this.current = null;
      this.jobsDone++;
      this.log.info('job ended', { job_id: claim.job.id, attempt: claim.attempt, outcome: outcome.status });
      this.o.onJobEnd?.(claim, outcome);
    }
  }
}
