/**
 * `viper scenarios run` and `viper demo` on odd options and damaged state: flag values that would mislead
 * (an infinite --min-height, an --oracle-seed past 32 bits, a --golden-dir that is not there, an unknown demo
 * detector), golden files that do not parse, are of another run or cannot be written (one scenario's error: the
 * others still run and every report is written), a recording cache whose entry or recording is damaged
 * (recorded again), and Ctrl-C while a scenario is being recorded (it stops and is not cached). Runs go through
 * the real `bin/viper.js` (the suite's workers write to the terminal themselves); refusals before anything runs
 * through the CLI's entry point in-process (`viperInProcess`).
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { interrupt, runScenario } from '../../src/cli/suite/pipeline.ts';
import { type CliResult, viper, viperInProcess } from '../testing/cli.ts';
import { tinyScenario } from '../sim/testing.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-suite-input-'));
/** One recording cache for every run here: each scenario is rendered once (or again where a test damages it). */
const recordings = join(dir, 'recordings');

function scenario(name: string): string {
  const p = join(dir, `${name}.json`);
  if (!existsSync(p)) writeFileSync(p, JSON.stringify(tinyScenario({ name })));
  return p;
}

interface SuiteJson {
  detector: string;
  scenarios: { scenario: string; status: string; error?: string; golden?: unknown }[];
}

interface Run {
  code: number | null;
  stderr: string;
  suite?: SuiteJson;
}

/** `scenarios run --quick -j 1` into a new folder; returns the exit code, stderr and suite.json (if written). */
function run(name: string, args: string[]): Run {
  const out = join(dir, name);
  return outcome(out, viper(suiteArgs(out, args)));
}

/** `run` of a command refused before anything runs, in-process. */
async function refusedRun(name: string, args: string[]): Promise<Run> {
  const out = join(dir, name);
  return outcome(out, await viperInProcess(suiteArgs(out, args)));
}

const suiteArgs = (out: string, args: string[]) => [
  'scenarios',
  'run',
  '--quick',
  '-j',
  '1',
  '-o',
  out,
  '--recordings',
  recordings,
  ...args,
];

function outcome(out: string, r: CliResult): Run {
  const file = join(out, 'suite.json');
  return {
    code: r.code,
    stderr: r.stderr,
    ...(existsSync(file) ? { suite: JSON.parse(readFileSync(file, 'utf8')) as SuiteJson } : {}),
  };
}

const statuses = (s: SuiteJson | undefined) => s?.scenarios.map((x) => `${x.scenario} ${x.status}`);

