// The end-to-end suite: the real system on loopback (wrangler dev, `edgeclass worker` processes, a webhook
// receiver). One file at a time, after the other suites (npm test), so that its timings are its own.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.test.ts'],
    fileParallelism: false,
    // The pages' browser scripts, for the Node servers the tests start (wrangler dev builds them itself: [build]).
    globalSetup: ['test/support/build-web-setup.ts'],
    testTimeout: 600_000,
    hookTimeout: 300_000,
  },
});
