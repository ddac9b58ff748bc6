// Checkpoints go to the edge behind training, one at a time: the files (PUT checkpointFile), then the
// registration (POST checkpoint), so a registered checkpoint is always whole. The trainer's callback only hard-
// links the folder into a staging area (the trainer rotates old checkpoints away meanwhile) and returns; training
// never waits for an upload. When uploads fall behind, a waiting checkpoint is skipped for a newer one, unless it
// is the best so far (a resume on another worker exports the best weights from it).
import fs from 'node:fs';
import path from 'node:path';
import { LeaseLostError, type EdgeClient } from './edge-client.ts';
import type { LeaseKeeper } from './lease.ts';
import { errorMessage, type Logger } from './log.ts';

/** Files under `dir`, as relative paths with `/`, sorted; `skip` prunes directories by name. */
export function listFiles(dir: string, skip: (name: string) => boolean = () => false): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const relative = rel ? `${rel}/${entry.name}` : entry.name;
      if (skip(entry.name)) continue;
      if (entry.isDirectory()) walk(relative);
      else if (entry.isFile()) out.push(relative);
    }
  };
  walk('');
  return out.sort();
}

/** The exported model folder of the trainer's output: everything but checkpoints and unfinished files. */
export function resultFiles(outDir: string): string[] {
  return listFiles(outDir, (name) => /^checkpoint-\d+/.test(name) || name.endsWith('.tmp') || name.endsWith('.part'));
}

interface Staged {
  step: number;
  dir: string;
}

export class CheckpointUploader {
  private pending: Staged[] = [];
  private running: Promise<void> | null = null;
  private readonly best = new Set<number>();
  readonly uploaded: number[] = [];
  readonly skipped: number[] = [];

  constructor(
    private readonly o: {
      client: EdgeClient;
      jobId: string;
      lease: LeaseKeeper;
      stagingDir: string;
      log: Logger;
      /** Metrics to register with the checkpoint of a step (evaluation, training loss) and its epoch. */
      describe: (step: number) => { epoch: number; metrics: Record<string, number> };
      /**
       * Sends the job's queued events. The edge records "Checkpoint saved" when the checkpoint is registered; the
       * events that happened before it (the step's evaluation) must reach the edge first to be listed before it.
       */
      flushEvents: () => Promise<void>;
    },
  ) {
    fs.mkdirSync(o.stagingDir, { recursive: true });
  }

  markBest(step: number): void {
    this.best.add(step);
  }

  /** Called from the trainer's onCheckpoint: links the files, queues the upload, returns at once. */
  add(step: number, dir: string): void {
    if (this.o.lease.stop.aborted) return;
    const staged = path.join(this.o.stagingDir, `checkpoint-${step}`);
    try {
      fs.rmSync(staged, { recursive: true, force: true });
      for (const file of listFiles(dir)) {
        fs.mkdirSync(path.dirname(path.join(staged, file)), { recursive: true });
        fs.linkSync(path.join(dir, file), path.join(staged, file));
      }
    } catch (err) {
      // Rotated away before we got to it: a newer one follows.
      this.o.log.warn('could not stage a checkpoint', { step, error: errorMessage(err) });
      fs.rmSync(staged, { recursive: true, force: true });
      return;
    }
    for (const old of this.pending.filter((p) => !this.best.has(p.step))) {
      this.skipped.push(old.step);
      fs.rmSync(old.dir, { recursive: true, force: true });
    }
    this.pending = this.pending.filter((p) => this.best.has(p.step));
    this.pending.push({ step, dir: staged });
    this.running ??= this.pump().finally(() => {
      this.running = null;
    });
  }

  /** Resolves when every queued checkpoint is uploaded (or given up). */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  private async pump(): Promise<void> {
    for (let next = this.pending.shift(); next; next = this.pending.shift()) {
      // Stopped (cancel, lost lease, shutdown): a checkpoint would be of no use any more.
      if (this.o.lease.stop.aborted) {
        fs.rmSync(next.dir, { recursive: true, force: true });
        continue;
      }
      try {
        await this.upload(next);
        this.uploaded.push(next.step);
      } catch (err) {
        if (err instanceof LeaseLostError) {
          this.o.lease.end('lease_lost', err.message);
          return;
        }
        if (!this.o.lease.stop.aborted)
          this.o.log.warn('checkpoint upload failed; training goes on', { step: next.step, error: errorMessage(err) });
      } finally {
        fs.rmSync(next.dir, { recursive: true, force: true });
      }
    }
  }

  private async upload({ step, dir }: Staged): Promise<void> {
    const { client, jobId, lease } = this.o;
    const files = listFiles(dir);
    const started = Date.now();
    let bytes = 0;
    for (const file of files) {
      const body = fs.readFileSync(path.join(dir, file));
      bytes += body.length;
      await client.putCheckpointFile(jobId, step, file, body, { lease: lease.id, signal: lease.stop });
    }
    const { epoch, metrics } = this.o.describe(step);
    await this.o.flushEvents();
    await client.postCheckpoint(jobId, { lease_id: lease.id, step, epoch, files, metrics }, { signal: lease.stop });
    this.o.log.info('checkpoint uploaded', { step, files: files.length, bytes, ms: Date.now() - started });
  }
}
