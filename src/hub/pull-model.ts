// `edgeclass models pull <id>`: a Hub repository at one revision, filtered, into `<models dir>/<id>/`, as
// huggingface_hub's snapshot_download would lay it out, but without its cache: the folder is the model.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { assertSafeModelPath, isValidModelFilePath } from '../store/model-store.ts';
import { fetchFileMetadata, fetchRepoRevisionInfo, resolveUrl } from './hub-api.ts';
import { downloadVerifiedFile } from './download-file.ts';
import { defaultFileFilter, graphOnlyFilter, type FileFilter } from './file-filter.ts';
import { HubError } from './hub-error.ts';
import type { HubConnection } from './hub-http.ts';
import { readRevisionRecord, writeRevisionRecord, type RevisionRecord } from './revision-record.ts';

export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface PullOptions {
  modelId: string;
  /** The folder holding model folders; the model lands in `<modelsDir>/<modelId>/`. */
  modelsDir: string;
  /** Branch, tag or commit; `main` by default. */
  revision?: string;
  /** Default: env HF_ENDPOINT, else https://huggingface.co */
  endpoint?: string;
  /** Default: env HF_TOKEN. Sent to the endpoint's origin only. */
  token?: string;
  /** Which repository files to take; default: defaultFileFilter (no framework-specific weights). */
  fileFilter?: FileFilter;
  /**
   * One graph variant only (e.g. onnx/model_quantized.onnx): it and the files serving reads (graphOnlyFilter), and
   * an error naming the repository's graphs when it has not this one.
   */
  graph?: string;
  onProgress?: (progress: PullProgress) => void;
  /** Most bytes the pulled files may hold in all (default: no limit); checked before any is downloaded. */
  maxBytes?: number;
  /** Retries per request and per file download (with resume); default 5. */
  maxRetries?: number;
  /** Base of the exponential backoff; default 500 ms. */
  retryDelayMs?: number;
  env?: Record<string, string | undefined>;
}

export interface PullProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number | null;
  /** 0-based position of `file` among the files pulled, and their count. */
  fileIndex: number;
  fileCount: number;
}

export interface PulledFile {
  file: string;
  size: number;
  etag: string | null;
  /** False when the file on disk already matched the Hub's etag and was kept. */
  downloaded: boolean;
}

export interface PullResult {
  modelId: string;
  revision: string;
  commit: string | null;
  dir: string;
  files: PulledFile[];
}

