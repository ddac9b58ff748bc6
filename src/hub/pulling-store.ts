// A directory store that pulls a model from the Hugging Face Hub the first time it is asked for and absent, as
// transformers.js does. Node only, and opt-in: only ids the allow-list names (EDGECLASS_PULL_ALLOW) are pulled,
// only the files serving reads (servingFileFilter), up to a size cap (EDGECLASS_PULL_MAX_BYTES). HF_HUB_OFFLINE=1
// turns pulling off altogether (the Hugging Face convention). A failed pull is remembered for a minute, for a
// bounded number of ids, so an unreachable Hub costs one attempt, not one per request.
// It lives in src/hub/ (not src/store/) so the folders depend one way: the hub client on the store, never back.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { FsModelStore } from '../store/fs-store.ts';
import { parseFineTunedModelId, type ModelInfo, type ModelStore } from '../store/model-store.ts';
import { servingFileFilter } from './file-filter.ts';
import { pullModel } from './pull-model.ts';
import { ALLOW_NONE, type PullAllowList } from './pull-allow.ts';

const RETRY_FAILED_PULL_AFTER_MS = 60_000;
const MAX_REMEMBERED_FAILURES = 256;
export const DEFAULT_PULL_MAX_BYTES = 2 * 1024 * 1024 * 1024;

export interface PullingOptions {
  endpoint?: string;
  token?: string;
  offline?: boolean;
  /** Which ids may be pulled (parsePullAllowList); default none. */
  allow?: PullAllowList;
  /** Most bytes one pull may download (default 2 GiB). */
  maxBytes?: number;
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
    if (!this.allowed(modelId))
      return 'pulling it from the Hub on first use is not allowed for this id (EDGECLASS_PULL_ALLOW)';
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

  fingerprint(modelId: string, files: readonly string[]): Promise<string> {
    return this.local.fingerprint(modelId, files);
  }

  private allowed(modelId: string): boolean {
    return (this.options.allow ?? ALLOW_NONE)(modelId);
  }

  /** Pulls `modelId` if its folder is absent; true when a pull just brought it. One pull per id at a time. */
  private async pulled(modelId: string): Promise<boolean> {
    const folder = path.join(this.local.dir, modelId);
    // Fine-tuned models (ft:...) are made by this service's jobs, never found on the Hub.
    if (
      this.options.offline ||
      !this.allowed(modelId) ||
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
        fileFilter: servingFileFilter,
        maxBytes: this.options.maxBytes ?? DEFAULT_PULL_MAX_BYTES,
      });
      this.failures.delete(modelId);
      log({ level: 'info', msg: 'pulled model from the Hub', model: modelId, commit: result.commit });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.rememberFailure(modelId, this.withoutLocalPaths(message));
      log({ level: 'warn', msg: 'could not pull model from the Hub', model: modelId, error: message });
    }
  }

  private rememberFailure(modelId: string, message: string): void {
    this.failures.delete(modelId);
    this.failures.set(modelId, { message, at: Date.now() });
    while (this.failures.size > MAX_REMEMBERED_FAILURES) this.failures.delete(this.failures.keys().next().value!);
  }

  /** Failure messages reach clients: the server's own paths (an fs error's) are not theirs to see. */
  private withoutLocalPaths(message: string): string {
    return message.split(this.local.dir).join('<models directory>');
  }
}
