// The push side (optional): a small HTTP server the edge's queue consumer can call to say "a job is waiting".
// POST /wake is signed like every worker call (HMAC over timestamp, method, path and body, replay window), and
// only makes the worker claim at once: the claim, not the wake-up, decides which job it gets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_TOLERANCE_SECONDS, verifyRequest, WORKER_WAKE_PATH, type WakeRequest } from '../jobs/protocol.ts';
import type { ErrorKind } from '../core/errors.ts';
import { errorType, type ErrorBody } from '../http/errors.ts';
import type { Logger } from './log.ts';

const MAX_BODY = 16 * 1024;

export interface WakeServer {
  url: string;
  close(): Promise<void>;
}

export function startWakeServer(o: {
  port: number;
  host: string;
  secret: string;
  log: Logger;
  onWake: (request: WakeRequest) => void;
  status: () => Record<string, unknown>;
}): Promise<WakeServer> {
  // Nonces seen within the replay window: the same signed wake-up twice is refused (409).
  const seen = new Map<string, number>();
  const server = http.createServer((req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    // The public API's error shape (src/http/errors.ts), so one client parses every edgeclass answer.
    const fail = (status: number, code: ErrorKind, message: string, param: string | null = null) =>
      send(status, { error: { message, type: errorType(status), param, code } } satisfies ErrorBody);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        fail(413, 'too_large', `the body exceeds ${MAX_BODY} bytes`);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', async () => {
      if (res.headersSent) return;
      const url = req.url ?? '/';
      if (req.method === 'GET' && url === '/healthz') return send(200, { status: 'ok', ...o.status() });
      if (url.split('?')[0] !== WORKER_WAKE_PATH) return fail(404, 'not_found', `no route for ${req.method} ${url}`);
      if (req.method !== 'POST') return fail(405, 'invalid_request', `${req.method} ${url}: use POST`);
      const body = new Uint8Array(Buffer.concat(chunks));
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : (value ?? null);
      };
      const verified = await verifyRequest(o.secret, 'POST', url, { get: header }, body);
      if (!verified) {
        o.log.warn('refused an unsigned or badly signed wake-up', { remote: req.socket.remoteAddress });
        return fail(401, 'unauthenticated', 'missing, stale or wrong signature');
      }
      const now = Date.now();
      for (const [sig, until] of seen) if (until < now) seen.delete(sig);
      if (seen.has(verified.nonce))
        return fail(409, 'conflict', 'this wake-up was already received (replay)', 'x-edgeclass-nonce');
      seen.set(verified.nonce, now + 2 * SIGNATURE_TOLERANCE_SECONDS * 1000);
      let request: WakeRequest = {};
      try {
        request = body.length ? JSON.parse(new TextDecoder().decode(body)) : {};
      } catch {
        return fail(400, 'invalid_request', 'the body is not JSON');
      }
      o.onWake(request);
      send(202, { accepted: true, ...o.status() });
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      const { port } = server.address() as AddressInfo;
      const host = o.host.includes(':') ? `[${o.host}]` : o.host;
      resolve({ url: `http://${host}:${port}`, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}
