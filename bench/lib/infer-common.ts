// Shared by bench/infer.ts, bench/train.ts and bench/lib/infer-variants.ts: the benchmark's cases, the persistent
// runner processes (bench/lib/infer-worker.ts and bench/lib/train-worker.ts for ONNX Runtime, bench/infer_torch.py and
// bench/train_torch.py for PyTorch) and their line protocol, the interleaved measuring loop and the statistics.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mulberry32 } from '../../src/nn/random.ts';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const MODELS_DIR = path.resolve(
  process.env.EDGECLASS_MODELS_DIR ?? path.resolve(REPO_ROOT, '..', 'shared', 'models'),
);
export const WORKER = path.join(REPO_ROOT, 'bench', 'lib', 'infer-worker.ts');
export const TORCH_SCRIPT = path.join(REPO_ROOT, 'bench', 'infer_torch.py');
/** Debian's python with python3-torch; EDGECLASS_BENCH_PYTHON overrides it (e.g. a path that does not exist, to test the fallback). */
export const SYSTEM_PYTHON = process.env.EDGECLASS_BENCH_PYTHON ?? '/usr/bin/python3';

/** The MiniLM-L6 shape (sentence-transformers/all-MiniLM-L6-v2's encoder) with bert-base-uncased's vocabulary. */
export const MODEL_SHAPE = { arch: 'bert', layers: 6, hidden: 384, heads: 12, intermediate: 1536, seed: 0 } as const;

export interface BenchCase {
  name: string;
  batch: number;
  seq: number;
  /** Row-major [batch, seq]; each row [CLS] ... [SEP]. */
  input_ids: number[];
}

export type Request =
  | { cmd: 'run'; case: string; n: number }
  | { cmd: 'dump'; case: string; file: string }
  | { cmd: 'quit' };
/** PyTorch's train runner only: the loss at its (loaded) initial weights with dropout off, before any step. */
export type FirstLossRequest = { cmd: 'first_loss' };

export type Reply =
  | {
      ready: true;
      loadMs: number;
      createMs?: number;
      version: string;
      threads: number;
      options?: Record<string, unknown>;
    }
  | { ok: true; times?: number[]; dims?: number[]; loss?: number }
  | { ok: false; error: string };

/**
 * Deterministic ids: per row [CLS], seq - 2 ids drawn uniformly (mulberry32(seed)) from the vocabulary's ordinary
 * tokens (everything but the bracketed specials: [PAD], [UNK], [CLS], [SEP], [MASK], [unusedN]), [SEP].
 */
export function makeCase(
  tokenizerJson: { model: { vocab: Record<string, number> } },
  batch: number,
  seq: number,
  seed: number,
): BenchCase {
  const vocab = tokenizerJson.model.vocab;
  const ordinary = Object.entries(vocab)
    .filter(([tok]) => !/^\[.*\]$/.test(tok))
    .map(([, id]) => id)
    .sort((a, b) => a - b);
  const cls = vocab['[CLS]'];
  const sep = vocab['[SEP]'];
  if (cls === undefined || sep === undefined)
    throw new Error('the tokenizer has no [CLS]/[SEP] (a BERT WordPiece vocabulary is expected)');
  const rand = mulberry32(seed);
  const ids: number[] = [];
  for (let b = 0; b < batch; b++) {
    ids.push(cls);
    for (let t = 0; t < seq - 2; t++) ids.push(ordinary[Math.floor(rand() * ordinary.length)]!);
    ids.push(sep);
  }
  return { name: `${batch}x${seq}`, batch, seq, input_ids: ids };
}

/** A persistent child speaking one JSON object per line. */
export class Runner {
  readonly label: string;
  readonly runtime: string;
  readonly threads: number;
  private readonly child: ChildProcess;
  private readonly lines: AsyncIterator<string>;
  ready!: Extract<Reply, { ready: true }>;
  /** Every timed batch, per case, with the CPU other processes used meanwhile. */
  readonly batches = new Map<string, Batch[]>();

