/**
 * What `viper scenarios run` leaves in its output folder and how it reads what it is given back: suite.json's
 * paths are relative to its folder (which can be moved and still read, as the older absolute ones still are),
 * and the parameter file `viper params` writes, passed back unedited, is the default run (compared with the
 * golden files).
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readSuiteJson } from '../../src/cli/suite/index.ts';
import { viper } from '../testing/cli.ts';
import { tinyScenario } from '../sim/testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-suite-outputs-'));
/** One recording cache for every run here: each scenario is rendered once. */
const recordings = join(dir, 'recordings');

function scenario(name: string): string {
  const p = join(dir, `${name}.json`);
  if (!existsSync(p)) writeFileSync(p, JSON.stringify(tinyScenario({ name })));
  return p;
}

interface SuiteJson {
  version?: number;
  detector: string;
  scenarios: {
    scenario: string;
    status: string;
    file: string;
    results?: { path: string };
    golden?: { status: string; path: string };
  }[];
}

/** `scenarios run --quick -j 1 -o <dir>/<out>`; returns the exit code, stderr and suite.json (if written). */
function run(out: string, args: string[]): { code: number | null; stderr: string; suite?: SuiteJson } {
  const o = join(dir, out);
  const r = viper(['scenarios', 'run', '--quick', '-j', '1', '-o', o, '--recordings', recordings, ...args]);
  const file = join(o, 'suite.json');
  return {
    code: r.code,
    stderr: r.stderr,
    ...(existsSync(file) ? { suite: JSON.parse(readFileSync(file, 'utf8')) as SuiteJson } : {}),
  };
}

/** Golden files of alpha (quick), written once for the runs that compare with them. */
const golden = join(dir, 'golden');
beforeAll(() => {
  const r = run('golden-out', [scenario('alpha'), '--golden-dir', golden, '--update-golden']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

describe('suite.json', () => {
  it('holds a version and paths relative to its folder; moved, it still reads', async () => {
    const r = run('portable', [scenario('alpha'), '--golden-dir', golden]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.suite?.version).toBe(2);
    expect(r.suite?.scenarios.map((x) => [x.file, x.results?.path, x.golden?.path])).toEqual([
      ['../alpha.json', 'alpha/results.mcap', '../golden/quick/alpha.json'],
    ]);
    // No absolute path of this machine left in it (a failure line may quote one; there are none here).
    expect(readFileSync(join(dir, 'portable', 'suite.json'), 'utf8')).not.toContain(dir);
    const moved = join(dir, 'portable-moved');
    renameSync(join(dir, 'portable'), moved);
    const read = await readSuiteJson(join(moved, 'suite.json'));
    expect(read.version).toBe(2);
    const s = read.scenarios[0]!;
    expect(s.results?.path).toBe(join(moved, 'alpha', 'results.mcap'));
    expect(existsSync(s.results!.path)).toBe(true);
    expect(s.file).toBe(scenario('alpha'));
    expect(s.golden?.path).toBe(join(golden, 'quick', 'alpha.json'));
  });

  it('--json prints the document written, its paths relative to the output folder', () => {
    const out = join(dir, 'json');
    const r = viper([
      'scenarios',
      'run',
      '--quick',
      '-j',
      '1',
      '-o',
      out,
      '--recordings',
      recordings,
      '--json',
      scenario('alpha'),
    ]);
    expect(r.code, r.stderr).toBe(0);
    const printed = JSON.parse(r.stdout) as SuiteJson & { timing?: unknown };
    const written = JSON.parse(readFileSync(join(out, 'suite.json'), 'utf8')) as SuiteJson & {
      timing?: unknown;
    };
    expect({ ...printed, timing: 0 }).toEqual({ ...written, timing: 0 });
    expect(printed.scenarios[0]?.results?.path).toBe('alpha/results.mcap');
  });

  it('one written before (absolute paths, no version) reads as version 1, its paths as they are', async () => {
    const file = join(dir, 'v1.json');
    const results = join(dir, 'elsewhere', 'alpha', 'results.mcap');
    const scenarios = [
      {
        scenario: 'alpha',
        status: 'pass',
        file: scenario('alpha'),
        results: { path: results, sha256: 'ab' },
      },
    ];
    writeFileSync(file, JSON.stringify({ mode: 'quick', detector: 'oracle', scenarios }));
    const read = await readSuiteJson(file);
    expect(read.version).toBe(1);
    expect(read.scenarios[0]?.results?.path).toBe(results);
    expect(read.scenarios[0]?.file).toBe(scenario('alpha'));
  });

  it('a newer version, or a file that is not one, is one line', async () => {
    const file = join(dir, 'future.json');
    writeFileSync(file, JSON.stringify({ version: 3, mode: 'quick', detector: 'oracle', scenarios: [] }));
    await expect(readSuiteJson(file)).rejects.toThrow(
      /^input: suite\.json version 3, newer than this viper reads \(2\) \(.*future\.json\) — [^\n]*$/,
    );
    writeFileSync(file, JSON.stringify({ scenarios: 'x' }));
    await expect(readSuiteJson(file)).rejects.toThrow(/^input: not a scenario suite report: mode: /);
    writeFileSync(file, '{bad');
    await expect(readSuiteJson(file)).rejects.toThrow(/^input: not JSON: /);
  });
});

describe('scenarios run --params', () => {
  it('the file viper params writes, unedited, is the default run: compared with the golden files', () => {
    const p = viper(['params']);
    expect(p.code, p.stderr).toBe(0);
    const file = join(dir, 'defaults.yaml');
    writeFileSync(file, p.stdout);
    const r = run('params-defaults', [scenario('alpha'), '--golden-dir', golden, '--params', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/defaults\.yaml sets every parameter it names to its default/);
    expect(r.suite?.detector).toBe('oracle');
    expect(r.suite?.scenarios.map((x) => [x.scenario, x.status, x.golden?.status])).toEqual([
      ['alpha', 'pass', 'match'],
    ]);
  });

  it('a changed value keeps the run apart: labelled with the file and not compared', () => {
    const file = join(dir, 'tuned.yaml');
    writeFileSync(file, viper(['params']).stdout.replace(/minHits: 2\n/, 'minHits: 1000\n'));
    const r = run('params-tuned', [scenario('alpha'), '--golden-dir', golden, '--params', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/default run/);
    expect(r.suite?.detector).toBe(`oracle (params ${file})`);
    expect(r.suite?.scenarios[0]?.golden).toBeUndefined();
  });
});
