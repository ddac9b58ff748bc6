-- Nonces of signed worker-protocol calls (src/jobs/nonces.ts): each is accepted once while its timestamp is inside
-- the signature window, so a captured request cannot be replayed. Rows past their expiry are deleted as new ones come.
CREATE TABLE request_nonces (
  nonce TEXT PRIMARY KEY,
  expires_at INTEGER NOT NULL
);
CREATE INDEX request_nonces_by_expiry ON request_nonces (expires_at);
