import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { RecordingReader } from '../../src/io/index.ts';
import { repoRoot } from '../shared.ts';
import { viper } from '../testing/cli.ts';

it('viper demo (oracle, quickest scenario) writes results and a report, and no golden files', async () => {
  const out = mkdtempSync(join(tmpdir(), 'viper-demo-'));
  const r = viper(['demo', 'occluded_pedestrian', '--detector', 'oracle', '-o', out]);
  expect(r.code, r.stderr).toBe(0);
  expect(r.stderr).toMatch(/PASS occluded_pedestrian/);
  // The demo reports; it neither compares with nor writes golden files (the suite's job).
  expect(existsSync(join(out, 'golden'))).toBe(false);
  expect(r.stdout).not.toMatch(/updated/);
  expect(existsSync(join(out, 'report.md'))).toBe(true);
  // Absolute paths, as `scenarios run` prints them (they had been relative to the folder it ran in).
  const results = join(out, 'occluded_pedestrian', 'results.mcap');
  expect(r.stdout).toContain(`results: ${results}\n`);
  expect(r.stdout).toContain(`report:  ${join(out, 'report.md')}\n`);
  expect(r.stdout).toContain(`look at it: npx viper view ${results}\n`);
  expect(r.stderr).toContain(`demo: ${join(repoRoot, 'scenarios', 'occluded_pedestrian.yaml')} → ${out}/`);
  const reader = await RecordingReader.open(join(out, 'occluded_pedestrian', 'results.mcap'));
  try {
    expect(reader.channels().some((c) => c.topic === '/perception/objects')).toBe(true);
  } finally {
    await reader.close();
  }
  // --json carries what the table says (as scenarios run --json), not only where the files are.
  const j = viper(['demo', 'occluded_pedestrian', '--detector', 'oracle', '-o', out, '--json']);
  expect(j.code, j.stderr).toBe(0);
  const json = JSON.parse(j.stdout);
  expect(json).toMatchObject({
    detector: 'oracle',
    passed: 1,
    failed: 0,
    reports: { markdown: join(out, 'report.md') },
  });
  expect(json.scenarios[0]).toMatchObject({ scenario: 'occluded_pedestrian', status: 'pass' });
  expect(json.scenarios[0].metrics.HOTA).toBeGreaterThan(0.5);
  expect(json.scenarios[0].checks.length).toBeGreaterThan(0);
});
