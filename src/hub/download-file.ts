// One file from the Hub onto disk, verified, or not at all. Bytes go to `<file>.incomplete`; a dropped connection
// resumes there with `Range: bytes=N-` (also across runs); only a file of the promised size and checksum is
// renamed into place, so a reader never sees a partial or corrupt model file.
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { hashFile, type ExpectedChecksum } from './checksum.ts';
import { HubError, hubErrorFromResponse, type HubRequestSubject } from './hub-error.ts';
import { connectionError, hubFetch, withRetries, type HubConnection } from './hub-http.ts';

export interface DownloadRequest {
  /** The resolve URL; LFS files redirect from it to a CDN. */
  url: string;
  destination: string;
  expectedSize: number | null;
  checksum: ExpectedChecksum | null;
  /** Said in errors: which model, revision and file this is. */
  subject: HubRequestSubject & { file: string };
  onProgress?: (bytesDone: number, bytesTotal: number | null) => void;
  /** Most bytes the file may have (default: no limit): a longer body is cut off and the download deleted. */
  maxSize?: number;
}

export const PARTIAL_SUFFIX = '.incomplete';

export async function downloadVerifiedFile(
  connection: HubConnection,
  request: DownloadRequest,
): Promise<{ size: number }> {
  const partial = request.destination + PARTIAL_SUFFIX;
  await mkdir(path.dirname(request.destination), { recursive: true });
  await withRetries(connection, () => downloadOrResume(connection, request, partial));
  const size = await verifyPartial(request, partial);
  await rename(partial, request.destination);
  return { size };
}

/** One attempt: continues `partial` from its current length; throws a retryable HubError when cut short. */
async function downloadOrResume(connection: HubConnection, request: DownloadRequest, partial: string): Promise<void> {
  const { expectedSize } = request;
  let offset = await fileSize(partial);
  if (expectedSize !== null && offset > expectedSize) {
    await rm(partial, { force: true });
    offset = 0;
  }
  if (expectedSize !== null && offset === expectedSize) return; // complete from an earlier attempt or run

  const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
  const response = await hubFetch(connection, request.url, { method: 'GET', headers, redirects: 'all' });
  if (response.status === 416) {
    // The server cannot serve from our offset: what we hold is not a prefix it knows. Start over.
    await response.body?.cancel();
    await rm(partial, { force: true });
    throw new HubError('invalid-response', `the server refused to resume ${describe(request)}`, true);
  }
  if (response.status !== 200 && response.status !== 206) {
    await response.body?.cancel();
    throw hubErrorFromResponse(response, request.subject);
  }
  if (response.status === 206 && contentRangeStart(response.headers.get('content-range')) !== offset) {
    await response.body?.cancel();
    await rm(partial, { force: true });
    throw new HubError('invalid-response', `the server resumed ${describe(request)} at the wrong offset`, true);
  }
  if (response.status === 200) offset = 0; // the server ignored Range: the body is the whole file

  const handle = await open(partial, response.status === 206 ? 'a' : 'w');
  let tooLarge = false;
  try {
    request.onProgress?.(offset, expectedSize);
    const reader = response.body!.getReader();
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch (err) {
        throw connectionError(response.url || request.url, err, true);
      }
      if (chunk.done) break;
      if (request.maxSize !== undefined && offset + chunk.value.byteLength > request.maxSize) {
        await reader.cancel().catch(() => undefined);
        tooLarge = true;
        break;
      }
      // Written before the next read, so that after a drop the file's length is exactly what we received.
      await handle.write(chunk.value);
      offset += chunk.value.byteLength;
      request.onProgress?.(offset, expectedSize);
    }
  } finally {
    await handle.close();
  }
  if (tooLarge) {
    await rm(partial, { force: true });
    throw new HubError('too-large', `${describe(request)} is larger than the ${request.maxSize} bytes allowed`);
  }
  if (expectedSize !== null && offset < expectedSize) {
    throw new HubError('unreachable', `the connection ended early while downloading ${describe(request)}`, true);
  }
}

/** Size and checksum of the finished partial file; a mismatch deletes it (resuming it could never succeed). */
async function verifyPartial(request: DownloadRequest, partial: string): Promise<number> {
  const size = await fileSize(partial);
  if (request.expectedSize !== null && size !== request.expectedSize) {
    await rm(partial, { force: true });
    throw new HubError(
      'size-mismatch',
      `${describe(request)} has ${size} bytes, the Hub promised ${request.expectedSize}; the download was deleted, pull again`,
    );
  }
  if (request.checksum !== null) {
    const actual = await hashFile(partial, request.checksum.algorithm, size);
    if (actual !== request.checksum.hex) {
      await rm(partial, { force: true });
      const kind = request.checksum.algorithm === 'sha256' ? 'sha256' : 'git blob sha1';
      throw new HubError(
        'checksum-mismatch',
        `checksum mismatch for ${describe(request)}: expected ${kind} ${request.checksum.hex}, got ${actual}; the download was deleted, pull again`,
      );
    }
  }
  return size;
}

async function fileSize(filePath: string): Promise<number> {
  const info = await stat(filePath).catch(() => null);
  return info?.size ?? 0;
}

/** `bytes 100-199/200` -> 100. */
function contentRangeStart(header: string | null): number | null {
  const match = header === null ? null : /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(header.trim());
  return match ? Number(match[1]) : null;
}

function describe(request: DownloadRequest): string {
  return `'${request.subject.modelId}/${request.subject.file}'`;
}
