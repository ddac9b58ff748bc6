// The contract between the edge (the Worker: jobs in D1, files and models in R2) and a GPU worker (Node, runs the
// training module). The worker speaks to the edge only through these routes, authenticated by an HMAC over
// each request with a shared secret (EDGECLASS_WORKER_SECRET) -- never with a user's API key.
// Written once: WORKER_CALLS is the table of every call (method, path, path parameters, body and answer as zod
// schemas, types by z.infer); the edge's routes (src/http/routes/worker-api.ts) are declared from it and the
// worker's client (src/gpu-worker/edge-client.ts) calls through it. Plus the signing scheme. Both sides import
// this file (zod only: no Node or workerd specifics).
import { z } from '@hono/zod-openapi';
import type { JobStatus } from '../storage/types.ts';
import type { Hyperparameters } from './hyperparameters.ts';

export type { Hyperparameters };

/** OpenAI's fine-tuning job states: the stored ones (a type only, so the worker imports nothing of storage). */
export type { JobStatus };

/** The job as the public API shows it (OpenAI's fine_tuning.job, plus edgeclass's fields). */
export interface FineTuningJob {
  id: string; // "ftjob-<26 chars>"
  object: 'fine_tuning.job';
  created_at: number; // unix seconds
  finished_at: number | null;
  model: string; // base model id
  fine_tuned_model: string | null; // "ft:<base>:<suffix>:<job id>" once succeeded
  status: JobStatus;
  training_file: string; // "file-..."
  validation_file: string | null;
  hyperparameters: Hyperparameters;
  result_files: string[];
  trained_tokens: number | null;
  error: { code: string; message: string; param: string | null } | null;
  seed: number;
  suffix: string | null;
  metadata: Record<string, string> | null;
  estimated_finish: number | null;
  /** Where fine_tuning.job.* webhooks go (Standard Webhooks); edgeclass's addition. */
  webhook: { url: string } | null;
}

// ---- Worker <-> edge -------------------------------------------------------------------------------------

const LeaseId = z.string().min(1).max(100);
const FileNames = z.array(z.string().min(1).max(500)).max(1000);
const Metrics = z.record(z.string(), z.number());

export const ClaimRequestSchema = z
  .object({
    worker_id: z.string().min(1).max(200),
    execution_provider: z.enum(['cpu', 'webgpu', 'cuda']),
    claim_id: z.string().min(1).max(200).optional().openapi({
      description:
        "The worker's name for this claim, kept while it retries: a retry gets the lease the first try took.",
    }),
  })
  .openapi('WorkerClaimRequest');

// The job's public shape (FineTuningJob above, the FineTuningJob schema of the public API) is not the worker
// protocol's to define: a claim carries it as the API shows it.
const ClaimedJob = z
  .custom<FineTuningJob>((v) => typeof v === 'object' && v !== null)
  .openapi({ type: 'object', description: 'The job as GET /v1/fine_tuning/jobs/{job_id} shows it (FineTuningJob).' });

export const ClaimResponseSchema = z
  .object({
    job: ClaimedJob,
    lease: z.object({ id: z.string(), expires_at: z.number().int() }).openapi({
      description:
        "expires_at: unix seconds, the edge's clock. The worker heartbeats every third of the lease, and stops training by itself when it could not renew the lease before it expired (the edge may have given the job to another).",
    }),
    attempt: z.number().int().openapi({ description: '1-based; > 1 when the job is retried after a lost lease.' }),
    base_model_files: z
      .array(z.string())
      .openapi({ description: 'Files of the base model folder to fetch through modelFile.' }),
    resume_from: z
      .object({ step: z.number().int(), files: z.array(z.string()) })
      .nullable()
      .openapi({
        description:
          'The newest registered checkpoint when the job is resumed: fetch its files through checkpointFile. Its trainer_state.json names the best checkpoint so far (bestStep); the worker also fetches that one (same file names) to export the best weights, so the edge keeps the files of the newest and of the best checkpoint.',
      }),
  })
  .openapi('WorkerClaimResponse');

