// The storage ports of the fine-tuning core, in one place: a SQL database (the subset of D1's API the core uses,
// which SQLite on Node offers too, so one set of SQL statements serves both), blob stores (the subset of R2's API,
// plus a streamed upload checked against its signed digest) and the dispatch queue. The implementations:
// src/storage/cloudflare/ (D1, R2, a Queue) and src/storage/node/ (SQLite in WASM, a files folder, an in-process
// queue over the jobs table). Nothing here knows what a job is.

/** A value a statement binds: what both D1 and SQLite store. */
export type SqlValue = string | number | boolean | null | ArrayBuffer | Uint8Array;

/** What running a statement tells: its rows (RETURNING, SELECT) and how many rows it changed. */
export interface SqlResult<Row = Record<string, unknown>> {
  results: Row[];
  meta: { changes?: number };
}

/** A prepared statement with its values bound: run alone, or in a batch (one transaction). */
export interface SqlStatement {
  bind(...values: unknown[]): SqlStatement;
  first<Row = Record<string, unknown>>(): Promise<Row | null>;
  all<Row = Record<string, unknown>>(): Promise<SqlResult<Row>>;
  run<Row = Record<string, unknown>>(): Promise<SqlResult<Row>>;
}

/** D1's shape: statements, and batches that commit together or not at all. */
export interface SqlDatabase {
  prepare(sql: string): SqlStatement;
  batch<Row = Record<string, unknown>>(statements: SqlStatement[]): Promise<SqlResult<Row>[]>;
}

/** An object's key and size (R2's head). */
export interface StoredBlob {
  readonly key: string;
  readonly size: number;
}

/** An object with its bytes, read once (R2's get). */
export interface BlobBody extends StoredBlob {
  readonly body: ReadableStream<Uint8Array>;
  arrayBuffer(): Promise<ArrayBuffer>;
  text(): Promise<string>;
}

export interface BlobList {
  objects: StoredBlob[];
  truncated: boolean;
  cursor?: string;
}

/** A body not read yet: its stream, its declared length, and the hex sha256 its signature vouches for. */
export interface IncomingBytes {
  stream: ReadableStream<Uint8Array>;
  length: number;
  sha256: string;
}

/** Thrown by putStreamed when the bytes are not the announced ones; nothing was stored. */
export class UploadMismatchError extends Error {
  override name = 'UploadMismatchError';
}

/** Keys are `/`-separated paths (`files/<owner>/<file id>`, `<model id>/<file>`). */
export interface BlobStore {
  head(key: string): Promise<StoredBlob | null>;
  get(key: string): Promise<BlobBody | null>;
  put(
    key: string,
    value: Uint8Array | ArrayBuffer | string,
    options?: { customMetadata?: Record<string, string> },
  ): Promise<unknown>;
  /** Streams `upload` to `key`, never holding it whole; UploadMismatchError when its length or digest differ. */
  putStreamed(key: string, upload: IncomingBytes): Promise<void>;
  delete(keys: string | string[]): Promise<void>;
  list(options: { prefix: string; cursor?: string }): Promise<BlobList>;
}

/** The dispatch queue (Cloudflare Queues' producer side): at-least-once messages, optionally delayed. */
export interface DispatchQueue<Message> {
  send(message: Message, options?: { delaySeconds?: number }): Promise<unknown>;
  sendBatch(messages: Iterable<{ body: Message }>): Promise<unknown>;
}

/** An API key as stored: its SHA-256, never the key. Times are unix milliseconds. */
export interface ApiKeyRow {
  id: string;
  owner: string;
  name: string | null;
  key_hash: string;
  key_prefix: string;
  created_at: number;
  revoked_at: number | null;
}

/** The API keys aggregate. */
export interface KeyStore {
  insert(row: ApiKeyRow): Promise<void>;
  /** The live (not revoked) key with this hash. */
  findActiveByHash(keyHash: string): Promise<Pick<ApiKeyRow, 'id' | 'owner'> | null>;
  /** Newest first; every owner's when `owner` is null. */
  list(owner: string | null): Promise<ApiKeyRow[]>;
  /** Marks the key revoked at `at` (the first revocation's time stays); null when there is no such key. */
  revoke(id: string, at: number): Promise<ApiKeyRow | null>;
}