export async function pullModel(options: PullOptions): Promise<PullResult> {
  const { modelId } = options;
  assertSafeModelPath(modelId);
  const env = options.env ?? process.env;
  const revision = options.revision ?? 'main';
  const connection: HubConnection = {
    endpoint: (options.endpoint ?? env.HF_ENDPOINT ?? DEFAULT_HF_ENDPOINT).replace(/\/+$/, ''),
    token: options.token ?? (env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined),
    maxRetries: options.maxRetries ?? 5,
    retryDelayMs: options.retryDelayMs ?? 500,
  };
  const modelDir = path.join(path.resolve(options.modelsDir), ...modelId.split('/'));

  const info = await fetchRepoRevisionInfo(connection, modelId, revision).catch((err: unknown) => {
    if (err instanceof HubError && err.code === 'unreachable') {
      throw new HubError(
        'unreachable',
        `the Hugging Face Hub at ${connection.endpoint} is unreachable (${err.message}); set HF_ENDPOINT to a reachable mirror`,
      );
    }
    throw err;
  });
  if (options.graph !== undefined && !info.files.includes(options.graph)) {
    const graphs = info.files.filter((f) => f.endsWith('.onnx'));
    throw new HubError(
      'file-not-found',
      `model '${modelId}' at revision '${revision}' has no ${options.graph}; its ONNX graphs: ${graphs.length ? graphs.join(', ') : 'none'}`,
    );
  }
  const filter =
    options.graph !== undefined ? graphOnlyFilter(options.graph) : (options.fileFilter ?? defaultFileFilter);
  const files = info.files.filter(filter).sort();
  const unsafe = files.find((file) => !isValidModelFilePath(file));
  if (unsafe !== undefined) {
    throw new HubError(
      'invalid-response',
      `refusing to pull '${modelId}': its file '${unsafe}' would land outside the model folder`,
    );
  }
  if (files.length === 0) {
    throw new HubError(
      'file-not-found',
      `model '${modelId}' at revision '${revision}' has no files to pull (of ${info.files.length} in the repository)`,
    );
  }

  const previous = await readRevisionRecord(modelDir);
  let commit = info.sha;
  // Every file's metadata first, so that a pull over its size cap downloads nothing.
  const metadatas = [];
  for (const file of files) {
    const metadata = await fetchFileMetadata(connection, modelId, revision, file);
    // A branch can move while we pull; mixing files of two commits would make a folder no commit ever held.
    if (metadata.commit !== null) {
      if (commit !== null && metadata.commit !== commit) {
        throw new HubError(
          'revision-moved',
          `revision '${revision}' of '${modelId}' moved from ${commit} to ${metadata.commit} during the pull; pull again`,
        );
      }
      commit = metadata.commit;
    }
    metadatas.push(metadata);
  }
  const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
  checkPullSize(modelId, files, metadatas, maxBytes);
  let bytesLeft = maxBytes;
  const pulled: PulledFile[] = [];
  for (const [fileIndex, file] of files.entries()) {
    const report = (bytesDone: number, bytesTotal: number | null) =>
      options.onProgress?.({ file, bytesDone, bytesTotal, fileIndex, fileCount: files.length });
    const metadata = metadatas[fileIndex];
    const destination = path.join(modelDir, ...file.split('/'));
    const kept = await matchesPreviousPull(previous, file, metadata.etag, metadata.size, destination);
    if (kept !== null) {
      report(kept, kept);
      bytesLeft -= kept;
      pulled.push({ file, size: kept, etag: metadata.etag, downloaded: false });
      continue;
    }
    const { size } = await downloadVerifiedFile(connection, {
      url: resolveUrl(connection.endpoint, modelId, revision, file),
      destination,
      expectedSize: metadata.size,
      checksum: metadata.checksum,
      subject: { endpoint: connection.endpoint, modelId, revision, file, hasToken: Boolean(connection.token) },
      onProgress: report,
      maxSize: bytesLeft,
    });
    bytesLeft -= size;
    pulled.push({ file, size, etag: metadata.etag, downloaded: true });
  }

  await writeRevisionRecord(modelDir, {
    modelId,
    revision,
    commit,
    endpoint: connection.endpoint,
    pulledAt: new Date().toISOString(),
    files: Object.fromEntries(pulled.map(({ file, etag, size }) => [file, { etag, size }])),
  });
  return { modelId, revision, commit, dir: modelDir, files: pulled };
}

/** The size of the file on disk when an earlier pull recorded the same etag for it (so it need not be fetched). */
async function matchesPreviousPull(
  previous: RevisionRecord | null,
  file: string,
  etag: string | null,
  size: number | null,
  destination: string,
): Promise<number | null> {
  const recorded = previous?.files?.[file];
  if (!recorded || etag === null || recorded.etag !== etag) return null;
  const onDisk = await stat(destination).catch(() => null);
  if (!onDisk?.isFile() || onDisk.size !== recorded.size || (size !== null && size !== onDisk.size)) return null;
  return onDisk.size;
}

/** The sizes the Hub announced, summed, against the cap (a file of unknown size is capped while it downloads). */
function checkPullSize(modelId: string, files: string[], metadatas: { size: number | null }[], maxBytes: number): void {
  let total = 0;
  for (const m of metadatas) total += m.size ?? 0;
  if (total > maxBytes) {
    throw new HubError(
      'too-large',
      `model '${modelId}' is ${total} bytes in the ${files.length} files serving needs; the limit is ${maxBytes} bytes`,
    );
  }
}