export const HeartbeatRequestSchema = z
  .object({
    lease_id: LeaseId,
    step: z.number().int().min(0).optional(),
    total_steps: z.number().int().min(0).optional(),
  })
  .openapi('WorkerHeartbeatRequest');

export const HeartbeatResponseSchema = z
  .object({
    expires_at: z.number().int(),
    cancel_requested: z
      .boolean()
      .openapi({ description: "The user cancelled: stop promptly, then complete with status 'cancelled'." }),
  })
  .openapi('WorkerHeartbeatResponse');

export const JobEventSchema = z.object({
  id: z.string().min(1).max(200).optional().openapi({
    description: "The worker's name for the event, unique within the job: a retried post of it is recorded once.",
  }),
  /** 'message' or 'metrics' (OpenAI's event types). */
  type: z.enum(['message', 'metrics']),
  level: z.enum(['info', 'warn', 'error']),
  message: z.string().max(100_000),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  created_at: z.number(),
});

export const EventsRequestSchema = z
  .object({ lease_id: LeaseId, events: z.array(JobEventSchema).max(500) })
  .openapi('WorkerEventsRequest');

export const CheckpointRequestSchema = z
  .object({
    lease_id: LeaseId,
    step: z.number().int().min(0),
    epoch: z.number().min(0),
    files: FileNames,
    metrics: Metrics,
  })
  .openapi('WorkerCheckpointRequest');

export const CompleteRequestSchema = z
  .object({
    lease_id: LeaseId,
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    error: z
      .object({ code: z.string().max(100), message: z.string().max(10_000) })
      .nullable()
      .optional(),
    files: FileNames.optional().openapi({ description: 'succeeded: the files uploaded through resultFile.' }),
    trained_tokens: z.number().int().min(0).nullable().optional(),
    metrics: Metrics.optional(),
  })
  .openapi('WorkerCompleteRequest');

export const CompleteResponseSchema = z
  .object({ status: z.enum(['succeeded', 'failed', 'cancelled']), fine_tuned_model: z.string().nullable() })
  .openapi('WorkerCompleteResponse');

export const ReleaseRequestSchema = z
  .object({ lease_id: LeaseId, reason: z.string().max(2000).optional() })
  .openapi('WorkerReleaseRequest');

export type ClaimRequest = z.infer<typeof ClaimRequestSchema>;
export type ClaimResponse = z.infer<typeof ClaimResponseSchema>;
export type HeartbeatRequest = z.infer<typeof HeartbeatRequestSchema>;
export type HeartbeatResponse = z.infer<typeof HeartbeatResponseSchema>;
export type JobEvent = z.infer<typeof JobEventSchema>;
export type EventsRequest = z.infer<typeof EventsRequestSchema>;
export type CheckpointRequest = z.infer<typeof CheckpointRequestSchema>;
export type CompleteRequest = z.infer<typeof CompleteRequestSchema>;
export type CompleteResponse = z.infer<typeof CompleteResponseSchema>;
export type ReleaseRequest = z.infer<typeof ReleaseRequestSchema>;

const JobParams = z.object({ job_id: z.string().max(100) });
const CheckpointFileParams = z.object({
  job_id: z.string().max(100),
  step: z.coerce.number().int().min(0),
  file: z.string().max(500),
});

/** A body or an answer that is the file's raw bytes (uploads carry the lease in x-edgeclass-lease). */
export const BYTES = 'bytes';

export interface WorkerCall {
  method: 'get' | 'post' | 'put';
  /** OpenAPI's template: `{name}`; the names in `slashed` may contain `/` (a file in a folder, an org/model id). */
  path: string;
  params?: z.ZodObject;
  slashed?: readonly string[];
  body?: z.ZodType | typeof BYTES;
  /** The 200 answer; null: 204 with no body. */
  response: z.ZodType | typeof BYTES | null;
}

