/**
 * What `viper scenarios run` leaves in its output folder and how it reads what it is given back: suite.json's
 * paths are relative to its folder (which can be moved and still read, as the older absolute ones still are),
 * a run into a folder removes the previous run's outputs there (only those, as its suite.json lists them), and
 * the parameter file `viper params` writes, passed back unedited, is the default run (compared with the golden
 * files). Runs go through the real `bin/viper.js` (the suite's workers write to the terminal themselves); `viper
 * params` through the CLI's entry point in-process (`viperInProcess`).
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { clearPreviousRun, readSuiteJson } from '../../src/cli/suite/index.ts';
import { viper, viperInProcess } from '../testing/cli.ts';
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

describe("a run into a folder holding the previous run's outputs", () => {
  /** Every file under `root`, relative, sorted. */
  const files = (root: string): string[] =>
    readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => relative(root, join(e.parentPath, e.name)))
      .sort();

  it('removes them (a scenario dropped, its results and plot gone), keeps the rest of the folder', () => {
    const out = join(dir, 'rerun');
    expect(run('rerun', [scenario('alpha'), scenario('beta')]).code).toBe(0);
    writeFileSync(join(out, 'keep.txt'), 'mine');
    mkdirSync(join(out, 'recordings'));
    writeFileSync(join(out, 'recordings', 'cached.mcap'), 'a cache is kept');
    writeFileSync(join(out, 'beta', 'keep.txt'), 'mine too');
    const r = run('rerun', [scenario('alpha')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/note: removed the previous run's outputs of beta \(not in this run\)/);
    expect(r.suite?.scenarios.map((x) => x.scenario)).toEqual(['alpha']);
    expect(files(out)).toEqual([
      '.viper-run.json',
      'alpha/results.mcap',
      'beta/keep.txt',
      'junit.xml',
      'keep.txt',
      'plots/alpha.svg',
      'recordings/cached.mcap',
      'report.md',
      'suite.json',
    ]);
    // The same scenarios again: nothing to say.
    const again = run('rerun', [scenario('alpha')]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/note:/);
  });

  it("reads an earlier viper's suite.json (absolute paths, no version) to know them", () => {
    const out = join(dir, 'rerun-v1');
    mkdirSync(join(out, 'gamma'), { recursive: true });
    mkdirSync(join(out, 'plots'));
    writeFileSync(join(out, 'gamma', 'results.mcap'), 'x');
    writeFileSync(join(out, 'plots', 'gamma.svg'), '<svg/>');
    const results = join('/elsewhere', 'gamma', 'results.mcap');
    const scenarios = [
      { scenario: 'gamma', status: 'pass', file: '/x/gamma.json', results: { path: results, sha256: 'ab' } },
    ];
    writeFileSync(join(out, 'suite.json'), JSON.stringify({ mode: 'full', detector: 'oracle', scenarios }));
    const r = run('rerun-v1', [scenario('alpha')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/removed the previous run's outputs of gamma/);
    expect(existsSync(join(out, 'gamma'))).toBe(false);
    expect(files(out)).toEqual([
      '.viper-run.json',
      'alpha/results.mcap',
      'junit.xml',
      'plots/alpha.svg',
      'report.md',
      'suite.json',
    ]);
  });

  it('a suite.json that does not read: earlier outputs are not removed, and the note says what this run replaces', () => {
    const out = join(dir, 'rerun-bad');
    mkdirSync(join(out, 'delta'), { recursive: true });
    writeFileSync(join(out, 'delta', 'results.mcap'), 'x');
    writeFileSync(join(out, 'suite.json'), '{bad');
    const r = run('rerun-bad', [scenario('alpha')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(
      /note: input: not JSON: .*suite\.json.*: the earlier outputs in .* are not removed; this run's suite\.json, report\.md, junit\.xml, plots and results replace files of the same names there\n/,
    );
    expect(existsSync(join(out, 'delta', 'results.mcap'))).toBe(true);
    expect(r.suite?.scenarios.map((x) => x.scenario)).toEqual(['alpha']);
  });

  it('viper demo of another scenario into the same folder: the previous one goes too', () => {
    const out = join(dir, 'demo');
    const demo = (name: string) => viper(['demo', scenario(name), '--detector', 'oracle', '-o', out]);
    expect(demo('alpha').code).toBe(0);
    const r = demo('beta');
    expect(r.code, r.stderr).toBe(0);
    expect(files(out).filter((f) => !f.startsWith('recordings/'))).toEqual([
      '.viper-run.json',
      'beta/results.mcap',
      'junit.xml',
      'plots/beta.svg',
      'report.md',
      'suite.json',
    ]);
  });

  it('a run killed before its reports is cleared by the next: it listed its scenarios as it began', async () => {
    const out = join(dir, 'killed');
    mkdirSync(join(out, 'alpha'), { recursive: true });
    writeFileSync(join(out, 'alpha', 'results.mcap'), 'unfinished');
    writeFileSync(join(out, '.viper-run.json'), JSON.stringify({ scenarios: ['alpha', 'beta'] }));
    const r = await clearPreviousRun(out, ['beta']);
    expect(r.notInRun).toEqual(['alpha']);
    expect(files(out)).toEqual(['.viper-run.json']);
    expect(JSON.parse(readFileSync(join(out, '.viper-run.json'), 'utf8'))).toEqual({ scenarios: ['beta'] });
  });

  it('never removes through a link out of the folder', async () => {
    const out = join(dir, 'linked');
    const ext = join(dir, 'linked-elsewhere');
    mkdirSync(join(ext, 'plots'), { recursive: true });
    writeFileSync(join(ext, 'results.mcap'), 'not ours');
    writeFileSync(join(ext, 'plots', 'a.svg'), 'not ours');
    mkdirSync(out);
    symlinkSync(ext, join(out, 'a'));
    symlinkSync(join(ext, 'plots'), join(out, 'plots'));
    writeFileSync(
      join(out, 'suite.json'),
      JSON.stringify({ mode: 'full', detector: 'oracle', scenarios: [{ scenario: 'a', status: 'pass' }] }),
    );
    await clearPreviousRun(out, ['b']);
    expect(files(ext)).toEqual(['plots/a.svg', 'results.mcap']);
  });

  it('a recordings folder that cannot be made fails the scenarios and removes nothing', () => {
    const out = join(dir, 'rerun-no-recordings');
    expect(run('rerun-no-recordings', [scenario('alpha')]).code).toBe(0);
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const r = run('rerun-no-recordings', [scenario('alpha'), '--recordings', join(blocker, 'recordings')]);
    expect(r.code, r.stderr).toBe(2);
    expect(existsSync(join(out, 'alpha', 'results.mcap'))).toBe(true);
    expect(existsSync(join(out, 'plots', 'alpha.svg'))).toBe(true);
  });

  it('bad input refused before the run removes nothing', () => {
    const out = join(dir, 'rerun-refused');
    expect(run('rerun-refused', [scenario('alpha')]).code).toBe(0);
    const before = files(out);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"name": 3}');
    const r = run('rerun-refused', [broken]);
    expect(r.code, r.stderr).toBe(2);
    expect(files(out)).toEqual(before);
  });
});

describe('scenarios run --params', () => {
  it('the file viper params writes, unedited, is the default run: compared with the golden files', async () => {
    const p = await viperInProcess(['params']);
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

  it('a changed value keeps the run apart: labelled with the file and not compared', async () => {
    const file = join(dir, 'tuned.yaml');
    writeFileSync(file, (await viperInProcess(['params'])).stdout.replace(/minHits: 2\n/, 'minHits: 1000\n'));
    const r = run('params-tuned', [scenario('alpha'), '--golden-dir', golden, '--params', file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/default run/);
    expect(r.suite?.detector).toBe(`oracle (params ${file})`);
    expect(r.suite?.scenarios[0]?.golden).toBeUndefined();
  });
});
