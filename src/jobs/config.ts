// Settings of the fine-tuning service, from wrangler vars / secrets (or process.env). Every number has a default;
// a malformed value is a deployment error, reported when the first request builds the service.

export interface JobsConfig {
  /** EDGECLASS_ADMIN_KEY: the bearer token that may create and revoke API keys; unset: no admin route. */
  adminKey: string | null;
  /** EDGECLASS_WORKER_SECRET: the HMAC secret GPU workers sign with; unset: the worker API answers 503. */
  workerSecret: string | null;
  /** EDGECLASS_WORKER_PUSH_URL: where the queue consumer POSTs a signed {job_id} wake-up; unset: workers poll. */
  workerPushUrl: string | null;
  /** EDGECLASS_LEASE_SECONDS (30): a claim or heartbeat holds the job this long. */
  leaseSeconds: number;
  /** EDGECLASS_MAX_ATTEMPTS (3): claims per job, the first included; then a lost lease fails the job. */
  maxAttempts: number;
  /** EDGECLASS_DISPATCH_GRACE_SECONDS (15): a job still validating_files this long after creation (its queue
   * message lost, e.g. wrangler dev restarted) is claimable anyway. */
  dispatchGraceSeconds: number;
  /** EDGECLASS_MAX_FILE_BYTES (50 MiB): the largest dataset upload (413 above). */
  maxFileBytes: number;
  /** EDGECLASS_MIN_TRAINING_EXAMPLES (10): a training file needs at least this many rows (OpenAI's minimum). */
  minTrainingExamples: number;
  /** EDGECLASS_MAX_ARTIFACT_BYTES (512 MiB): the largest checkpoint or model file a worker may upload. */
  maxArtifactBytes: number;
  /** EDGECLASS_WEBHOOK_ALLOW_PRIVATE=1: allow webhook and dataset URLs on private, loopback, link-local hosts. */
  allowPrivateTargets: boolean;
  /** EDGECLASS_WEBHOOK_RETRY_SCHEDULE: seconds before each retry (Standard Webhooks' suggested schedule by
   * default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h); jitter of +-20% is added. */
  webhookRetrySchedule: number[];
  /** EDGECLASS_WEBHOOK_TIMEOUT_SECONDS (15): one delivery attempt's limit. */
  webhookTimeoutSeconds: number;
  /** EDGECLASS_WEBHOOK_SECRET_OVERLAP_SECONDS (86400): how long a rotated-out secret still signs. */
  secretOverlapSeconds: number;
  /** EDGECLASS_TRIGGER_TOLERANCE_SECONDS (300): inbound calls' webhook-timestamp window. */
  triggerToleranceSeconds: number;
  /** EDGECLASS_DNS_RESOLVER_URL: a DNS-over-HTTPS resolver (JSON form, e.g. https://cloudflare-dns.com/dns-query)
   * through which webhook and dataset host names are resolved and every address checked before each call (a
   * self-hosted workerd); unset: names are not resolved (a deployed Worker cannot reach private ranges anyway). */
  dnsResolverUrl: string | null;
}

export const DEFAULT_RETRY_SCHEDULE = [5, 300, 1800, 7200, 18000, 36000, 36000];

function str(env: Record<string, unknown>, name: string): string | null {
  const v = env[name];
  return typeof v === 'string' && v.trim() !== '' ? v.trim() : null;
}

function int(env: Record<string, unknown>, name: string, fallback: number, min = 1): number {
  const raw = str(env, name);
  if (raw === null) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
  return v;
}

function httpUrl(env: Record<string, unknown>, name: string): string | null {
  const raw = str(env, name);
  if (raw === null) return null;
  if (!/^https?:\/\/[^\s]+$/.test(raw) || !URL.canParse(raw))
    throw new Error(`${name} must be an http(s) URL, got '${raw}'`);
  return raw;
}

function flag(env: Record<string, unknown>, name: string): boolean {
  const raw = str(env, name);
  return raw !== null && !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

export function jobsConfigFromEnv(env: Record<string, unknown>): JobsConfig {
  const scheduleRaw = str(env, 'EDGECLASS_WEBHOOK_RETRY_SCHEDULE');
  const schedule = scheduleRaw === null ? DEFAULT_RETRY_SCHEDULE : scheduleRaw.split(',').map((s) => Number(s.trim()));
  if (!schedule.every((s) => Number.isFinite(s) && s >= 0 && s <= 43_200)) {
    throw new Error(
      `EDGECLASS_WEBHOOK_RETRY_SCHEDULE must be comma-separated seconds in [0, 43200], got '${scheduleRaw}'`,
    );
  }
  return {
    adminKey: str(env, 'EDGECLASS_ADMIN_KEY'),
    workerSecret: str(env, 'EDGECLASS_WORKER_SECRET'),
    workerPushUrl: str(env, 'EDGECLASS_WORKER_PUSH_URL'),
    leaseSeconds: int(env, 'EDGECLASS_LEASE_SECONDS', 30),
    maxAttempts: int(env, 'EDGECLASS_MAX_ATTEMPTS', 3),
    dispatchGraceSeconds: int(env, 'EDGECLASS_DISPATCH_GRACE_SECONDS', 15),
    maxFileBytes: int(env, 'EDGECLASS_MAX_FILE_BYTES', 50 * 1024 * 1024),
    minTrainingExamples: int(env, 'EDGECLASS_MIN_TRAINING_EXAMPLES', 10),
    maxArtifactBytes: int(env, 'EDGECLASS_MAX_ARTIFACT_BYTES', 512 * 1024 * 1024),
    allowPrivateTargets: flag(env, 'EDGECLASS_WEBHOOK_ALLOW_PRIVATE'),
    webhookRetrySchedule: schedule,
    webhookTimeoutSeconds: int(env, 'EDGECLASS_WEBHOOK_TIMEOUT_SECONDS', 15),
    secretOverlapSeconds: int(env, 'EDGECLASS_WEBHOOK_SECRET_OVERLAP_SECONDS', 86_400, 0),
    triggerToleranceSeconds: int(env, 'EDGECLASS_TRIGGER_TOLERANCE_SECONDS', 300),
    dnsResolverUrl: httpUrl(env, 'EDGECLASS_DNS_RESOLVER_URL'),
  };
}
