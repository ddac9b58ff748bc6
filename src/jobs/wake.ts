// Waking a worker: a signed POST {job_id} (protocol.ts WakeRequest) to EDGECLASS_WORKER_PUSH_URL, e.g.
// http://127.0.0.1:9000/wake for a worker started with --port 9000. Signed like every worker call (the path of the
// push URL, its query, the body). Best effort: workers also poll the claim route.
import type { JobsContext } from './context.ts';
import { signRequest } from './protocol.ts';

const PUSH_TIMEOUT_MS = 5_000;

/** Best effort: a worker that misses it finds the job at its next poll. */
export async function wakeWorker(ctx: JobsContext, jobId: string): Promise<void> {
  const { workerPushUrl, workerSecret } = ctx.config;
  if (!workerPushUrl || !workerSecret) return;
  try {
    const url = new URL(workerPushUrl);
    const body = JSON.stringify({ job_id: jobId });
    const timestamp = Math.floor(ctx.now() / 1000);
    const signed = await signRequest(
      workerSecret,
      'POST',
      url.pathname + url.search,
      new TextEncoder().encode(body),
      timestamp,
    );
    const res = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...signed,
      },
      body,
      signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
    });
    await res.body?.cancel();
    if (!res.ok)
      console.error(JSON.stringify({ level: 'warn', msg: 'worker push answered', status: res.status, job: jobId }));
  } catch (err) {
    console.error(
      JSON.stringify({
        level: 'warn',
        msg: 'worker push failed; workers will find the job by polling',
        job: jobId,
        error: String(err),
      }),
    );
  }
}
