/**
 * The nuScenes sample (../shared/data/nuscenes-sample): its annotated 3D boxes in the ego frame and its 2D boxes
 * with the object each was made from. nuScenes camera frames are optical (x right, y down, z forward), as Viper's.
 * (test/testing/nuscenesTables.ts writes it as the devkit's tables, for `viper import`.)
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  applyPose,
  composePose,
  invertPose,
  pinholeModel,
  poseFromMatrix4,
  projectPoint,
} from '../../src/geometry/index.ts';
import { shared } from '../shared.ts';

interface NuScenesSample {
  timestampUs: number;
  ego2global: number[][];
  lidar2ego: number[][];
  cameras: Record<
    string,
    { image: string; width: number; height: number; K: number[][]; cam2ego: number[][] }
  >;
  objects: {
    class: string;
    centerLidar: [number, number, number];
    size: { l: number; w: number; h: number };
    /** Heading about the lidar's z axis, from its x axis. */
    yawLidar: number;
  }[];
  cameraBoxes: Record<string, { class: string; box: number[]; center2d: [number, number]; depthM: number }[]>;
}

export const NUSCENES_DIR = shared('data', 'nuscenes-sample');

export function readNuScenesSample(): NuScenesSample {
  return JSON.parse(readFileSync(join(NUSCENES_DIR, 'sample.json'), 'utf8')) as NuScenesSample;
}

/** One annotated object in the ego frame (x forward, y left, z up; origin on the ground). */
export interface EgoBox {
  index: number;
  cls: string;
  center: [number, number, number];
  rangeM: number;
}

export function annotatedBoxesInEgo(d: NuScenesSample = readNuScenesSample()): EgoBox[] {
  const egoFromLidar = poseFromMatrix4(d.lidar2ego);
  return d.objects.map((o, index) => {
    const c = applyPose(egoFromLidar, o.centerLidar) as [number, number, number];
    return { index, cls: o.class, center: c, rangeM: Math.hypot(c[0], c[1]) };
  });
}

/** One annotated 2D box in one camera and the annotated object (index into `objects`) it was made from. */
export interface CameraBox {
  index: number;
  cls: string;
  box: [number, number, number, number];
}

/**
 * The sample's per-camera 2D boxes with the object each comes from (the file does not say: the object of the same
 * class whose centre projects nearest the box's `center2d`, at the nearest depth).
 */
export function annotatedCameraBoxes(d: NuScenesSample = readNuScenesSample()): Map<string, CameraBox[]> {
  const egoFromLidar = poseFromMatrix4(d.lidar2ego);
  const out = new Map<string, CameraBox[]>();
  for (const [cam, c] of Object.entries(d.cameras)) {
    const model = pinholeModel(c.K.flat(), c.width, c.height, cam);
    const camFromLidar = composePose(invertPose(poseFromMatrix4(c.cam2ego)), egoFromLidar);
    const list: CameraBox[] = [];
    for (const gt of d.cameraBoxes[cam] ?? []) {
      let best = -1;
      let bestScore = Infinity;
      d.objects.forEach((o, i) => {
        if (o.class !== gt.class) return;
        const pc = applyPose(camFromLidar, o.centerLidar);
        const uv = projectPoint(model, pc);
        if (!uv) return;
        const score =
          Math.hypot(uv[0] - gt.center2d[0], uv[1] - gt.center2d[1]) + 10 * Math.abs(pc[2] - gt.depthM);
        if (score < bestScore) {
          bestScore = score;
          best = i;
        }
      });
      if (best >= 0) list.push({ index: best, cls: gt.class, box: gt.box as CameraBox['box'] });
    }
    out.set(cam, list);
  }
  return out;
}
