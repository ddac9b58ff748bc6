// A local server that speaks the Hugging Face Hub's protocol over the folders of ../shared/models: the file list
// (/api/models/{id}/revision/{rev}), resolve with 302 to a CDN for LFS files, ETag / X-Linked-Etag / X-Linked-Size /
// X-Repo-Commit, Range requests, and faults on demand (a dropped connection, a corrupted byte, a required token).
import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { gitBlobSha1 } from '../../src/hub/index.ts';
import { MODELS_DIR } from './paths.ts';

const sharedModelsDir = MODELS_DIR;
export const COMMIT = '0123456789abcdef0123456789abcdef01234567';
export const LFS_FILES = new Set(['tokenizer.json', 'vocab.json']);

export interface SeenRequest {
  server: 'hub' | 'cdn';
  method: string;
  path: string;
  range: string | undefined;
  authorization: string | undefined;
}

export interface FakeHubOptions {
  /** Hub endpoints answer 401 unless `Authorization: Bearer <token>`. */
  requiredToken?: string;
  /** The first GET of this file's bytes sends headers for the whole file, `bytes` bytes, then drops the socket. */
  dropConnection?: { file: string; afterBytes: number };
  /** This file's bytes are served with one byte changed (its headers still announce the true checksum). */
  corruptFile?: string;
  /** Serve LFS bytes from a second origin, as the real Hub's CDN is. */
  cdnOnOtherOrigin?: boolean;
  /** The folder whose model folders are the repositories; default ../shared/models. */
  modelsDir?: string;
}

export interface FakeHub {
  endpoint: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startFakeHub(options: FakeHubOptions = {}): Promise<FakeHub> {
  const requests: SeenRequest[] = [];
  const dropped = new Set<string>();
  const hubServer = http.createServer();
  const cdnServer = options.cdnOnOtherOrigin ? http.createServer() : hubServer;
  const origins = { hub: '', cdn: '' };

  const modelFiles = async (modelId: string): Promise<string[] | null> => {
    const dir = path.join(options.modelsDir ?? sharedModelsDir, modelId);
    const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => null);
    if (!entries) return null;
    return entries
      .filter((e) => e.isFile())
      .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  };

  const sendBytes = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    file: string,
    content: Buffer,
    headers: Record<string, string>,
  ) => {
    let body = content;
    if (options.corruptFile === file) {
      body = Buffer.from(content);
      body[body.length >> 1] ^= 0xff;
    }
    let status = 200;
    let start = 0;
    const range = req.headers.range;
    if (range) {
      const match = /^bytes=(\d+)-(\d*)$/.exec(range);
      start = match ? Number(match[1]) : body.length;
      if (start >= body.length) {
        res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
        return;
      }
      status = 206;
      headers = { ...headers, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` };
    }
    const slice = body.subarray(start);
    res.writeHead(status, { ...headers, 'accept-ranges': 'bytes', 'content-length': String(slice.length) });
    if (req.method === 'HEAD') return void res.end();
    if (options.dropConnection?.file === file && !dropped.has(file)) {
      dropped.add(file);
      res.write(slice.subarray(0, options.dropConnection.afterBytes), () => res.socket?.destroy());
      return;
    }
    res.end(slice);
  };

  const handle = async (server: 'hub' | 'cdn', req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url!, 'http://fake');
    requests.push({
      server,
      method: req.method!,
      path: url.pathname,
      range: req.headers.range,
      authorization: req.headers.authorization,
    });

    const cdn = /^\/cdn\/(.+?)\/-\/(.+)$/.exec(url.pathname);
    if (cdn) {
      const [, modelId, file] = cdn;
      return sendBytes(
        req,
        res,
        file,
        await readFile(path.join(options.modelsDir ?? sharedModelsDir, modelId, file)),
        {},
      );
    }

    const authorized = !options.requiredToken || req.headers.authorization === `Bearer ${options.requiredToken}`;
    const info = /^\/api\/models\/(.+)\/revision\/([^/]+)$/.exec(url.pathname);
    const resolve = /^\/(.+?)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (!info && !resolve) return void res.writeHead(404).end();
    const modelId = decodeURIComponent((info ?? resolve)![1]);
    const revision = decodeURIComponent((info ?? resolve)![2]);
    const files = await modelFiles(modelId);
    // Like the Hub: without valid credentials a missing and a private repository look the same (401).
    if (!authorized || files === null) {
      const status = authorized && req.headers.authorization ? 404 : 401;
      return void res
        .writeHead(status, { 'x-error-code': 'RepoNotFound', 'x-error-message': 'Invalid username or password.' })
        .end();
    }
    if (revision !== 'main' && revision !== COMMIT) {
      return void res.writeHead(404, { 'x-error-code': 'RevisionNotFound', 'x-error-message': 'Invalid rev id' }).end();
    }
    if (info) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(
        JSON.stringify({ id: modelId, sha: COMMIT, siblings: files.map((rfilename) => ({ rfilename })) }),
      );
    }
    const file = decodeURIComponent(resolve![3]);
    if (!files.includes(file)) return void res.writeHead(404, { 'x-error-code': 'EntryNotFound' }).end();
    const content = await readFile(path.join(options.modelsDir ?? sharedModelsDir, modelId, file));
    if (LFS_FILES.has(file)) {
      const sha256 = createHash('sha256').update(content).digest('hex');
      res.writeHead(302, {
        location: `${origins.cdn}/cdn/${modelId}/-/${file}`,
        'x-repo-commit': COMMIT,
        'x-linked-etag': `"${sha256}"`,
        'x-linked-size': String(content.length),
        etag: `"${sha256}"`,
      });
      return void res.end();
    }
    sendBytes(req, res, file, content, { 'x-repo-commit': COMMIT, etag: `"${gitBlobSha1(content)}"` });
  };

  const listen = async (server: http.Server, name: 'hub' | 'cdn') => {
    server.on('request', (req, res) => {
      handle(name, req, res).catch((err) => res.writeHead(500).end(String(err)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  origins.hub = await listen(hubServer, 'hub');
  origins.cdn = cdnServer === hubServer ? origins.hub : await listen(cdnServer, 'cdn');

  return {
    endpoint: origins.hub,
    requests,
    close: async () => {
      for (const server of new Set([hubServer, cdnServer])) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    },
  };
}
