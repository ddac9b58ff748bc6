// Label embeddings of the embedding strategy, kept per model, pooling and hypothesis text: a label set asked for
// again (the usual case: a fixed taxonomy) costs no inference. Least recently used entries go first, once the
// cache holds more entries or more bytes than it may: keys are callers' texts, so counting entries alone would
// let long labels fill the memory.

const DEFAULT_CAPACITY = 8192;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
/** A Map entry's own cost beside its key and vector, roughly (V8: the entry, the string and typed-array headers). */
const ENTRY_OVERHEAD_BYTES = 128;

export class LabelEmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();
  private heldBytes = 0;

  constructor(
    private readonly capacity = DEFAULT_CAPACITY,
    private readonly maxBytes = DEFAULT_MAX_BYTES,
  ) {}

  /** What an entry costs: its key as UTF-16, its vector, and the overhead. */
  static cost(key: string, value: Float32Array): number {
    return key.length * 2 + value.byteLength + ENTRY_OVERHEAD_BYTES;
  }

  static key(modelId: string, pooling: string, text: string): string {
    return `${modelId}\u0000${pooling}\u0000${text}`;
  }

  get(key: string): Float32Array | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: Float32Array): void {
    this.delete(key);
    const cost = LabelEmbeddingCache.cost(key, value);
    if (cost > this.maxBytes) return;
    this.entries.set(key, value);
    this.heldBytes += cost;
    while (this.entries.size > this.capacity || this.heldBytes > this.maxBytes) {
      this.delete(this.entries.keys().next().value!);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  /** Bytes held, as counted by `cost`. */
  get bytes(): number {
    return this.heldBytes;
  }

  private delete(key: string): void {
    const value = this.entries.get(key);
    if (value === undefined) return;
    this.entries.delete(key);
    this.heldBytes -= LabelEmbeddingCache.cost(key, value);
  }
}
