// The JOBS queue's consumer and the sweep. A dispatch message moves a new job from validating_files to queued and
// wakes a worker (a signed POST {job_id} to EDGECLASS_WORKER_PUSH_URL, when set; workers also poll the claim
// route). A webhook message is one delivery attempt. The sweep -- run by the cron trigger, and before claims --
// ends jobs whose worker vanished, and re-sends what a lost message left behind.
import type { JobsContext, JobsMessage } from './context.ts';
import { eventStatement } from './jobs.ts';
import { expireLeases } from './leases.ts';
import { wakeWorker } from './wake.ts';
import { deliverWebhook, resendOverdueDeliveries } from './webhooks/deliveries.ts';

/** validating_files -> queued, then the wake-up. Files were validated when the job was created. */
export async function dispatchJob(ctx: JobsContext, jobId: string): Promise<void> {
  if (!(await ctx.jobs.markQueued(jobId))) return; // cancelled, or already claimed after the grace period
  await ctx.db.batch([eventStatement(ctx, jobId, { message: 'Files validated, moving job to queued state' })]);
  await wakeWorker(ctx, jobId);
}

export async function handleMessage(ctx: JobsContext, message: JobsMessage): Promise<void> {
  if (message.type === 'dispatch') await dispatchJob(ctx, message.job_id);
  else if (message.type === 'webhook') await deliverWebhook(ctx, message.delivery_id);
}

/** A batch from the JOBS queue: each message acked when handled, retried (5 s later) when it threw. */
export async function handleQueueBatch(ctx: JobsContext, batch: MessageBatch<JobsMessage>): Promise<void> {
  for (const message of batch.messages) {
    try {
      await handleMessage(ctx, message.body);
      message.ack();
    } catch (err) {
      console.error(
        JSON.stringify({
          level: 'error',
          msg: 'queue message failed',
          body: message.body,
          attempts: message.attempts,
          error: String(err),
        }),
      );
      message.retry({ delaySeconds: 5 });
    }
  }
}

/** Jobs whose dispatch message was lost are claimable after the grace period anyway (claimJob); this ends
 * abandoned jobs and re-sends overdue webhooks. */
export async function sweep(ctx: JobsContext): Promise<{ expired: number; resent: number }> {
  const expired = await expireLeases(ctx);
  const resent = await resendOverdueDeliveries(ctx);
  return { expired, resent };
}
