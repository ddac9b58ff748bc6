-- The worker names each claim (ClaimRequest.claim_id) and keeps the name while it retries the call: a claim whose
-- answer was lost (an edge restart, a timeout) is answered again with the same lease instead of leaving the job
-- leased to nobody until the lease expires (which would cost an attempt).
ALTER TABLE jobs ADD COLUMN lease_claim_id TEXT;
-- Looked up on every claim that carries a name (every poll of every worker): indexed, not a scan of all jobs.
CREATE INDEX jobs_by_claim_id ON jobs (lease_claim_id);