/** Signed worker calls' nonces (replay refusal). */
export interface NonceStore {
  /** Records `nonce` until `expiresAt` (dropping those expired at `now`); false when it was already taken. */
  take(nonce: string, expiresAt: number, now: number): Promise<boolean>;
}

/** A page of a newest-first list: after the row with id `after`, `limit` rows (the stores return one more). */
export interface PageQuery {
  after?: string | null;
  limit: number;
  /** desc (default): newest first; asc: oldest first. */
  order?: 'asc' | 'desc';
}

/** A file as stored: its description; the bytes are in the FILES blob store under `r2_key`. */
export interface FileRow {
  id: string;
  owner: string;
  purpose: 'fine-tune' | 'fine-tune-results';
  filename: string;
  bytes: number;
  sha256: string;
  r2_key: string;
  format: string | null;
  examples: number | null;
  labels: string | null;
  multi_label: number;
  status: 'processed';
  created_at: number;
}

/** The files aggregate (descriptions; bytes are blobs). */
export interface FileStore {
  insert(row: FileRow): Promise<void>;
  /** The file with this id: `owner`'s only, or any owner's when `owner` is null. */
  find(id: string, owner: string | null): Promise<FileRow | null>;
  /** `owner`'s files newest first (of one purpose, when given): limit + 1 rows after `page.after`. */
  page(owner: string, purpose: FileRow['purpose'] | null, page: PageQuery): Promise<FileRow[]>;
  /** What still reads `owner`'s file as a dataset: unfinished jobs (oldest first) and enabled triggers, 5 of each. */
  readers(id: string, owner: string): Promise<FileReaders>;
  /** Forgets `owner`'s file description (its bytes are the caller's to delete). */
  delete(id: string, owner: string): Promise<void>;
}

/** The jobs (validating_files, queued, running or paused) and enabled triggers that name a file as a dataset. */
export interface FileReaders {
  jobs: { id: string; status: string }[];
  triggers: string[];
}

/**
 * A write an aggregate prepared without running it, so that the core can commit it with others, all or nothing
 * (`db.batch([...])`). In the SQL implementation it is a bound statement; the core only passes it along.
 */
export type PendingWrite = SqlStatement;

/** A webhook endpoint as stored: its secrets are JSON ([{secret, created_at, expires_at}]). */
export interface EndpointRow {
  id: string;
  owner: string;
  url: string;
  secrets: string;
  disabled_at: number | null;
  disabled_reason: string | null;
  created_at: number;
}

/** The webhook endpoints aggregate. */
export interface EndpointStore {
  /** The new endpoint's insert, for the caller's batch (with the job or trigger that names it). */
  insert(row: EndpointRow): PendingWrite;
  /** The endpoint with this id: `owner`'s only, or any owner's when `owner` is null. */
  find(id: string, owner: string | null): Promise<EndpointRow | null>;
  setSecrets(id: string, secrets: string): Promise<void>;
  /** Disables the endpoint at `at` (the first disabling stays), for the caller's batch. */
  disable(id: string, at: number, reason: string): PendingWrite;
}

/** An inbound trigger as stored: its dataset locations, hyperparameters and metadata are JSON text. */
export interface TriggerRow {
  id: string;
  owner: string;
  name: string | null;
  model: string;
  hyperparameters: string;
  dataset: string;
  validation_dataset: string | null;
  suffix: string | null;
  metadata: string | null;
  webhook_endpoint_id: string | null;
  secret: string;
  created_at: number;
  disabled_at: number | null;
}

