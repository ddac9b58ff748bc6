import type { D1Migration } from 'cloudflare:test';
import type { WorkerEnv } from '../../src/runtime/cloudflare-worker.ts';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      FIXTURES: Fetcher;
      /** migrations/, read by vitest.workerd.config.ts. */
      TEST_MIGRATIONS: D1Migration[];
      /** The loopback webhook receiver (test/support/webhook-receiver.ts). */
      WEBHOOK_RECEIVER_URL: string;
    }
  }
}
