// Tests that run inside workerd (the Workers runtime) with the bindings of wrangler.toml, local and offline.
// FIXTURES is a Node-side service binding: the shared goldens and model files, and the compare.mjs judge.
import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';
import { fixturesService } from './test/support/fixtures-service.ts';

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: './wrangler.toml' },
      miniflare: { serviceBindings: { FIXTURES: fixturesService } },
    }),
  ],
  test: {
    include: ['test/workerd/**/*.test.ts'],
    // Tiny models for the classify/embeddings tests, and the Node app's answers to compare with.
    globalSetup: ['test/workerd/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
