// The worker's side of src/jobs/protocol.ts (each call's method and path from WORKER_CALLS): every call to the edge signed with the shared secret (signRequest
// over timestamp, method, path and body), retried with backoff and jitter on network errors, timeouts, 408, 429
// and 5xx (the edge may be restarting), until a deadline. A 409 on a job's call means the lease is gone: it
// throws LeaseLostError at once, never retried, so the caller stops training (a job never has two runners).
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import {
  encodePathName,
  FILE_NAME_HEADER,
  SIGNATURE_HEADERS,
  signRequest,
  WORKER_CALLS,
  WORKER_ROUTES,
  type CheckpointRequest,
  type ClaimRequest,
  type ClaimResponse,
  type CompleteRequest,
  type CompleteResponse,
  type EventsRequest,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type ReleaseRequest,
  type WorkerCall,
} from '../jobs/protocol.ts';
import { errorMessage, silentLogger, type Logger } from './log.ts';

/** The edge answered with a status that retrying will not change (4xx but 408, 409 and 429). */
export class EdgeHttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: string,
    readonly method: string,
    readonly route: string,
  ) {
    super(`${method} ${route}: HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ''}`);
    this.name = 'EdgeHttpError';
  }
}

/** 409 on a job's route: the edge no longer holds our lease (expired, or given to another worker). */
export class LeaseLostError extends Error {
  constructor(
    readonly route: string,
    readonly body = '',
  ) {
    super(`the lease is lost (409 on ${route})${body ? `: ${body.slice(0, 200)}` : ''}`);
    this.name = 'LeaseLostError';
  }
}

/** Every attempt failed (network errors, timeouts, 5xx) until the deadline. */
export class EdgeUnreachableError extends Error {
  constructor(
    readonly method: string,
    readonly route: string,
    readonly attempts: number,
    readonly last: string,
  ) {
    super(`${method} ${route}: gave up after ${attempts} attempts (${last})`);
    this.name = 'EdgeUnreachableError';
  }
}

export interface CallOptions {
  /** Give up retrying after this time (epoch ms); default now + retryForMs. */
  deadline?: number;
  signal?: AbortSignal;
  lease?: string;
  /** One attempt's limit; default requestTimeoutMs (transferTimeoutMs for file bodies). */
  timeoutMs?: number;
}

export interface EdgeClientOptions {
  /** The edge's base URL, e.g. http://127.0.0.1:8787 (a path prefix is kept). */
  edge: string;
  secret: string;
  workerId: string;
  log?: Logger;
  fetch?: typeof fetch;
  requestTimeoutMs?: number;
  transferTimeoutMs?: number;
  /** How long a call keeps retrying by default. */
  retryForMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  /** Seconds since the epoch, for signatures (tests move the clock). */
  now?: () => number;
}

/** The HTTP method of a call, as fetch and the signature spell it. */
function methodOf(call: WorkerCall): string {
  return call.method.toUpperCase();
}

const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504]);

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error
    ? signal.reason
    : new Error(`aborted${signal.reason ? `: ${String(signal.reason)}` : ''}`);
}

export class EdgeClient {
  readonly base: URL;
  private readonly fetchImpl: typeof fetch;
  private readonly log: Logger;
  private readonly requestTimeoutMs: number;
  private readonly transferTimeoutMs: number;
  private readonly retryForMs: number;
  private readonly backoff: { baseMs: number; maxMs: number };
  private readonly now: () => number;

  constructor(private readonly o: EdgeClientOptions) {
    this.base = new URL(o.edge.endsWith('/') ? o.edge : `${o.edge}/`);
    this.fetchImpl = o.fetch ?? fetch;
    this.log = o.log ?? silentLogger;
    this.requestTimeoutMs = o.requestTimeoutMs ?? 30_000;
    this.transferTimeoutMs = o.transferTimeoutMs ?? 10 * 60_000;
    this.retryForMs = o.retryForMs ?? 120_000;
    this.backoff = o.backoff ?? { baseMs: 250, maxMs: 5_000 };
    this.now = o.now ?? (() => Math.floor(Date.now() / 1000));
  }

  get workerId(): string {
    return this.o.workerId;
  }

