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
    // A worker imports the server once for all its files, not once a file (that was ~230 s of the run's CPU):
    // files share module state, so none may leave a fake clock, a mock or a changed environment behind, and
    // what a process keeps for its life must hold for any order of work (the PDFs' faces: server/web/fonts.ts).
    isolate: false,
    // Browser and sync assertions poll; on a loaded CI machine a round trip can take over the default second.
    expect: { poll: { timeout: 8000, interval: 50 } },
  },
});
