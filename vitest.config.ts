import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    globalSetup: ['test/globalTmp.ts'],
    pool: 'forks',
    // Two cores. Measured on the CLI-heavy files (2026-12-01, ±20 % run to run on a shared machine): three workers,
    // or isolate: false (one module graph per worker instead of per file), were no faster than this.
    maxWorkers: 2,
  },
});
