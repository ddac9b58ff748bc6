// The edge side of the worker protocol (src/jobs/protocol.ts) as a small node:http server: the stand-in for the
// GPU worker's unit tests only (the end-to-end test runs the real edge in wrangler dev). It keeps the contract as
// the edge must: every request verified with verifyRequest (401 otherwise), exclusive leases that expire, 409 on
// a lease that is not the caller's, checkpoints registered only once their files are there, resume from the
// newest registered checkpoint, bounded attempts. Faults are injected per request (503, dropped connections, held
// requests) and
// every request is recorded with the worker and lease that made it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  FILE_NAME_HEADER,
  SIGNATURE_HEADERS,
  verifyRequest,
  type CheckpointRequest,
  type ClaimRequest,
  type ClaimResponse,
  type CompleteRequest,
  type EventsRequest,
  type FineTuningJob,
  type HeartbeatRequest,
  type Hyperparameters,
  type JobEvent,
  type JobStatus,
  type ReleaseRequest,
} from '../../src/jobs/protocol.ts';

export interface FakeJob {
  job: FineTuningJob;
  attempts: number;
  lease: { id: string; workerId: string; expiresAtMs: number; revoked: boolean } | null;
  /** Every lease ever given: who held the job, and when the lease was given and when it ended. */
  leases: { id: string; workerId: string; from: number; to: number | null; attempt: number }[];
  cancelRequested: boolean;
  events: (JobEvent & { worker: string; lease: string })[];
  checkpointFiles: Map<number, Map<string, Uint8Array>>;
  checkpoints: Map<number, CheckpointRequest>;
  /** How many events the edge had recorded when each checkpoint was registered: the order the edge lists them in. */
  eventsBeforeCheckpoint: Map<number, number>;
  resultFiles: Map<string, Uint8Array>;
  completion: CompleteRequest | null;
  heartbeats: HeartbeatRequest[];
}

export interface RecordedCall {
  at: number;
  method: string;
  path: string;
  status: number;
  worker: string | null;
  lease: string | null;
}

/**
 * What to do with a request before the edge looks at it: nothing, a status, a dropped connection, or holding it
 * and then handling it as usual (what wrangler dev does with the requests that arrive while it restarts).
 */
export type Fault = null | { status: number } | 'drop' | { holdMs: number };

export interface FakeEdge {
  url: string;
  secret: string;
  jobs: Map<string, FakeJob>;
  calls: RecordedCall[];
  addFile(id: string, name: string, content: string | Uint8Array): void;
  addModel(id: string, files: Map<string, Uint8Array>): void;
  createJob(o: {
    model: string;
    training_file: string;
    validation_file?: string | null;
    hyperparameters: Hyperparameters;
    suffix?: string;
  }): FakeJob;
  /** The lease is gone at once (as if it had expired and the job had been handed over): 409s from now on. */
  revokeLease(jobId: string): void;
  cancel(jobId: string): void;
  /** Called before each request is handled. */
  fault: (call: { method: string; path: string; worker: string | null }) => Fault;
  /** Called after a request succeeded (tests hook state changes here). */
  after: (call: { method: string; path: string; worker: string | null; job: FakeJob | null }) => void;
  close(): Promise<void>;
}

const json = (res: http.ServerResponse, status: number, body?: unknown) => {
  res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
  res.end(body === undefined ? undefined : JSON.stringify(body));
};

