// The storage contract: what the fine-tuning core relies on from its storage ports (src/storage/types.ts), written
// once and run against each implementation -- D1, R2 and a Queue inside workerd (test/workerd/storage-contract.test.ts)
// and SQLite, a files folder and the in-process queue on Node (test/storage-contract.test.ts). Each case states one
// property the core's statements or uploads depend on; names are unique per run, so the cases share a database.
import { describe, expect, it } from 'vitest';
import type { JobsContext } from '../../src/jobs/context.ts';
import { authenticate, createApiKey, revokeApiKey } from '../../src/jobs/keys.ts';
import { listModelFiles } from '../../src/jobs/models.ts';
import { takeNonce } from '../../src/jobs/nonces.ts';
import { createDatasetFile, getFileRow, readFileBody } from '../../src/jobs/files.ts';
import { storeStreamed } from '../../src/jobs/uploads.ts';
import { RequestError } from '../../src/core/errors.ts';

/** A fresh context over the implementation under test (its migrations applied). */
export type OpenContext = () => JobsContext;

const unique = () => `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 10)}`;

/** A webhook endpoint of its own owner, enabled. */
const endpointRow = () => ({
  id: `whep_${unique()}`,
  owner: `proj_${unique()}`,
  url: 'https://example.com/hook',
  secrets: '[]',
  disabled_at: null,
  disabled_reason: null,
  created_at: 1000,
});

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

function streamOf(bytes: Uint8Array, chunk = 7): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunk));
      at += chunk;
    },
  });
}

const triggerRow = (owner: string, n: number) => ({
  id: `trig_${unique()}${n}`,
  owner,
  name: null,
  model: 'tiny-bert',
  hyperparameters: '{}',
  dataset: '{"file_id":"file-x"}',
  validation_dataset: null,
  suffix: null,
  metadata: null,
  webhook_endpoint_id: null,
  secret: 'whsec_x',
  created_at: 1000 + n,
  disabled_at: null,
});

const newJob = (owner: string, n: number, metadata: string | null) => {
  const id = `ftjob-${unique()}${n}`;
  return {
    id,
    owner,
    model: 'tiny-bert',
    fine_tuned_model_id: `ft:tiny-bert::${id}`,
    training_file: 'file-x',
    validation_file: null,
    hyperparameters: '{}',
    suffix: null,
    metadata,
    webhook_endpoint_id: null,
    trigger_id: null,
    created_at: 1000 + n,
    max_attempts: 3,
  };
};

export function sqlContract(open: OpenContext): void {
  describe('SqlDatabase', () => {
    it('first() gives the row with its column names and types, or null; all() gives rows in ORDER BY order', async () => {
      const { db } = open();
      const [a, b] = [`n-${unique()}-a`, `n-${unique()}-b`];
      await db.prepare('INSERT INTO request_nonces (nonce, expires_at) VALUES (?, ?), (?, ?)').bind(a, 2, b, 1).run();
      expect(await db.prepare('SELECT nonce, expires_at FROM request_nonces WHERE nonce = ?').bind(a).first()).toEqual({
        nonce: a,
        expires_at: 2,
      });
      expect(await db.prepare('SELECT * FROM request_nonces WHERE nonce = ?').bind(`${a}x`).first()).toBeNull();
      const { results } = await db
        .prepare('SELECT nonce FROM request_nonces WHERE nonce IN (?, ?) ORDER BY expires_at')
        .bind(a, b)
        .all<{ nonce: string }>();
      expect(results.map((r) => r.nonce)).toEqual([b, a]);
      const nulls = await db.prepare('SELECT NULL AS absent, 1.5 AS half').first();
      expect(nulls).toEqual({ absent: null, half: 1.5 });
    });

    it('run() counts the rows it changed: 1 for an insert, 0 for ON CONFLICT DO NOTHING', async () => {
      const { db } = open();
      const nonce = `n-${unique()}`;
      const insert = 'INSERT INTO request_nonces (nonce, expires_at) VALUES (?, ?) ON CONFLICT (nonce) DO NOTHING';
      expect((await db.prepare(insert).bind(nonce, 1).run()).meta.changes).toBe(1);
      expect((await db.prepare(insert).bind(nonce, 1).run()).meta.changes).toBe(0);
    });

    it('UPDATE ... RETURNING gives the changed row to first()', async () => {
      const { db } = open();
      const nonce = `n-${unique()}`;
      await db.prepare('INSERT INTO request_nonces (nonce, expires_at) VALUES (?, ?)').bind(nonce, 1).run();
      const row = await db
        .prepare('UPDATE request_nonces SET expires_at = expires_at + 41 WHERE nonce = ? RETURNING *')
        .bind(nonce)
        .first();
      expect(row).toEqual({ nonce, expires_at: 42 });
    });

    it('batch() answers each statement in order, and commits all or nothing', async () => {
      const { db } = open();
      const [a, b] = [`n-${unique()}-a`, `n-${unique()}-b`];
      const insert = (n: string) => db.prepare('INSERT INTO request_nonces (nonce, expires_at) VALUES (?, 1)').bind(n);
      const [first, second] = await db.batch([
        insert(a),
        db.prepare('SELECT nonce FROM request_nonces WHERE nonce = ?').bind(a),
      ]);
      expect(first.meta.changes).toBe(1);
      expect(second.results).toEqual([{ nonce: a }]);
      // The second insert of `a` breaks the primary key: `b`, inserted before it in the batch, must not stay.
      await expect(db.batch([insert(b), insert(a)])).rejects.toThrow();
      expect(await db.prepare('SELECT 1 AS found FROM request_nonces WHERE nonce = ?').bind(b).first()).toBeNull();
    });
  });

  describe('the core over SQL', () => {
    it('a nonce is taken once (replays refused)', async () => {
      const ctx = open();
      const nonce = `nonce-${unique()}`;
      const timestamp = Math.floor(ctx.now() / 1000);
      expect(await takeNonce(ctx, nonce, timestamp)).toBe(true);
      expect(await takeNonce(ctx, nonce, timestamp)).toBe(false);
    });

    it('an API key authenticates its owner until it is revoked', async () => {
      const ctx = open();
      const key = await createApiKey(ctx, { name: 'contract' });
      expect(await authenticate(ctx, key.key)).toEqual({ keyId: key.id, owner: key.owner });
      await revokeApiKey(ctx, key.id);
      expect(await authenticate(ctx, key.key)).toBeNull();
    });
  });
}

