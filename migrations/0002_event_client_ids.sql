-- The worker names each event it posts (JobEvent.id): a post retried after its answer was lost (an edge restart,
-- a timeout) carries the same names, and the unique index keeps one copy. Events the edge writes itself have none.
ALTER TABLE job_events ADD COLUMN client_id TEXT;
CREATE UNIQUE INDEX job_events_client_id ON job_events (job_id, client_id);