  constructor(
    label: string,
    runtime: string,
    threads: number,
    command: string,
    args: string[],
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.label = label;
    this.runtime = runtime;
    this.threads = threads;
    this.child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'], env });
    if (this.child.pid !== undefined) RUNNER_PIDS.add(this.child.pid);
    this.lines = readline.createInterface({ input: this.child.stdout! })[Symbol.asyncIterator]();
  }

  static ort(
    label: string,
    runtime: 'node' | 'web',
    threads: number,
    model: string,
    casesFile: string,
    options: Record<string, unknown> = {},
  ): Runner {
    const args = [
      '--import',
      'tsx',
      WORKER,
      '--runtime',
      runtime,
      '--threads',
      String(threads),
      '--model',
      model,
      '--cases',
      casesFile,
    ];
    if (Object.keys(options).length) args.push('--options', JSON.stringify(options));
    return new Runner(label, `onnxruntime-${runtime}`, threads, process.execPath, args);
  }

  static torch(label: string, threads: number, modelDir: string, casesFile: string): Runner {
    return new Runner(label, 'pytorch', threads, SYSTEM_PYTHON, [
      TORCH_SCRIPT,
      '--model',
      modelDir,
      '--cases',
      casesFile,
      '--threads',
      String(threads),
    ]);
  }

  private async next(): Promise<Reply> {
    const { value, done } = await this.lines.next();
    if (done) throw new Error(`${this.label}: the runner exited (exit code ${this.child.exitCode ?? '?'})`);
    return JSON.parse(value) as Reply;
  }

  async start(): Promise<this> {
    const r = await this.next();
    if (!('ready' in r)) throw new Error(`${this.label}: expected a ready line, got ${JSON.stringify(r)}`);
    this.ready = r;
    return this;
  }

  async request(msg: Request | FirstLossRequest): Promise<Extract<Reply, { ok: true }>> {
    this.child.stdin!.write(`${JSON.stringify(msg)}\n`);
    const r = await this.next();
    if (!('ok' in r) || !r.ok) throw new Error(`${this.label}: ${'error' in r ? r.error : JSON.stringify(r)}`);
    return r;
  }

  async run(caseName: string, n: number, record: boolean): Promise<Batch> {
    const before = cpuSnapshot();
    const { times = [] } = await this.request({ cmd: 'run', case: caseName, n });
    const batch: Batch = { times, others: othersCores(before, cpuSnapshot()) };
    if (record) this.batches.set(caseName, [...(this.batches.get(caseName) ?? []), batch]);
    return batch;
  }

  /** The timed runs of a case: all of them, or only those of quiet batches. */
  times(caseName: string, which: 'all' | 'quiet' = 'all'): number[] {
    return (this.batches.get(caseName) ?? []).filter((b) => which === 'all' || isQuiet(b)).flatMap((b) => b.times);
  }

  /** Mean cores other processes used over this runner's timed batches of a case (null where /proc is missing). */
  othersMean(caseName: string): number | null {
    const o = (this.batches.get(caseName) ?? []).map((b) => b.others).filter((x): x is number => x !== null);
    return o.length ? o.reduce((x, y) => x + y, 0) / o.length : null;
  }

  async quit(): Promise<void> {
    try {
      await this.request({ cmd: 'quit' });
    } catch {
      // already gone
    }
    this.child.stdin!.end();
    await new Promise<void>((resolve) =>
      this.child.exitCode !== null ? resolve() : this.child.once('exit', () => resolve()),
    );
    if (this.child.pid !== undefined) RUNNER_PIDS.delete(this.child.pid);
  }
}

export interface Batch {
  times: number[];
  /** Cores' worth of CPU used by processes outside this benchmark during the batch; null where /proc is missing. */
  others: number | null;
}

