/**
 * What `viper scenarios run` leaves in its output folder and how it reads what it is given back: the parameter
 * file `viper params` writes, passed back unedited, is the default run (compared with the golden files).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
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
  detector: string;
  scenarios: { scenario: string; status: string; golden?: { status: string } }[];
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

describe('scenarios run --params', () => {
  const golden = join(dir, 'golden');
  beforeAll(() => {
    const r = run('params-golden', [scenario('alpha'), '--golden-dir', golden, '--update-golden']);
    expect(r.code, r.stderr).toBe(0);
  }, 120_000);

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
