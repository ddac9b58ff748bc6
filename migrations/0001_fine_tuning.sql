-- Fine-tuning at the edge: API keys, dataset files, jobs with their events, checkpoints and leases, idempotency
-- keys, inbound triggers, and outbound webhooks (endpoints, deliveries, attempts).
-- Times are unix milliseconds (the API shows seconds). JSON columns hold JSON text. `seq` orders rows by creation
-- for the newest-first lists; `id` is what the API shows.

-- API keys: only the SHA-256 of a key is stored. A key sees what its owner owns; several keys may share an owner
-- (rotation), and a revoked key authenticates nothing.
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,                -- key_...
  owner TEXT NOT NULL,                -- proj_...
  name TEXT,
  key_hash TEXT NOT NULL UNIQUE,      -- hex SHA-256 of the key
  key_prefix TEXT NOT NULL,           -- its first characters, to tell keys apart in listings
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);

-- Uploaded datasets (purpose fine-tune, validated on upload) and result files (purpose fine-tune-results).
-- The bytes are in the FILES bucket under r2_key.
CREATE TABLE files (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,            -- file-...
  owner TEXT NOT NULL,
  purpose TEXT NOT NULL,
  filename TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  r2_key TEXT NOT NULL,
  format TEXT,                        -- tsv | csv | jsonl (datasets)
  examples INTEGER,                   -- datasets: rows
  labels TEXT,                        -- datasets: JSON array of label names in id order
  multi_label INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,               -- processed
  created_at INTEGER NOT NULL
);
CREATE INDEX files_by_owner ON files (owner, seq);

-- Where fine_tuning.job.* webhooks go. secrets: JSON [{secret: "whsec_...", created_at, expires_at}]; every
-- unexpired secret signs (rotation). A 410 answer disables the endpoint.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,                -- we_...
  owner TEXT NOT NULL,
  url TEXT NOT NULL,
  secrets TEXT NOT NULL,
  disabled_at INTEGER,
  disabled_reason TEXT,
  created_at INTEGER NOT NULL
);

CREATE TABLE jobs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,            -- ftjob-...
  owner TEXT NOT NULL,
  status TEXT NOT NULL,               -- validating_files | queued | running | succeeded | failed | cancelled
  model TEXT NOT NULL,                -- the base model id
  fine_tuned_model_id TEXT NOT NULL,  -- ft:<base>:<suffix>:<job id>, shown once the job succeeded
  training_file TEXT NOT NULL,
  validation_file TEXT,
  hyperparameters TEXT NOT NULL,      -- JSON, every field resolved
  suffix TEXT,
  metadata TEXT,                      -- JSON object of strings
  webhook_endpoint_id TEXT REFERENCES webhook_endpoints (id),
  trigger_id TEXT,
  created_at INTEGER NOT NULL,
  started_at INTEGER,
  finished_at INTEGER,
  error TEXT,                         -- JSON {code, message, param}
  result_files TEXT NOT NULL DEFAULT '[]',
  trained_tokens INTEGER,
  -- Leases: one live lease at most. A claim takes a queued job, or a running one whose lease expired while
  -- attempt < max_attempts; every claim writes a new lease_id, so the previous holder's requests get 409.
  attempt INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  lease_id TEXT,
  lease_worker TEXT,
  lease_expires_at INTEGER,
  cancel_requested INTEGER NOT NULL DEFAULT 0,
  step INTEGER,
  total_steps INTEGER,
  estimated_finish INTEGER
);
CREATE INDEX jobs_by_owner ON jobs (owner, seq);
CREATE INDEX jobs_by_status ON jobs (status, seq);

CREATE TABLE job_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,            -- ftevent-...
  job_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  level TEXT NOT NULL,                -- info | warn | error
  type TEXT NOT NULL,                 -- message | metrics
  message TEXT NOT NULL,
  data TEXT                           -- JSON
);
CREATE INDEX job_events_by_job ON job_events (job_id, seq);

-- Registered checkpoints; their files are in the FILES bucket under checkpoints/<job id>/<step>/<file>.
CREATE TABLE job_checkpoints (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,            -- ftckpt-...
  job_id TEXT NOT NULL,
  step INTEGER NOT NULL,
  epoch REAL NOT NULL,
  files TEXT NOT NULL,                -- JSON array of relative paths
  metrics TEXT NOT NULL,              -- JSON object
  attempt INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (job_id, step)
);

-- Idempotency-Key: the same key and the same body give the same job; the same key and another body, 409.
CREATE TABLE idempotency_keys (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,         -- hex SHA-256 of the canonical request
  job_id TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (owner, key)
);

-- Inbound triggers: POST /v1/hooks/<id>, signed with the trigger's secret, starts a job from this template.
CREATE TABLE triggers (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,            -- trig_...
  owner TEXT NOT NULL,
  name TEXT,
  model TEXT NOT NULL,
  hyperparameters TEXT NOT NULL,      -- JSON, as given (resolved per job)
  dataset TEXT NOT NULL,              -- JSON {file_id} | {r2_key} | {url}
  validation_dataset TEXT,            -- JSON, the same forms, or null
  suffix TEXT,
  metadata TEXT,
  webhook_endpoint_id TEXT REFERENCES webhook_endpoints (id),
  secret TEXT NOT NULL,               -- whsec_...: verifies inbound calls
  created_at INTEGER NOT NULL,
  disabled_at INTEGER
);
CREATE INDEX triggers_by_owner ON triggers (owner, seq);

-- Calls a trigger accepted, by their webhook-id (or X-GitHub-Delivery): a second call with the same id is a replay.
CREATE TABLE trigger_calls (
  trigger_id TEXT NOT NULL,
  call_id TEXT NOT NULL,
  received_at INTEGER NOT NULL,
  job_id TEXT,
  PRIMARY KEY (trigger_id, call_id)
);

-- Outbound webhooks (Standard Webhooks): one delivery per event and endpoint, its id is the webhook-id, retried
-- with backoff until a 2xx, the end of the schedule, or the endpoint is disabled (410).
CREATE TABLE webhook_deliveries (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  id TEXT NOT NULL UNIQUE,            -- evt_...: the event id in the body and the webhook-id header
  endpoint_id TEXT NOT NULL,
  job_id TEXT,
  type TEXT NOT NULL,                 -- fine_tuning.job.running | .progress | .succeeded | .failed | .cancelled
  payload TEXT NOT NULL,              -- the exact body sent on every attempt
  status TEXT NOT NULL,               -- pending | delivered | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER,
  locked_until INTEGER,               -- an attempt in flight: no second sender before this time
  last_status_code INTEGER,
  last_error TEXT,
  created_at INTEGER NOT NULL,
  completed_at INTEGER
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_job ON webhook_deliveries (job_id, seq);

CREATE TABLE webhook_attempts (
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  started_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  PRIMARY KEY (delivery_id, attempt)
);
