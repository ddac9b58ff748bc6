// Helpers of the fine-tuning tests inside workerd: API keys through the admin route, JSON calls, multipart uploads,
// base models seeded into R2, datasets, the loopback webhook receiver, and a scripted fake GPU worker that signs
// its requests with the real signing function (src/jobs/protocol.ts).
import { createExecutionContext, env, SELF, waitOnExecutionContext } from 'cloudflare:test';
import { jobsConfigFromEnv, type JobsConfig } from '../../src/jobs/config.ts';
import {
  SIGNATURE_HEADERS,
  signRequest,
  WORKER_ROUTES,
  type CheckpointRequest,
  type ClaimResponse,
  type CompleteRequest,
  type HeartbeatResponse,
  type JobEvent,
} from '../../src/jobs/protocol.ts';
import { createApp } from '../../src/http/app.ts';
import { depsFor, jobsContextFor } from '../../src/runtime/cloudflare-worker.ts';
import { fixture } from './fixtures.ts';

export const ADMIN_KEY = 'test-admin-key';
export const WORKER_SECRET = 'test-worker-secret';

export type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

export const edge: Fetch = (path, init) => SELF.fetch(`http://edge${path}`, init);

/** The same app over the same bindings, with some fine-tuning settings changed (e.g. a 1 s lease). */
export function edgeWith(overrides: Partial<JobsConfig>): Fetch {
  const config = { ...jobsConfigFromEnv(env as unknown as Record<string, unknown>), ...overrides };
  const deps = {
    ...depsFor(env),
    jobs: { config, context: (defer: (w: Promise<unknown>) => void) => jobsContextFor(env, config, defer)! },
  };
  const app = createApp(() => deps);
  return async (path, init) => {
    const ctx = createExecutionContext();
    const res = await app.fetch(new Request(`http://edge${path}`, init), env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function answer<T = any>(res: Response): Promise<Answer<T>> {
  const text = new TextDecoder().decode(await res.arrayBuffer());
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, body, headers: res.headers };
}

export async function call<T = any>(
  key: string | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  f: Fetch = edge,
): Promise<Answer<T>> {
  const init: RequestInit = { method, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  return answer<T>(await f(path, init));
}

/** A new API key (a new owner unless one is given), made through the admin route. */
export async function newKey(owner?: string): Promise<{ key: string; owner: string; id: string }> {
  const res = await call(ADMIN_KEY, 'POST', '/v1/api_keys', { name: 'test', ...(owner ? { owner } : {}) });
  if (res.status !== 200) throw new Error(`making a key: ${res.status} ${JSON.stringify(res.body)}`);
  return { key: res.body.key, owner: res.body.owner, id: res.body.id };
}

export async function upload(
  key: string | null,
  filename: string,
  content: string | Uint8Array,
  purpose = 'fine-tune',
  f: Fetch = edge,
): Promise<Answer> {
  const form = new FormData();
  form.append('purpose', purpose);
  form.append('file', new File([content], filename));
  return answer(
    await f('/v1/files', { method: 'POST', body: form, headers: key ? { authorization: `Bearer ${key}` } : {} }),
  );
}

/** A TSV of `n` examples over two labels (a tiny SST-2 look-alike). */
export function sentimentTsv(n: number, seed = 0): string {
  const good = ['a delight', 'warm and funny', 'beautifully made', 'a joy to watch', 'smart and moving'];
  const bad = ['a mess', 'dull and long', 'badly acted', 'a waste of time', 'flat and lifeless'];
  const rows = ['sentence\tlabel'];
  for (let i = 0; i < n; i++) {
    const positive = (i + seed) % 2 === 0;
    rows.push(`the film is ${(positive ? good : bad)[(i * 7 + seed) % 5]} (${i})\t${positive ? 1 : 0}`);
  }
  return `${rows.join('\n')}\n`;
}

/** An uploaded training file id. */
export async function trainingFile(key: string, n = 20, seed = 0): Promise<string> {
  const res = await upload(key, 'train.tsv', sentimentTsv(n, seed));
  if (res.status !== 200) throw new Error(`upload: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

const seeded = new Set<string>();

/** A tiny model of the workerd suite's globalSetup, every file (safetensors included), in MODELS under `asId`. */
export async function seedTinyModel(tinyId: string, asId = tinyId): Promise<string[]> {
  const listing = (await (await fixture('/tiny-models')).json()) as { files: string[] };
  const files = listing.files.filter((f) => f.startsWith(`${tinyId}/`)).map((f) => f.slice(tinyId.length + 1));
  if (!seeded.has(asId)) {
    for (const file of files)
      await env.MODELS.put(`${asId}/${file}`, await (await fixture(`/tiny-models/${tinyId}/${file}`)).arrayBuffer());
    seeded.add(asId);
  }
  return files;
}

/** The base model most tests fine-tune: tiny-cls (BERT, 2 layers, 512 positions) under its own id. */
export const BASE = 'tiny-base';

export async function seedBase(): Promise<void> {
  await seedTinyModel('tiny-cls', BASE);
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 20_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Waits until this file's queue traffic is over -- no job waiting for its dispatch message, no webhook delivery
 * pending -- and then for messages in flight: a consumer batch that outlives its test file disturbs the next one.
 */
export async function settleQueue(timeoutMs = 30_000): Promise<void> {
  await waitFor(
    'the JOBS queue to settle',
    async () => {
      const row = await env
        .DB!.prepare(`SELECT
        (SELECT count(*) FROM jobs WHERE status = 'validating_files') AS dispatching,
        (SELECT count(*) FROM webhook_deliveries WHERE status = 'pending') AS delivering`)
        .first<{ dispatching: number; delivering: number }>();
      return row!.dispatching === 0 && row!.delivering === 0;
    },
    timeoutMs,
    200,
  );
  await new Promise((r) => setTimeout(r, 1500));
}

/** Waits until the queue consumer has moved the job to queued. */
export async function waitQueued(key: string, jobId: string): Promise<void> {
  await waitFor(
    `${jobId} queued`,
    async () => (await call(key, 'GET', `/v1/fine_tuning/jobs/${jobId}`)).body.status === 'queued',
  );
}

// ---- the webhook receiver (Node, loopback) -----------------------------------------------------------------

export interface Received {
  headers: Record<string, string>;
  body: string;
  verified_with: number | null;
  answered: number;
}

export const receiver = {
  url: (inbox: string) => `${env.WEBHOOK_RECEIVER_URL}/inbox/${inbox}`,
  async plan(inbox: string, plan: { secrets?: string[]; fail?: number; status?: number }): Promise<void> {
    await fetch(`${env.WEBHOOK_RECEIVER_URL}/control/${inbox}`, { method: 'PUT', body: JSON.stringify(plan) });
  },
  async received(inbox: string): Promise<Received[]> {
    return (await fetch(`${env.WEBHOOK_RECEIVER_URL}/received/${inbox}`)).json();
  },
  async dataset(name: string, content: string): Promise<string> {
    await fetch(`${env.WEBHOOK_RECEIVER_URL}/datasets/${name}`, { method: 'PUT', body: content });
    return `${env.WEBHOOK_RECEIVER_URL}/datasets/${name}`;
  },
  async pushes(): Promise<{ headers: Record<string, string>; body: string }[]> {
    return (await fetch(`${env.WEBHOOK_RECEIVER_URL}/pushes`)).json();
  },
};

let inboxCounter = 0;
export const newInbox = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++inboxCounter}`;

// ---- a scripted GPU worker ----------------------------------------------------------------------------------

interface RequestOptions {
  lease?: string;
  sign?: boolean;
  timestamp?: number;
  tamper?: boolean;
  /** The nonce to sign with (a replay test sends one twice); a new one by default. */
  nonce?: string;
}

export class FakeWorker {
  constructor(
    readonly id: string,
    private readonly f: Fetch = edge,
    private readonly secret = WORKER_SECRET,
  ) {}

  /** A request signed as the real worker signs it; `sign` false sends it unsigned, `tamper` changes the body after. */
  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Answer> {
    return answer(await this.requestRaw(method, path, body, options));
  }

  /** request(), answering the Response itself (bytes of downloads). */
  async requestRaw(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<Response> {
    const bytes =
      body === undefined
        ? new Uint8Array(0)
        : body instanceof Uint8Array
          ? body
          : new TextEncoder().encode(JSON.stringify(body));
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = { [SIGNATURE_HEADERS.worker]: this.id };
    if (options.sign !== false)
      Object.assign(headers, await signRequest(this.secret, method, path, bytes, timestamp, options.nonce));
    if (options.lease) headers[SIGNATURE_HEADERS.lease] = options.lease;
    if (body !== undefined)
      headers['content-type'] = body instanceof Uint8Array ? 'application/octet-stream' : 'application/json';
    // As over HTTP (the Node worker's fetch sends it): an upload's length is declared, and checked before it is read.
    if (method === 'PUT') headers['content-length'] = String(bytes.length);
    const sent = options.tamper
      ? new TextEncoder().encode(JSON.stringify({ ...(body as object), tampered: true }))
      : bytes;
    return this.f(path, { method, headers, body: method === 'GET' ? undefined : sent });
  }

  async claim(claimId?: string): Promise<ClaimResponse | null> {
    const res = await this.request('POST', WORKER_ROUTES.claim, {
      worker_id: this.id,
      execution_provider: 'cpu',
      ...(claimId ? { claim_id: claimId } : {}),
    });
    if (res.status === 204) return null;
    if (res.status !== 200) throw new Error(`claim: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  }

  heartbeat(jobId: string, lease: string, step?: number, total?: number): Promise<Answer<HeartbeatResponse>> {
    return this.request('POST', WORKER_ROUTES.heartbeat(jobId), { lease_id: lease, step, total_steps: total });
  }

  events(jobId: string, lease: string, events: Partial<JobEvent>[]): Promise<Answer> {
    const now = Date.now() / 1000;
    return this.request('POST', WORKER_ROUTES.events(jobId), {
      lease_id: lease,
      events: events.map((e) => ({ type: 'message', level: 'info', message: '', created_at: now, ...e })),
    });
  }

  putCheckpointFile(jobId: string, lease: string, step: number, file: string, bytes: Uint8Array): Promise<Answer> {
    return this.request('PUT', WORKER_ROUTES.checkpointFile(jobId, step, file), bytes, { lease });
  }

  registerCheckpoint(jobId: string, request: CheckpointRequest): Promise<Answer> {
    return this.request('POST', WORKER_ROUTES.checkpoint(jobId), request);
  }

  putResultFile(jobId: string, lease: string, file: string, bytes: Uint8Array): Promise<Answer> {
    return this.request('PUT', WORKER_ROUTES.resultFile(jobId, file), bytes, { lease });
  }

  complete(jobId: string, request: CompleteRequest): Promise<Answer> {
    return this.request('POST', WORKER_ROUTES.complete(jobId), request);
  }
}