/** Every call a worker makes to the edge. */
export const WORKER_CALLS = {
  /** A queued job, or a running one whose lease expired (resumed from its newest checkpoint); 204: none waiting. */
  claim: { method: 'post', path: '/internal/worker/claim', body: ClaimRequestSchema, response: ClaimResponseSchema },
  /** Extends the lease and tells whether the user cancelled; 409: the lease is lost. */
  heartbeat: {
    method: 'post',
    path: '/internal/worker/jobs/{job_id}/heartbeat',
    params: JobParams,
    body: HeartbeatRequestSchema,
    response: HeartbeatResponseSchema,
  },
  events: {
    method: 'post',
    path: '/internal/worker/jobs/{job_id}/events',
    params: JobParams,
    body: EventsRequestSchema,
    response: null,
  },
  putCheckpointFile: {
    method: 'put',
    path: '/internal/worker/jobs/{job_id}/checkpoints/{step}/files/{file}',
    params: CheckpointFileParams,
    slashed: ['file'],
    body: BYTES,
    response: null,
  },
  /** A checkpoint file, to resume. */
  getCheckpointFile: {
    method: 'get',
    path: '/internal/worker/jobs/{job_id}/checkpoints/{step}/files/{file}',
    params: CheckpointFileParams,
    slashed: ['file'],
    response: BYTES,
  },
  /** Registers a checkpoint whose files are uploaded (the next attempt resumes from the newest). */
  checkpoint: {
    method: 'post',
    path: '/internal/worker/jobs/{job_id}/checkpoints',
    params: JobParams,
    body: CheckpointRequestSchema,
    response: null,
  },
  /** A dataset file's bytes, named in FILE_NAME_HEADER. */
  file: {
    method: 'get',
    path: '/internal/worker/files/{file_id}',
    params: z.object({ file_id: z.string().max(100) }),
    response: BYTES,
  },
  /** A file of a model folder in R2 (base models). */
  modelFile: {
    method: 'get',
    path: '/internal/worker/models/{model_id}/files/{file}',
    params: z.object({ model_id: z.string().max(500), file: z.string().max(500) }),
    slashed: ['model_id', 'file'],
    response: BYTES,
  },
  /** The fine-tuned model folder, file by file. */
  putResultFile: {
    method: 'put',
    path: '/internal/worker/jobs/{job_id}/model/files/{file}',
    params: z.object({ job_id: z.string().max(100), file: z.string().max(500) }),
    slashed: ['file'],
    body: BYTES,
    response: null,
  },
  complete: {
    method: 'post',
    path: '/internal/worker/jobs/{job_id}/complete',
    params: JobParams,
    body: CompleteRequestSchema,
    response: CompleteResponseSchema,
  },
  /**
   * Optional (added by the worker side; an edge without it answers 404 and the worker lets the lease expire): the
   * worker gives a running job back (it is shutting down): the edge ends the lease and queues the job again at
   * once, to resume from its newest checkpoint.
   */
  release: {
    method: 'post',
    path: '/internal/worker/jobs/{job_id}/release',
    params: JobParams,
    body: ReleaseRequestSchema,
    response: null,
  },
} as const satisfies Record<string, WorkerCall>;

/** A call's path with its parameters in place, as given (encode names with encodePathName first). */
export function workerPath(call: WorkerCall, params: Record<string, string | number> = {}): string {
  return call.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    if (params[name] === undefined) throw new Error(`workerPath: no value for {${name}} in ${call.path}`);
    return String(params[name]);
  });
}

