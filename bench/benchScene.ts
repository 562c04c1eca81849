/**
 * The benchmark scene: a straight urban street with 20 mixed road users around a moving ego, rendered by one
 * 960×540 camera. Used by `bench/sim.bench.ts` (Viper's rasterizer vs three.js in Chromium). Also the bundled
 * urban_intersection rig's frames at a chosen size, for the detection benchmarks.
 */
import { join } from 'node:path';
import type { CameraFrame } from '../src/contracts/camera.ts';
import { jpegCameraFrames, loadScenario, scenarioFromValue, simulateFrames } from '../src/sim/index.ts';
import type { ScenarioInput } from '../src/sim/scenario/schema.ts';
import { repoRoot } from '../test/shared.ts';

/** The bundled urban_intersection's six cameras at `width` × `height`, as JPEG camera frames of the frames asked for. */
export async function urbanRigFrames(
  width: number,
  height: number,
  frames: number[],
): Promise<CameraFrame[]> {
  const { scenario } = await loadScenario(join(repoRoot, 'scenarios', 'urban_intersection.yaml'));
  const { world } = scenarioFromValue(
    { ...scenario, rig: { ...scenario.rig, width, height }, expect: undefined },
    `urban_intersection at ${width}×${height}`,
  );
  const out: CameraFrame[] = [];
  for (const f of simulateFrames(world, { frames })) {
    out.push(...(await jpegCameraFrames(f, scenario.sensor.jpegQuality, 'bench')));
  }
  return out;
}

export function benchScenario(width = 960, height = 540): ScenarioInput {
  const classes = [
    'car',
    'car',
    'pedestrian',
    'truck',
    'pedestrian',
    'cyclist',
    'car',
    'bus',
    'pedestrian',
    'motorcycle',
  ] as const;
  const actors = Array.from({ length: 20 }, (_, i) => {
    const cls = classes[i % classes.length]!;
    const at = 40 + i * 9;
    if (cls === 'pedestrian') {
      const side: 'left' | 'right' = i % 4 === 0 ? 'left' : 'right';
      return {
        id: `A${i}`,
        class: cls,
        route: [
          { road: 'main', at, side },
          { road: 'main', at: at + 40, side },
        ],
        speed: 1.3,
      };
    }
    const lane = [1, -1, 2, -2][i % 4]!;
    const [a, b] = lane > 0 ? [at, 390] : [at, 0];
    return {
      id: `A${i}`,
      class: cls,
      route: [
        { road: 'main', at: a, lane },
        { road: 'main', at: b, lane },
      ],
      speed: cls === 'cyclist' ? 5 : 9,
    };
  });
  return {
    name: 'bench',
    duration: 10,
    rate: 10,
    seed: 1,
    map: {
      roads: [
        {
          id: 'main',
          points: [
            [0, 0],
            [400, 0],
          ],
          lanes: 4,
          sidewalk: 3,
        },
      ],
    },
    ego: {
      route: [
        { road: 'main', at: 20, lane: 1 },
        { road: 'main', at: 390, lane: 1 },
      ],
      speed: 8,
    },
    actors,
    rig: {
      width,
      height,
      cameras: [
        { id: 'cam_front', width, height, fx: (1266 * width) / 1600, position: [1.7, 0, 1.55], pitch: 1 },
      ],
    },
  };
}
