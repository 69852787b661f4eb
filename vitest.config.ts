import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Each file has its own database; the cluster is shared.
    fileParallelism: true,
    // Browser and sync assertions poll; on a loaded CI machine a round trip can take over the default second.
    expect: { poll: { timeout: 8000, interval: 50 } },
  },
});
