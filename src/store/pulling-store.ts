// A directory store that pulls a model from the Hugging Face Hub the first time it is asked for and absent, as
// transformers.js does. Node only. HF_HUB_OFFLINE=1 turns pulling off (the Hugging Face convention); a failed
// pull is remembered for a minute so an unreachable Hub costs one attempt, not one per request.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pullModel } from '../hub/index.ts';
import type { FsModelStore } from './fs-store.ts';
import { parseFineTunedModelId, type ModelInfo, type ModelStore } from './model-store.ts';

const RETRY_FAILED_PULL_AFTER_MS = 60_000;

export interface PullingOptions {
  endpoint?: string;
  token?: string;
  offline?: boolean;
  /** Logs a line per pull; default: a JSON line on stderr. */
  log?: (line: Record<string, unknown>) => void;
}

export class PullingModelStore implements ModelStore {
  private readonly pulls = new Map<string, Promise<void>>();
  private readonly failures = new Map<string, { message: string; at: number }>();

  constructor(
    private readonly local: FsModelStore,
    private readonly options: PullingOptions = {},
  ) {}

  get howToProvide(): string {
    return this.local.howToProvide;
  }

  explainMissing(modelId: string): string | null {
    if (this.options.offline) return 'pulling from the Hub is off: HF_HUB_OFFLINE is set';
    const failure = this.failures.get(modelId);
    return failure ? `pulling it from the Hub failed: ${failure.message}` : null;
  }

  async readBytes(modelId: string, file: string): Promise<Uint8Array | null> {
    const bytes = await this.local.readBytes(modelId, file);
    if (bytes !== null || !(await this.pulled(modelId))) return bytes;
    return this.local.readBytes(modelId, file);
  }

  async readText(modelId: string, file: string): Promise<string | null> {
    const text = await this.local.readText(modelId, file);
    if (text !== null || !(await this.pulled(modelId))) return text;
    return this.local.readText(modelId, file);
  }

  list(): Promise<ModelInfo[]> {
    return this.local.list();
  }

  /** Pulls `modelId` if its folder is absent; true when a pull just brought it. One pull per id at a time. */
  private async pulled(modelId: string): Promise<boolean> {
    const folder = path.join(this.local.dir, modelId);
    // Fine-tuned models (ft:...) are made by this service's jobs, never found on the Hub.
    if (
      this.options.offline ||
      parseFineTunedModelId(modelId) ||
      existsSync(path.join(folder, 'tokenizer.json')) ||
      existsSync(path.join(folder, 'config.json'))
    )
      return false;
    const failure = this.failures.get(modelId);
    if (failure && Date.now() - failure.at < RETRY_FAILED_PULL_AFTER_MS) return false;
    let pending = this.pulls.get(modelId);
    if (!pending) {
      pending = this.pull(modelId).finally(() => this.pulls.delete(modelId));
      this.pulls.set(modelId, pending);
    }
    await pending;
    return !this.failures.has(modelId);
  }

  private async pull(modelId: string): Promise<void> {
    const log = this.options.log ?? ((line) => console.error(JSON.stringify(line)));
    try {
      const result = await pullModel({
        modelId,
        modelsDir: this.local.dir,
        endpoint: this.options.endpoint,
        token: this.options.token,
      });
      this.failures.delete(modelId);
      log({ level: 'info', msg: 'pulled model from the Hub', model: modelId, commit: result.commit });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.failures.set(modelId, { message, at: Date.now() });
      log({ level: 'warn', msg: 'could not pull model from the Hub', model: modelId, error: message });
    }
  }
}
