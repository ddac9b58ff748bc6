import type { WorkerEnv } from '../../src/runtime/worker.ts';

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      FIXTURES: Fetcher;
    }
  }
}
