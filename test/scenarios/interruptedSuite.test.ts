/**
 * A suite stopped by Ctrl-C / SIGTERM says so, and its printed summary and every report name the scenarios that
 * never started: they had listed only the scenarios that ran, so an interrupted run of 10 read as a suite of 2.
 */
import { readFile } from 'node:fs/promises';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import { readSuiteJson, runSuite } from '../../src/cli/suite/index.ts';
import { formatTable, writeReports } from '../../src/eval/scenarios/index.ts';
import { repoRoot } from '../shared.ts';

/** A small copy of pedestrian_crossing named `name` (frames come quickly; only the first one runs). */
function scenarioCopy(dir: string, name: string): string {
  const raw = parse(readFileSync(join(repoRoot, 'scenarios', 'pedestrian_crossing.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  raw.name = name;
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, stringify(raw));
  return file;
}

it('an interrupted suite names the scenarios not started in the summary, suite.json, junit.xml and report.md', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'viper-suite-interrupted-'));
  const files = ['stop_a', 'stop_b', 'stop_c'].map((n) => scenarioCopy(dir, n));
  const outDir = join(dir, 'out');
  // The suite's "stopping" line; the signal itself comes from the first progress report, as Ctrl-C would.
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  let sent = false;
  const suite = await runSuite({
    files,
    outDir,
    quick: true,
    jobs: 1,
    golden: false,
    onProgress: () => {
      if (sent) return;
      sent = true;
      process.emit('SIGINT', 'SIGINT');
    },
  }).finally(() => write.mockRestore());
  expect(sent).toBe(true);
  expect(suite.interrupted).toBe(true);
  expect(suite.outcomes.map((o) => [o.scenario, o.status])).toEqual([['stop_a', 'error']]);
  expect(suite.notStarted).toEqual([
    { scenario: 'stop_b', file: files[1] },
    { scenario: 'stop_c', file: files[2] },
  ]);

  const table = formatTable(suite);
  expect(table).toMatch(/^INTERRUPTED: 2 of 3 scenarios not started: stop_b, stop_c$/m);
  expect(table).toMatch(/^0 passed, 0 failed, 1 error, 2 not started \(quick, oracle\)/m);

  const paths = await writeReports(suite, outDir);
  const json = JSON.parse(await readFile(paths.json, 'utf8')) as Record<string, unknown>;
  expect(json.interrupted).toBe(true);
  expect(json.notStarted).toEqual([
    { scenario: 'stop_b', file: '../stop_b.yaml' },
    { scenario: 'stop_c', file: '../stop_c.yaml' },
  ]);
  // Read back, as a CI step does, with its paths absolute as the scenarios' are.
  expect((await readSuiteJson(paths.json)).notStarted?.map((x) => x.file)).toEqual(files.slice(1));
  const junit = await readFile(paths.junit, 'utf8');
  expect(junit).toMatch(/<testsuites name="viper scenarios" tests="3" failures="0" errors="1" skipped="2"/);
  for (const name of ['stop_b', 'stop_c']) {
    expect(junit).toContain(
      `<testcase classname="scenarios.${name}" name="run"><skipped message="not started: interrupted"/></testcase>`,
    );
  }
  const md = await readFile(paths.markdown, 'utf8');
  expect(md).toContain('0 passed, 0 failed, 1 error, 2 not started.');
  expect(md).toContain('INTERRUPTED: 2 of 3 scenarios not started: stop_b, stop_c.');
}, 120_000);
