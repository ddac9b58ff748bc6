// The contract between the edge (the Worker: jobs in D1, files and models in R2) and a GPU worker (Node, runs the
// training module). The worker speaks to the edge only through these routes, authenticated by an HMAC over
// each request with a shared secret (EDGECLASS_WORKER_SECRET) -- never with a user's API key.
// Types only plus the signing scheme; both sides import this file (no Node or workerd specifics).
import type { Hyperparameters } from './hyperparameters.ts';

export type { Hyperparameters };

/** OpenAI's fine-tuning job states. */
export type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

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

export const WORKER_ROUTES = {
  /** POST -> 200 ClaimResponse | 204 when nothing is waiting. */
  claim: '/internal/worker/claim',
  /** POST HeartbeatRequest -> 200 HeartbeatResponse | 409 lease lost. */
  heartbeat: (jobId: string) => `/internal/worker/jobs/${jobId}/heartbeat`,
  /** POST EventsRequest -> 204. */
  events: (jobId: string) => `/internal/worker/jobs/${jobId}/events`,
  /** PUT raw bytes (headers x-edgeclass-lease, content-length) -> 204; GET -> the bytes (for resume). */
  checkpointFile: (jobId: string, step: number, file: string) =>
    `/internal/worker/jobs/${jobId}/checkpoints/${step}/files/${file}`,
  /** POST CheckpointRequest (after its files) -> 204. */
  checkpoint: (jobId: string) => `/internal/worker/jobs/${jobId}/checkpoints`,
  /** GET -> the dataset file's bytes. */
  file: (fileId: string) => `/internal/worker/files/${fileId}`,
  /** GET -> a file of a model folder in R2 (base models). */
  modelFile: (modelId: string, file: string) => `/internal/worker/models/${modelId}/files/${file}`,
  /** PUT raw bytes (headers x-edgeclass-lease, content-length) -> 204: the fine-tuned model folder, file by file. */
  resultFile: (jobId: string, file: string) => `/internal/worker/jobs/${jobId}/model/files/${file}`,
  /** POST CompleteRequest -> 200 { fine_tuned_model }. */
  complete: (jobId: string) => `/internal/worker/jobs/${jobId}/complete`,
  /**
   * Optional (added by the worker side; an edge without it answers 404 and the worker lets the lease expire):
   * POST ReleaseRequest -> 204. The worker gives a running job back (it is shutting down): the edge ends the lease
   * and queues the job again at once, to resume from its newest checkpoint.
   */
  release: (jobId: string) => `/internal/worker/jobs/${jobId}/release`,
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
 * The GET of a dataset file (WORKER_ROUTES.file) should name the uploaded file in this header (or in
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

export interface ReleaseRequest {
  lease_id: string;
  reason?: string;
}

export interface ClaimRequest {
  worker_id: string;
  execution_provider: 'cpu' | 'webgpu' | 'cuda';
  /** The worker's name for this claim, kept while it retries the call: a retry gets the lease the first try took. */
  claim_id?: string;
}

export interface ClaimResponse {
  job: FineTuningJob;
  /**
   * expires_at: unix seconds, the edge's clock. The worker heartbeats every third of the lease, and stops training
   * by itself when it could not renew the lease before it expired (the edge may have given the job to another).
   */
  lease: { id: string; expires_at: number };
  /** 1-based; > 1 when the job is retried after a lost lease. */
  attempt: number;
  /** Files of the base model folder to fetch through modelFile(). */
  base_model_files: string[];
  /**
   * The newest registered checkpoint when the job is resumed: fetch its files through checkpointFile(). Its
   * trainer_state.json names the best checkpoint so far (bestStep); the worker also fetches that one (same file
   * names) to export the best weights, so the edge keeps the files of the newest and of the best checkpoint.
   */
  resume_from: { step: number; files: string[] } | null;
}

export interface HeartbeatRequest {
  lease_id: string;
  step?: number;
  total_steps?: number;
}

export interface HeartbeatResponse {
  expires_at: number;
  /** The user cancelled: stop promptly, then complete with status 'cancelled'. */
  cancel_requested: boolean;
}

export interface JobEvent {
  /** The worker's name for the event, unique within the job: a retried post of it is recorded once. */
  id?: string;
  /** 'message' or 'metrics' (OpenAI's event types). */
  type: 'message' | 'metrics';
  level: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown> | null;
  created_at: number;
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

export interface EventsRequest {
  lease_id: string;
  events: JobEvent[];
}

export interface CheckpointRequest {
  lease_id: string;
  step: number;
  epoch: number;
  files: string[];
  metrics: Record<string, number>;
}

export interface CompleteRequest {
  lease_id: string;
  status: 'succeeded' | 'failed' | 'cancelled';
  error?: { code: string; message: string } | null;
  /** succeeded: the files uploaded through resultFile(). */
  files?: string[];
  trained_tokens?: number | null;
  metrics?: Record<string, number>;
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
