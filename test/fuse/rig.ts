/** Builders for fusion tests: a synthetic two-camera rig on an ego vehicle, and 2D tracks of known 3D boxes. */
import type { Calibration, CameraFrame } from '../../src/contracts/camera.ts';
import type { Box3D, Transform } from '../../src/contracts/geometry.ts';
import type { Track2D } from '../../src/contracts/perception.ts';
import { pinholeModel } from '../../src/geometry/camera.ts';
import { projectBox3D } from '../../src/geometry/box3d.ts';
import {
  composePose,
  invertPose,
  mat3ToQuat,
  type Pose,
  quatFromYaw,
  quatMultiply,
} from '../../src/geometry/quat.ts';
import type { RigResult } from '../../src/graph/stage.ts';

const W = 1280;
const H = 720;
const K = [800, 0, 640, 0, 800, 360, 0, 0, 1];

export function calibration(frameId: string): Calibration {
  return {
    frameId,
    width: W,
    height: H,
    distortionModel: 'plumb_bob',
    D: [0, 0, 0, 0, 0],
    K,
    R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    P: [800, 0, 640, 0, 0, 800, 360, 0, 0, 0, 1, 0],
  };
}

/** base_link → camera optical frame for a camera at height 1.5 m, 1 m ahead, turned `yaw` left. */
export function mount(cameraId: string, yaw: number): Transform {
  const optical = mat3ToQuat([0, 0, 1, -1, 0, 0, 0, -1, 0]);
  return {
    parent: 'base_link',
    child: cameraId,
    translation: [1, 0, 1.5],
    rotation: quatMultiply(quatFromYaw(yaw), optical),
  };
}

export function egoPose(x: number, y: number, yaw: number): Transform {
  return { parent: 'odom', child: 'base_link', translation: [x, y, 0], rotation: quatFromYaw(yaw) };
}

/** 2D box of a world-frame 3D box seen by a camera (null when not visible). */
export function seen(box: Box3D, ego: Transform, cam: Transform) {
  const odomFromCam = composePose(ego as Pose, cam as Pose);
  return projectBox3D(pinholeModel(K, W, H), invertPose(odomFromCam), box);
}

export function track(cameraId: string, trackId: number, box: NonNullable<ReturnType<typeof seen>>): Track2D {
  return { cameraId, trackId, box, score: 0.9, cls: 'car', state: 'confirmed', age: 5 };
}

export function rigResult(
  seq: number,
  tNs: bigint,
  cams: { id: string; mount: Transform; calibrated?: boolean }[],
  ego: Transform,
  tracks: Map<string, Track2D[]>,
): RigResult {
  const frames: CameraFrame[] = cams.map((c) => ({
    feedId: 'feed',
    cameraId: c.id,
    tNs,
    image: { encoding: 'rgb8', width: W, height: H, data: new Uint8Array(0) },
    calibration: c.calibrated === false ? null : calibration(c.id),
    transforms: [ego, c.mount],
  }));
  return {
    rig: { feedId: 'feed', tNs, seq, frames, missing: [] },
    detections: new Map(),
    tracks,
    issues: [],
  };
}
