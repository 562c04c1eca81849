/**
 * The full scenario regression suite (`npm run test:scenarios`): every bundled scenario at full resolution,
 * compared with recordings/golden/. Kept out of `npm test` (whose include pattern does not match
 * `*.suite.ts`), which runs the quick subset in test/scenarios/suite.test.ts instead.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/scenarios/*.suite.ts'],
    testTimeout: 1_200_000,
    hookTimeout: 1_200_000,
    globalSetup: ['test/globalTmp.ts'],
    pool: 'forks',
    maxWorkers: 1,
  },
});
