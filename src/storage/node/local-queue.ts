// The dispatch queue on Node: messages handled in this process, after their delay, retried a few times when the
// handler throws. Nothing is kept across a restart, and nothing needs to be: the tables are the queue. A job whose
// dispatch was lost is claimed from the jobs table after the grace period (the worker's claim), and the sweep
// re-sends webhook deliveries that are overdue -- as on Cloudflare when a Queue message is lost.
import type { DispatchQueue } from '../types.ts';

const RETRY_DELAY_MS = 5_000;
const MAX_ATTEMPTS = 3;

export class LocalQueue<Message> implements DispatchQueue<Message> {
  private handler: ((message: Message) => Promise<void>) | null = null;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  /** Who handles the messages (the jobs core's consumer); until set, messages wait for the sweep. */
  consume(handler: (message: Message) => Promise<void>): void {
    this.handler = handler;
  }

  async send(message: Message, options?: { delaySeconds?: number }): Promise<void> {
    this.schedule(message, (options?.delaySeconds ?? 0) * 1000, 1);
  }

  async sendBatch(messages: Iterable<{ body: Message }>): Promise<void> {
    for (const { body } of messages) this.schedule(body, 0, 1);
  }

  /** Drops what is pending (the process is stopping; the tables keep the truth). */
  close(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.handler = null;
  }

  private schedule(message: Message, delayMs: number, attempt: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.deliver(message, attempt);
    }, delayMs);
    // A pending message does not keep the process alive.
    timer.unref?.();
    this.timers.add(timer);
  }

  private async deliver(message: Message, attempt: number): Promise<void> {
    if (!this.handler) return;
    try {
      await this.handler(message);
    } catch (err) {
      console.error(
        JSON.stringify({ level: 'error', msg: 'queue message failed', body: message, attempt, error: String(err) }),
      );
      if (attempt < MAX_ATTEMPTS) this.schedule(message, RETRY_DELAY_MS, attempt + 1);
    }
  }
}
