// A ModelStore over directories of Hugging Face-layout folders: `<dir>/bert-base-uncased/tokenizer.json`,
// `<dir>/org/name/config.json`. Several directories, colon-separated (`models:../shared/models`), are one models
// home: a model is served from the first that holds it, and pulls write to the first. Node only (node:fs); the
// Worker reads the same folders from R2 (r2-store.ts).
import { statSync } from 'node:fs';
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertSafeModelPath, type ModelInfo, type ModelStore } from './model-store.ts';

/** Files whose presence makes a folder a model (rather than an organisation holding models). */
const MODEL_MARKER_FILES = ['config.json', 'tokenizer.json'];

/**
 * `--models DIRS`, else EDGECLASS_MODELS_DIR, else ./models: one directory or several (separated by ':', ';' on
 * Windows), each resolved against the working directory, joined the same way.
 */
export function resolveModelsDir(flag?: string, env: Record<string, string | undefined> = process.env): string {
  return splitDirs(flag || env.EDGECLASS_MODELS_DIR || 'models').join(path.delimiter);
}

function splitDirs(dirs: string): string[] {
  const list = dirs
    .split(path.delimiter)
    .filter(Boolean)
    .map((d) => path.resolve(d));
  return list.length ? list : [path.resolve('models')];
}

export class FsModelStore implements ModelStore {
  /** The first directory: where pulled models go, and the one named when a model is in none. */
  readonly dir: string;
  readonly dirs: string[];
  readonly howToProvide: string;

  constructor(dirs: string) {
    this.dirs = splitDirs(dirs);
    this.dir = this.dirs[0];
    // Said to clients in errors: the server's own paths are not named (the CLI names the directories itself).
    this.howToProvide =
      'run `edgeclass models pull <id>` on the server, or put the model folder in one of its models directories, ' +
      'or add a directory that holds it to EDGECLASS_MODELS_DIR (colon-separated, e.g. models:../shared/models)';
  }

  async readBytes(modelId: string, file: string): Promise<Uint8Array | null> {
    const filePath = this.pathOf(modelId, file);
    try {
      const bytes = await readFile(filePath);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (err) {
      if (isAbsence(err)) return null;
      throw err;
    }
  }

  async readText(modelId: string, file: string): Promise<string | null> {
    const bytes = await this.readBytes(modelId, file);
    return bytes === null ? null : new TextDecoder('utf-8').decode(bytes);
  }

  async fingerprint(modelId: string, files: readonly string[]): Promise<string> {
    const parts = await Promise.all(
      files.map(async (file) => {
        const info = await stat(this.pathOf(modelId, file)).catch(() => null);
        return info ? `${info.size}:${info.mtimeMs}:${info.ino}` : '-';
      }),
    );
    return parts.join(',');
  }

  async list(): Promise<ModelInfo[]> {
    const models = new Map<string, ModelInfo>();
    for (const dir of this.dirs)
      for (const model of await listModels(dir)) if (!models.has(model.id)) models.set(model.id, model);
    return [...models.values()].sort((a, b) => compareStrings(a.id, b.id));
  }

  /** The directory that holds a model: the first with its folder, else the first of all. */
  private dirOf(modelId: string): string {
    if (this.dirs.length === 1) return this.dir;
    for (const dir of this.dirs) {
      const folder = path.join(dir, ...modelId.split('/'));
      if (statSync(folder, { throwIfNoEntry: false })?.isDirectory()) return dir;
    }
    return this.dir;
  }

  /** The absolute path of a model file; throws InvalidModelPathError for ids or paths that could escape `dir`. */
  pathOf(modelId: string, file: string): string {
    assertSafeModelPath(modelId, file);
    const dir = this.dirOf(modelId);
    const resolved = path.resolve(dir, ...modelId.split('/'), ...file.split('/'));
    // The checks above already forbid '..'; this is the belt to those braces. Symlinks are deliberately allowed:
    // linking a shared model folder into the models directory is how our machines provide them.
    const root = dir.endsWith(path.sep) ? dir : dir + path.sep;
    if (!resolved.startsWith(root)) throw new Error(`refusing path outside ${dir}: ${file}`);
    return resolved;
  }
}

/** The model folders of one directory: `<id>/` and `<org>/<name>/`. */
async function listModels(dir: string): Promise<ModelInfo[]> {
  const models: ModelInfo[] = [];
  for (const first of await listDirs(dir)) {
    const firstDir = path.join(dir, first);
    if (await isModelFolder(firstDir)) {
      models.push({ id: first, files: await listFilesRecursively(firstDir), created: await createdAt(firstDir) });
      continue;
    }
    // Not a model itself: an organisation folder (`org/name`); ids have at most two segments.
    for (const second of await listDirs(firstDir)) {
      const secondDir = path.join(firstDir, second);
      if (await isModelFolder(secondDir))
        models.push({
          id: `${first}/${second}`,
          files: await listFilesRecursively(secondDir),
          created: await createdAt(secondDir),
        });
    }
  }
  return models;
}

/** A folder's birth time where the file system keeps one, else its last change, in Unix seconds. */
async function createdAt(dir: string): Promise<number | undefined> {
  const info = await stat(dir).catch(() => null);
  if (!info) return undefined;
  return Math.floor((info.birthtimeMs > 0 ? info.birthtimeMs : info.mtimeMs) / 1000);
}

function isAbsence(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}

/** Hidden entries (`.edgeclass-revision.json`, `.git`, `.cache`) and partial downloads are not model files. */
function isListable(name: string): boolean {
  return !name.startsWith('.') && !name.endsWith('.incomplete');
}

async function isModelFolder(dir: string): Promise<boolean> {
  for (const marker of MODEL_MARKER_FILES) {
    const info = await stat(path.join(dir, marker)).catch(() => null);
    if (info?.isFile()) return true;
  }
  return false;
}

/** Sub-directories of `dir` (following symlinks), sorted; none when `dir` is absent. */
async function listDirs(dir: string): Promise<string[]> {
  const names = await readdir(dir).catch((err) => {
    if (isAbsence(err)) return [] as string[];
    throw err;
  });
  const dirs: string[] = [];
  for (const name of names) {
    if (!isListable(name)) continue;
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info?.isDirectory()) dirs.push(name);
  }
  return dirs.sort(compareStrings);
}

/** Every file below `dir` as a '/'-separated relative path, sorted. */
async function listFilesRecursively(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const name of (await readdir(dir)).sort(compareStrings)) {
    if (!isListable(name)) continue;
    const info = await stat(path.join(dir, name)).catch(() => null);
    if (info?.isDirectory()) files.push(...(await listFilesRecursively(path.join(dir, name), `${prefix}${name}/`)));
    else if (info?.isFile()) files.push(prefix + name);
  }
  return files.sort(compareStrings);
}

/** Locale-independent order, so listings are the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
