/**
 * The committed JSON Schema (scenarios/scenario.schema.json, what editors check scenario files with) against the
 * scenarios themselves: it takes every scenario the loader takes, and refuses what the semantic checks refuse
 * where a schema can say it (an editor had shown such files as fine, then `simulate --check` failed them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { scenarioFromValue } from '../../src/sim/scenario/load.ts';
import { repoRoot } from '../shared.ts';
import { tinyScenario } from './testing.ts';

// biome-ignore lint/suspicious/noExplicitAny: mutations reach into arbitrary nested fields of a scenario
type Loose = Record<string, any>;
const schema = JSON.parse(readFileSync(join(repoRoot, 'scenarios', 'scenario.schema.json'), 'utf8'));
const validate = new Ajv2020({ strict: false }).compile(schema);

const files = (dir: string, ext: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .map((f) => join(dir, f));

describe('scenario JSON Schema', () => {
  it('takes every bundled and training scenario', () => {
    const all = [
      ...files(join(repoRoot, 'scenarios'), '.yaml'),
      ...files(join(repoRoot, 'models', 'viper-det', 'recipe', 'scenarios'), '.json'),
    ];
    expect(all.length).toBeGreaterThan(100);
    for (const f of all) expect(validate(parse(readFileSync(f, 'utf8'))), f).toBe(true);
  });

  const refused: [string, (s: Loose) => void][] = [
    ['a field of view past 170°', (s) => (s.rig.cameras[0].hfov = 200)],
    [
      'a negative focal length',
      (s) => (s.rig.cameras[0] = { id: 'cam_front', fx: -100, position: [1, 0, 1] }),
    ],
    ['a camera under the road', (s) => (s.rig.cameras[0].position = [1.5, 0, -0.2])],
    ['a distortion coefficient no lens has', (s) => (s.rig.cameras[0].distortion = [3, 0, 0, 0, 0])],
    ['lane 0', (s) => (s.ego.route[0].lane = 0)],
    ['a negative distance along a road', (s) => (s.ego.route[0].at = -5)],
    ['a metric without a bound', (s) => (s.expect = { metrics: [{ metric: 'MOTA' }] })],
    ['a fraction written as a percentage', (s) => (s.expect = { metrics: [{ metric: 'MOTA', min: 90 }] })],
    ['a count bounded below 0', (s) => (s.expect = { metrics: [{ metric: 'IDSW', max: -1 }] })],
  ];
  it.each(refused)('refuses %s, as the loader does', (_label, mutate) => {
    const s = structuredClone(tinyScenario()) as Loose;
    expect(validate(s)).toBe(true);
    mutate(s);
    expect(() => scenarioFromValue(s, 'x.yaml')).toThrow();
    expect(validate(s)).toBe(false);
  });
});