/** A batch during which other processes used less than this many cores counts as quiet. */
export const QUIET_CORES = 0.3;
export const isQuiet = (b: Batch) => b.others === null || b.others < QUIET_CORES;

export interface Plan {
  caseName: string;
  warmup: number;
  /** Rounds always done. */
  rounds: number;
  perRound: number;
  /** More rounds (up to maxRounds, and until deadlineMs after the case starts) while a runner has < minQuiet quiet runs. */
  maxRounds: number;
  minQuiet: number;
  deadlineMs: number;
}

// CPU accounting from /proc (Linux; elsewhere these return null and nothing is waited for or reported). --------

const TICKS_PER_S = 100; // USER_HZ on Linux

interface CpuSnapshot {
  at: number;
  busy: number;
  own: number;
}

function readBusyTicks(): number | null {
  try {
    const f = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
    return f[0]! + f[1]! + f[2]! + f[5]! + f[6]! + f[7]!;
  } catch {
    return null;
  }
}

function processTicks(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime, stime (all threads)
  } catch {
    return 0;
  }
}

/** This process and every runner started (idle runners count as ours: their threads are this benchmark's). */
const RUNNER_PIDS = new Set<number>();

function cpuSnapshot(): CpuSnapshot | null {
  const busy = readBusyTicks();
  if (busy === null) return null;
  let own = processTicks(process.pid);
  for (const pid of RUNNER_PIDS) own += processTicks(pid);
  return { at: performance.now(), busy, own };
}

/** Cores' worth of CPU used by everything but this process and the runner between two snapshots. */
function othersCores(a: CpuSnapshot | null, b: CpuSnapshot | null): number | null {
  if (!a || !b || b.at - a.at < 1) return null;
  return Math.max(0, (b.busy - a.busy - (b.own - a.own)) / TICKS_PER_S / ((b.at - a.at) / 1000));
}

/** Runs `task` and measures the cores' worth of CPU that processes outside this benchmark used meanwhile (null
 * without /proc): what tells a quiet sample from a busy one. */
export async function othersCoresDuring<T>(task: () => Promise<T>): Promise<{ value: T; others: number | null }> {
  const before = cpuSnapshot();
  const value = await task();
  return { value, others: othersCores(before, cpuSnapshot()) };
}

/**
 * Waits (at most maxMs) until other processes use less than `threshold` cores over a 500 ms window; returns the
 * time waited and whether it got quiet. The machine is shared: this keeps a burst (a test run, a build) out of the
 * timings when it passes soon, and the per-runner `others` figures say how loaded it was when it did not.
 */
export async function waitForQuiet(maxMs: number, threshold = 0.25): Promise<{ waitedMs: number; quiet: boolean }> {
  const start = performance.now();
  for (;;) {
    const a = cpuSnapshot();
    if (!a) return { waitedMs: 0, quiet: true };
    await new Promise((r) => setTimeout(r, 500));
    const others = othersCores(a, cpuSnapshot());
    const waitedMs = performance.now() - start;
    if (others !== null && others < threshold) return { waitedMs, quiet: true };
    if (waitedMs >= maxMs) return { waitedMs, quiet: false };
  }
}

export interface MeasureLog {
  rounds: number;
  waitedMs: number;
  loudRounds: number;
  ms: number;
}

/**
 * Warm-up runs (not recorded) for every runner, then rounds in which every runner in turn does `perRound` timed runs:
 * the runners take turns, so load from other processes lands on all of them alike. Before each round it waits up to
 * `quietMs` for the machine to be quiet; after plan.rounds it goes on (within maxRounds and the deadline) while some
 * runner has fewer than minQuiet runs in quiet batches.
 */
