// A ModelStore over a directory of Hugging Face-layout folders: `<dir>/bert-base-uncased/tokenizer.json`,
// `<dir>/org/name/config.json`. Node only (node:fs); the Worker reads the same folders from R2 (r2-store.ts).
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { assertSafeModelPath, type ModelInfo, type ModelStore } from './model-store.ts';

/** Files whose presence makes a folder a model (rather than an organisation holding models). */
const MODEL_MARKER_FILES = ['config.json', 'tokenizer.json'];

/** `--models DIR`, else EDGECLASS_MODELS_DIR, else ./models, resolved against the working directory. */
export function resolveModelsDir(flag?: string, env: Record<string, string | undefined> = process.env): string {
  return path.resolve(flag || env.EDGECLASS_MODELS_DIR || 'models');
}

export class FsModelStore implements ModelStore {
  readonly dir: string;
  readonly howToProvide: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
    // Said to clients in errors: the server's own paths are not named (the CLI names the directory itself).
    this.howToProvide =
      'run `edgeclass models pull <id>` on the server, or put the model folder in its models directory, ' +
      'or set EDGECLASS_MODELS_DIR to a directory that holds it (e.g. ../shared/models on our machines)';
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
    const models: ModelInfo[] = [];
    for (const first of await listDirs(this.dir)) {
      const firstDir = path.join(this.dir, first);
      if (await isModelFolder(firstDir)) {
        models.push({ id: first, files: await listFilesRecursively(firstDir) });
        continue;
      }
      // Not a model itself: an organisation folder (`org/name`); ids have at most two segments.
      for (const second of await listDirs(firstDir)) {
        const secondDir = path.join(firstDir, second);
        if (await isModelFolder(secondDir)) {
          models.push({ id: `${first}/${second}`, files: await listFilesRecursively(secondDir) });
        }
      }
    }
    return models.sort((a, b) => compareStrings(a.id, b.id));
  }

  /** The absolute path of a model file; throws InvalidModelPathError for ids or paths that could escape `dir`. */
  pathOf(modelId: string, file: string): string {
    assertSafeModelPath(modelId, file);
    const resolved = path.resolve(this.dir, ...modelId.split('/'), ...file.split('/'));
    // The checks above already forbid '..'; this is the belt to those braces. Symlinks are deliberately allowed:
    // linking a shared model folder into the models directory is how our machines provide them.
    const root = this.dir.endsWith(path.sep) ? this.dir : this.dir + path.sep;
    if (!resolved.startsWith(root)) throw new Error(`refusing path outside ${this.dir}: ${file}`);
    return resolved;
  }
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
