// What the Hub promises about a file's content, and the check of a file on disk against it. LFS files are named
// by the sha256 of their content (X-Linked-Etag); other files by their git blob id, the sha1 of
// "blob <size>\0" followed by the content (ETag).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export type ExpectedChecksum = { algorithm: 'sha256' | 'git-blob-sha1'; hex: string };

/** `"abc"`, `W/"abc"` -> `abc`. */
export function unquoteEtag(etag: string): string {
  return etag
    .trim()
    .replace(/^W\//, '')
    .replace(/^"(.*)"$/, '$1');
}

/**
 * The checksum an etag stands for, or null when it is neither a sha256 nor a git sha1 (a mirror with opaque
 * etags): the size check then has to do.
 */
export function checksumFromEtag(etag: string | null, isLfs: boolean): ExpectedChecksum | null {
  if (!etag) return null;
  const hex = unquoteEtag(etag).toLowerCase();
  if (isLfs && /^[0-9a-f]{64}$/.test(hex)) return { algorithm: 'sha256', hex };
  if (!isLfs && /^[0-9a-f]{40}$/.test(hex)) return { algorithm: 'git-blob-sha1', hex };
  return null;
}

/** Streams the file through the hash the checksum names; `size` is the file's length (the git blob header needs it). */
export async function hashFile(
  filePath: string,
  algorithm: ExpectedChecksum['algorithm'],
  size: number,
): Promise<string> {
  const hash = createHash(algorithm === 'sha256' ? 'sha256' : 'sha1');
  if (algorithm === 'git-blob-sha1') hash.update(`blob ${size}\0`);
  for await (const chunk of createReadStream(filePath)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The git blob id of in-memory bytes (for tests and small files). */
export function gitBlobSha1(bytes: Uint8Array): string {
  return createHash('sha1').update(`blob ${bytes.byteLength}\0`).update(bytes).digest('hex');
}