  /** Backoff before retry n: half fixed, half random ("equal jitter"), so retries neither stampede nor spin. */
  private delay(retry: number): number {
    const cap = Math.min(this.backoff.maxMs, this.backoff.baseMs * 2 ** retry);
    return cap / 2 + Math.random() * (cap / 2);
  }

  /**
   * One signed call with retries. `consume` reads the answer inside the retry loop, so a body cut off mid-way
   * (the edge restarting during a download) is retried like a failed request.
   */
  async call<T>(
    method: string,
    route: string,
    body: Uint8Array | null,
    contentType: string | null,
    o: CallOptions,
    consume: (res: Response) => Promise<T>,
  ): Promise<T> {
    const url = new URL(route.replace(/^\//, ''), this.base);
    const pathWithQuery = url.pathname + url.search;
    const bytes = body ?? new Uint8Array(0);
    const deadline = o.deadline ?? Date.now() + this.retryForMs;
    const timeoutMs = o.timeoutMs ?? (bytes.length > 1 << 20 ? this.transferTimeoutMs : this.requestTimeoutMs);
    let last = '';
    for (let attempt = 0; ; attempt++) {
      if (o.signal?.aborted) throw abortError(o.signal);
      const timestamp = this.now();
      const headers: Record<string, string> = {
        // A new nonce per try: the edge refuses a nonce it has seen, and a retry is a new request.
        ...(await signRequest(this.o.secret, method, pathWithQuery, bytes, timestamp)),
        [SIGNATURE_HEADERS.worker]: this.o.workerId,
      };
      if (o.lease) headers[SIGNATURE_HEADERS.lease] = o.lease;
      if (contentType) headers['content-type'] = contentType;
      let retryAfter: number | null = null;
      try {
        const signals = [AbortSignal.timeout(timeoutMs), ...(o.signal ? [o.signal] : [])];
        const res = await this.fetchImpl(url, {
          method,
          headers,
          body: method === 'GET' || method === 'HEAD' ? undefined : bytes,
          signal: AbortSignal.any(signals),
        });
        if (res.ok) return await consume(res);
        const text = await res.text().catch(() => '');
        if (res.status === 409 && o.lease) throw new LeaseLostError(route, text);
        if (!RETRYABLE.has(res.status)) throw new EdgeHttpError(res.status, text, method, route);
        last = `HTTP ${res.status}`;
        const ra = Number(res.headers.get('retry-after'));
        if (Number.isFinite(ra) && ra > 0) retryAfter = Math.min(ra * 1000, 30_000);
      } catch (err) {
        if (err instanceof LeaseLostError || err instanceof EdgeHttpError) throw err;
        if (o.signal?.aborted) throw abortError(o.signal);
        last = errorMessage(err);
        const cause = (err as { cause?: unknown })?.cause;
        if (cause) last += ` (${errorMessage(cause)})`;
      }
      const wait = retryAfter ?? this.delay(attempt);
      if (Date.now() + wait > deadline) throw new EdgeUnreachableError(method, route, attempt + 1, last);
      this.log.warn('edge call failed, retrying', {
        method,
        route,
        attempt: attempt + 1,
        error: last,
        retry_in_ms: Math.round(wait),
      });
      await sleep(wait, o.signal);
    }
  }

  private json<T>(
    call: WorkerCall,
    route: string,
    payload: unknown,
    o: CallOptions = {},
  ): Promise<{ status: number; body: T | null }> {
    const bytes = new TextEncoder().encode(JSON.stringify(payload));
    return this.call(methodOf(call), route, bytes, 'application/json', o, async (res) => {
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as T) : null };
    });
  }

  /** A job for this worker, or null (204: nothing waiting). */
  async claim(request: ClaimRequest, o: CallOptions = {}): Promise<ClaimResponse | null> {
    const { status, body } = await this.json<ClaimResponse>(WORKER_CALLS.claim, WORKER_ROUTES.claim, request, o);
    return status === 204 || !body ? null : body;
  }

  async heartbeat(jobId: string, request: HeartbeatRequest, o: CallOptions = {}): Promise<HeartbeatResponse> {
    const { body } = await this.json<HeartbeatResponse>(
      WORKER_CALLS.heartbeat,
      WORKER_ROUTES.heartbeat(jobId),
      request,
      {
        lease: request.lease_id,
        ...o,
      },
    );
    if (!body) throw new Error('the heartbeat answer has no body');
    return body;
  }

