// Tests that run inside workerd (the Workers runtime) with the bindings of wrangler.toml, local and offline.
// FIXTURES is a Node-side service binding: the shared goldens and model files, and the compare.mjs judge.
// Fine-tuning: the D1 migrations (applied by test/workerd/apply-migrations.ts), test secrets and fast webhook
// retries, and a webhook receiver on loopback (test/workerd/receiver-setup.ts) that deliveries reach over HTTP.
import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { fixturesService } from './test/support/fixtures-service.ts';

/** Settings of the fine-tuning service under test (src/jobs/config.ts). */
export const JOBS_TEST_VARS = {
  EDGECLASS_ADMIN_KEY: 'test-admin-key',
  EDGECLASS_WORKER_SECRET: 'test-worker-secret',
  EDGECLASS_WEBHOOK_ALLOW_PRIVATE: '1',
  EDGECLASS_WEBHOOK_RETRY_SCHEDULE: '1,1,2',
  EDGECLASS_MAX_FILE_BYTES: '1048576',
};

export default defineConfig({
  plugins: [
    cloudflareTest(async ({ inject }) => ({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        serviceBindings: { FIXTURES: fixturesService },
        bindings: {
          // One JSON line per request (src/http/observe.ts) would bury the test output.
          EDGECLASS_REQUEST_LOG: 'off',
          ...JOBS_TEST_VARS,
          EDGECLASS_WORKER_PUSH_URL: `${inject('webhookReceiverUrl')}/push`,
          WEBHOOK_RECEIVER_URL: inject('webhookReceiverUrl'),
          TEST_MIGRATIONS: await readD1Migrations('migrations'),
        },
      },
    })),
  ],
  test: {
    include: ['test/workerd/**/*.test.ts'],
    // One file at a time: with two at once, long requests of one file (the tokenizer goldens sent to the judge
    // through FIXTURES) were cut ("Network connection lost") while the other file's queue traffic ran.
    fileParallelism: false,
    setupFiles: ['test/workerd/apply-migrations.ts'],
    // Tiny models for the classify/embeddings tests, and the Node app's answers to compare with; the receiver; the
    // pages' browser scripts (the Worker bundle imports them).
    globalSetup: ['test/workerd/global-setup.ts', 'test/workerd/receiver-setup.ts', 'test/support/build-web-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
