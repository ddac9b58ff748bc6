// Loads shared by concurrent callers: one load per key, whose promise every caller of that key gets.
//
// A failed load is not cached as a promise, so a model provided after a miss is found by a later request. But a
// refused load (a missing or unsupported model) can cost full work (an 11 MB tokenizer.json read and parsed), so
// failures the caller names as remembered are kept, with a fingerprint of the files the load read (sizes and
// times, etags): while the fingerprint is the same the same error is thrown again at once; a changed file, or
// `retryAfterMs`, retries. The memory is bounded: the least recently refused keys go first.

export interface LoadOnceOptions {
  /** Which failures to remember (e.g. the caller's mistakes); default none. Others are retried by the next call. */
  remember?: (err: unknown) => boolean;
  /** A fingerprint of what a load of `key` reads; a remembered failure is retried as soon as it changes. */
  fingerprint?: (key: string) => Promise<string>;
  /** Most failures remembered (default 1024). */
  maxFailures?: number;
  /** A remembered failure is retried after this long even with the same fingerprint (default 60 s). */
  retryAfterMs?: number;
  now?: () => number;
}

interface Failure {
  error: unknown;
  fingerprint: string;
  at: number;
}

const DEFAULT_MAX_FAILURES = 1024;
const DEFAULT_RETRY_AFTER_MS = 60_000;

export class LoadOnce<T> {
  private readonly pending = new Map<string, Promise<T>>();
  private readonly failures = new Map<string, Failure>();

  constructor(
    private readonly load: (key: string) => Promise<T>,
    private readonly options: LoadOnceOptions = {},
  ) {}

  get(key: string): Promise<T> {
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.failures.has(key) ? this.refuseOrLoad(key) : this.loadRemembering(key);
      this.pending.set(key, pending);
      pending.catch(() => this.pending.delete(key));
    }
    return pending;
  }

  /** Whether `key` is loaded or loading. */
  has(key: string): boolean {
    return this.pending.has(key);
  }

  /** The keys loaded or loading. */
  keys(): string[] {
    return [...this.pending.keys()];
  }

  /** How many failures are remembered. */
  get rememberedFailures(): number {
    return this.failures.size;
  }

  /** The remembered error while the fingerprint is unchanged and the failure recent; else a new load. */
  private async refuseOrLoad(key: string): Promise<T> {
    const failure = this.failures.get(key)!;
    const fresh = this.now() - failure.at < (this.options.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS);
    if (fresh && (await this.fingerprintOf(key)) === failure.fingerprint) {
      this.failures.delete(key);
      this.failures.set(key, failure);
      throw failure.error;
    }
    this.failures.delete(key);
    return this.loadRemembering(key);
  }

  private async loadRemembering(key: string): Promise<T> {
    const remember = this.options.remember;
    // Taken before the load, so a file changed while it loads is retried, never masked.
    const fingerprint = remember ? await this.fingerprintOf(key) : '';
    try {
      const value = await this.load(key);
      this.failures.delete(key);
      return value;
    } catch (error) {
      if (remember?.(error)) this.rememberFailure(key, { error, fingerprint, at: this.now() });
      throw error;
    }
  }

  private rememberFailure(key: string, failure: Failure): void {
    this.failures.delete(key);
    this.failures.set(key, failure);
    const max = this.options.maxFailures ?? DEFAULT_MAX_FAILURES;
    while (this.failures.size > max) this.failures.delete(this.failures.keys().next().value!);
  }

  private fingerprintOf(key: string): Promise<string> {
    return this.options.fingerprint ? this.options.fingerprint(key).catch(() => '?') : Promise.resolve('');
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}
