/**
 * Camera rigs: the default six-camera ring (nuScenes-like: 1600×900-class intrinsics scaled to the chosen
 * resolution, front/back 65°/90°, sides 65°, overlapping) or cameras written in the scenario. Each camera has a
 * pinhole model with optional plumb_bob distortion and a mount `base_link` (FLU) → `<camera id>` (optical frame:
 * z forward, x right, y down).
 */
import type { Calibration } from '../contracts/camera.ts';
import type { Transform, Vec3 } from '../contracts/geometry.ts';
import { frames } from '../contracts/topics.ts';
import { mat3ToQuat } from '../geometry/quat.ts';
import type { CameraSpec, RigSpec } from './scenario/schema.ts';

const DEG = Math.PI / 180;

/** A simulated camera: intrinsics, plumb_bob distortion and its mount on the ego (`calibrationOf` gives its Calibration). */
export interface RigCamera {
  id: string;
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** plumb_bob [k1, k2, p1, p2, k3]; all zero for a pinhole. */
  D: [number, number, number, number, number];
  /** Mount position in base_link, m. */
  position: Vec3;
  /** Rotation base_link ← optical, row-major 3×3 (columns are the optical axes in base_link). */
  R: number[];
}

/** nuScenes-like ring: [id, x, y, z, yaw°, fx at 1600 px wide]. */
const NUSCENES6: [string, number, number, number, number, number][] = [
  ['cam_front', 1.7, 0, 1.55, 0, 1266],
  ['cam_front_left', 1.5, 0.5, 1.55, 55, 1260],
  ['cam_front_right', 1.5, -0.5, 1.55, -55, 1260],
  ['cam_back', -2.0, 0, 1.55, 180, 800],
  ['cam_back_left', -0.4, 0.9, 1.55, 110, 1260],
  ['cam_back_right', -0.4, -0.9, 1.55, -110, 1260],
];

/** Rotation matrix (row-major) of a mount: Rz(yaw)·Ry(pitch)·Rx(roll) · (optical → FLU axes swap). */
export function mountRotation(yawRad: number, pitchRad: number, rollRad: number): number[] {
  const cy = Math.cos(yawRad);
  const sy = Math.sin(yawRad);
  const cp = Math.cos(pitchRad);
  const sp = Math.sin(pitchRad);
  const cr = Math.cos(rollRad);
  const sr = Math.sin(rollRad);
  // M = Rz·Ry·Rx
  const m = [
    cy * cp,
    cy * sp * sr - sy * cr,
    cy * sp * cr + sy * sr,
    sy * cp,
    sy * sp * sr + cy * cr,
    sy * sp * cr - cy * sr,
    -sp,
    cp * sr,
    cp * cr,
  ];
  // Optical axes in FLU at rest: x_opt = −y, y_opt = −z, z_opt = +x  → R0 columns.
  const r0 = [0, 0, 1, -1, 0, 0, 0, -1, 0];
  return mul3(m, r0);
}

function mul3(a: number[], b: number[]): number[] {
  const o = new Array<number>(9);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++)
      o[i * 3 + j] = a[i * 3]! * b[j]! + a[i * 3 + 1]! * b[3 + j]! + a[i * 3 + 2]! * b[6 + j]!;
  return o;
}

/** Unit quaternion [x, y, z, w] of a row-major rotation matrix (geometry's, Shepperd's method). */
export const matToQuat = mat3ToQuat;

/** Build one camera from a scenario camera entry (defaults: rig width/height, principal point at centre). */
function cameraFromSpec(c: CameraSpec, rig: RigSpec): RigCamera {
  const width = c.width ?? rig.width;
  const height = c.height ?? rig.height;
  const fx = c.fx ?? width / 2 / Math.tan(((c.hfov ?? 70) * DEG) / 2);
  const d = c.distortion ?? [0, 0, 0, 0, 0];
  return {
    id: c.id,
    width,
    height,
    fx,
    fy: c.fy ?? fx,
    cx: c.cx ?? width / 2,
    cy: c.cy ?? height / 2,
    D: [d[0]!, d[1]!, d[2]!, d[3]!, d[4]!],
    position: c.position,
    R: mountRotation(c.yaw * DEG, c.pitch * DEG, c.roll * DEG),
  };
}

/** The scenario's cameras: explicit `cameras`, else the preset ring at the rig's resolution. */
export function buildRig(rig: RigSpec): RigCamera[] {
  if (rig.cameras) return rig.cameras.map((c) => cameraFromSpec(c, rig));
  return NUSCENES6.map(([id, x, y, z, yaw, f1600]) => {
    const fx = (f1600 * rig.width) / 1600;
    return {
      id,
      width: rig.width,
      height: rig.height,
      fx,
      fy: fx,
      cx: rig.width / 2,
      cy: rig.height / 2,
      D: [rig.k1, 0, 0, 0, 0],
      position: [x, y, z],
      R: mountRotation(yaw * DEG, 1 * DEG, 0),
    };
  });
}

/** foxglove.CameraCalibration-shaped calibration (contracts `Calibration`). */
export function calibrationOf(cam: RigCamera): Calibration {
  return {
    frameId: cam.id,
    width: cam.width,
    height: cam.height,
    distortionModel: 'plumb_bob',
    D: [...cam.D],
    K: [cam.fx, 0, cam.cx, 0, cam.fy, cam.cy, 0, 0, 1],
    R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    P: [cam.fx, 0, cam.cx, 0, 0, cam.fy, cam.cy, 0, 0, 0, 1, 0],
  };
}

/** The mount transform base_link → camera. */
export function mountTransform(cam: RigCamera): Transform {
  return { parent: frames.ego, child: cam.id, translation: [...cam.position], rotation: matToQuat(cam.R) };
}

/** Apply plumb_bob to normalized coordinates. */
export function distortPoint(D: readonly number[], x: number, y: number): [number, number] {
  const [k1, k2, p1, p2, k3] = D as [number, number, number, number, number];
  const r2 = x * x + y * y;
  const radial = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2;
  return [
    x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
    y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y,
  ];
}

/** Invert plumb_bob by fixed-point iteration. */
export function undistortPoint(D: readonly number[], xd: number, yd: number): [number, number] {
  const [k1, k2, p1, p2, k3] = D as [number, number, number, number, number];
  let x = xd;
  let y = yd;
  for (let i = 0; i < 20; i++) {
    const r2 = x * x + y * y;
    const radial = 1 + k1 * r2 + k2 * r2 * r2 + k3 * r2 * r2 * r2;
    const dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
    const dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
    x = (xd - dx) / radial;
    y = (yd - dy) / radial;
  }
  return [x, y];
}