/** The paths of WORKER_CALLS by call, for callers that name a job, step or file. */
export const WORKER_ROUTES = {
  claim: WORKER_CALLS.claim.path,
  heartbeat: (jobId: string) => workerPath(WORKER_CALLS.heartbeat, { job_id: jobId }),
  events: (jobId: string) => workerPath(WORKER_CALLS.events, { job_id: jobId }),
  checkpointFile: (jobId: string, step: number, file: string) =>
    workerPath(WORKER_CALLS.putCheckpointFile, { job_id: jobId, step, file }),
  checkpoint: (jobId: string) => workerPath(WORKER_CALLS.checkpoint, { job_id: jobId }),
  file: (fileId: string) => workerPath(WORKER_CALLS.file, { file_id: fileId }),
  modelFile: (modelId: string, file: string) => workerPath(WORKER_CALLS.modelFile, { model_id: modelId, file }),
  resultFile: (jobId: string, file: string) => workerPath(WORKER_CALLS.putResultFile, { job_id: jobId, file }),
  complete: (jobId: string) => workerPath(WORKER_CALLS.complete, { job_id: jobId }),
  release: (jobId: string) => workerPath(WORKER_CALLS.release, { job_id: jobId }),
} as const;

/**
 * Names in paths (file names of checkpointFile, modelFile and resultFile, model ids of modelFile) are given as
 * they are in the folder, `/` included ("onnx/model.onnx", "1_Pooling/config.json", "org/model"), with each
 * segment percent-encoded and the `/` kept: encodePathName(). The signature covers the path exactly as sent
 * (still encoded), with its query.
 */
export function encodePathName(name: string): string {
  return name.split('/').map(encodeURIComponent).join('/');
}

/**
 * The GET of a dataset file (WORKER_CALLS.file) should name the uploaded file in this header (or in
 * content-disposition's filename): its extension gives the format (.jsonl, .csv, .tsv). Without a name the worker
 * goes by content-type (application/jsonl, text/csv, text/tab-separated-values), then by the content itself.
 */
export const FILE_NAME_HEADER = 'x-edgeclass-filename';

/**
 * Push (optional): a worker started with --port listens for POST WORKER_WAKE_PATH with a WakeRequest, signed with
 * the same scheme as every other call; it answers 202 and claims at once (the claim decides which job it gets).
 */
export const WORKER_WAKE_PATH = '/wake';

export interface WakeRequest {
  job_id?: string | null;
}

/**
 * What the worker puts in JobEvent.data (the edge may build progress webhooks from it):
 * - message events: { phase: 'started' | 'resumed' | 'training_done' | 'uploading' | ..., attempt, worker_id,
 *   resume_step? }
 * - metrics events, every N optimizer steps: MetricsEventData
 * - metrics events after each evaluation: EvaluationEventData
 */
export interface MetricsEventData {
  step: number;
  total_steps: number;
  epoch: number;
  /** The smoothed training loss (OpenAI's train_loss). */
  train_loss: number;
  learning_rate: number;
  samples_per_second: number;
  eta_seconds: number | null;
  attempt: number;
}

export interface EvaluationEventData {
  step: number;
  epoch: number;
  /** OpenAI's names and the classification extras (src/jobs/metric-names.ts). */
  valid_loss: number;
  full_valid_loss: number;
  valid_mean_token_accuracy: number;
  full_valid_mean_token_accuracy: number;
  eval_loss: number;
  eval_accuracy: number;
  eval_macro_f1: number;
  is_best: boolean;
  attempt: number;
}

// ---- Request signing (both directions use the same scheme) -----------------------------------------------

export const SIGNATURE_HEADERS = {
  timestamp: 'x-edgeclass-timestamp',
  signature: 'x-edgeclass-signature',
  /** A fresh random value per request (per try): the receiver refuses one it has seen within the window. */
  nonce: 'x-edgeclass-nonce',
  /** hex sha256 of the body, signed: the receiver authenticates from headers before it reads (or streams) a body. */
  contentSha256: 'x-edgeclass-content-sha256',
  worker: 'x-edgeclass-worker',
  lease: 'x-edgeclass-lease',
} as const;

/** Requests older or newer than this are refused (replays); a nonce is remembered at least twice this long. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/** 16 to 64 characters of base64url: 128 random bits or more. */
const NONCE_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
const SHA256_PATTERN = /^[0-9a-f]{64}$/;

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export async function sha256Hex(body: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', body));
}

