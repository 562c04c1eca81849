/**
 * The nuScenes sample (../shared/data/nuscenes-sample) as a Viper recording: the six real JPEGs, a
 * foxglove.CameraCalibration per camera from its K, and /tf with odom → base_link (identity: the ego frame is the
 * world frame, so fused objects come out in the ego frame) and base_link → <camera> from cam2ego. nuScenes camera
 * frames are optical (x right, y down, z forward), as Viper's. Also reads the annotated 3D boxes into the ego frame.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { secToNs, type TimeNs, toFoxgloveTime } from '../../src/contracts/time.ts';
import { topics } from '../../src/contracts/topics.ts';
import {
  applyPose,
  composePose,
  invertPose,
  pinholeModel,
  poseFromMatrix4,
  projectPoint,
} from '../../src/geometry/index.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { shared } from '../shared.ts';

export interface NuScenesSample {
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

/**
 * Writes the six images at `rigFrames` stamps `periodS` apart (a static scene: the same images every time, all six
 * cameras at one stamp, since the real ones span 45 ms, more than the rig aligner's 20 ms tolerance). The world
 * tracker reports an object from its second update, so one rig frame alone gives no objects.
 */
export async function writeNuScenesRecording(
  path: string,
  o: { rigFrames?: number; periodS?: number } = {},
): Promise<{ cameras: string[]; stamps: TimeNs[] }> {
  const d = readNuScenesSample();
  const n = o.rigFrames ?? 3;
  const period = o.periodS ?? 0.1;
  const cameras = Object.keys(d.cameras).sort();
  const images = new Map(
    cameras.map((c) => [c, new Uint8Array(readFileSync(join(NUSCENES_DIR, d.cameras[c]!.image)))]),
  );
  const w = await RecordingWriter.create(path, { compression: 'zstd' });
  const stamps: TimeNs[] = [];
  try {
    const tf = await w.addChannel(topics.tf, { kind: 'foxglove', name: 'foxglove.FrameTransforms' });
    const img = new Map<string, number>();
    const cal = new Map<string, number>();
    for (const c of cameras) {
      img.set(c, await w.addChannel(topics.image(c), { kind: 'foxglove', name: 'foxglove.CompressedImage' }));
      cal.set(
        c,
        await w.addChannel(topics.calibration(c), { kind: 'foxglove', name: 'foxglove.CameraCalibration' }),
      );
    }
    for (let i = 0; i < n; i++) {
      const tNs = secToNs(1000 + i * period);
      stamps.push(tNs);
      const timestamp = toFoxgloveTime(tNs);
      const transforms = [
        {
          timestamp,
          parent_frame_id: 'odom',
          child_frame_id: 'base_link',
          translation: { x: 0, y: 0, z: 0 },
          rotation: { x: 0, y: 0, z: 0, w: 1 },
        },
        ...cameras.map((c) => {
          const p = poseFromMatrix4(d.cameras[c]!.cam2ego);
          const [x, y, z] = p.translation;
          const [qx, qy, qz, qw] = p.rotation;
          return {
            timestamp,
            parent_frame_id: 'base_link',
            child_frame_id: c,
            translation: { x, y, z },
            rotation: { x: qx, y: qy, z: qz, w: qw },
          };
        }),
      ];
      // Just before the images: a frame takes the transforms received up to its stamp.
      await w.writeObject(tf, tNs - 1_000_000n, { transforms });
      for (const c of cameras) {
        const cam = d.cameras[c]!;
        if (i === 0) {
          const K = cam.K.flat();
          await w.writeObject(cal.get(c)!, tNs, {
            timestamp,
            frame_id: c,
            width: cam.width,
            height: cam.height,
            distortion_model: '',
            D: [],
            K,
            R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
            P: [K[0], K[1], K[2], 0, K[3], K[4], K[5], 0, K[6], K[7], K[8], 0],
          });
        }
        await w.writeObject(img.get(c)!, tNs, {
          timestamp,
          frame_id: c,
          data: images.get(c)!,
          format: 'jpeg',
        });
      }
    }
  } finally {
    await w.close();
  }
  return { cameras, stamps };
}