/** The triggers aggregate: triggers and the calls they received (replay refusal, the job each call made). */
export interface TriggerStore {
  /** The new trigger's insert, for the caller's batch (with its webhook endpoint). */
  insert(row: TriggerRow): PendingWrite;
  /** `owner`'s trigger, disabled or not. */
  find(id: string, owner: string): Promise<TriggerRow | null>;
  /** Any owner's trigger that is not disabled (an inbound call names only the trigger). */
  findLive(id: string): Promise<TriggerRow | null>;
  /** `owner`'s triggers newest first: limit + 1 rows after `page.after`. */
  page(owner: string, page: PageQuery): Promise<TriggerRow[]>;
  /** Disables the trigger at `at` (the first disabling stays). */
  disable(id: string, at: number): Promise<void>;
  /** Records a call; false when this call id was already received (a replay). */
  recordCall(triggerId: string, callId: string, at: number): Promise<boolean>;
  /** The job the call made. */
  linkCall(triggerId: string, callId: string, jobId: string): Promise<void>;
  /** Forgets a call that made no job, so that a corrected retry is not taken for a replay. */
  forgetCall(triggerId: string, callId: string): Promise<void>;
}

/** A webhook delivery as stored: one event (its exact body in `payload`) for one endpoint. */
export interface DeliveryRow {
  id: string;
  endpoint_id: string;
  job_id: string | null;
  type: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  next_attempt_at: number | null;
  locked_until: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  completed_at: number | null;
}

/** What a new delivery is given; it starts pending, due at once. */
export type NewDelivery = Pick<DeliveryRow, 'id' | 'endpoint_id' | 'job_id' | 'type' | 'payload' | 'created_at'>;

/** One attempt at a delivery, as recorded. */
export interface AttemptRow {
  delivery_id: string;
  attempt: number;
  started_at: number;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
}

/** The webhook deliveries aggregate (an outbox): deliveries and their attempts. Writes are for the caller's batch. */
export interface DeliveryStore {
  /** A pending delivery, for the batch of the change it announces; it inserts nothing when the endpoint is disabled. */
  insert(row: NewDelivery): PendingWrite;
  /** Locks a pending delivery due by `dueBy` that no one holds at `now`, until `lockedUntil`; null when not. */
  lockDue(id: string, now: number, dueBy: number, lockedUntil: number): Promise<DeliveryRow | null>;
  /** When a pending delivery is due; null when it is not pending. */
  pendingDueAt(id: string): Promise<number | null>;
  /** Records an attempt (a repeated attempt number replaces the first). */
  recordAttempt(row: AttemptRow): PendingWrite;
  /** Ends a delivery, unlocked. */
  complete(
    id: string,
    status: 'delivered' | 'failed',
    attempts: number,
    code: number | null,
    error: string | null,
    at: number,
  ): PendingWrite;
  /** Fails every pending delivery to the endpoint. */
  failPending(endpointId: string, error: string, at: number): PendingWrite;
  /** Unlocks a delivery and makes it due again at `next`. */
  retryAt(id: string, attempts: number, next: number, code: number | null, error: string | null): PendingWrite;
  /** Pending, unlocked deliveries due before `dueBefore`, soonest first. */
  overdue(dueBefore: number, now: number, limit: number): Promise<string[]>;
  /** A job's deliveries, newest first. */
  listForJob(jobId: string, limit: number): Promise<DeliveryRow[]>;
}

/** The states a job row moves through (the API's fine_tuning.job status). */
export type JobStatus = 'validating_files' | 'queued' | 'running' | 'paused' | 'succeeded' | 'failed' | 'cancelled';

/** A fine-tuning job as stored: hyperparameters, metadata and result files are JSON text; times unix ms. */
export interface JobRow {
  id: string;
  owner: string;
  status: JobStatus;
  model: string;
  fine_tuned_model_id: string;
  training_file: string;
  validation_file: string | null;
  hyperparameters: string;
  suffix: string | null;
  metadata: string | null;
  webhook_endpoint_id: string | null;
  trigger_id: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  error: string | null;
  result_files: string;
  trained_tokens: number | null;
  attempt: number;
  max_attempts: number;
  lease_id: string | null;
  lease_worker: string | null;
  lease_expires_at: number | null;
  cancel_requested: number;
  step: number | null;
  total_steps: number | null;
  estimated_finish: number | null;
}

