/**
 * Ground-plane back-projection: the ray through a pixel, expressed in a ground frame whose z = 0 plane is the
 * road (flat-world assumption near the vehicle), meets the plane at one point when it points downward.
 */
import type { Vec3 } from '../contracts/geometry.ts';
import type { Calibration } from '../contracts/camera.ts';
import { asCameraModel, type CameraModel, unprojectPixel } from './camera.ts';
import { type Pose, quatRotate } from './quat.ts';

export interface GroundHit {
  /** Point on the plane z = groundZ in the ground frame. */
  point: Vec3;
  /** Distance from the camera centre to the point along the ray, metres. */
  rangeM: number;
  /** Unit ray direction in the ground frame. */
  direction: Vec3;
}

/**
 * Intersect the pixel's ray with the plane z = groundZ of the ground frame (`camera`: a model or a calibration). `groundFromCamera` maps camera optical
 * coordinates into the ground frame (e.g. base_link ← cam). Returns null when the ray is parallel to the plane or
 * meets it behind the camera (a pixel above the horizon).
 * Example: `backProjectToGround(model, tree.lookup('base_link', 'cam_front')!, [u, v])?.point`.
 */
export function backProjectToGround(
  camera: CameraModel | Calibration,
  groundFromCamera: Pose,
  pixel: readonly [number, number],
  groundZ = 0,
): GroundHit | null {
  const rc = unprojectPixel(asCameraModel(camera), pixel[0], pixel[1]);
  const n = Math.hypot(rc[0], rc[1], rc[2]);
  const d = quatRotate(groundFromCamera.rotation, [rc[0] / n, rc[1] / n, rc[2] / n]);
  const o = groundFromCamera.translation;
  if (Math.abs(d[2]) < 1e-12) return null;
  const s = (groundZ - o[2]) / d[2];
  if (!(s > 0)) return null;
  return { point: [o[0] + s * d[0], o[1] + s * d[1], groundZ], rangeM: s, direction: d };
}
