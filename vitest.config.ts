import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', '.sluice/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Most files wait on the servers they start (KMS, gateways, PostgreSQL, Redis, Chromium):
    // two at a time even on two cores, where the default would run one (the suite in 5 minutes, not 8).
    maxWorkers: Math.max(2, os.availableParallelism() - 1),
    globalSetup: ['test/support/global-setup.ts'],
  },
});
