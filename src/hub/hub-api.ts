// The two questions a pull asks the Hub before downloading: which files does this revision hold
// (GET /api/models/{id}/revision/{rev}), and what exactly is this file (HEAD /{id}/resolve/{rev}/{file}).
import { checksumFromEtag, unquoteEtag, type ExpectedChecksum } from './checksum.ts';
import { HubError, hubErrorFromResponse, type HubRequestSubject } from './hub-error.ts';
import { hubFetch, withRetries, type HubConnection } from './hub-http.ts';

export interface RepoRevisionInfo {
  /** The commit the revision points to, when the Hub says. */
  sha: string | null;
  files: string[];
}

export interface HubFileMetadata {
  /** X-Repo-Commit: the commit this file was resolved at. */
  commit: string | null;
  /** X-Linked-Etag for LFS files, else ETag, unquoted. */
  etag: string | null;
  /** Bytes, when the Hub says (X-Linked-Size or Content-Length). */
  size: number | null;
  isLfs: boolean;
  checksum: ExpectedChecksum | null;
}

export function repoInfoUrl(endpoint: string, modelId: string, revision: string): string {
  return `${endpoint}/api/models/${modelId}/revision/${encodeURIComponent(revision)}`;
}

export function resolveUrl(endpoint: string, modelId: string, revision: string, file: string): string {
  const encodedFile = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${modelId}/resolve/${encodeURIComponent(revision)}/${encodedFile}`;
}

export async function fetchRepoRevisionInfo(
  connection: HubConnection,
  modelId: string,
  revision: string,
): Promise<RepoRevisionInfo> {
  const subject = subjectOf(connection, modelId, revision);
  const url = repoInfoUrl(connection.endpoint, modelId, revision);
  const body = await withRetries(connection, async () => {
    const response = await hubFetch(connection, url, {
      method: 'GET',
      headers: { accept: 'application/json' },
      redirects: 'all',
    });
    if (!response.ok) {
      await response.body?.cancel();
      throw hubErrorFromResponse(response, subject);
    }
    return response.json().catch(() => {
      throw new HubError(
        'invalid-response',
        `the Hub at ${connection.endpoint} did not answer JSON for model '${modelId}'`,
      );
    });
  });
  const siblings = (body as { siblings?: unknown }).siblings;
  if (!Array.isArray(siblings)) {
    throw new HubError('invalid-response', `the Hub's answer for model '${modelId}' has no file list (siblings)`);
  }
  const files = siblings
    .map((sibling) => (sibling as { rfilename?: unknown }).rfilename)
    .filter((f): f is string => typeof f === 'string');
  const sha = (body as { sha?: unknown }).sha;
  return { sha: typeof sha === 'string' ? sha : null, files };
}

export async function fetchFileMetadata(
  connection: HubConnection,
  modelId: string,
  revision: string,
  file: string,
): Promise<HubFileMetadata> {
  const subject = { ...subjectOf(connection, modelId, revision), file };
  const url = resolveUrl(connection.endpoint, modelId, revision, file);
  return withRetries(connection, async () => {
    const response = await hubFetch(connection, url, { method: 'HEAD', redirects: 'relative' });
    if (response.status >= 400) throw hubErrorFromResponse(response, subject);
    const linkedEtag = response.headers.get('x-linked-etag');
    const isLfs = linkedEtag !== null;
    const rawEtag = linkedEtag ?? response.headers.get('etag');
    const sizeHeader =
      response.headers.get('x-linked-size') ?? (response.status < 300 ? response.headers.get('content-length') : null);
    const size = sizeHeader !== null && /^\d+$/.test(sizeHeader) ? Number(sizeHeader) : null;
    return {
      commit: response.headers.get('x-repo-commit'),
      etag: rawEtag === null ? null : unquoteEtag(rawEtag),
      size,
      isLfs,
      checksum: checksumFromEtag(rawEtag, isLfs),
    };
  });
}

function subjectOf(connection: HubConnection, modelId: string, revision: string): HubRequestSubject {
  return { endpoint: connection.endpoint, modelId, revision, hasToken: Boolean(connection.token) };
}
