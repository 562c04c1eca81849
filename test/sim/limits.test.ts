/** Numbers a person can type that would exhaust memory or time are refused up front, on one line. */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ScenarioError } from '../../src/contracts/errors.ts';
import { scenarioFromText, scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { runSimulate, tinyScenario } from './testing.ts';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary nested fields of a scenario
type Loose = Record<string, any>;
const mutate = (m: (s: Loose) => void) => {
  const s = structuredClone(tinyScenario()) as Loose;
  m(s);
  return s;
};

function errorOf(value: unknown): ScenarioError {
  try {
    scenarioFromValue(value, 'limits.yaml');
  } catch (e) {
    expect(e).toBeInstanceOf(ScenarioError);
    expect((e as Error).message).not.toContain('\n');
    return e as ScenarioError;
  }
  throw new Error('expected a ScenarioError');
}

const REFUSED: [string, (s: Loose) => void, RegExp][] = [
  ['no frame (duration × rate < 1)', (s) => (s.duration = 1e-9), /duration: 1e-9 s at 5 Hz gives no frame/],
  [
    'a map extent of 20 000 km',
    (s) => (s.map.extent = [-1e7, -1e7, 1e7, 1e7]),
    /map\.extent: .*over the 10000 m limit/,
  ],
  [
    'a road to x = 1e308',
    (s) => (s.map.roads[0].points[1] = [1e308, 0]),
    /map\.roads: .*over the 10000 m limit/,
  ],
  [
    'a 1e308 m building',
    (s) => (s.map.objects = [{ type: 'building', position: [50, 40], size: [1e308, 1e308, 1e308] }]),
    /map\.objects\[0\]\.size: .*over the 500 m limit/,
  ],
  ['a 1 km actor', (s) => (s.actors[1].size = [1000, 1, 2]), /actors\[1\]\.size: .*over the 50 m limit/],
  [
    '20 cameras at 4096×4096',
    (s) =>
      (s.rig.cameras = Array.from({ length: 20 }, (_, i) => ({
        id: `c${i}`,
        hfov: 60,
        position: [0, 0, 1.5],
        width: 4096,
        height: 4096,
      }))),
    /rig\.cameras: 20 cameras render 335\.5 Mpx a frame/,
  ],
  [
    'an actor following itself',
    (s) => (s.actors[0].behaviours = [{ type: 'follow', target: 'C1' }]),
    /actors\[0\]\.behaviours\[0\]\.target: 'C1' cannot follow itself/,
  ],
  [
    'an expectation whose min is above its max',
    (s) => (s.expect = { metrics: [{ metric: 'MOTA', min: 0.9, max: 0.1 }] }),
    /expect\.metrics\[0\]\.max: min is above max/,
  ],
  [
    'a count bounded below 0 (IDSW max -1 was taken and failed every run)',
    (s) => (s.expect = { metrics: [{ metric: 'IDSW', max: -1 }] }),
    /expect\.metrics\[0\]\.max: a count is never below 0/,
  ],
];

describe('scenario limits', () => {
  it.each(REFUSED)('%s is refused before anything is built', (_label, m, msg) => {
    expect(errorOf(mutate(m)).message).toMatch(msg);
  });

  it('a scenario with no frame is told a change the schema accepts (duration is at most 600 s)', () => {
    // rate: 0.001 had been told "duration: 1000"; a duration of 1e-9 s cannot be mended by a rate of 1e9.
    const hint = (duration: number, rate: number) =>
      errorOf(mutate((s) => Object.assign(s, { duration, rate }))).hint;
    expect(hint(1, 0.001)).toBe('make duration × rate at least 1 (e.g. rate: 1)');
    expect(hint(1e-9, 5)).toBe('make duration × rate at least 1 (e.g. duration: 1)');
    expect(hint(0.1, 5)).toBe('make duration × rate at least 1 (e.g. rate: 10, or duration: 1)');
    expect(hint(0.001, 0.001)).toBe('make duration × rate at least 1 (e.g. duration: 1 and rate: 10)');
  });

  it('NaN and .inf are named as such, not as null', () => {
    const text = stringify(tinyScenario()).replace(/^duration: .*$/m, 'duration: .nan');
    expect(() => scenarioFromText(text, 'nan.yaml')).toThrow(/duration: NaN is not a finite number/);
    const inf = stringify(tinyScenario()).replace(/^duration: .*$/m, 'duration: .inf');
    expect(() => scenarioFromText(inf, 'inf.yaml')).toThrow(/duration: Infinity is not a finite number/);
  });

  it('a document nested thousands deep is named as such, not as a syntax slip', () => {
    const deep = `name: x\nactors: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    expect(() => scenarioFromText(deep, 'deep.yaml')).toThrow(/nested too deeply to read at line 2/);
  });

  // No time bound here (timings belong in benchmarks): 3,000 close-packed pedestrians validate, and the 30 s
  // test timeout stands far above the 0.4 s this takes (7.4 s when every pair was tested in full).
  it('thousands of close-packed actors validate (spawn overlaps are not checked pair by pair in full)', () => {
    const s = mutate((s) => {
      s.map.roads[0].lanes = 8;
      s.map.roads[0].sidewalk = 10;
      s.actors = [];
      for (let x = 50.5; x < 200 && s.actors.length < 3000; x += 1.2)
        for (let y = -23.5; y <= 23.5; y += 1)
          s.actors.push({ id: `P${s.actors.length}`, class: 'pedestrian', route: [[x, y]] });
      s.actors = s.actors.slice(0, 3000);
    });
    expect(scenarioFromValue(s, 'crowd.yaml').scenario.actors).toHaveLength(3000);
  }, 30_000);
});

describe('viper simulate: options checked before rendering', () => {
  it('--mosaic-at outside the scenario, or not a number: exit 2, one line, nothing written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-limits-'));
    const file = join(dir, 'tiny.yaml');
    await writeFile(file, stringify(tinyScenario()));
    for (const at of ['abc', '1e9', '-5']) {
      const out = join(dir, 'rec.mcap');
      const png = join(dir, 'm.png');
      const r = await runSimulate([file, '-o', out, '--mosaic', png, '--mosaic-at', at, '--no-progress']);
      expect(r.code, at).toBe(2);
      expect(r.stderr.trim().split('\n'), at).toHaveLength(1);
      expect(r.stderr, at).toContain(`--mosaic-at must be a number in [0, 1], got '${at}'`);
      expect(existsSync(out) || existsSync(png), at).toBe(false);
    }
  });

  it('two scenarios of one name in a dataset (their images would overwrite each other) are refused', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'viper-limits-'));
    const a = join(dir, 'a.yaml');
    const b = join(dir, 'b.yaml');
    await writeFile(a, stringify(tinyScenario()));
    await writeFile(b, stringify(tinyScenario()));
    const ds = join(dir, 'ds');
    const r = await runSimulate([a, b, '--export-dataset', ds, '--no-progress']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain("two scenarios are named 'tiny'");
    expect(existsSync(ds)).toBe(false);
  });
});