/** 128 random bits, base64url. */
export function newNonce(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** What a signature covers: everything but the body itself, which it binds through its digest. */
export interface SignedParts {
  method: string;
  pathWithQuery: string;
  timestamp: number;
  nonce: string;
  contentSha256: string;
}

/**
 * v2=<hex HMAC-SHA256(secret, "<timestamp>.<nonce>.<METHOD>.<path with query>.<hex sha256(body)>")>: binds the
 * time, the nonce, the method, the path and the body, so a signed request cannot be replayed against another route,
 * with another body, or (the receiver remembering nonces) twice.
 */
export async function signParts(secret: string, parts: SignedParts): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const payload = `${parts.timestamp}.${parts.nonce}.${parts.method.toUpperCase()}.${parts.pathWithQuery}.${parts.contentSha256}`;
  return `v2=${hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(payload)))}`;
}

/**
 * The signature headers of one request (timestamp, nonce, body digest, signature). Sign each try anew: a retried
 * call is a new request with a new nonce.
 */
export async function signRequest(
  secret: string,
  method: string,
  pathWithQuery: string,
  body: Uint8Array,
  timestamp: number,
  nonce = newNonce(),
): Promise<Record<string, string>> {
  const contentSha256 = await sha256Hex(body);
  return {
    [SIGNATURE_HEADERS.timestamp]: String(timestamp),
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.contentSha256]: contentSha256,
    [SIGNATURE_HEADERS.signature]: await signParts(secret, { method, pathWithQuery, timestamp, nonce, contentSha256 }),
  };
}

export interface HeaderSource {
  get(name: string): string | null | undefined;
}

/** A request whose headers carry a valid signature: its nonce (to remember) and its body's announced digest. */
export interface VerifiedHeaders {
  timestamp: number;
  nonce: string;
  contentSha256: string;
}

/**
 * Checks the signature from the headers alone (constant-time compare, fresh timestamp, well-formed nonce and
 * digest), without reading the body; null on any failure. The caller still checks the body against
 * contentSha256 (bodyMatches, or a store that verifies the digest while it streams), and the nonce for reuse.
 */
export async function verifyHeaders(
  secret: string,
  method: string,
  pathWithQuery: string,
  headers: HeaderSource,
  now = Math.floor(Date.now() / 1000),
): Promise<VerifiedHeaders | null> {
  const timestamp = Number(headers.get(SIGNATURE_HEADERS.timestamp) || Number.NaN);
  const nonce = headers.get(SIGNATURE_HEADERS.nonce) ?? '';
  const contentSha256 = headers.get(SIGNATURE_HEADERS.contentSha256) ?? '';
  const signature = headers.get(SIGNATURE_HEADERS.signature) ?? '';
  if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return null;
  if (!NONCE_PATTERN.test(nonce) || !SHA256_PATTERN.test(contentSha256) || !signature) return null;
  const expected = await signParts(secret, { method, pathWithQuery, timestamp, nonce, contentSha256 });
  if (expected.length !== signature.length) return null;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0 ? { timestamp, nonce, contentSha256 } : null;
}

/** Whether the body is the one the signed headers announced. */
export async function bodyMatches(body: Uint8Array, contentSha256: string): Promise<boolean> {
  return (await sha256Hex(body)) === contentSha256;
}

/** verifyHeaders and bodyMatches together, for receivers that hold small bodies anyway (the wake server). */
export async function verifyRequest(
  secret: string,
  method: string,
  pathWithQuery: string,
  headers: HeaderSource,
  body: Uint8Array,
  now = Math.floor(Date.now() / 1000),
): Promise<VerifiedHeaders | null> {
  const verified = await verifyHeaders(secret, method, pathWithQuery, headers, now);
  return verified && (await bodyMatches(body, verified.contentSha256)) ? verified : null;
}
