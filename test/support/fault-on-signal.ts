// Loaded with --import before server/main.ts by a test: on SIGUSR2 it throws
// outside any handler, as a bug of ours would, so the test can see what the
// process does with a fault it did not expect.
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('simulated fault of ours');
  });
});
