// Holding a job's lease: a heartbeat every third of the lease (with the step reached), renewing it. The lease
// ends for one of three reasons, each aborting `stop` so that training stops at once:
// - cancelled: a heartbeat said cancel_requested (the job then completes as cancelled, under the same lease);
// - lease_lost: a 409, or no heartbeat got through before the lease expired (the edge may have handed the job to
//   another worker: from then on this worker sends nothing more for the job). A watchdog timer, not the heartbeat
//   call, decides "in time": a heartbeat can hang far longer than the lease (wrangler dev accepts connections while
//   it restarts and answers them only once it is up), and training must not go on past the expiry meanwhile;
// - shutdown: the worker process is stopping.
import type { HeartbeatResponse } from '../jobs/protocol.ts';
import { EdgeHttpError, EdgeUnreachableError, LeaseLostError, sleep, type EdgeClient } from './edge-client.ts';
import { errorMessage, type Logger } from './log.ts';

/** expires_at is unix seconds by the protocol; a value in milliseconds (an edge that sends its D1 column) is read as such. */
export function leaseTimeMs(expiresAt: number): number {
  return expiresAt > 1e11 ? expiresAt : expiresAt * 1000;
}

export type StopReason = 'cancelled' | 'lease_lost' | 'shutdown';

export class LeaseKeeper {
  private readonly stopController = new AbortController();
  private readonly lostController = new AbortController();
  private readonly endController = new AbortController();
  private expiresAtMs: number;
  private reason: StopReason | null = null;
  private loop: Promise<void> | null = null;
  private watchdog: ReturnType<typeof setTimeout> | null = null;
  progress: { step: number; totalSteps: number } | null = null;
  heartbeats = 0;

  constructor(
    private readonly client: EdgeClient,
    private readonly jobId: string,
    readonly id: string,
    expiresAt: number,
    private readonly log: Logger,
    private readonly intervalMs?: number,
  ) {
    this.expiresAtMs = leaseTimeMs(expiresAt);
    // Give up renewing this long before the expiry, so that the step in flight ends before another worker may
    // claim the job: a quarter of the lease (7.5 s of 30 s), within [0.2 s, 10 s].
    this.marginMs = Math.min(10_000, Math.max(200, (this.expiresAtMs - Date.now()) / 4));
  }

  private readonly marginMs: number;

  /** Aborts when training must stop, for any reason. */
  get stop(): AbortSignal {
    return this.stopController.signal;
  }

  /** Aborts when the lease is gone: nothing more may be sent for this job. */
  get lost(): AbortSignal {
    return this.lostController.signal;
  }

  get stopReason(): StopReason | null {
    return this.reason;
  }

  end(reason: StopReason, detail?: string): void {
    if (this.reason === null || (reason === 'lease_lost' && this.reason !== 'lease_lost')) {
      if (this.reason === null) this.log.warn('stopping the job', { reason, detail });
      this.reason = reason;
    }
    if (reason === 'lease_lost') {
      this.disarm();
      this.lostController.abort(new LeaseLostError(`heartbeat of ${this.jobId}`, detail));
    }
    this.stopController.abort(reason);
  }

  start(): void {
    if (this.loop) return;
    this.arm();
    this.loop = this.run();
  }

  /** Stops heartbeating (the job is complete or abandoned). */
  async close(): Promise<void> {
    this.disarm();
    this.endController.abort();
    await this.loop;
  }

  /** The last moment a renewal may arrive: the margin before the expiry, for the step in flight to end. */
  private get renewBy(): number {
    return this.expiresAtMs - this.marginMs;
  }

  /** Ends the lease at renewBy unless a renewal re-arms it first, whatever the heartbeat call is doing then. */
  private arm(): void {
    this.disarm();
    if (this.endController.signal.aborted || this.lost.aborted) return;
    this.watchdog = setTimeout(
      () => {
        this.watchdog = null;
        if (!this.endController.signal.aborted)
          this.end('lease_lost', 'no heartbeat got through before the lease expired');
      },
      Math.max(0, this.renewBy - Date.now()),
    );
  }

  private disarm(): void {
    if (this.watchdog) clearTimeout(this.watchdog);
    this.watchdog = null;
  }

  private interval(): number {
    if (this.intervalMs) return this.intervalMs;
    return Math.min(60_000, Math.max(250, (this.expiresAtMs - Date.now()) / 3));
  }

  private async run(): Promise<void> {
    const ended = this.endController.signal;
    while (!ended.aborted && !this.lost.aborted) {
      await sleep(this.interval(), AbortSignal.any([ended, this.lost]));
      if (ended.aborted || this.lost.aborted) return;
      let answer: HeartbeatResponse;
      try {
        // No attempt may outlast renewBy (an answer after it comes too late): the watchdog aborts it via `lost`.
        answer = await this.client.heartbeat(
          this.jobId,
          {
            lease_id: this.id,
            ...(this.progress ? { step: this.progress.step, total_steps: this.progress.totalSteps } : {}),
          },
          {
            deadline: this.renewBy,
            timeoutMs: Math.max(1, Math.ceil(this.renewBy - Date.now())),
            signal: AbortSignal.any([ended, this.lost]),
          },
        );
      } catch (err) {
        if (ended.aborted || this.lost.aborted) return;
        if (err instanceof LeaseLostError) this.end('lease_lost', err.message);
        else if (err instanceof EdgeUnreachableError)
          this.end('lease_lost', `no heartbeat got through before the lease expired: ${err.message}`);
        else if (err instanceof EdgeHttpError && [401, 403, 404, 410].includes(err.status))
          this.end('lease_lost', err.message);
        else {
          // An answer we cannot read: try again at the next beat, while the lease lasts.
          this.log.warn('heartbeat failed', { error: errorMessage(err) });
          if (Date.now() >= this.renewBy) this.end('lease_lost', 'the lease is about to expire');
        }
        continue;
      }
      if (ended.aborted || this.lost.aborted) return;
      this.heartbeats++;
      this.expiresAtMs = leaseTimeMs(answer.expires_at);
      this.arm();
      if (answer.cancel_requested && this.reason === null) this.end('cancelled', 'the job was cancelled');
    }
  }
}
