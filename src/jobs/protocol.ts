// The contract between the edge (the Worker: jobs in D1, files and models in R2) and a GPU worker (Node, runs the
// training module). The worker speaks to the edge only through these routes, authenticated by an HMAC over
// each request with a shared secret (EDGECLASS_WORKER_SECRET) -- never with a user's API key.
// Types only plus the signing scheme; both sides import this file (no Node or workerd specifics).

/** OpenAI's fine-tuning job states. */
export type JobStatus = 'validating_files' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

/** Hyperparameters: the training module's options, in the OpenAI API's snake_case style. */
export interface Hyperparameters {
  n_epochs: number;
  batch_size: number;
  learning_rate: number;
  max_length: number;
  num_frozen_layers: number;
  freeze_embeddings: boolean;
  /** cls | mean | max: edgeclass's project head; null: the architecture's Hugging Face head. */
  pooling: 'cls' | 'mean' | 'max' | null;
  warmup_ratio: number;
  weight_decay: number;
  seed: number;
  gradient_accumulation_steps: number;
  /** Evaluate (and checkpoint) every N optimizer steps; null: every epoch. */
  eval_steps: number | null;
  early_stopping_patience: number | null;
}

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
  /** PUT raw bytes (header x-edgeclass-lease) -> 204; GET -> the bytes (for resume). */
  checkpointFile: (jobId: string, step: number, file: string) => `/internal/worker/jobs/${jobId}/checkpoints/${step}/files/${file}`,
  /** POST CheckpointRequest (after its files) -> 204. */
  checkpoint: (jobId: string) => `/internal/worker/jobs/${jobId}/checkpoints`,
  /** GET -> the dataset file's bytes. */
  file: (fileId: string) => `/internal/worker/files/${fileId}`,
  /** GET -> a file of a model folder in R2 (base models). */
  modelFile: (modelId: string, file: string) => `/internal/worker/models/${modelId}/files/${file}`,
  /** PUT raw bytes (header x-edgeclass-lease) -> 204: the fine-tuned model folder, file by file. */
  resultFile: (jobId: string, file: string) => `/internal/worker/jobs/${jobId}/model/files/${file}`,
  /** POST CompleteRequest -> 200 { fine_tuned_model }. */
  complete: (jobId: string) => `/internal/worker/jobs/${jobId}/complete`,
} as const;

export interface ClaimRequest {
  worker_id: string;
  execution_provider: 'cpu' | 'webgpu' | 'cuda';
}

export interface ClaimResponse {
  job: FineTuningJob;
  lease: { id: string; expires_at: number };
  /** 1-based; > 1 when the job is retried after a lost lease. */
  attempt: number;
  /** Files of the base model folder to fetch through modelFile(). */
  base_model_files: string[];
  /** The newest registered checkpoint when the job is resumed: fetch its files through checkpointFile(). */
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
  /** 'message' or 'metrics' (OpenAI's event types). */
  type: 'message' | 'metrics';
  level: 'info' | 'warn' | 'error';
  message: string;
  data?: Record<string, unknown> | null;
  created_at: number;
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
  worker: 'x-edgeclass-worker',
  lease: 'x-edgeclass-lease',
} as const;

/** Requests older or newer than this are refused (replays). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function hex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

async function sha256Hex(body: Uint8Array): Promise<string> {
  return hex(await crypto.subtle.digest('SHA-256', body));
}

/**
 * v1=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD>.<path with query>.<hex sha256(body)>")>: binds the method,
 * the path and the body, so a signed request cannot be replayed against another route or with another body.
 */
export async function signRequest(secret: string, method: string, pathWithQuery: string, body: Uint8Array, timestamp: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const payload = `${timestamp}.${method.toUpperCase()}.${pathWithQuery}.${await sha256Hex(body)}`;
  return `v1=${hex(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(payload)))}`;
}

/** Constant-time check of a signature header against the expected one; false on any mismatch or stale time. */
export async function verifyRequest(secret: string, method: string, pathWithQuery: string, body: Uint8Array, timestamp: number, signature: string, now = Math.floor(Date.now() / 1000)): Promise<boolean> {
  if (!Number.isFinite(timestamp) || Math.abs(now - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = await signRequest(secret, method, pathWithQuery, body, timestamp);
  if (expected.length !== signature.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ signature.charCodeAt(i);
  return diff === 0;
}