/** A job row with its webhook endpoint's url and disabling (a left join: null without an endpoint). */
export type JobView = JobRow & { webhook_url: string | null; webhook_disabled_at: number | null };

/** What a new job is given; it starts validating_files, attempt 0. */
export type NewJob = Pick<
  JobRow,
  | 'id'
  | 'owner'
  | 'model'
  | 'fine_tuned_model_id'
  | 'training_file'
  | 'validation_file'
  | 'hyperparameters'
  | 'suffix'
  | 'metadata'
  | 'webhook_endpoint_id'
  | 'trigger_id'
  | 'created_at'
  | 'max_attempts'
>;

/** Jobs whose metadata has every pair of the record; null: jobs without metadata; undefined: all jobs. */
export type MetadataFilter = Record<string, string> | null | undefined;

/** A job event as stored: `data` is JSON text. */
export interface EventRow {
  id: string;
  job_id: string;
  created_at: number;
  level: 'info' | 'warn' | 'error';
  type: 'message' | 'metrics';
  message: string;
  data: string | null;
}

/** An event to record, with the worker's own name for it (a repeated one is skipped), if any. */
export type NewEvent = EventRow & { client_id: string | null };

/** An Idempotency-Key as stored: the request it came with (sha256 of its canonical JSON) and the job it made. */
export interface IdempotencyKeyRow {
  owner: string;
  key: string;
  request_hash: string;
  job_id: string;
  created_at: number;
}

/** The jobs aggregate: jobs, their events and the Idempotency-Keys that made them; the owner's transitions. */
export interface JobStore {
  /** The new job's insert, for the batch with its first events, endpoint and Idempotency-Key. */
  insert(row: NewJob): PendingWrite;
  /** The job with its endpoint: `owner`'s only, or any owner's when `owner` is null. */
  find(id: string, owner: string | null): Promise<JobView | null>;
  /** `owner`'s jobs matching `metadata`, newest first: limit + 1 rows after `page.after`. */
  page(owner: string, metadata: MetadataFilter, page: PageQuery): Promise<JobView[]>;
  /**
   * An event, for the caller's batch: never dated before the job's newest event (lists go by insertion), and
   * skipped when the job already has one with its `client_id`.
   */
  addEvent(row: NewEvent): PendingWrite;
  /** A job's events newest first: limit + 1 rows after `page.after`. */
  events(jobId: string, page: PageQuery): Promise<EventRow[]>;
  findIdempotencyKey(owner: string, key: string): Promise<Pick<IdempotencyKeyRow, 'request_hash' | 'job_id'> | null>;
  /** For the batch that makes the job; a second insert of the same owner and key fails the batch. */
  insertIdempotencyKey(row: IdempotencyKeyRow): PendingWrite;
  /** validating_files -> queued; false when the job was no longer validating_files. */
  markQueued(id: string): Promise<boolean>;
  /** `from` -> cancelled at `at`, its lease and cancel request ended; null when the job is no longer `from`. */
  markCancelled(id: string, from: JobStatus, at: number): Promise<JobRow | null>;
  /** `from` -> paused, its lease ended; a running job gets its attempt back. Null when no longer `from`. */
  markPaused(id: string, from: JobStatus): Promise<JobRow | null>;
  /** paused -> queued; null when the job was not paused. */
  markResumed(id: string): Promise<JobRow | null>;
  /** Whether `owner`'s job `jobId` succeeded making `modelId`. */
  madeModel(owner: string, jobId: string, modelId: string): Promise<boolean>;
  /** The fine-tuned model ids of `owner`'s succeeded jobs. */
  madeModels(owner: string): Promise<string[]>;
}

/** A checkpoint as stored: the relative paths of its files (JSON array) and its metrics (JSON object). */
export interface CheckpointRow {
  id: string;
  job_id: string;
  step: number;
  epoch: number;
  files: string;
  metrics: string;
  attempt: number;
  created_at: number;
}

