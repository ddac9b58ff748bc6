// A webhook receiver on loopback that checks every delivery with the `standardwebhooks` package (an implementation
// independent of the edge's), dedupes by webhook-id as the spec asks, and can be taken down and brought back on
// the same port.
import http from 'node:http';
import { Webhook } from 'standardwebhooks';

export interface Delivery {
  at: number;
  id: string;
  type: string;
  payload: any;
  /** Verified by standardwebhooks. */
  verified: boolean;
  /** The first delivery of this webhook-id (the ones after it are duplicates the receiver ignores). */
  first: boolean;
  /** The status the receiver answered. */
  status: number;
  /** The request as it came: what an SDK's verifier (openai's webhooks.unwrap) reads. */
  raw: { body: string; headers: Record<string, string> };
}

/**
 * Webhook-ids that arrived again after one of their deliveries had been answered 2xx: a sender that saw the 2xx must
 * not send that webhook again (a redelivery after a failure is retrying; after a success it is a duplicate).
 */
export function redeliveredAfterSuccess(deliveries: Delivery[]): string[] {
  const succeeded = new Set<string>();
  const again = new Set<string>();
  for (const d of [...deliveries].sort((x, y) => x.at - y.at)) {
    if (succeeded.has(d.id)) again.add(d.id);
    if (d.status >= 200 && d.status < 300) succeeded.add(d.id);
  }
  return [...again];
}

export interface Receiver {
  url: string;
  deliveries: Delivery[];
  /** Requests refused for a bad signature. */
  refused: number;
  up: boolean;
  down(): Promise<void>;
  bringUp(): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(secret: string, port: number): Promise<Receiver> {
  const verifier = new Webhook(secret);
  const seen = new Set<string>();
  let server: http.Server | null = null;
  const receiver: Receiver = {
    url: `http://127.0.0.1:${port}/hooks`,
    deliveries: [],
    refused: 0,
    up: false,
    down: async () => {
      receiver.up = false;
      const s = server;
      server = null;
      if (s)
        await new Promise<void>((r) => {
          s.closeAllConnections();
          s.close(() => r());
        });
    },
    bringUp: async () => {
      const s = http.createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
          let payload: any;
          try {
            payload = verifier.verify(body, headers);
          } catch {
            receiver.refused++;
            res.writeHead(400).end('bad signature');
            return;
          }
          const id = headers['webhook-id'];
          receiver.deliveries.push({
            at: Date.now(),
            id,
            type: payload?.type,
            payload,
            verified: true,
            first: !seen.has(id),
            status: 204,
            raw: { body, headers },
          });
          seen.add(id);
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => resolve());
      });
      server = s;
      receiver.up = true;
    },
    close: () => receiver.down(),
  };
  await receiver.bringUp();
  return receiver;
}
