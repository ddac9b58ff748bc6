// The push side (optional): a small HTTP server the edge's queue consumer can call to say "a job is waiting".
// POST /wake is signed like every worker call (HMAC over timestamp, method, path and body, replay window), and
// only makes the worker claim at once: the claim, not the wake-up, decides which job it gets.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_TOLERANCE_SECONDS, verifyRequest, WORKER_WAKE_PATH, type WakeRequest } from '../jobs/protocol.ts';
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
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        send(413, { error: { type: 'request_too_large', message: `the body exceeds ${MAX_BODY} bytes` } });
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', async () => {
      if (res.headersSent) return;
      const url = req.url ?? '/';
      if (req.method === 'GET' && url === '/healthz') return send(200, { status: 'ok', ...o.status() });
      if (url.split('?')[0] !== WORKER_WAKE_PATH)
        return send(404, { error: { type: 'not_found_error', message: `no route for ${req.method} ${url}` } });
      if (req.method !== 'POST') return send(405, { error: { type: 'method_not_allowed', message: 'use POST' } });
      const body = new Uint8Array(Buffer.concat(chunks));
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(', ') : (value ?? null);
      };
      const verified = await verifyRequest(o.secret, 'POST', url, { get: header }, body);
      if (!verified) {
        o.log.warn('refused an unsigned or badly signed wake-up', { remote: req.socket.remoteAddress });
        return send(401, { error: { type: 'authentication_error', message: 'missing, stale or wrong signature' } });
      }
      const now = Date.now();
      for (const [sig, until] of seen) if (until < now) seen.delete(sig);
      if (seen.has(verified.nonce))
        return send(409, { error: { type: 'conflict', message: 'this wake-up was already received (replay)' } });
      seen.set(verified.nonce, now + 2 * SIGNATURE_TOLERANCE_SECONDS * 1000);
      let request: WakeRequest = {};
      try {
        request = body.length ? JSON.parse(new TextDecoder().decode(body)) : {};
      } catch {
        return send(400, { error: { type: 'invalid_request_error', message: 'the body is not JSON' } });
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
