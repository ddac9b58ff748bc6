// Label embeddings of the embedding strategy, kept per model, pooling and hypothesis text: a label set asked for
// again (the usual case: a fixed taxonomy) costs no inference. Least recently used entries go first.

const DEFAULT_CAPACITY = 8192;

export class LabelEmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

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
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
