// Webhooks out, the Standard Webhooks way. An event becomes one delivery row per endpoint, written in the same D1
// batch as the state change it announces (an outbox: no change without its webhook, no webhook without its
// change). The JOBS queue carries "deliver <id>" messages; retries go back on the queue with delaySeconds
// (backoff from the configured schedule, +-20% jitter) -- the queue is already the dispatcher and needs no Durable
// Object or cron, and D1 keeps the truth: a message lost (e.g. wrangler dev restarted) is re-sent by the sweep.
// Every attempt is recorded. A 2xx ends a delivery; 410 Gone disables the endpoint; after the last retry it is
// failed. The webhook-id (the event id) is the same on every attempt so receivers can drop duplicates.
import { newId } from '../ids.ts';
import { seconds, type JobsContext } from '../context.ts';
import { activeSecrets } from './endpoints.ts';
import { signWebhook } from './standard.ts';
import { refusedTarget } from './resolve.ts';
import { privateHostReason } from './targets.ts';
import type { DeliveryRow, PendingWrite } from '../../storage/types.ts';

export type WebhookEventType =
  | 'fine_tuning.job.running'
  | 'fine_tuning.job.progress'
  | 'fine_tuning.job.succeeded'
  | 'fine_tuning.job.failed'
  | 'fine_tuning.job.cancelled';

/** OpenAI's webhook payload: {id, object: "event", type, created_at, data: {id: <job id>, ...}}. */
export interface WebhookPayload {
  id: string;
  object: 'event';
  type: WebhookEventType;
  created_at: number;
  data: { id: string } & Record<string, unknown>;
}

export interface DeliveryObject {
  id: string;
  object: 'webhook_delivery';
  type: WebhookEventType;
  endpoint_id: string;
  status: DeliveryRow['status'];
  attempts: number;
  next_attempt_at: number | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: number;
  completed_at: number | null;
  payload: WebhookPayload;
}

export function deliveryObject(row: DeliveryRow): DeliveryObject {
  return {
    id: row.id,
    object: 'webhook_delivery',
    type: row.type as WebhookEventType,
    endpoint_id: row.endpoint_id,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: seconds(row.next_attempt_at),
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    created_at: seconds(row.created_at)!,
    completed_at: seconds(row.completed_at),
    payload: JSON.parse(row.payload) as WebhookPayload,
  };
}

/** A delivery to insert with the caller's batch; send its id to the queue (sendDeliveries) once committed. */
export function prepareDelivery(
  ctx: JobsContext,
  endpointId: string,
  jobId: string | null,
  type: WebhookEventType,
  data: WebhookPayload['data'],
): { id: string; insert: PendingWrite } {
  const now = ctx.now();
  const id = newId('webhookEvent', now);
  const payload: WebhookPayload = { id, object: 'event', type, created_at: seconds(now)!, data };
  const insert = ctx.deliveries.insert({
    id,
    endpoint_id: endpointId,
    job_id: jobId,
    type,
    payload: JSON.stringify(payload),
    created_at: now,
  });
  return { id, insert };
}

/** Queues the first attempt of each delivery. A failure here only delays them until the sweep. */
export async function sendDeliveries(ctx: JobsContext, ids: string[]): Promise<void> {
  if (!ids.length) return;
  try {
    await ctx.queue.sendBatch(ids.map((id) => ({ body: { type: 'webhook' as const, delivery_id: id } })));
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'warn',
        msg: 'could not queue webhook deliveries; the sweep will',
        ids,
        error: String(err),
      }),
    );
  }
}

/** Seconds before retry number `retry` (1-based), with +-20% jitter; null when the schedule is exhausted. */
export function retryDelaySeconds(schedule: number[], retry: number, random = Math.random): number | null {
  const base = schedule[retry - 1];
  if (base === undefined) return null;
  return Math.max(0, base * (0.8 + 0.4 * random()));
}

const RESPONSE_EXCERPT = 200;

/**
 * One attempt at a delivery, if it is due and nobody else is attempting it; schedules the next one on failure.
 * Safe to call twice for the same id (a lock column in D1 keeps the attempts apart).
 */
