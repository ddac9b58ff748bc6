// Job events, batched: pushed as they happen, sent at most once a second (or when many are waiting) in order, one
// request at a time. Events that fail to go out stay queued for the next send (named, so a post whose answer was
// lost and is sent again is recorded once); a 409 ends the lease.
import type { JobEvent } from '../jobs/protocol.ts';
import { LeaseLostError, type EdgeClient } from './edge-client.ts';
import type { LeaseKeeper } from './lease.ts';
import { errorMessage, type Logger } from './log.ts';

const MAX_QUEUED = 2000;

export class EventSink {
  private queue: JobEvent[] = [];
  /** Names events `<lease>.<n>`: a post retried after a lost answer is recorded once by the edge. */
  private counter = 0;
  private sending: Promise<void> | null = null;
  private timer: ReturnType<typeof setTimeout> | null = null;
  sent = 0;

  constructor(
    private readonly client: EdgeClient,
    private readonly jobId: string,
    private readonly lease: LeaseKeeper,
    private readonly log: Logger,
    private readonly intervalMs = 1000,
    private readonly batch = 100,
  ) {}

  push(event: Omit<JobEvent, 'created_at'>): void {
    if (this.lease.lost.aborted) return;
    this.queue.push({ ...event, id: `${this.lease.id}.${this.counter++}`, created_at: Math.floor(Date.now() / 1000) });
    if (this.queue.length > MAX_QUEUED) {
      // The edge has been away for long: drop the oldest metrics, keep messages.
      const i = this.queue.findIndex((e) => e.type === 'metrics');
      this.queue.splice(Math.max(i, 0), 1);
    }
    if (this.queue.length >= this.batch) void this.flush();
    else
      this.timer ??= setTimeout(() => {
        this.timer = null;
        void this.flush();
      }, this.intervalMs);
  }

  message(message: string, data: Record<string, unknown> | null = null, level: JobEvent['level'] = 'info'): void {
    this.push({ type: 'message', level, message, data });
  }

  /** Sends everything queued so far; resolves when it is sent or could not be (it stays queued). */
  async flush(): Promise<void> {
    while (this.sending) await this.sending;
    if (this.queue.length === 0 || this.lease.lost.aborted) return;
    const events = this.queue.slice(0, this.batch);
    let ok = false;
    this.sending = this.client
      .postEvents(
        this.jobId,
        { lease_id: this.lease.id, events },
        { signal: this.lease.lost, deadline: Date.now() + 30_000 },
      )
      .then(
        () => {
          this.queue.splice(0, events.length);
          this.sent += events.length;
          ok = true;
        },
        (err) => {
          if (err instanceof LeaseLostError) this.lease.end('lease_lost', err.message);
          else if (!this.lease.lost.aborted)
            this.log.warn('sending events failed; they stay queued', {
              error: errorMessage(err),
              queued: this.queue.length,
            });
        },
      )
      .finally(() => {
        this.sending = null;
      });
    await this.sending;
    if (ok && this.queue.length > 0) await this.flush();
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
