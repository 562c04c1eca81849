/**
 * The camera of an imported frame folder or video, which carries no calibration: a nominal pinhole from a field of
 * view, and (with `--mount`) where the camera stands, so replay's fusion can place its objects on the ground.
 */
import type { Transform } from '../contracts/geometry.ts';
import { frames as tfFrames } from '../contracts/topics.ts';
import { matToQuat, mountRotation } from '../sim/rig.ts';

export interface CameraMount {
  position: [number, number, number];
  yawDeg: number;
  pitchDeg: number;
  rollDeg: number;
}

/** A pinhole with square pixels, principal point at the centre, focal length from the horizontal FOV. */
export function nominalCalibration(
  frameId: string,
  width: number,
  height: number,
  hfovDeg: number,
  timestamp: { sec: number; nsec: number },
) {
  const f = width / 2 / Math.tan((hfovDeg * Math.PI) / 360);
  const cx = width / 2;
  const cy = height / 2;
  return {
    timestamp,
    frame_id: frameId,
    width,
    height,
    distortion_model: '',
    D: [],
    K: [f, 0, cx, 0, f, cy, 0, 0, 1],
    R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    P: [f, 0, cx, 0, 0, f, cy, 0, 0, 0, 1, 0],
  };
}

/** odom → base_link (identity: the camera does not move) and base_link → the camera's optical frame. */
export function mountTransforms(camera: string, m: CameraMount): Transform[] {
  const deg = Math.PI / 180;
  const R = mountRotation(m.yawDeg * deg, m.pitchDeg * deg, m.rollDeg * deg);
  return [
    { parent: tfFrames.world, child: tfFrames.ego, translation: [0, 0, 0], rotation: [0, 0, 0, 1] },
    { parent: tfFrames.ego, child: camera, translation: [...m.position], rotation: matToQuat(R) },
  ];
}