export async function startFakeEdge(o: {
  secret: string;
  leaseSeconds?: number;
  maxAttempts?: number;
}): Promise<FakeEdge> {
  const leaseMs = (o.leaseSeconds ?? 6) * 1000;
  const maxAttempts = o.maxAttempts ?? 5;
  const files = new Map<string, { name: string; bytes: Uint8Array }>();
  const models = new Map<string, Map<string, Uint8Array>>();
  const jobs = new Map<string, FakeJob>();
  const calls: RecordedCall[] = [];
  const nonces = new Set<string>();
  let counter = 0;

  const endLease = (j: FakeJob) => {
    const open = j.leases.at(-1);
    if (open && open.to === null) open.to = Date.now();
    j.lease = null;
  };
  const leaseValid = (j: FakeJob, leaseId: string | null) =>
    j.lease !== null &&
    !j.lease.revoked &&
    j.lease.id === leaseId &&
    j.lease.expiresAtMs > Date.now() &&
    j.job.status === 'running';
  const setStatus = (j: FakeJob, status: JobStatus) => {
    j.job.status = status;
    if (['succeeded', 'failed', 'cancelled'].includes(status)) j.job.finished_at = Math.floor(Date.now() / 1000);
  };

  const claim = (worker: string): ClaimResponse | null => {
    for (const j of jobs.values()) {
      const expired =
        j.job.status === 'running' && j.lease !== null && (j.lease.revoked || j.lease.expiresAtMs <= Date.now());
      if (j.job.status !== 'queued' && !expired) continue;
      if (expired) endLease(j);
      if (j.attempts >= maxAttempts) {
        setStatus(j, 'failed');
        j.job.error = { code: 'max_attempts', message: `gave up after ${j.attempts} attempts`, param: null };
        continue;
      }
      j.attempts++;
      setStatus(j, 'running');
      const lease = { id: `lease-${++counter}`, workerId: worker, expiresAtMs: Date.now() + leaseMs, revoked: false };
      j.lease = lease;
      j.leases.push({ id: lease.id, workerId: worker, from: Date.now(), to: null, attempt: j.attempts });
      const newest = [...j.checkpoints.keys()].sort((a, b) => b - a)[0];
      return {
        job: j.job,
        lease: { id: lease.id, expires_at: lease.expiresAtMs / 1000 },
        attempt: j.attempts,
        base_model_files: [...(models.get(j.job.model)?.keys() ?? [])],
        resume_from: newest === undefined ? null : { step: newest, files: j.checkpoints.get(newest)!.files },
      };
    }
    return null;
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const raw = req.url ?? '/';
      const method = req.method ?? 'GET';
      const body = new Uint8Array(Buffer.concat(chunks));
      const worker = (req.headers[SIGNATURE_HEADERS.worker] as string | undefined) ?? null;
      const leaseHeader = (req.headers[SIGNATURE_HEADERS.lease] as string | undefined) ?? null;
      const call: RecordedCall = { at: Date.now(), method, path: raw, status: 0, worker, lease: leaseHeader };
      calls.push(call);
      const reply = (status: number, payload?: unknown) => {
        call.status = status;
        json(res, status, payload);
      };
      const fault = edge.fault({ method, path: raw, worker });
      if (fault === 'drop') {
        call.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault && 'holdMs' in fault) await new Promise((r) => setTimeout(r, fault.holdMs));
      else if (fault)
        return reply(fault.status, {
          error: { message: 'injected fault', type: 'server_error', code: 'server_error' },
        });
      const header = (name: string) => (req.headers[name] as string | undefined) ?? null;
      const verified = await verifyRequest(o.secret, method, raw, { get: header }, body);
      if (!verified)
        return reply(401, {
          error: { message: 'bad signature', type: 'invalid_request_error', code: 'unauthenticated' },
        });
      // As the edge: a nonce is taken once (a retry must be signed anew).
      if (nonces.has(verified.nonce))
        return reply(401, {
          error: { message: 'replayed nonce', type: 'invalid_request_error', code: 'unauthenticated' },
        });
      nonces.add(verified.nonce);
      const text = () => JSON.parse(new TextDecoder().decode(body));
      const segments = raw.split('?')[0].split('/').slice(1);
      const rest = (from: number) => segments.slice(from).map(decodeURIComponent).join('/');
      let job: FakeJob | null = null;
      const done = (status: number, payload?: unknown) => {
        reply(status, payload);
        edge.after({ method, path: raw, worker, job });
      };
      // /internal/worker/...
      if (segments[0] !== 'internal' || segments[1] !== 'worker') return reply(404);
      const [, , kind, id, sub, step] = segments;
      if (kind === 'claim' && method === 'POST') {
        const request = text() as ClaimRequest;
        if (request.worker_id !== worker) return reply(400, { error: { message: 'worker_id and header differ' } });
        const answer = claim(request.worker_id);
        return answer ? done(200, answer) : done(204);
      }
      if (kind === 'files' && method === 'GET') {
        const f = files.get(decodeURIComponent(id));
        if (!f) return reply(404, { error: { message: 'no such file' } });
        call.status = 200;
        res.writeHead(200, { 'content-type': 'application/octet-stream', [FILE_NAME_HEADER]: f.name });
        return res.end(Buffer.from(f.bytes));
      }
      if (kind === 'models' && method === 'GET') {
        const at = segments.indexOf('files');
        const model = models.get(segments.slice(3, at).map(decodeURIComponent).join('/'));
        const bytes = model?.get(rest(at + 1));
        if (!bytes) return reply(404, { error: { message: 'no such model file' } });
        call.status = 200;
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(Buffer.from(bytes));
      }
      if (kind !== 'jobs') return reply(404);
      job = jobs.get(id) ?? null;
      if (!job) return reply(404, { error: { message: 'no such job' } });
      if (sub === 'checkpoints' && method === 'GET' && segments[6] === 'files') {
        const bytes = job.checkpointFiles.get(Number(step))?.get(rest(7));
        if (!bytes || !job.checkpoints.has(Number(step)))
          return reply(404, { error: { message: 'no such checkpoint file' } });
        call.status = 200;
        res.writeHead(200, { 'content-type': 'application/octet-stream' });
        return res.end(Buffer.from(bytes));
      }
      // Everything else acts for the job: only under its current, valid lease.
      const leaseId = method === 'PUT' ? leaseHeader : ((text() as { lease_id?: string }).lease_id ?? null);
      if (!leaseValid(job, leaseId) || job.lease!.workerId !== worker)
        return reply(409, { error: { type: 'conflict', message: 'lease lost' } });
      if (sub === 'heartbeat' && method === 'POST') {
        job.heartbeats.push(text() as HeartbeatRequest);
        job.lease!.expiresAtMs = Date.now() + leaseMs;
        return done(200, { expires_at: job.lease!.expiresAtMs / 1000, cancel_requested: job.cancelRequested });
      }
      if (sub === 'events' && method === 'POST') {
        for (const e of (text() as EventsRequest).events) job.events.push({ ...e, worker: worker!, lease: leaseId! });
        return done(204);
      }
      if (sub === 'checkpoints' && method === 'PUT' && segments[6] === 'files') {
        const s = Number(step);
        if (!job.checkpointFiles.has(s)) job.checkpointFiles.set(s, new Map());
        job.checkpointFiles.get(s)!.set(rest(7), body);
        return done(204);
      }
      if (sub === 'checkpoints' && method === 'POST') {
        const request = text() as CheckpointRequest;
        const have = job.checkpointFiles.get(request.step);
        const missing = request.files.filter((f) => !have?.has(f));
        if (missing.length) return reply(400, { error: { message: `missing files: ${missing.join(', ')}` } });
        job.checkpoints.set(request.step, request);
        job.eventsBeforeCheckpoint.set(request.step, job.events.length);
        return done(204);
      }
      if (sub === 'model' && method === 'PUT' && segments[5] === 'files') {
        job.resultFiles.set(rest(6), body);
        return done(204);
      }
      if (sub === 'complete' && method === 'POST') {
        const request = text() as CompleteRequest;
        if (request.status === 'succeeded') {
          const missing = (request.files ?? []).filter((f) => !job!.resultFiles.has(f));
          if (missing.length || !request.files?.length)
            return reply(400, { error: { message: `missing result files: ${missing.join(', ')}` } });
          job.job.fine_tuned_model = `ft:${job.job.model}:${job.job.suffix ?? 'edgeclass'}:${job.job.id}`;
          job.job.result_files = request.files;
          job.job.trained_tokens = request.trained_tokens ?? null;
        }
        if (request.status === 'failed')
          job.job.error = { code: request.error?.code ?? 'failed', message: request.error?.message ?? '', param: null };
        job.completion = request;
        setStatus(job, request.status);
        endLease(job);
        return done(200, { fine_tuned_model: job.job.fine_tuned_model });
      }
      if (sub === 'release' && method === 'POST') {
        text() as ReleaseRequest;
        endLease(job);
        setStatus(job, 'queued');
        return done(204);
      }
      return reply(404);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const edge: FakeEdge = {
    url: `http://127.0.0.1:${port}`,
    secret: o.secret,
    jobs,
    calls,
    addFile: (id, name, content) =>
      files.set(id, { name, bytes: typeof content === 'string' ? new TextEncoder().encode(content) : content }),
    addModel: (id, m) => models.set(id, m),
    createJob: (c) => {
      const id = `ftjob-${String(++counter).padStart(26, '0')}`;
      const job: FineTuningJob = {
        id,
        object: 'fine_tuning.job',
        created_at: Math.floor(Date.now() / 1000),
        finished_at: null,
        model: c.model,
        fine_tuned_model: null,
        status: 'queued',
        training_file: c.training_file,
        validation_file: c.validation_file ?? null,
        hyperparameters: c.hyperparameters,
        result_files: [],
        trained_tokens: null,
        error: null,
        seed: c.hyperparameters.seed,
        suffix: c.suffix ?? null,
        metadata: null,
        estimated_finish: null,
        webhook: null,
      };
      const j: FakeJob = {
        job,
        attempts: 0,
        lease: null,
        leases: [],
        cancelRequested: false,
        events: [],
        checkpointFiles: new Map(),
        checkpoints: new Map(),
        eventsBeforeCheckpoint: new Map(),
        resultFiles: new Map(),
        completion: null,
        heartbeats: [],
      };
      jobs.set(id, j);
      return j;
    },
    revokeLease: (jobId) => {
      const j = jobs.get(jobId)!;
      if (j.lease) {
        j.lease.revoked = true;
        const open = j.leases.at(-1);
        if (open && open.to === null) open.to = Date.now();
      }
    },
    cancel: (jobId) => {
      jobs.get(jobId)!.cancelRequested = true;
    },
    fault: () => null,
    after: () => {},
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return edge;
}
