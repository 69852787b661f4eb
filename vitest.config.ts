import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Each file has its own database; two files run at once, each worker on a cluster of its own
    // (test/support/global-setup.ts): one at a time, vitest's default on 2 cores, took 19 minutes.
    fileParallelism: true,
    maxWorkers: 2,
    // Browser and sync assertions poll; on a loaded CI machine a round trip can take over the default second.
    expect: { poll: { timeout: 8000, interval: 50 } },
  },
});
