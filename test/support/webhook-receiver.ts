// A webhook receiver on loopback for the fine-tuning tests, run by Node: what the Worker's deliveries reach over
// real HTTP. Each named inbox records what it receives and checks each signature with the `standardwebhooks`
// package -- an implementation independent of edgeclass's -- given the inbox's secret. Inboxes can be told to
// answer errors for a while (receiver down), or 410. It also serves datasets (trigger URL datasets) and records
// worker wake-ups (push).
//   POST /inbox/<name>               a delivery: recorded, answered per the inbox's plan
//   PUT  /control/<name>             {secrets?: string[], fail?: n, status?: code}: the next n answers are `status`
//                                    (a status of 0: the connection is dropped, as a receiver that is down)
//   GET  /received/<name>            [{headers, body, verified, status}]
//   PUT  /datasets/<name>            the body becomes GET /datasets/<name>
//   POST /push                       recorded; GET /pushes lists them
//   GET  /dns-query?name=&type=      a DNS-over-HTTPS resolver (JSON form) with a fixed zone (./dns-json.ts);
//                                    GET /dns-questions lists what it was asked
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { dnsJsonAnswer } from './dns-json.ts';

interface Received {
  headers: Record<string, string>;
  body: string;
  /** Which of the inbox's secrets verified it with standardwebhooks (null: none did). */
  verified_with: number | null;
  answered: number;
}

interface Inbox {
  secrets: string[];
  fail: number;
  status: number;
  received: Received[];
}

function readBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function verify(secrets: string[], body: string, headers: Record<string, string>): number | null {
  for (let i = 0; i < secrets.length; i++) {
    try {
      new Webhook(secrets[i]).verify(body, headers);
      return i;
    } catch {
      // not this one
    }
  }
  return null;
}

export interface WebhookReceiver {
  url: string;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const inboxes = new Map<string, Inbox>();
  const datasets = new Map<string, Buffer>();
  const pushes: { headers: Record<string, string>; body: string }[] = [];
  const dnsQuestions: string[] = [];
  const inbox = (name: string) => {
    let box = inboxes.get(name);
    if (!box) inboxes.set(name, (box = { secrets: [], fail: 0, status: 200, received: [] }));
    return box;
  };
  const send = (res: http.ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://receiver');
      const body = await readBody(req);
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]),
      );
      let m = /^\/inbox\/([\w-]+)$/.exec(url.pathname);
      if (m && req.method === 'POST') {
        const box = inbox(m[1]);
        const answered = box.fail > 0 ? box.status : 200;
        if (box.fail > 0) box.fail--;
        box.received.push({
          headers,
          body: body.toString('utf8'),
          verified_with: verify(box.secrets, body.toString('utf8'), headers),
          answered,
        });
        if (answered === 0) return req.socket.destroy();
        return send(res, answered, { ok: answered < 300 });
      }
      m = /^\/control\/([\w-]+)$/.exec(url.pathname);
      if (m && req.method === 'PUT') {
        const box = inbox(m[1]);
        const plan = JSON.parse(body.toString('utf8') || '{}') as {
          secrets?: string[];
          fail?: number;
          status?: number;
        };
        if (plan.secrets) box.secrets = plan.secrets;
        if (plan.fail !== undefined) box.fail = plan.fail;
        if (plan.status !== undefined) box.status = plan.status;
        return send(res, 200, { ok: true });
      }
      m = /^\/received\/([\w-]+)$/.exec(url.pathname);
      if (m && req.method === 'GET') return send(res, 200, inbox(m[1]).received);
      m = /^\/datasets\/([\w.-]+)$/.exec(url.pathname);
      if (m && req.method === 'PUT') {
        datasets.set(m[1], body);
        return send(res, 200, { ok: true });
      }
      if (m && req.method === 'GET') {
        const data = datasets.get(m[1]);
        if (!data) return send(res, 404, { error: 'no such dataset' });
        res.writeHead(200, { 'content-type': 'text/plain' });
        return res.end(data);
      }
      if (url.pathname === '/push' && req.method === 'POST') {
        pushes.push({ headers, body: body.toString('utf8') });
        return send(res, 200, { ok: true });
      }
      if (url.pathname === '/pushes' && req.method === 'GET') return send(res, 200, pushes);
      if (url.pathname === '/dns-query' && req.method === 'GET') {
        const name = url.searchParams.get('name') ?? '';
        dnsQuestions.push(`${name} ${url.searchParams.get('type')}`);
        res.writeHead(200, { 'content-type': 'application/dns-json' });
        return res.end(JSON.stringify(dnsJsonAnswer(name, url.searchParams.get('type') ?? 'A')));
      }
      if (url.pathname === '/dns-questions' && req.method === 'GET') return send(res, 200, dnsQuestions);
      return send(res, 404, { error: 'not found' });
    } catch (err) {
      return send(res, 500, { error: String(err) });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