export function aggregateContract(open: OpenContext): void {
  describe('KeyStore', () => {
    const row = (owner: string, id: string, createdAt: number) => ({
      id,
      owner,
      name: null,
      key_hash: `hash-${unique()}`,
      key_prefix: 'ec_test',
      created_at: createdAt,
      revoked_at: null,
    });

    it("lists an owner's keys newest first, only theirs; finds a live key by its hash", async () => {
      const { keys } = open();
      const [owner, other] = [`proj_${unique()}`, `proj_${unique()}`];
      const [old, young, foreign] = [
        row(owner, `key_${unique()}a`, 1000),
        row(owner, `key_${unique()}b`, 2000),
        row(other, `key_${unique()}c`, 3000),
      ];
      for (const r of [old, young, foreign]) await keys.insert(r);
      expect((await keys.list(owner)).map((k) => k.id)).toEqual([young.id, old.id]);
      expect((await keys.list(null)).map((k) => k.id)).toEqual(expect.arrayContaining([old.id, young.id, foreign.id]));
      expect(await keys.findActiveByHash(old.key_hash)).toEqual({ id: old.id, owner });
      expect(await keys.findActiveByHash(`${old.key_hash}x`)).toBeNull();
    });

    it('revoke keeps the first revocation time, hides the key from findActiveByHash, and is null for no key', async () => {
      const { keys } = open();
      const key = row(`proj_${unique()}`, `key_${unique()}`, 1000);
      await keys.insert(key);
      expect(await keys.revoke(key.id, 5000)).toMatchObject({ id: key.id, revoked_at: 5000 });
      expect(await keys.revoke(key.id, 9000)).toMatchObject({ id: key.id, revoked_at: 5000 });
      expect(await keys.findActiveByHash(key.key_hash)).toBeNull();
      expect(await keys.revoke(`key_${unique()}`, 5000)).toBeNull();
    });
  });

  describe('FileStore', () => {
    const fileRow = (owner: string, purpose: 'fine-tune' | 'fine-tune-results', n: number) => ({
      id: `file-${unique()}${n}`,
      owner,
      purpose,
      filename: `f${n}.tsv`,
      bytes: n,
      sha256: 'ab'.repeat(32),
      r2_key: `files/${owner}/${n}`,
      format: 'tsv',
      examples: n,
      labels: '["0","1"]',
      multi_label: 0,
      status: 'processed' as const,
      created_at: 1000 + n,
    });

    it("pages an owner's files newest first, one more than the limit, after a cursor, of one purpose when asked", async () => {
      const { fileRows } = open();
      const owner = `proj_${unique()}`;
      const rows = [1, 2, 3, 4].map((n) => fileRow(owner, n === 3 ? 'fine-tune-results' : 'fine-tune', n));
      for (const r of rows) await fileRows.insert(r);
      await fileRows.insert(fileRow(`proj_${unique()}`, 'fine-tune', 5));
      const ids = (page: Awaited<ReturnType<typeof fileRows.page>>) => page.map((r) => r.id);
      expect(ids(await fileRows.page(owner, null, { limit: 2 }))).toEqual([rows[3].id, rows[2].id, rows[1].id]);
      expect(ids(await fileRows.page(owner, null, { limit: 10, after: rows[2].id }))).toEqual([rows[1].id, rows[0].id]);
      expect(ids(await fileRows.page(owner, 'fine-tune', { limit: 10 }))).toEqual([rows[3].id, rows[1].id, rows[0].id]);
    });

    it("finds a file by id: the owner's only, or any owner's when no owner is named", async () => {
      const { fileRows } = open();
      const row = fileRow(`proj_${unique()}`, 'fine-tune', 1);
      await fileRows.insert(row);
      expect(await fileRows.find(row.id, row.owner)).toMatchObject(row);
      expect(await fileRows.find(row.id, `proj_${unique()}`)).toBeNull();
      expect(await fileRows.find(row.id, null)).toMatchObject(row);
    });

    it('readers are the unfinished jobs (oldest first) and enabled triggers naming the file; delete is owner-scoped', async () => {
      const ctx = open();
      const row = fileRow(`proj_${unique()}`, 'fine-tune', 1);
      await ctx.fileRows.insert(row);
      const job = (id: string, status: string, validation: string | null) =>
        ctx.db
          .prepare(`INSERT INTO jobs (id, owner, status, model, fine_tuned_model_id, training_file, validation_file,
            hyperparameters, created_at, max_attempts) VALUES (?, ?, ?, 'm', 'ft:m::x', ?, ?, '{}', 1, 1)`)
          .bind(id, row.owner, status, validation ? 'file-other' : row.id, validation);
      const [queued, paused, done] = [`ftjob-${unique()}q`, `ftjob-${unique()}p`, `ftjob-${unique()}d`];
      await ctx.db.batch([job(queued, 'queued', null), job(done, 'succeeded', null), job(paused, 'paused', row.id)]);
      const trigger = { ...triggerRow(row.owner, 1), validation_dataset: JSON.stringify({ file_id: row.id }) };
      await ctx.db.batch([ctx.triggers.insert(trigger), ctx.triggers.insert(triggerRow(row.owner, 2))]);
      expect(await ctx.fileRows.readers(row.id, row.owner)).toEqual({
        jobs: [
          { id: queued, status: 'queued' },
          { id: paused, status: 'paused' },
        ],
        triggers: [trigger.id],
      });
      expect(await ctx.fileRows.readers(row.id, `proj_${unique()}`)).toEqual({ jobs: [], triggers: [] });
      await ctx.triggers.disable(trigger.id, 2000);
      expect((await ctx.fileRows.readers(row.id, row.owner)).triggers).toEqual([]);
      await ctx.fileRows.delete(row.id, `proj_${unique()}`);
      expect(await ctx.fileRows.find(row.id, null)).toMatchObject(row);
      await ctx.fileRows.delete(row.id, row.owner);
      expect(await ctx.fileRows.find(row.id, null)).toBeNull();
    });
  });

  describe('EndpointStore', () => {
    it('an endpoint inserted in a batch is found (by its owner, or by anyone when no owner is named), its secrets replaced, disabled once', async () => {
      const ctx = open();
      const row = endpointRow();
      expect(await ctx.endpoints.find(row.id, null)).toBeNull();
      await ctx.db.batch([ctx.endpoints.insert(row)]);
      expect(await ctx.endpoints.find(row.id, row.owner)).toEqual(row);
      expect(await ctx.endpoints.find(row.id, `proj_${unique()}`)).toBeNull();
      await ctx.endpoints.setSecrets(row.id, '[{"secret":"s"}]');
      await ctx.db.batch([ctx.endpoints.disable(row.id, 2000, 'first')]);
      await ctx.db.batch([ctx.endpoints.disable(row.id, 3000, 'second')]);
      expect(await ctx.endpoints.find(row.id, null)).toEqual({
        ...row,
        secrets: '[{"secret":"s"}]',
        disabled_at: 2000,
        disabled_reason: 'first',
      });
    });
  });

  describe('TriggerStore', () => {
    it("finds and pages an owner's triggers; a disabled one is still the owner's but no longer live", async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [a, b] = [triggerRow(owner, 1), triggerRow(owner, 2)];
      await ctx.db.batch([ctx.triggers.insert(a), ctx.triggers.insert(b)]);
      expect((await ctx.triggers.page(owner, { limit: 10 })).map((t) => t.id)).toEqual([b.id, a.id]);
      expect(await ctx.triggers.find(a.id, `proj_${unique()}`)).toBeNull();
      expect(await ctx.triggers.findLive(a.id)).toMatchObject(a);
      await ctx.triggers.disable(a.id, 5000);
      await ctx.triggers.disable(a.id, 9000);
      expect(await ctx.triggers.find(a.id, owner)).toMatchObject({ disabled_at: 5000 });
      expect(await ctx.triggers.findLive(a.id)).toBeNull();
    });

    it('a call id is recorded once; a call forgotten before it made a job may come again, one that made a job may not', async () => {
      const ctx = open();
      const t = triggerRow(`proj_${unique()}`, 1);
      await ctx.db.batch([ctx.triggers.insert(t)]);
      expect(await ctx.triggers.recordCall(t.id, 'call-1', 1000)).toBe(true);
      expect(await ctx.triggers.recordCall(t.id, 'call-1', 1001)).toBe(false);
      await ctx.triggers.forgetCall(t.id, 'call-1');
      expect(await ctx.triggers.recordCall(t.id, 'call-1', 1002)).toBe(true);
      await ctx.triggers.linkCall(t.id, 'call-1', 'ftjob-x');
      await ctx.triggers.forgetCall(t.id, 'call-1');
      expect(await ctx.triggers.recordCall(t.id, 'call-1', 1003)).toBe(false);
    });
  });

  describe('DeliveryStore', () => {
    const delivery = (endpointId: string, jobId: string, createdAt: number) => ({
      id: `evt_${unique()}`,
      endpoint_id: endpointId,
      job_id: jobId,
      type: 'fine_tuning.job.succeeded',
      payload: '{"id":"x"}',
      created_at: createdAt,
    });

    it('a delivery is pending and due at once, only for a live endpoint; listed newest first for its job', async () => {
      const ctx = open();
      const [live, disabled] = [endpointRow(), endpointRow()];
      const job = `ftjob-${unique()}`;
      const [a, b, c] = [delivery(live.id, job, 1000), delivery(live.id, job, 1001), delivery(disabled.id, job, 1002)];
      await ctx.db.batch([ctx.endpoints.insert(live), ctx.endpoints.insert(disabled)]);
      await ctx.db.batch([ctx.endpoints.disable(disabled.id, 500, 'gone')]);
      await ctx.db.batch([ctx.deliveries.insert(a), ctx.deliveries.insert(b), ctx.deliveries.insert(c)]);
      const listed = await ctx.deliveries.listForJob(job, 10);
      expect(listed.map((d) => d.id)).toEqual([b.id, a.id]);
      expect(listed[1]).toMatchObject({
        ...a,
        status: 'pending',
        attempts: 0,
        next_attempt_at: 1000,
        locked_until: null,
      });
      expect(await ctx.deliveries.pendingDueAt(a.id)).toBe(1000);
      expect(await ctx.deliveries.pendingDueAt(c.id)).toBeNull();
    });

    it('a due delivery is locked by one sender until the lock passes; a retry unlocks it for later; completion ends it', async () => {
      const ctx = open();
      const endpoint = endpointRow();
      const d = delivery(endpoint.id, `ftjob-${unique()}`, 1000);
      await ctx.db.batch([ctx.endpoints.insert(endpoint), ctx.deliveries.insert(d)]);
      expect(await ctx.deliveries.lockDue(d.id, 900, 999, 5000)).toBeNull(); // not due yet
      expect(await ctx.deliveries.lockDue(d.id, 1000, 1000, 5000)).toMatchObject({ id: d.id, locked_until: 5000 });
      expect(await ctx.deliveries.lockDue(d.id, 1001, 1001, 6000)).toBeNull(); // held
      expect(await ctx.deliveries.overdue(10_000, 1001, 100)).not.toContain(d.id); // held: not overdue
      const attempt = { delivery_id: d.id, attempt: 1, started_at: 1000, duration_ms: 5, status_code: 500, error: 'x' };
      await ctx.db.batch([ctx.deliveries.recordAttempt(attempt), ctx.deliveries.retryAt(d.id, 1, 8000, 500, 'x')]);
      await ctx.db.batch([ctx.deliveries.recordAttempt({ ...attempt, duration_ms: 6 })]); // replaced, not refused
      expect(await ctx.deliveries.pendingDueAt(d.id)).toBe(8000);
      expect(await ctx.deliveries.overdue(8001, 1002, 100)).toContain(d.id);
      expect(await ctx.deliveries.overdue(8000, 1002, 100)).not.toContain(d.id);
      expect(await ctx.deliveries.lockDue(d.id, 1002, 7999, 9000)).toBeNull();
      expect(await ctx.deliveries.lockDue(d.id, 1002, 8000, 9000)).toMatchObject({
        attempts: 1,
        last_status_code: 500,
      });
      await ctx.db.batch([ctx.deliveries.complete(d.id, 'delivered', 2, 200, null, 8500)]);
      expect(await ctx.deliveries.pendingDueAt(d.id)).toBeNull();
      const [done] = await ctx.deliveries.listForJob(d.job_id, 10);
      expect(done).toMatchObject({ status: 'delivered', attempts: 2, last_status_code: 200, completed_at: 8500 });
      expect(done.locked_until).toBeNull();
    });

    it("failPending fails only the endpoint's pending deliveries", async () => {
      const ctx = open();
      const [mine, other] = [endpointRow(), endpointRow()];
      const job = `ftjob-${unique()}`;
      const [done, waiting, elsewhere] = [
        delivery(mine.id, job, 1000),
        delivery(mine.id, job, 1001),
        delivery(other.id, job, 1002),
      ];
      await ctx.db.batch([ctx.endpoints.insert(mine), ctx.endpoints.insert(other)]);
      await ctx.db.batch([done, waiting, elsewhere].map((d) => ctx.deliveries.insert(d)));
      await ctx.db.batch([ctx.deliveries.complete(done.id, 'delivered', 1, 200, null, 1500)]);
      await ctx.db.batch([ctx.deliveries.failPending(mine.id, 'the endpoint is disabled', 2000)]);
      const byId = new Map((await ctx.deliveries.listForJob(job, 10)).map((d) => [d.id, d]));
      expect(byId.get(done.id)).toMatchObject({ status: 'delivered', completed_at: 1500 });
      expect(byId.get(waiting.id)).toMatchObject({ status: 'failed', last_error: 'the endpoint is disabled' });
      expect(byId.get(elsewhere.id)).toMatchObject({ status: 'pending' });
    });
  });

  describe('JobStore', () => {
    it('a job inserted with its events and Idempotency-Key is found (owner-scoped or not) and paged by metadata', async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [a, b, c] = [1, 2, 3].map((n) => newJob(owner, n, n === 2 ? '{"team":"x"}' : null));
      await ctx.db.batch([ctx.jobs.insert(a), ctx.jobs.insert(b), ctx.jobs.insert(c)]);
      expect(await ctx.jobs.find(a.id, owner)).toMatchObject({ ...a, status: 'validating_files', attempt: 0 });
      expect(await ctx.jobs.find(a.id, `proj_${unique()}`)).toBeNull();
      expect(await ctx.jobs.find(a.id, null)).toMatchObject({ id: a.id, webhook_url: null });
      const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
      expect(ids(await ctx.jobs.page(owner, undefined, { limit: 1 }))).toEqual([c.id, b.id]);
      expect(ids(await ctx.jobs.page(owner, undefined, { limit: 5, after: c.id }))).toEqual([b.id, a.id]);
      expect(ids(await ctx.jobs.page(owner, { team: 'x' }, { limit: 5 }))).toEqual([b.id]);
      expect(ids(await ctx.jobs.page(owner, { team: 'y' }, { limit: 5 }))).toEqual([]);
      expect(ids(await ctx.jobs.page(owner, null, { limit: 5 }))).toEqual([c.id, a.id]);
    });

    it('an Idempotency-Key is kept once per owner: a second insert fails its whole batch', async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [first, second] = [newJob(owner, 1, null), newJob(owner, 2, null)];
      const key = { owner, key: `idem-${unique()}`, request_hash: 'h1', job_id: first.id, created_at: 1 };
      await ctx.db.batch([ctx.jobs.insert(first), ctx.jobs.insertIdempotencyKey(key)]);
      expect(await ctx.jobs.findIdempotencyKey(owner, key.key)).toEqual({ request_hash: 'h1', job_id: first.id });
      expect(await ctx.jobs.findIdempotencyKey(`proj_${unique()}`, key.key)).toBeNull();
      const again = { ...key, request_hash: 'h2', job_id: second.id };
      await expect(ctx.db.batch([ctx.jobs.insert(second), ctx.jobs.insertIdempotencyKey(again)])).rejects.toThrow();
      expect(await ctx.jobs.find(second.id, null)).toBeNull();
    });

    it('events are never dated before the newest one, a repeated client id is skipped, paged newest first', async () => {
      const ctx = open();
      const jobId = `ftjob-${unique()}`;
      const event = (n: number, createdAt: number, clientId: string | null) => ({
        id: `ftevent-${unique()}${n}`,
        job_id: jobId,
        created_at: createdAt,
        level: 'info' as const,
        type: 'message' as const,
        message: `m${n}`,
        data: null,
        client_id: clientId,
      });
      const [e1, e2, e3, e4] = [event(1, 5000, 'c1'), event(2, 3000, 'c2'), event(3, 9000, 'c1'), event(4, 9000, null)];
      await ctx.db.batch([ctx.jobs.addEvent(e1), ctx.jobs.addEvent(e2)]);
      await ctx.db.batch([ctx.jobs.addEvent(e3), ctx.jobs.addEvent(e4)]);
      const page = await ctx.jobs.events(jobId, { limit: 10 });
      expect(page.map((e) => [e.message, e.created_at])).toEqual([
        ['m4', 9000],
        ['m2', 5000],
        ['m1', 5000],
      ]);
      expect((await ctx.jobs.events(jobId, { limit: 1, after: e4.id })).map((e) => e.id)).toEqual([e2.id, e1.id]);
    });

    it('transitions happen only from the state named: queued once, cancelled, paused (a running job gets its attempt back), resumed', async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [a, b] = [newJob(owner, 1, null), newJob(owner, 2, null)];
      await ctx.db.batch([ctx.jobs.insert(a), ctx.jobs.insert(b)]);
      expect(await ctx.jobs.markQueued(a.id)).toBe(true);
      expect(await ctx.jobs.markQueued(a.id)).toBe(false);
      expect(await ctx.jobs.markCancelled(a.id, 'validating_files', 7000)).toBeNull();
      expect(await ctx.jobs.markPaused(a.id, 'queued')).toMatchObject({ status: 'paused', max_attempts: 3 });
      expect(await ctx.jobs.markResumed(a.id)).toMatchObject({ status: 'queued' });
      expect(await ctx.jobs.markResumed(a.id)).toBeNull();
      expect(await ctx.jobs.markCancelled(a.id, 'queued', 7000)).toMatchObject({
        status: 'cancelled',
        finished_at: 7000,
      });
      await ctx.db.prepare("UPDATE jobs SET status = 'running', lease_expires_at = 9 WHERE id = ?").bind(b.id).run();
      const paused = await ctx.jobs.markPaused(b.id, 'running');
      expect(paused).toMatchObject({ status: 'paused', max_attempts: 4, lease_expires_at: null });
    });

    it("madeModel / madeModels: only the owner's succeeded jobs' models", async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [done, running] = [newJob(owner, 1, null), newJob(owner, 2, null)];
      await ctx.db.batch([ctx.jobs.insert(done), ctx.jobs.insert(running)]);
      await ctx.db.prepare("UPDATE jobs SET status = 'succeeded' WHERE id = ?").bind(done.id).run();
      expect(await ctx.jobs.madeModel(owner, done.id, done.fine_tuned_model_id)).toBe(true);
      expect(await ctx.jobs.madeModel(`proj_${unique()}`, done.id, done.fine_tuned_model_id)).toBe(false);
      expect(await ctx.jobs.madeModel(owner, running.id, running.fine_tuned_model_id)).toBe(false);
      expect(await ctx.jobs.madeModels(owner)).toEqual([done.fine_tuned_model_id]);
    });
  });

  describe('LeaseStore', () => {
    // Claims pick the oldest claimable job of the whole table, which other cases share: each case takes only its
    // own jobs (take by id) and asks nextClaimable nothing about order beyond "some job".
    const lease = (n: number, expiresAt: number) => ({
      leaseId: `lease-${unique()}${n}`,
      workerId: 'w1',
      claimId: `claim-${unique()}${n}`,
      expiresAt,
    });

    it('take: a queued job once, a validating one only after the grace start, an expired running one while attempts last', async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [queued, fresh] = [newJob(owner, 1, null), newJob(owner, 2, null)];
      await ctx.db.batch([ctx.jobs.insert(queued), ctx.jobs.insert(fresh)]);
      await ctx.jobs.markQueued(queued.id);
      expect(await ctx.leases.nextClaimable(5000, 0)).not.toBeNull();
      const first = lease(1, 6000);
      expect(await ctx.leases.take(queued.id, first, 5000, 0)).toMatchObject({
        status: 'running',
        attempt: 1,
        lease_id: first.leaseId,
        lease_expires_at: 6000,
        started_at: 5000,
      });
      expect(await ctx.leases.take(queued.id, lease(2, 7000), 5500, 0)).toBeNull(); // held, unexpired
      expect(await ctx.leases.findClaimed(first.claimId!, 'w1', 5500)).toMatchObject({ id: queued.id });
      expect(await ctx.leases.findClaimed(first.claimId!, 'w2', 5500)).toBeNull();
      expect(await ctx.leases.findClaimed(first.claimId!, 'w1', 6001)).toBeNull(); // expired
      // Expired with attempts left (1 of 3): claimable again; started_at stays the first start.
      expect(await ctx.leases.take(queued.id, lease(3, 9000), 7000, 0)).toMatchObject({ attempt: 2, started_at: 5000 });
      // validating_files created at 1002: not before the grace start 1000, yes from 1002.
      expect(await ctx.leases.take(fresh.id, lease(4, 9000), 7000, 1000)).toBeNull();
      expect(await ctx.leases.take(fresh.id, lease(5, 9000), 7000, fresh.created_at)).toMatchObject({ attempt: 1 });
    });

    it('renew extends an unexpired lease and answers the cancel request; requeue gives the attempt back; cancel and finish end it', async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [a, b, c] = [1, 2, 3].map((n) => newJob(owner, n, null));
      await ctx.db.batch([a, b, c].map((j) => ctx.jobs.insert(j)));
      const [la, lb, lc] = [lease(1, 6000), lease(2, 6000), lease(3, 6000)];
      for (const [job, l] of [
        [a, la],
        [b, lb],
        [c, lc],
      ] as const)
        await ctx.leases.take(job.id, l, 5000, job.created_at);
      const progress = { step: 3, total_steps: 10, estimated_finish: 9999 };
      expect(await ctx.leases.renew(a.id, la.leaseId, 5500, 8000, progress)).toEqual({ cancel_requested: 0 });
      expect(await ctx.leases.renew(a.id, lb.leaseId, 5500, 8000, progress)).toBeNull(); // another lease
      expect(await ctx.leases.renew(a.id, la.leaseId, 8001, 9000, progress)).toBeNull(); // expired
      expect(await ctx.jobs.find(a.id, null)).toMatchObject({ lease_expires_at: 8000, ...progress });
      expect(await ctx.leases.requeue(a.id, la.leaseId)).toMatchObject({
        status: 'queued',
        lease_id: null,
        max_attempts: 4,
      });
      expect(await ctx.leases.requeue(a.id, la.leaseId)).toBeNull();
      expect(await ctx.leases.cancel(b.id, lb.leaseId, 5600)).toMatchObject({ status: 'cancelled', finished_at: 5600 });
      const ending = {
        status: 'succeeded' as const,
        at: 5700,
        error: null,
        resultFiles: '["file-r"]',
        trainedTokens: 42,
      };
      expect(await ctx.leases.finish(c.id, la.leaseId, ending)).toBeNull();
      expect(await ctx.leases.finish(c.id, lc.leaseId, ending)).toMatchObject({
        status: 'succeeded',
        finished_at: 5700,
        result_files: '["file-r"]',
        trained_tokens: 42,
        estimated_finish: null,
      });
    });

    it('expire ends expired running jobs: cancelled when a cancel was asked for, failed when out of attempts, others left', async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const [asked, spent, spare] = [1, 2, 3].map((n) => ({ ...newJob(owner, n, null), max_attempts: 1 }));
      spare.max_attempts = 2;
      await ctx.db.batch([asked, spent, spare].map((j) => ctx.jobs.insert(j)));
      for (const [i, job] of [asked, spent, spare].entries())
        await ctx.leases.take(job.id, lease(i, 6000), 5000, job.created_at);
      await ctx.db.prepare('UPDATE jobs SET cancel_requested = 1 WHERE id = ?').bind(asked.id).run();
      const ours = <Row extends { owner: string }>(rows: Row[]) => rows.filter((r) => r.owner === owner);
      expect(ours(await ctx.leases.expire(6000, 'e'))).toEqual([]); // lease_expires_at < now only
      const mine = ours(await ctx.leases.expire(6001, '{"code":"worker_lost"}'));
      expect(mine.map((r) => [r.id, r.status, r.error])).toEqual([
        [asked.id, 'cancelled', null],
        [spent.id, 'failed', '{"code":"worker_lost"}'],
      ]);
      expect(await ctx.jobs.find(spare.id, null)).toMatchObject({ status: 'running' });
    });
  });

  describe('CheckpointStore', () => {
    const checkpoint = (jobId: string, step: number, attempt: number) => ({
      id: `ftckpt-${unique()}${step}`,
      job_id: jobId,
      step,
      epoch: step / 10,
      files: '["model.safetensors"]',
      metrics: '{"train_loss":0.5}',
      attempt,
      created_at: 1000 + step,
    });

    it('one checkpoint per step (registered again: replaced); newest, all by step, pages by step after a cursor', async () => {
      const ctx = open();
      const jobId = `ftjob-${unique()}`;
      expect(await ctx.checkpoints.newest(jobId)).toBeNull();
      const [s20, s10, s30] = [checkpoint(jobId, 20, 1), checkpoint(jobId, 10, 1), checkpoint(jobId, 30, 1)];
      await ctx.db.batch([ctx.checkpoints.put(s20), ctx.checkpoints.put(s10), ctx.checkpoints.put(s30)]);
      const again = { ...checkpoint(jobId, 20, 2), files: '["other.bin"]' };
      await ctx.db.batch([ctx.checkpoints.put(again)]);
      expect(await ctx.checkpoints.newest(jobId)).toMatchObject(s30);
      expect(await ctx.checkpoints.find(jobId, 20)).toMatchObject(again);
      expect(await ctx.checkpoints.find(jobId, 25)).toBeNull();
      expect((await ctx.checkpoints.all(jobId)).map((c) => c.step)).toEqual([10, 20, 30]);
      const steps = (rows: { step: number }[]) => rows.map((c) => c.step);
      expect(steps(await ctx.checkpoints.page(jobId, { limit: 1 }))).toEqual([30, 20]);
      expect(steps(await ctx.checkpoints.page(jobId, { limit: 5, after: again.id }))).toEqual([10]);
      expect(await ctx.checkpoints.page(`ftjob-${unique()}`, { limit: 5 })).toEqual([]);
    });
  });

  describe('NonceStore', () => {
    it('takes a nonce once while it lives; once expired it is dropped and may be taken again', async () => {
      const { nonces } = open();
      const nonce = `nonce-${unique()}`;
      expect(await nonces.take(nonce, 2000, 1000)).toBe(true);
      expect(await nonces.take(nonce, 2000, 1500)).toBe(false);
      expect(await nonces.take(nonce, 4000, 3000)).toBe(true);
    });
  });
}

