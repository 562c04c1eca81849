/**
 * The full scenario suite (`npm run test:scenarios`): every bundled scenario, full resolution, oracle
 * detector, in parallel workers; reports in out/scenarios/. Passes when every scenario reproduces its golden
 * results (recordings/golden/<scenario>.json): the same metrics and the same pass/fail of every expectation
 * (and, from the same recording, the same results bytes). Expectations that fail in the golden run too (known
 * gaps) are printed in the table, not hidden.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSuite } from '../../src/cli/suite/index.ts';
import { expandScenarioArgs, formatTable, writeReports } from '../../src/eval/scenarios/index.ts';
import { repoRoot } from '../shared.ts';

describe('scenario suite, full', () => {
  it('every bundled scenario reproduces its golden results', async () => {
    const outDir = join(repoRoot, 'out', 'scenarios');
    const files = expandScenarioArgs([], join(repoRoot, 'scenarios'));
    const suite = await runSuite({ files, outDir });
    await writeReports(suite, outDir);
    process.stdout.write(formatTable(suite));
    expect(suite.errors).toBe(0);
    // 'match' only: a recording that changed bytes must come with golden files recorded again (metrics checked
    // unchanged first), else a change in the results bytes would pass unseen beside it.
    const moved = suite.outcomes
      .filter((o) => o.golden?.status !== 'match' || o.golden.recordingChanged)
      .map(
        (o) =>
          `${o.scenario}: ${o.golden?.status ?? 'no golden'} ${o.failures.filter((f) => f.startsWith('golden')).join(' ')}`,
      );
    expect(moved).toEqual([]);
  });
});