describe('viper scenarios run: options refused before anything runs', () => {
  it.each([
    [['--min-height', 'Infinity'], /--min-height must be a number ≥ 0, got 'Infinity'/],
    [['--oracle-seed', '4294967297'], /--oracle-seed 4294967297 is more than 4294967295/],
    [['--golden-dir', join(dir, 'no-such-golden')], /--golden-dir '.*no-such-golden' is not a folder/],
    [['--params', join(dir, 'no-such-params.yaml')], /file not found \(.*no-such-params\.yaml\)/],
    [['--params', join(dir, 'p.yaml'), '--update-golden'], /--params goes without --update-golden/],
    // Golden files hold the default scoring's figures: accepting another's, as its failures said, overwrote them.
    [
      ['--min-height', '25', '--update-golden'],
      /--min-height 25 goes without --update-golden — .*--min-height 8,/,
    ],
    [
      ['--min-visibility', '0.5', '--min-height', '0', '--update-golden'],
      /--min-height 0 and --min-visibility 0.5 go without --update-golden/,
    ],
  ])('%j', async (args, message) => {
    const r = await refusedRun('refused', [scenario('alpha'), ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.suite).toBeUndefined();
  });
});

describe('viper scenarios run: golden files', () => {
  it('one that is not JSON is its scenario’s error; the others run and the reports are written', () => {
    const golden = join(dir, 'golden-bad');
    mkdirSync(join(golden, 'quick'), { recursive: true });
    writeFileSync(join(golden, 'quick', 'alpha.json'), '{bad');
    const r = run('golden-bad', [scenario('alpha'), scenario('beta'), '--golden-dir', golden]);
    expect(r.code, r.stderr).toBe(2);
    // beta has no golden file in the folder given: a failure too (it had passed, the comparison skipped).
    expect(statuses(r.suite)).toEqual(['alpha error', 'beta fail']);
    expect(r.suite?.scenarios[0]?.error).toMatch(/^recording: golden file is not JSON: .*alpha\.json/);
    expect(r.stderr).not.toMatch(/internal error/);
  });

  it('one of another run (a full golden where the quick one belongs) is not compared', () => {
    const golden = join(dir, 'golden-full');
    const full = viper([
      'scenarios',
      'run',
      scenario('alpha'),
      '-j',
      '1',
      '-o',
      join(dir, 'golden-full-out'),
      '--recordings',
      recordings,
      '--golden-dir',
      golden,
      '--update-golden',
    ]);
    expect(full.code, full.stderr).toBe(0);
    mkdirSync(join(golden, 'quick'), { recursive: true });
    copyFileSync(join(golden, 'alpha.json'), join(golden, 'quick', 'alpha.json'));
    const r = run('golden-other', [scenario('alpha'), '--golden-dir', golden]);
    expect(r.code, r.stderr).toBe(2);
    expect(statuses(r.suite)).toEqual(['alpha error']);
    expect(r.suite?.scenarios[0]?.error).toMatch(
      /golden file is for the full oracle run of 'alpha', not the quick oracle run of 'alpha'/,
    );
  });

  it("a user's scenario keeping a bundled one's name is not compared with the bundled golden, nor written over it", () => {
    // A tiny scenario named like the bundled one, outside scenarios/: its figures are nothing like the golden's.
    const mine = join(dir, 'mine');
    mkdirSync(mine, { recursive: true });
    const file = join(mine, 'highway_cut_in.json');
    writeFileSync(file, JSON.stringify(tinyScenario({ name: 'highway_cut_in' })));
    const r = run('own-copy', [file]);
    expect(r.code, r.stderr).toBe(0);
    expect(statuses(r.suite)).toEqual(['highway_cut_in pass']);
    const update = run('own-copy-update', [file, '--update-golden']);
    expect(update.code).toBe(2);
    expect(update.stderr).toMatch(
      /is not a bundled scenario: recordings\/golden holds only theirs.*--golden-dir/,
    );
  });

  it('another --min-height or --min-visibility is labelled and not compared with the golden files', () => {
    // Scored at another height every metric moves: each scenario had failed against goldens of the default.
    const golden = join(dir, 'golden-scoring');
    const write = run('scoring-golden', [scenario('alpha'), '--golden-dir', golden, '--update-golden']);
    expect(write.code, write.stderr).toBe(0);
    const before = readFileSync(join(golden, 'quick', 'alpha.json'), 'utf8');
    for (const [args, label] of [
      [['--min-height', '40'], 'oracle (min height 40 px)'],
      [['--min-visibility', '0.9'], 'oracle (min visibility 0.9)'],
    ] as const) {
      const r = run('scoring-other', [scenario('alpha'), '--golden-dir', golden, ...args]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.suite?.detector).toBe(label);
      expect(statuses(r.suite)).toEqual(['alpha pass']);
      expect(r.suite?.scenarios[0]?.golden).toBeUndefined();
    }
    // The default value written out is the default run: compared as usual.
    const same = run('scoring-default', [scenario('alpha'), '--golden-dir', golden, '--min-height', '8.0']);
    expect(same.suite?.detector).toBe('oracle');
    expect(same.suite?.scenarios[0]?.golden).toMatchObject({ status: 'match' });
    expect(readFileSync(join(golden, 'quick', 'alpha.json'), 'utf8')).toBe(before);
  });

  it('--update-golden into a folder that cannot be made is refused before any scenario runs', async () => {
    // It had failed after every scenario had run (a read-only folder with a raw errno).
    const notDir = join(dir, 'golden-is-a-file');
    writeFileSync(notDir, 'x');
    const r = await refusedRun('golden-unwritable', [
      scenario('alpha'),
      '--golden-dir',
      notDir,
      '--update-golden',
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/golden-is-a-file is a file \(--golden-dir\)/);
    expect(r.suite).toBeUndefined();
  });
});

describe('viper scenarios run: a damaged recording cache is recorded again', () => {
  it('an entry that does not parse, then a recording cut short since it was cached', () => {
    const file = scenario('gamma');
    expect(run('cache-1', [file]).code).toBe(0);
    const rec = join(recordings, 'gamma.quick.mcap');
    const meta = `${rec}.json`;
    const entry = readFileSync(meta, 'utf8');

    writeFileSync(meta, '{bad');
    const r1 = run('cache-2', [file]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(statuses(r1.suite)).toEqual(['gamma pass']);
    expect(readFileSync(meta, 'utf8')).toBe(entry);

    truncateSync(rec, 200);
    const r2 = run('cache-3', [file]);
    expect(r2.code, r2.stderr).toBe(0);
    expect(statuses(r2.suite)).toEqual(['gamma pass']);
    expect(readFileSync(meta, 'utf8')).toBe(entry);
  });
});

it('Ctrl-C while a scenario is recorded stops the recording, which is not cached', async () => {
  const recDir = join(dir, 'stop-recordings');
  interrupt.stopped = true;
  try {
    await expect(
      runScenario({
        file: scenario('delta'),
        outDir: join(dir, 'stop-out'),
        recordingsDir: recDir,
        quick: true,
        detector: 'oracle',
      }),
    ).rejects.toThrow(/^interrupted while recording: 0 frames are finalized in .*delta\.quick\.mcap/);
  } finally {
    interrupt.stopped = false;
  }
  expect(existsSync(join(recDir, 'delta.quick.mcap.json'))).toBe(false);
  expect(existsSync(join(dir, 'stop-out', 'delta', 'results.mcap'))).toBe(false);
});

describe('viper demo', () => {
  it('an unknown --detector is refused before anything runs', async () => {
    const out = join(dir, 'demo-bad-detector');
    const r = await viperInProcess(['demo', scenario('alpha'), '--detector', 'foo', '-o', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(["error: config: --detector 'foo' — model or oracle"]);
    expect(existsSync(out)).toBe(false);
  });

  it('bad input met while running (its recordings folder is a file) exits 2', () => {
    const out = join(dir, 'demo-recordings-file');
    mkdirSync(out);
    writeFileSync(join(out, 'recordings'), 'x');
    const r = viper(['demo', scenario('alpha'), '--detector', 'oracle', '-o', out]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toMatch(/ERROR alpha: config: cannot create the folder/);
    expect(existsSync(join(out, 'suite.json'))).toBe(true);
  });
});
