// A ModelStore over an R2 bucket whose keys are `<model id>/<relative file path>`, the layout that
// `edgeclass models sync` uploads. Runs in workerd: web APIs only, no Node imports.
import { assertSafeModelPath, type ModelInfo, type ModelStore } from './model-store.ts';

/** Keys whose presence makes a prefix a model (rather than an organisation holding models). */
const MODEL_MARKER_FILES = ['config.json', 'tokenizer.json'];

export class R2ModelStore implements ModelStore {
  readonly howToProvide =
    'upload the model folder to the R2 bucket with `edgeclass models sync <id>` ' +
    '(`edgeclass models sync --local <id>` for the local bucket that `wrangler dev` reads)';

  constructor(private readonly bucket: R2Bucket) {}

  async readBytes(modelId: string, file: string): Promise<Uint8Array | null> {
    assertSafeModelPath(modelId, file);
    const object = await this.bucket.get(`${modelId}/${file}`);
    return object === null ? null : new Uint8Array(await object.arrayBuffer());
  }

  async readText(modelId: string, file: string): Promise<string | null> {
    assertSafeModelPath(modelId, file);
    const object = await this.bucket.get(`${modelId}/${file}`);
    return object === null ? null : object.text();
  }

  /** One listing of the model's folder (a subrequest, where a head per file would be several), its etags. */
  async fingerprint(modelId: string, files: readonly string[]): Promise<string> {
    assertSafeModelPath(modelId);
    const prefix = `${modelId}/`;
    const etags = new Map<string, string>();
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ prefix, cursor });
      for (const object of page.objects) etags.set(object.key.slice(prefix.length), `${object.size}:${object.etag}`);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
    return files.map((file) => etags.get(file) ?? '-').join(',');
  }

  async list(): Promise<ModelInfo[]> {
    const { prefixes: topLevel } = await this.listAll({ delimiter: '/' });
    const models: ModelInfo[] = [];
    for (const prefix of topLevel) {
      const { keys, uploaded } = await this.listAll({ prefix });
      const found = groupIntoModels(
        prefix.slice(0, -1),
        keys.map((key) => key.slice(prefix.length)),
      );
      // The folder's first upload stands for its creation.
      for (const m of found) m.created = Math.min(...m.files.map((f) => uploaded.get(`${m.id}/${f}`) ?? Infinity));
      models.push(...found.map((m) => (Number.isFinite(m.created) ? m : { id: m.id, files: m.files })));
    }
    return models.sort((a, b) => compareStrings(a.id, b.id));
  }

  /** One listing followed through every page: R2 returns at most 1000 entries per call. */
  private async listAll(options: {
    prefix?: string;
    delimiter?: string;
  }): Promise<{ keys: string[]; prefixes: string[]; uploaded: Map<string, number> }> {
    const keys: string[] = [];
    const prefixes: string[] = [];
    const uploaded = new Map<string, number>();
    let cursor: string | undefined;
    do {
      const page = await this.bucket.list({ ...options, cursor });
      keys.push(...page.objects.map((object) => object.key));
      for (const object of page.objects) uploaded.set(object.key, Math.floor(object.uploaded.getTime() / 1000));
      prefixes.push(...page.delimitedPrefixes);
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor !== undefined);
    return { keys, prefixes, uploaded };
  }
}

/**
 * The models under one top-level prefix, given the keys below it (`first/` already removed). Either `first` is a
 * model itself, or it is an organisation and each `first/second` holding a marker file is a model.
 */
function groupIntoModels(first: string, relativeKeys: string[]): ModelInfo[] {
  const files = relativeKeys.filter(isListable);
  if (files.some((file) => MODEL_MARKER_FILES.includes(file)))
    return [{ id: first, files: files.sort(compareStrings) }];
  const bySecond = new Map<string, string[]>();
  for (const file of files) {
    const slash = file.indexOf('/');
    if (slash <= 0) continue;
    const second = file.slice(0, slash);
    const list = bySecond.get(second) ?? [];
    list.push(file.slice(slash + 1));
    bySecond.set(second, list);
  }
  const models: ModelInfo[] = [];
  for (const [second, modelFiles] of bySecond) {
    if (modelFiles.some((file) => MODEL_MARKER_FILES.includes(file))) {
      models.push({ id: `${first}/${second}`, files: modelFiles.sort(compareStrings) });
    }
  }
  return models;
}

/** The same rule as the directory store: hidden files and partial uploads are not model files. */
function isListable(file: string): boolean {
  return !file.split('/').some((segment) => segment.startsWith('.')) && !file.endsWith('.incomplete');
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
