/**
 * Pinhole camera with plumb_bob (Brown–Conrady k1, k2, p1, p2, k3) or rational_polynomial (k1..k6) distortion,
 * as in OpenCV / ROS CameraInfo. Camera optical frame: x right, y down, z forward. Pixels: u right, v down, origin
 * at the top-left pixel's corner convention of the calibration (K as given).
 *
 *   x' = X/Z, y' = Y/Z, r² = x'² + y'²
 *   radial = (1 + k1 r² + k2 r⁴ + k3 r⁶) / (1 + k4 r² + k5 r⁴ + k6 r⁶)
 *   x'' = x' radial + 2 p1 x'y' + p2 (r² + 2x'²),  y'' = y' radial + p1 (r² + 2y'²) + 2 p2 x'y'
 *   u = fx x'' + s y'' + cx,  v = fy y'' + cy
 */
import type { Calibration } from '../contracts/camera.ts';
import { ConfigError } from '../contracts/errors.ts';
import type { Vec3 } from '../contracts/geometry.ts';

export interface CameraModel {
  frameId: string;
  width: number;
  height: number;
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  skew: number;
  /** k1, k2, p1, p2, k3, k4, k5, k6 (zeros where absent). */
  d: [number, number, number, number, number, number, number, number];
  distorted: boolean;
}

const DISTORTION_FREE = new Set(['', 'none', 'pinhole']);

/**
 * Build a camera model from a calibration; throws ConfigError for unsupported distortion models, a bad K, or a
 * non-finite K or D value.
 */
export function cameraModel(calib: Calibration): CameraModel {
  const K = calib.K;
  const [fx, skew, cx, , fy, cy] = [K[0]!, K[1]!, K[2]!, K[3]!, K[4]!, K[5]!];
  if (!(fx > 0 && fy > 0)) {
    throw new ConfigError({
      what: `camera intrinsics have non-positive focal length fx=${fx} fy=${fy}`,
      where: `calibration of ${calib.frameId}`,
      hint: 'K must be row-major [fx, s, cx, 0, fy, cy, 0, 0, 1]',
    });
  }
  const D = calib.D;
  // A NaN or infinite intrinsic or coefficient turns every ray into NaN: refuse it here, where it can be named.
  if (![fx, skew, cx, fy, cy].every(Number.isFinite) || !D.every(Number.isFinite)) {
    throw new ConfigError({
      what: `camera calibration has non-finite values: K [${K.join(', ')}], D [${D.join(', ')}]`,
      where: `calibration of ${calib.frameId}`,
      hint: 'every K and D value must be a finite number',
    });
  }
  const model = calib.distortionModel;
  const d: CameraModel['d'] = [0, 0, 0, 0, 0, 0, 0, 0];
  const nonzero = D.some((x) => x !== 0);
  if (model === 'plumb_bob' || model === 'rational_polynomial' || (DISTORTION_FREE.has(model) && !nonzero)) {
    for (let i = 0; i < Math.min(8, D.length); i++) d[i] = D[i]!;
  } else {
    throw new ConfigError({
      what: `unsupported distortion model '${model}' with coefficients [${D.join(', ')}]`,
      where: `calibration of ${calib.frameId}`,
      hint: 'supported: plumb_bob, rational_polynomial, or none with zero D',
    });
  }
  return {
    frameId: calib.frameId,
    width: calib.width,
    height: calib.height,
    fx,
    fy,
    cx,
    cy,
    skew,
    d,
    distorted: d.some((x) => x !== 0),
  };
}

/** Accept either a built model or a calibration (built on the fly; cache the model in hot loops). */
export function asCameraModel(c: CameraModel | Calibration): CameraModel {
  return 'fx' in c ? c : cameraModel(c);
}

/** A distortion-free model from K (3×3 row-major, flat or nested) and image size, e.g. for nuScenes. */
export function pinholeModel(
  K: readonly number[] | readonly (readonly number[])[],
  width: number,
  height: number,
  frameId = 'camera',
): CameraModel {
  const k = (Array.isArray(K[0]) ? (K as number[][]).flat() : (K as number[])).slice(0, 9);
  return cameraModel({
    frameId,
    width,
    height,
    distortionModel: 'plumb_bob',
    D: [0, 0, 0, 0, 0],
    K: k,
    R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    P: [k[0]!, k[1]!, k[2]!, 0, k[3]!, k[4]!, k[5]!, 0, k[6]!, k[7]!, k[8]!, 0],
  });
}

/** Apply the distortion polynomial to normalized coordinates (x', y'). */
function distortNormalized(m: CameraModel, x: number, y: number): [number, number] {
  if (!m.distorted) return [x, y];
  const [k1, k2, p1, p2, k3, k4, k5, k6] = m.d;
  const r2 = x * x + y * y;
  const r4 = r2 * r2;
  const r6 = r4 * r2;
  const radial = (1 + k1 * r2 + k2 * r4 + k3 * r6) / (1 + k4 * r2 + k5 * r4 + k6 * r6);
  return [
    x * radial + 2 * p1 * x * y + p2 * (r2 + 2 * x * x),
    y * radial + p1 * (r2 + 2 * y * y) + 2 * p2 * x * y,
  ];
}

/** Fixed-point iterations of `undistortNormalized`. */
const UNDISTORT_ITERATIONS = 20;

/**
 * Invert the distortion by fixed-point iteration (OpenCV's undistortPoints scheme); converges for the moderate
 * distortion of automotive cameras (not for fisheye).
 */
function undistortNormalized(m: CameraModel, xd: number, yd: number): [number, number] {
  if (!m.distorted) return [xd, yd];
  const [k1, k2, p1, p2, k3, k4, k5, k6] = m.d;
  let x = xd;
  let y = yd;
  for (let i = 0; i < UNDISTORT_ITERATIONS; i++) {
    const r2 = x * x + y * y;
    const r4 = r2 * r2;
    const r6 = r4 * r2;
    const icdist = (1 + k4 * r2 + k5 * r4 + k6 * r6) / (1 + k1 * r2 + k2 * r4 + k3 * r6);
    const dx = 2 * p1 * x * y + p2 * (r2 + 2 * x * x);
    const dy = p1 * (r2 + 2 * y * y) + 2 * p2 * x * y;
    x = (xd - dx) * icdist;
    y = (yd - dy) * icdist;
  }
  return [x, y];
}

/** Project a point in the camera optical frame to pixels; null when it is not in front (z ≤ minDepth). */
export function projectPoint(m: CameraModel, p: Vec3, minDepth = 1e-6): [number, number] | null {
  if (!(p[2] > minDepth)) return null;
  const [x, y] = distortNormalized(m, p[0] / p[2], p[1] / p[2]);
  return [m.fx * x + m.skew * y + m.cx, m.fy * y + m.cy];
}

/** Pixel to the normalized ray direction [x, y, 1] in the camera optical frame (undistorted). */
export function unprojectPixel(m: CameraModel, u: number, v: number): Vec3 {
  const yd = (v - m.cy) / m.fy;
  const xd = (u - m.cx - m.skew * yd) / m.fx;
  const [x, y] = undistortNormalized(m, xd, yd);
  return [x, y, 1];
}