export async function deliverWebhook(ctx: JobsContext, deliveryId: string): Promise<void> {
  const now = ctx.now();
  const timeoutMs = ctx.config.webhookTimeoutSeconds * 1000;
  const row = await ctx.deliveries.lockDue(deliveryId, now, now + 1000, now + timeoutMs + 10_000);
  if (!row) {
    // Not due yet (a message that came early): put it back for the rest of its wait.
    const dueAt = await ctx.deliveries.pendingDueAt(deliveryId);
    if (dueAt !== null && dueAt > now + 1000) {
      await ctx.queue.send(
        { type: 'webhook', delivery_id: deliveryId },
        { delaySeconds: Math.ceil((dueAt - now) / 1000) },
      );
    }
    return;
  }
  const endpoint = await ctx.endpoints.find(row.endpoint_id, null);
  if (!endpoint || endpoint.disabled_at !== null) {
    await finish(ctx, row, 'failed', null, 'the endpoint is disabled');
    return;
  }
  const refused = ctx.config.allowPrivateTargets ? null : privateHostReason(new URL(endpoint.url).hostname);
  if (refused) {
    await finish(ctx, row, 'failed', null, `the endpoint's host is refused: ${refused}`);
    return;
  }

  const attempt = row.attempts + 1;
  const started = ctx.now();
  const headers = await signWebhook(activeSecrets(endpoint, started), row.id, seconds(started)!, row.payload);
  let status: number | null = null;
  let error: string | null = null;
  try {
    // Every address the name has now (where names can be resolved): a refusal ends the delivery; a resolver that
    // cannot answer counts as a failed attempt, retried on the schedule.
    const resolvedRefusal = await refusedTarget(ctx, new URL(endpoint.url));
    if (resolvedRefusal) {
      await finish(ctx, row, 'failed', null, `the endpoint's host is refused: ${resolvedRefusal}`);
      return;
    }
    const res = await fetch(endpoint.url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'edgeclass-webhooks/1' },
      body: row.payload,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = res.status;
    if (!res.ok) error = `HTTP ${res.status}: ${(await res.text().catch(() => '')).slice(0, RESPONSE_EXCERPT)}`;
    else await res.body?.cancel();
  } catch (err) {
    error =
      err instanceof Error && err.name === 'TimeoutError'
        ? `no answer within ${ctx.config.webhookTimeoutSeconds} s`
        : `network error: ${err instanceof Error ? err.message : String(err)}`;
  }
  const finished = ctx.now();
  const record = ctx.deliveries.recordAttempt({
    delivery_id: row.id,
    attempt,
    started_at: started,
    duration_ms: finished - started,
    status_code: status,
    error,
  });

  if (status !== null && status >= 200 && status < 300) {
    await ctx.db.batch([record, ctx.deliveries.complete(row.id, 'delivered', attempt, status, null, finished)]);
    return;
  }
  if (status === 410) {
    await ctx.db.batch([
      record,
      ctx.deliveries.complete(row.id, 'failed', attempt, status, 'the endpoint answered 410 Gone: disabled', finished),
      ctx.endpoints.disable(endpoint.id, finished, '410 Gone from the receiver'),
      // Everything else still waiting for this endpoint stops too.
      ctx.deliveries.failPending(endpoint.id, 'the endpoint is disabled', finished),
    ]);
    return;
  }
  const delay = retryDelaySeconds(ctx.config.webhookRetrySchedule, attempt);
  if (delay === null) {
    await ctx.db.batch([
      record,
      ctx.deliveries.complete(
        row.id,
        'failed',
        attempt,
        status,
        `gave up after ${attempt} attempts: ${error}`,
        finished,
      ),
    ]);
    return;
  }
  const next = finished + Math.round(delay * 1000);
  await ctx.db.batch([record, ctx.deliveries.retryAt(row.id, attempt, next, status, error)]);
  await ctx.queue.send({ type: 'webhook', delivery_id: row.id }, { delaySeconds: Math.ceil(delay) });
}

async function finish(
  ctx: JobsContext,
  row: DeliveryRow,
  status: 'failed',
  code: number | null,
  error: string,
): Promise<void> {
  await ctx.db.batch([ctx.deliveries.complete(row.id, status, row.attempts, code, error, ctx.now())]);
}

/** Deliveries whose queue message is overdue by a minute (lost): queued again. */
export async function resendOverdueDeliveries(ctx: JobsContext): Promise<number> {
  const now = ctx.now();
  const ids = await ctx.deliveries.overdue(now - 60_000, now, 100);
  await sendDeliveries(ctx, ids);
  return ids.length;
}

const RESEND_CHECK_EVERY_MS = 30_000;
let lastResendCheck = 0;

/**
 * resendOverdueDeliveries at most every 30 s per isolate, after the response: the worker's claim polls call it, so
 * deliveries whose messages a restart lost go out again even where no cron fires (wrangler dev).
 */
export function resendOverdueDeliveriesSoon(ctx: JobsContext): void {
  const now = ctx.now();
  if (now - lastResendCheck < RESEND_CHECK_EVERY_MS) return;
  lastResendCheck = now;
  ctx.defer(resendOverdueDeliveries(ctx));
}

export async function listDeliveries(ctx: JobsContext, jobId: string): Promise<DeliveryObject[]> {
  return (await ctx.deliveries.listForJob(jobId, 200)).map(deliveryObject);
}
