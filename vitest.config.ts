import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/globalTmp.ts'],
    pool: 'forks',
    // Two cores. Measured on the CLI-heavy files (2026-12-01, ±20 % run to run on a shared machine): three workers
    // were no faster than this.
    maxWorkers: 2,
    // One module graph per worker, not per file: loading src/ and its dependencies again for each of 155 files
    // cost more than running most of them (the whole run 1,039 → 909 CPU-seconds, 565 → 495 s, 2026-12-02).
    // Files share a process, so what a test changes in it must be undone: spies are restored after every test
    // (restoreMocks), and a file that swaps timers, signal handlers or process.stdout restores them itself.
    isolate: false,
    restoreMocks: true,
  },
});
