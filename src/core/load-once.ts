// Loads shared by concurrent callers: one load per key, whose promise every caller of that key gets. A failed load
// is forgotten, so a model provided after a miss is found by the next request.
export class LoadOnce<T> {
  private readonly pending = new Map<string, Promise<T>>();

  constructor(private readonly load: (key: string) => Promise<T>) {}

  get(key: string): Promise<T> {
    let pending = this.pending.get(key);
    if (!pending) {
      pending = this.load(key);
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
}
