// A BlobStore over folders on disk: key `a/b/c` is the file `<root>/a/b/c`. Several roots make one store as the
// models home does (src/store/fs-store.ts): reads take the first root that holds the key, writes go to the first
// root. Writes land under a hidden `.incomplete` name and are renamed when whole, so a reader never sees half a file
// (and listings skip such names, as src/jobs/models.ts does).
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type BlobBody,
  type BlobList,
  type BlobStore,
  type IncomingBytes,
  type StoredBlob,
  UploadMismatchError,
} from '../types.ts';

function isAbsence(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** Keys come from validated ids; this refuses anything that could leave the root all the same. */
function checkKey(key: string): void {
  const segments = key.split('/');
  if (key.includes('\\') || key.includes('\0') || segments.some((s) => s === '' || s === '.' || s === '..'))
    throw new Error(`not a blob key: '${key.slice(0, 200)}'`);
}

/** Counts and hashes the bytes going through; fails as soon as there are more than announced. */
async function* measured(
  stream: ReadableStream<Uint8Array>,
  upload: IncomingBytes,
  hash: ReturnType<typeof createHash>,
) {
  let seen = 0;
  for await (const chunk of Readable.fromWeb(stream as import('node:stream/web').ReadableStream<Uint8Array>)) {
    seen += (chunk as Uint8Array).byteLength;
    if (seen > upload.length) throw new UploadMismatchError(`more than the ${upload.length} bytes announced`);
    hash.update(chunk as Uint8Array);
    yield chunk as Uint8Array;
  }
  if (seen !== upload.length) throw new UploadMismatchError(`${seen} bytes, not the ${upload.length} announced`);
}

export class FsBlobStore implements BlobStore {
  constructor(readonly roots: string[]) {
    if (!roots.length) throw new Error('a blob store needs a folder');
  }

  private async find(key: string): Promise<{ file: string; size: number } | null> {
    checkKey(key);
    for (const root of this.roots) {
      const file = path.join(root, key);
      try {
        const info = await stat(file);
        if (info.isFile()) return { file, size: info.size };
      } catch (err) {
        if (!isAbsence(err)) throw err;
      }
    }
    return null;
  }

  async head(key: string): Promise<StoredBlob | null> {
    const found = await this.find(key);
    return found && { key, size: found.size };
  }

  async get(key: string): Promise<BlobBody | null> {
    const found = await this.find(key);
    if (!found) return null;
    const { file, size } = found;
    return {
      key,
      size,
      get body() {
        return Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>;
      },
      arrayBuffer: async () => {
        const bytes = await readFile(file);
        return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      },
      text: () => readFile(file, 'utf8'),
    };
  }

  /** Where a write of `key` goes, and the hidden name it is written under first. */
  private async target(key: string): Promise<{ file: string; partial: string }> {
    checkKey(key);
    const file = path.join(this.roots[0], key);
    await mkdir(path.dirname(file), { recursive: true });
    const partial = path.join(
      path.dirname(file),
      `.${path.basename(file)}.${randomBytes(6).toString('hex')}.incomplete`,
    );
    return { file, partial };
  }

  async put(key: string, value: Uint8Array | ArrayBuffer | string): Promise<void> {
    const { file, partial } = await this.target(key);
    await writeFile(partial, value instanceof ArrayBuffer ? new Uint8Array(value) : value);
    await rename(partial, file);
  }

  async putStreamed(key: string, upload: IncomingBytes): Promise<void> {
    const { file, partial } = await this.target(key);
    const hash = createHash('sha256');
    try {
      await pipeline(measured(upload.stream, upload, hash), createWriteStream(partial));
      const digest = hash.digest('hex');
      if (digest !== upload.sha256.toLowerCase())
        throw new UploadMismatchError(`sha256 ${digest}, not the ${upload.sha256} announced`);
      await rename(partial, file);
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  }

  async delete(keys: string | string[]): Promise<void> {
    for (const key of Array.isArray(keys) ? keys : [keys]) {
      checkKey(key);
      await rm(path.join(this.roots[0], key), { force: true });
    }
  }

  /** Every key under `prefix` in the first root that has any, sorted; one page. */
  async list(options: { prefix: string; cursor?: string }): Promise<BlobList> {
    const cut = options.prefix.lastIndexOf('/');
    const folder = options.prefix.slice(0, cut + 1);
    if (folder) checkKey(folder.slice(0, -1));
    for (const root of this.roots) {
      const keys = (await filesUnder(path.join(root, folder))).map((f) => folder + f);
      const objects = await Promise.all(
        keys
          .filter((k) => k.startsWith(options.prefix))
          .map(async (k) => ({ key: k, size: (await stat(path.join(root, k))).size })),
      );
      if (objects.length) return { objects: objects.sort((a, b) => (a.key < b.key ? -1 : 1)), truncated: false };
    }
    return { objects: [], truncated: false };
  }
}

/** Relative `/`-separated paths of the files under `dir`; none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch (err) {
    if (isAbsence(err)) return [];
    throw err;
  }
  return entries
    .filter((e) => e.isFile())
    .map((e) =>
      path
        .relative(dir, path.join(e.parentPath ?? e.path, e.name))
        .split(path.sep)
        .join('/'),
    );
}
