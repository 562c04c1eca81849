/**
 * Camera-motion compensation from the ego's own motion (`egoMotion`): a moving camera shifts every box in the
 * image by an amount that depends on how far away the object is (parallax), so one affine for the whole image (a
 * feature-matching GMC's) is wrong for all but one depth. Here each track gets its own warp: its box's bottom
 * centre (where it stands) is back-projected to the road through the previous frame's camera pose, that ground
 * point is projected into the current frame's camera, and the box is moved there and scaled by the ratio of the
 * point's depths. This is exact for a static object standing on flat ground, so the Kalman velocity is left with the
 * object's own motion, and a track hidden while the ego brakes or turns is predicted where the object really is.
 * All functions are pure.
 */
import type { Box2D, Vec3 } from '../contracts/geometry.ts';
import { type CameraModel, projectPoint, unprojectPixel } from '../geometry/camera.ts';
import { applyPose, composePose, invertPose, type Pose, quatRotate } from '../geometry/quat.ts';

/** One camera at one frame: its model and its optical frame's pose on the ground and in the world. */
export interface CameraAtFrame {
  model: CameraModel;
  /** Camera optical → ground frame (base_link; z = 0 is the road). */
  groundFromCamera: Pose;
  /** Ground frame → world (odom): the ego pose. */
  worldFromGround: Pose;
}

/**
 * A box whose bottom does not meet the road (above the horizon) or meets it farther than this is taken to stand
 * this far along its ray, m: a turn still moves it, and the parallax of the ego's travel at this range is a few
 * pixels at most (3 m a frame, at highway speed, moves a point at the image's edge about 4.5 px at 200 m).
 */
export const EGO_MOTION_MAX_RANGE_M = 200;

/**
 * Scale changes beyond this factor per elapsed frame are not a static object's (one the camera is about to drive
 * past, its depth near 0): no warp.
 */
const MAX_SCALE_STEP = 1.5;

/**
 * The warp of each box seen by the camera at `prev` to the camera at `cur`, `steps` frames later: a function
 * giving the 2×3 image affine [s, 0, tx, 0, s, ty] (`kalmanWarp`'s form) that moves the box to where a static
 * object standing on the road there appears from `cur` (its bottom centre to its new image position, its size by
 * the ratio of depths), or null where the point is not in front of the current camera or the scale jumps (an object
 * the camera is about to pass). A box cut by the image's bottom is taken to stand at its bottom row, a farther point
 * than its feet: it is warped too little, but nearer the truth than not at all. With lens distortion the size
 * follows the depths only, not the lens's local magnification (a few per cent at the edges of a wide lens).
 */
export function egoMotionWarper(
  prev: CameraAtFrame,
  cur: CameraAtFrame,
  steps = 1,
): (box: Box2D) => number[] | null {
  const camFromWorld = invertPose(composePose(cur.worldFromGround, cur.groundFromCamera));
  const maxScale = MAX_SCALE_STEP ** Math.max(1, steps);
  return (box) => {
    const bu = (box.x1 + box.x2) / 2;
    const bv = box.y2;
    const world = standingPoint(prev, bu, bv);
    if (!world) return null;
    const pc = applyPose(camFromWorld, world.point);
    const uv = projectPoint(cur.model, pc, 0.1);
    if (!uv) return null;
    const s = world.depth / pc[2];
    if (!(s < maxScale && s > 1 / maxScale)) return null;
    return [s, 0, uv[0] - s * bu, 0, s, uv[1] - s * bv];
  };
}

/** True when the camera did not move between the two frames (a fixed camera): no warp needed. */
export function sameCameraPose(a: CameraAtFrame, b: CameraAtFrame): boolean {
  return samePose(a.groundFromCamera, b.groundFromCamera) && samePose(a.worldFromGround, b.worldFromGround);
}

/** The world point where a pixel's ray meets the road (or EGO_MOTION_MAX_RANGE_M along it) and its depth. */
function standingPoint(c: CameraAtFrame, u: number, v: number): { point: Vec3; depth: number } | null {
  const ray = unprojectPixel(c.model, u, v); // [x, y, 1]: a point at depth t is t·ray
  const d = quatRotate(c.groundFromCamera.rotation, ray);
  const o = c.groundFromCamera.translation;
  const norm = Math.hypot(ray[0], ray[1], ray[2]);
  const farDepth = EGO_MOTION_MAX_RANGE_M / norm;
  // Depth along the optical axis at which the ray meets z = 0 of the ground frame (none when it points up).
  const hit = d[2] < -1e-9 ? -o[2] / d[2] : Number.POSITIVE_INFINITY;
  const depth = Math.min(hit, farDepth);
  if (!(depth > 0)) return null;
  const g: Vec3 = [o[0] + depth * d[0], o[1] + depth * d[1], o[2] + depth * d[2]];
  return { point: applyPose(c.worldFromGround, g), depth };
}

function samePose(a: Pose, b: Pose): boolean {
  return (
    a.translation.every((x, i) => x === b.translation[i]) && a.rotation.every((x, i) => x === b.rotation[i])
  );
}