export async function measure(
  runners: Runner[],
  plan: Plan,
  log: (s: string) => void = () => {},
  quietMs = 5_000,
): Promise<MeasureLog> {
  const start = performance.now();
  for (const r of runners) await r.run(plan.caseName, plan.warmup, false);
  const out: MeasureLog = { rounds: 0, waitedMs: 0, loudRounds: 0, ms: 0 };
  for (let round = 0; round < plan.maxRounds; round++) {
    if (round >= plan.rounds) {
      const enough = runners.every((r) => r.times(plan.caseName, 'quiet').length >= plan.minQuiet);
      if (enough || performance.now() - start > plan.deadlineMs) break;
    }
    const q = quietMs > 0 ? await waitForQuiet(quietMs) : { waitedMs: 0, quiet: true };
    out.waitedMs += q.waitedMs;
    if (!q.quiet) out.loudRounds++;
    // Rotate the order each round so no runner always follows the same one.
    for (let i = 0; i < runners.length; i++)
      await runners[(i + round) % runners.length]!.run(plan.caseName, plan.perRound, true);
    out.rounds++;
    const quietRuns = Math.min(...runners.map((r) => r.times(plan.caseName, 'quiet').length));
    log(
      `  ${plan.caseName} round ${round + 1}${q.quiet ? '' : ' (started busy)'}: fewest quiet runs of a runner ${quietRuns}`,
    );
  }
  out.ms = performance.now() - start;
  return out;
}

/**
 * Starts a runner and, where given, `check`s it (e.g. one run of the small case); a runner that cannot start or run
 * is stopped and noted in `notes` (`what: not measured (why)`), and null comes back: not fatal.
 */
export async function tryStartRunner(
  make: () => Runner,
  what: string,
  notes: string[],
  check?: (r: Runner) => Promise<unknown>,
): Promise<Runner | null> {
  const r = make();
  try {
    await r.start();
    if (check) await check(r);
    return r;
  } catch (err) {
    notes.push(`${what}: not measured (${err instanceof Error ? err.message : String(err)})`);
    await r.quit();
    return null;
  }
}

export interface Stats {
  median: number;
  min: number;
  p90: number;
  mean: number;
  n: number;
}

export function stats(xs: number[]): Stats {
  if (!xs.length) return { median: NaN, min: NaN, p90: NaN, mean: NaN, n: 0 };
  const s = [...xs].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))]!;
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, p90: q(0.9), mean: s.reduce((a, b) => a + b, 0) / s.length, n: s.length };
}

/** A runner's figures for a case: its quiet runs where it has plan.minQuiet of them, else all its runs. */
export function figures(r: Runner, plan: Plan): { s: Stats; basis: 'quiet' | 'all' } {
  const quiet = r.times(plan.caseName, 'quiet');
  return quiet.length >= plan.minQuiet
    ? { s: stats(quiet), basis: 'quiet' }
    : { s: stats(r.times(plan.caseName)), basis: 'all' };
}

/** Medians of two runners on one footing: quiet runs if both have enough, else all runs of both. */
export function pairMedians(a: Runner, b: Runner, plan: Plan): [number, number, 'quiet' | 'all'] {
  const fa = figures(a, plan);
  const fb = figures(b, plan);
  if (fa.basis === 'quiet' && fb.basis === 'quiet') return [fa.s.median, fb.s.median, 'quiet'];
  return [stats(a.times(plan.caseName)).median, stats(b.times(plan.caseName)).median, 'all'];
}

export function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`outputs differ in size: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

export function readFloat32(file: string): Float32Array {
  const buf = fs.readFileSync(file);
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** torch's version when /usr/bin/python3 can import it (and numpy), else null with the reason. */
export function probeTorch(): { ok: true; version: string } | { ok: false; reason: string } {
  if (!fs.existsSync(SYSTEM_PYTHON)) return { ok: false, reason: `${SYSTEM_PYTHON} does not exist` };
  const r = spawnSync(SYSTEM_PYTHON, ['-c', 'import numpy, torch; print(torch.__version__)'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0)
    return {
      ok: false,
      reason: `${SYSTEM_PYTHON} cannot import torch and numpy (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`,
    };
  return { ok: true, version: r.stdout.trim() };
}

export function fmt(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2);
}