export function blobContract(open: OpenContext): void {
  describe('BlobStore', () => {
    it('put, head, get: the same bytes, size and text; absent keys are null', async () => {
      const { files } = open();
      const key = `contract/${unique()}/a.txt`;
      await files.put(key, 'héllo\n');
      expect((await files.head(key))?.size).toBe(7);
      const got = await files.get(key);
      expect(got?.size).toBe(7);
      expect(await got!.text()).toBe('héllo\n');
      const bytes = await (await files.get(key))!.arrayBuffer();
      expect(new Uint8Array(bytes)).toEqual(new TextEncoder().encode('héllo\n'));
      const streamed = await new Response((await files.get(key))!.body).text();
      expect(streamed).toBe('héllo\n');
      expect(await files.head(`${key}.absent`)).toBeNull();
      expect(await files.get(`${key}.absent`)).toBeNull();
    });

    it('list(prefix) gives the keys under the prefix only, nested ones included; delete removes them', async () => {
      const ctx = open();
      const base = `contract-model-${unique()}`;
      for (const k of [`${base}/config.json`, `${base}/onnx/model.onnx`, `${base}x/config.json`])
        await ctx.models.put(k, '{}');
      expect(await listModelFiles(ctx.models, base)).toEqual(['config.json', 'onnx/model.onnx']);
      await ctx.models.delete([`${base}/config.json`, `${base}/onnx/model.onnx`]);
      expect(await listModelFiles(ctx.models, base)).toEqual([]);
      expect(await ctx.models.head(`${base}/config.json`)).toBeNull();
      expect(await listModelFiles(ctx.models, `${base}x`)).toEqual(['config.json']);
    });

    it('a streamed upload is stored when its length and sha256 are the signed ones, refused and not stored otherwise', async () => {
      const { files } = open();
      const bytes = new TextEncoder().encode('checkpoint bytes '.repeat(50));
      const sha256 = await sha256Hex(bytes);
      const key = `contract/${unique()}/ok.bin`;
      await storeStreamed(files, key, { stream: streamOf(bytes), length: bytes.length, sha256 });
      expect(new Uint8Array(await (await files.get(key))!.arrayBuffer())).toEqual(bytes);
      const refused = async (upload: { length: number; sha256: string }, name: string) => {
        const at = `contract/${unique()}/${name}`;
        const err = await storeStreamed(files, at, { stream: streamOf(bytes), ...upload })
          .then(() => null)
          .catch((e: unknown) => e);
        expect(err, name).toBeInstanceOf(RequestError);
        expect((err as RequestError).param).toBe('body');
        expect(await files.head(at), name).toBeNull();
      };
      await refused({ length: bytes.length, sha256: sha256.replace(/^./, (c) => (c === '0' ? '1' : '0')) }, 'digest');
      await refused({ length: bytes.length + 1, sha256 }, 'longer');
      await refused({ length: bytes.length - 1, sha256 }, 'shorter');
    });
  });

  describe('the core over blobs and SQL', () => {
    it('a dataset file is stored, described, and read back as uploaded', async () => {
      const ctx = open();
      const owner = `proj_${unique()}`;
      const text = `sentence\tlabel\n${Array.from({ length: 12 }, (_, i) => `text ${i}\t${i % 2}`).join('\n')}\n`;
      const { row } = await createDatasetFile(ctx, owner, 'train.tsv', new TextEncoder().encode(text));
      const described = await getFileRow(ctx, owner, row.id);
      expect(described).toMatchObject({ id: row.id, owner, filename: 'train.tsv', examples: 12, format: 'tsv' });
      expect(await (await readFileBody(ctx, described)).text()).toBe(text);
    });
  });
}
