// Tests that run on Node. The workerd suite has its own config (vitest.workerd.config.ts), and so has the end-to-end
// suite (vitest.e2e.config.ts: wrangler dev, GPU workers and a webhook receiver as processes, run after the others).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/workerd/**', 'test/e2e/**', 'node_modules/**'],
    // The pages' browser scripts, built from src/http/web/client/ (test/support/build-web-setup.ts).
    globalSetup: ['test/support/build-web-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The apps under test would print a JSON line per request (src/http/observe.ts).
    env: { EDGECLASS_REQUEST_LOG: 'off' },
  },
});