/** A job's checkpoints (one per step: registering a step again replaces it). */
export interface CheckpointStore {
  /** The checkpoint with the highest step, or null. */
  newest(jobId: string): Promise<CheckpointRow | null>;
  find(jobId: string, step: number): Promise<CheckpointRow | null>;
  /** Every checkpoint of the job, lowest step first. */
  all(jobId: string): Promise<CheckpointRow[]>;
  /** Highest step first: limit + 1 rows after the checkpoint with id `page.after`. */
  page(jobId: string, page: PageQuery): Promise<CheckpointRow[]>;
  /** Inserts, or replaces the checkpoint of the same job and step; for the caller's batch. */
  put(row: CheckpointRow): PendingWrite;
}

/** A lease taken by a claim: its id, worker, end and the claim id that took it (a retried claim finds it again). */
export interface LeaseTerms {
  leaseId: string;
  workerId: string;
  claimId: string | null;
  expiresAt: number;
}

/** What a worker says it did, recorded when its job ends. */
export interface JobEnding {
  status: 'succeeded' | 'failed' | 'cancelled';
  at: number;
  error: string | null;
  resultFiles: string;
  trainedTokens: number | null;
}

/**
 * Leases: a worker's hold on a running job. Every write is conditional on the job still being held (by that
 * lease, unexpired where said); null or false when it is not, and the caller decides again from the new state.
 */
export interface LeaseStore {
  /**
   * Ends the running jobs whose lease expired before `now` and that cannot go on: cancelled where a cancel was
   * asked for, failed with `error` where no attempts are left. The jobs ended, cancelled ones first.
   */
  expire(now: number, error: string): Promise<JobRow[]>;
  /** The job a worker's claim `claimId` holds, its lease unexpired at `now`. */
  findClaimed(claimId: string, workerId: string, now: number): Promise<JobRow | null>;
  /**
   * The oldest claimable job: queued, validating_files created by `graceStart` (its dispatch was lost), or running
   * with a lease expired before `now` and attempts left, no cancel asked for.
   */
  nextClaimable(now: number, graceStart: number): Promise<Pick<JobRow, 'id' | 'status'> | null>;
  /** Takes the job if it is still claimable: running, one more attempt, under `lease`; started at `now` once. */
  take(id: string, lease: LeaseTerms, now: number, graceStart: number): Promise<JobRow | null>;
  /** Extends a lease unexpired at `now` to `expiresAt` with the progress; the job's cancel request, or null. */
  renew(
    id: string,
    leaseId: string,
    now: number,
    expiresAt: number,
    progress: Pick<JobRow, 'step' | 'total_steps' | 'estimated_finish'>,
  ): Promise<Pick<JobRow, 'cancel_requested'> | null>;
  /** The worker gave the job back: queued again, its attempt given back. */
  requeue(id: string, leaseId: string): Promise<JobRow | null>;
  /** The worker stopped for a cancel: cancelled at `at`. */
  cancel(id: string, leaseId: string, at: number): Promise<JobRow | null>;
  /** The worker ended the job as `ending` says. */
  finish(id: string, leaseId: string, ending: JobEnding): Promise<JobRow | null>;
}

/** Every aggregate of the fine-tuning state, each behind its own interface. */
export interface AggregateStores {
  keys: KeyStore;
  nonces: NonceStore;
  fileRows: FileStore;
  endpoints: EndpointStore;
  triggers: TriggerStore;
  deliveries: DeliveryStore;
  jobs: JobStore;
  leases: LeaseStore;
  checkpoints: CheckpointStore;
}

/** Everything the fine-tuning core stores: state in SQL, datasets and checkpoints, model folders, dispatch. */
export interface JobsStorage<Message> extends AggregateStores {
  /** Commits the aggregates' PendingWrites together (`batch`); the core prepares no SQL of its own. */
  db: SqlDatabase;
  /** Datasets (`files/<owner>/<file id>`), trigger datasets (`owners/<owner>/...`), checkpoints, result files. */
  files: BlobStore;
  /** Model folders `<model id>/<file>`: base models to train from, fine-tuned models (`ft:...`) to serve. */
  models: BlobStore;
  queue: DispatchQueue<Message>;
}
