/** Small simulator recordings for tests: a bundled scenario, shortened and at low resolution. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { recordScenario, scenarioFromValue } from '../../src/sim/index.ts';
import { repoRoot } from '../shared.ts';

export async function simulateSmall(
  scenario: string,
  out: string,
  o: { duration?: number; width?: number; height?: number; stopAfterFrames?: number } = {},
): Promise<void> {
  const raw = parse(readFileSync(join(repoRoot, 'scenarios', `${scenario}.yaml`), 'utf8')) as Record<
    string,
    unknown
  >;
  raw.duration = o.duration ?? 2;
  raw.rig = { preset: 'nuscenes6', width: o.width ?? 320, height: o.height ?? 180 };
  const { world } = scenarioFromValue(raw, `${scenario} (test)`);
  let frames = 0;
  const stop = o.stopAfterFrames;
  await recordScenario(world, out, stop === undefined ? {} : { shouldStop: () => frames++ >= stop });
}
