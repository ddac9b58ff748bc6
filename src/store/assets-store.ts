// A ModelStore over a Worker's static assets (the ASSETS binding), files at `<prefix>/<model id>/<file>`. With
// `run_worker_first = true` the files stay private: a direct GET reaches the Worker, which never serves them, and
// only the binding reads them. Static assets cannot be listed (and hold files up to 25 MiB): R2 lists, and holds
// the big ones. Web APIs only.
import { assertSafeModelPath, fingerprintOf, type ModelInfo, type ModelStore } from './model-store.ts';

/** What the store needs of the ASSETS binding. */
export interface AssetFetcher {
  fetch(input: string): Promise<Response>;
}

export class AssetsModelStore implements ModelStore {
  readonly howToProvide =
    "put the model folder in the Worker's static assets directory (wrangler.toml [assets]) and deploy";

  constructor(
    private readonly assets: AssetFetcher,
    private readonly prefix = '',
  ) {}

  async readBytes(modelId: string, file: string): Promise<Uint8Array | null> {
    const res = await this.get(modelId, file);
    return res === null ? null : new Uint8Array(await res.arrayBuffer());
  }

  async readText(modelId: string, file: string): Promise<string | null> {
    const res = await this.get(modelId, file);
    return res === null ? null : res.text();
  }

  async list(): Promise<ModelInfo[]> {
    return [];
  }

  private async get(modelId: string, file: string): Promise<Response | null> {
    assertSafeModelPath(modelId, file);
    const path = [...modelId.split('/'), ...file.split('/')].map(encodeURIComponent).join('/');
    const res = await this.assets.fetch(`https://assets.invalid${this.prefix}/${path}`);
    if (res.status === 404) return null;
    if (!res.ok) throw new Error(`static assets answered ${res.status} for ${modelId}/${file}`);
    return res;
  }
}

/** Several stores in order: a file comes from the first that has it; the listing is their union by id. */
export class LayeredModelStore implements ModelStore {
  constructor(private readonly stores: ModelStore[]) {}

  get howToProvide(): string {
    return this.stores.map((s) => s.howToProvide).join('; or ');
  }

  async readBytes(modelId: string, file: string): Promise<Uint8Array | null> {
    for (const store of this.stores) {
      const bytes = await store.readBytes(modelId, file);
      if (bytes !== null) return bytes;
    }
    return null;
  }

  async readText(modelId: string, file: string): Promise<string | null> {
    for (const store of this.stores) {
      const text = await store.readText(modelId, file);
      if (text !== null) return text;
    }
    return null;
  }

  async fingerprint(modelId: string, files: readonly string[]): Promise<string> {
    const parts = await Promise.all(this.stores.map((store) => fingerprintOf(store, modelId, files)));
    return parts.join('|');
  }

  async list(): Promise<ModelInfo[]> {
    const byId = new Map<string, ModelInfo>();
    for (const store of this.stores) for (const m of await store.list()) if (!byId.has(m.id)) byId.set(m.id, m);
    return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
