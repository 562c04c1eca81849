/**
 * A scenario whose worker is told to stop (Ctrl-C / SIGTERM, forwarded by the suite) ends as interrupted with its
 * results file finalized and readable, not killed mid-write. (Checked by hand through the CLI: `scenarios run …`
 * interrupted during a replay exits 130 with `ERROR <name>: interrupted: the results so far are finalized in …`.)
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { interrupt, runScenario } from '../../src/cli/suite/pipeline.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { repoRoot } from '../shared.ts';

it('an interrupted scenario finalizes its results and says where they are', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-suite-stop-'));
  const outDir = join(dir, 'out');
  const file = join(repoRoot, 'scenarios', 'pedestrian_crossing.yaml');
  const options = { file, outDir, recordingsDir: join(dir, 'rec'), quick: true, detector: 'oracle' } as const;
  // Recorded first (a stop while recording ends the recording instead: test/cli/suiteBadInput.test.ts).
  await runScenario(options);
  interrupt.stopped = true;
  try {
    await expect(runScenario(options)).rejects.toThrow(
      /^interrupted: the results so far are finalized in .*results\.mcap$/,
    );
  } finally {
    interrupt.stopped = false;
  }
  const reader = await RecordingReader.open(join(outDir, 'pedestrian_crossing', 'results.mcap'));
  try {
    expect(reader.summary().indexed).toBe(true);
  } finally {
    await reader.close();
  }
});
