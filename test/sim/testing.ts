/** Builders for simulator tests: small valid scenarios to mutate, and a CLI runner that captures output. */
import { Command } from 'commander';
import type { ScenarioInput } from '../../src/sim/scenario/schema.ts';

/** A small valid scenario (1 s, two cameras at 160×90) that tests mutate. */
export function tinyScenario(over: Partial<ScenarioInput> = {}): ScenarioInput {
  return {
    name: 'tiny',
    duration: 1,
    rate: 5,
    seed: 3,
    map: {
      roads: [
        {
          id: 'main',
          points: [
            [0, 0],
            [200, 0],
          ],
          lanes: 2,
        },
      ],
      scenery: 'none',
    },
    ego: {
      route: [
        { road: 'main', at: 20, lane: 1 },
        { road: 'main', at: 190, lane: 1 },
      ],
      speed: 5,
    },
    actors: [
      {
        id: 'C1',
        class: 'car',
        route: [
          { road: 'main', at: 40, lane: 1 },
          { road: 'main', at: 190, lane: 1 },
        ],
        speed: 5,
      },
      {
        id: 'P1',
        class: 'pedestrian',
        route: [
          { road: 'main', at: 35, side: 'right' },
          { road: 'main', at: 60, side: 'right' },
        ],
        speed: 1.2,
      },
    ],
    rig: {
      width: 160,
      height: 90,
      cameras: [
        { id: 'cam_front', hfov: 70, position: [1.5, 0, 1.5] },
        { id: 'cam_back', hfov: 90, position: [-2, 0, 1.5], yaw: 180 },
      ],
    },
    ...over,
  };
}

interface CliResult {
  code: number;
  stderr: string;
  stdout: string;
}

/** Run `viper simulate …` in-process with only the simulate command registered. */
export async function runSimulate(args: string[]): Promise<CliResult> {
  const { register } = await import('../../src/cli/commands/simulate.ts');
  const program = new Command('viper').exitOverride();
  register(program);
  let stderr = '';
  let stdout = '';
  const errW = process.stderr.write.bind(process.stderr);
  const outW = process.stdout.write.bind(process.stdout);
  process.stderr.write = ((s: string | Uint8Array) => {
    stderr += String(s);
    return true;
  }) as typeof process.stderr.write;
  process.stdout.write = ((s: string | Uint8Array) => {
    stdout += String(s);
    return true;
  }) as typeof process.stdout.write;
  const before = process.exitCode;
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'viper', 'simulate', ...args]);
  } finally {
    process.stderr.write = errW;
    process.stdout.write = outW;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = before;
  return { code, stderr, stdout };
}