  async postEvents(jobId: string, request: EventsRequest, o: CallOptions = {}): Promise<void> {
    await this.json(WORKER_CALLS.events, WORKER_ROUTES.events(jobId), request, { lease: request.lease_id, ...o });
  }

  async postCheckpoint(jobId: string, request: CheckpointRequest, o: CallOptions = {}): Promise<void> {
    await this.json(WORKER_CALLS.checkpoint, WORKER_ROUTES.checkpoint(jobId), request, {
      lease: request.lease_id,
      ...o,
    });
  }

  async complete(jobId: string, request: CompleteRequest, o: CallOptions = {}): Promise<Partial<CompleteResponse>> {
    const { body } = await this.json<CompleteResponse>(WORKER_CALLS.complete, WORKER_ROUTES.complete(jobId), request, {
      lease: request.lease_id,
      ...o,
    });
    return body ?? {};
  }

  /** false when the edge does not have the (optional) release route. */
  async release(jobId: string, request: ReleaseRequest, o: CallOptions = {}): Promise<boolean> {
    try {
      await this.json(WORKER_CALLS.release, WORKER_ROUTES.release(jobId), request, { lease: request.lease_id, ...o });
      return true;
    } catch (err) {
      if (err instanceof EdgeHttpError && (err.status === 404 || err.status === 405)) return false;
      throw err;
    }
  }

  putCheckpointFile(
    jobId: string,
    step: number,
    file: string,
    bytes: Uint8Array,
    o: CallOptions & { lease: string },
  ): Promise<void> {
    return this.call(
      methodOf(WORKER_CALLS.putCheckpointFile),
      WORKER_ROUTES.checkpointFile(jobId, step, encodePathName(file)),
      bytes,
      'application/octet-stream',
      o,
      async (res) => {
        await res.body?.cancel();
      },
    );
  }

  putResultFile(jobId: string, file: string, bytes: Uint8Array, o: CallOptions & { lease: string }): Promise<void> {
    return this.call(
      methodOf(WORKER_CALLS.putResultFile),
      WORKER_ROUTES.resultFile(jobId, encodePathName(file)),
      bytes,
      'application/octet-stream',
      o,
      async (res) => {
        await res.body?.cancel();
      },
    );
  }

  /** A dataset file into `dest`; returns the name and content type the edge gave it, if any. */
  downloadFile(
    fileId: string,
    dest: string,
    o: CallOptions = {},
  ): Promise<{ name: string | null; contentType: string | null; bytes: number }> {
    return this.download(WORKER_CALLS.file, WORKER_ROUTES.file(fileId), dest, o);
  }

  downloadModelFile(modelId: string, file: string, dest: string, o: CallOptions = {}): Promise<{ bytes: number }> {
    return this.download(
      WORKER_CALLS.modelFile,
      WORKER_ROUTES.modelFile(encodePathName(modelId), encodePathName(file)),
      dest,
      o,
    );
  }

  downloadCheckpointFile(
    jobId: string,
    step: number,
    file: string,
    dest: string,
    o: CallOptions = {},
  ): Promise<{ bytes: number }> {
    return this.download(
      WORKER_CALLS.getCheckpointFile,
      WORKER_ROUTES.checkpointFile(jobId, step, encodePathName(file)),
      dest,
      o,
    );
  }

  /** Streams the answer to `dest` through a temporary file: a file is there whole or not at all. */
  private download(
    call: WorkerCall,
    route: string,
    dest: string,
    o: CallOptions,
  ): Promise<{ name: string | null; contentType: string | null; bytes: number }> {
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    const tmp = `${dest}.part`;
    return this.call(methodOf(call), route, null, null, { timeoutMs: this.transferTimeoutMs, ...o }, async (res) => {
      if (!res.body) throw new Error(`GET ${route}: empty answer`);
      await pipeline(Readable.fromWeb(res.body as unknown as WebReadableStream), fs.createWriteStream(tmp));
      fs.renameSync(tmp, dest);
      const disposition = res.headers.get('content-disposition') ?? '';
      const fromDisposition = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] ?? null;
      return {
        name: res.headers.get(FILE_NAME_HEADER) ?? (fromDisposition ? decodeURIComponent(fromDisposition) : null),
        contentType: res.headers.get('content-type'),
        bytes: fs.statSync(dest).size,
      };
    });
  }
}
