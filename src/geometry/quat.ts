/**
 * Quaternion and rigid-transform math. Quaternions are [x, y, z, w] (Foxglove/ROS order), Hamilton convention,
 * active rotation: v' = q v q*. A `Pose` maps points from a child frame into its parent: p_parent = R·p_child + t
 * (contracts/geometry.ts `Transform`).
 */
import type { Quat, Vec3 } from '../contracts/geometry.ts';

export interface Pose {
  translation: Vec3;
  rotation: Quat;
}

export const IDENTITY_POSE: Pose = { translation: [0, 0, 0], rotation: [0, 0, 0, 1] };

/** Hamilton product a⊗b (apply b first, then a). */
export function quatMultiply(a: Quat, b: Quat): Quat {
  const [ax, ay, az, aw] = a;
  const [bx, by, bz, bw] = b;
  return [
    aw * bx + ax * bw + ay * bz - az * by,
    aw * by - ax * bz + ay * bw + az * bx,
    aw * bz + ax * by - ay * bx + az * bw,
    aw * bw - ax * bx - ay * by - az * bz,
  ];
}

function quatConjugate(q: Quat): Quat {
  return [-q[0], -q[1], -q[2], q[3]];
}

function quatNormalize(q: Quat): Quat {
  const n = Math.hypot(q[0], q[1], q[2], q[3]);
  if (n === 0) return [0, 0, 0, 1];
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** Rotate v by unit quaternion q (v' = q v q*), expanded: v + 2w(u×v) + 2u×(u×v). */
export function quatRotate(q: Quat, v: Vec3): Vec3 {
  const [x, y, z, w] = q;
  const tx = 2 * (y * v[2] - z * v[1]);
  const ty = 2 * (z * v[0] - x * v[2]);
  const tz = 2 * (x * v[1] - y * v[0]);
  return [
    v[0] + w * tx + (y * tz - z * ty),
    v[1] + w * ty + (z * tx - x * tz),
    v[2] + w * tz + (x * ty - y * tx),
  ];
}

/** Rotation about +z by `yaw` radians. */
export function quatFromYaw(yaw: number): Quat {
  return [0, 0, Math.sin(yaw / 2), Math.cos(yaw / 2)];
}

/** Heading of the rotated +x axis projected on the xy plane (ZYX yaw). */
export function yawFromQuat(q: Quat): number {
  const [x, y, z, w] = q;
  return Math.atan2(2 * (w * z + x * y), 1 - 2 * (y * y + z * z));
}

/** 3×3 row-major rotation matrix of a unit quaternion. */
export function quatToMat3(q: Quat): number[] {
  const [x, y, z, w] = q;
  return [
    1 - 2 * (y * y + z * z),
    2 * (x * y - z * w),
    2 * (x * z + y * w),
    2 * (x * y + z * w),
    1 - 2 * (x * x + z * z),
    2 * (y * z - x * w),
    2 * (x * z - y * w),
    2 * (y * z + x * w),
    1 - 2 * (x * x + y * y),
  ];
}

/** Unit quaternion of a 3×3 row-major rotation matrix (Shepperd's method: pick the largest diagonal term). */
export function mat3ToQuat(m: readonly number[]): Quat {
  const [m00, m01, m02, m10, m11, m12, m20, m21, m22] = m as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const tr = m00 + m11 + m22;
  let q: Quat;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    q = [(m21 - m12) / s, (m02 - m20) / s, (m10 - m01) / s, 0.25 * s];
  } else if (m00 > m11 && m00 > m22) {
    const s = Math.sqrt(1 + m00 - m11 - m22) * 2;
    q = [0.25 * s, (m01 + m10) / s, (m02 + m20) / s, (m21 - m12) / s];
  } else if (m11 > m22) {
    const s = Math.sqrt(1 + m11 - m00 - m22) * 2;
    q = [(m01 + m10) / s, 0.25 * s, (m12 + m21) / s, (m02 - m20) / s];
  } else {
    const s = Math.sqrt(1 + m22 - m00 - m11) * 2;
    q = [(m02 + m20) / s, (m12 + m21) / s, 0.25 * s, (m10 - m01) / s];
  }
  return quatNormalize(q);
}

/** p_parent = R·p + t. */
export function applyPose(pose: Pose, p: Vec3): Vec3 {
  const r = quatRotate(pose.rotation, p);
  return [r[0] + pose.translation[0], r[1] + pose.translation[1], r[2] + pose.translation[2]];
}

/** a∘b: first b (c→b), then a (b→a); the result maps c into a. */
export function composePose(a: Pose, b: Pose): Pose {
  return {
    translation: applyPose(a, b.translation),
    rotation: quatNormalize(quatMultiply(a.rotation, b.rotation)),
  };
}

export function invertPose(p: Pose): Pose {
  const qi = quatConjugate(p.rotation);
  const t = quatRotate(qi, p.translation);
  return { translation: [-t[0], -t[1], -t[2]], rotation: qi };
}

/** Pose from a 4×4 homogeneous matrix (row-major, nested or flat). */
export function poseFromMatrix4(m: readonly (readonly number[])[] | readonly number[]): Pose {
  const flat = (Array.isArray(m[0]) ? (m as number[][]).flat() : (m as number[])).slice(0, 16);
  const r = [flat[0]!, flat[1]!, flat[2]!, flat[4]!, flat[5]!, flat[6]!, flat[8]!, flat[9]!, flat[10]!];
  return { translation: [flat[3]!, flat[7]!, flat[11]!], rotation: mat3ToQuat(r) };
}
