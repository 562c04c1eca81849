/**
 * Ground-plane motion of a 2D track (off unless `groundGate` is set): each detection's bottom centre (where the
 * object stands) is back-projected to the road through its camera's calibration and the frame's transforms
 * (`backProjectToGround`, flat ground) and expressed in the world frame (odom), where the ego's own motion is
 * gone and a walking pedestrian moves in a straight line at constant speed, unlike its box in a moving camera.
 * A constant-velocity Kalman filter per track, state [x, y, vx, vy] (m, m/s), is fed these points; its
 * prediction gates the association of detections with lost tracks.
 *
 * Measurement noise: the box edges' pixel noise σ_u, σ_v (px) propagated through the back-projection by its
 * Jacobian (central differences), J·diag(σ_u², σ_v²)·Jᵀ + σ₀²·I. Near the horizon a pixel spans metres of range,
 * so the radial variance grows about as r⁴ (dr/dv = r²/(f·h_cam) for a camera at height h_cam) and the gate opens
 * by itself where the ground point says little; the lateral one grows as r².
 * Process noise: white acceleration of spectral density q = σ_a² (m²/s³) per axis:
 *   F = [I dt·I; 0 I],  Q = q·[dt³/3·I dt²/2·I; dt²/2·I dt·I].
 * All functions are pure.
 */
import type { Box2D } from '../contracts/geometry.ts';
import type { CameraModel } from '../geometry/camera.ts';
import { backProjectToGround } from '../geometry/ground.ts';
import { applyPose, type Pose } from '../geometry/quat.ts';

/** A ground point in the world frame and its 2×2 row-major covariance (m²). */
export interface GroundObs {
  x: number;
  y: number;
  cov: [number, number, number, number];
  /** The box was cut by the image's left or right edge: its centre column says little (σ_u widened). */
  clipped?: boolean;
}

/** Constant-velocity state in the world frame: mean [x, y, vx, vy], 4×4 row-major covariance, time (s). */
export interface GroundState {
  mean: [number, number, number, number];
  cov: number[];
  tS: number;
}

export interface GroundNoise {
  /** Box-edge noise as a fraction of the box size (σ_v = rel·h + px, σ_u = rel·w + px). */
  rel: number;
  /** Pixel floor of the box-edge noise. */
  px: number;
  /** Floor on the position noise (footprint), m. */
  minStdM: number;
  /** Ground points farther than this are not used, m. */
  maxRangeM: number;
  /**
   * A box cut by the left or right image edge: 0 gives no ground point; above 0 its σ_u grows by this many box
   * heights (the hidden part may be a whole vehicle length), so the point still says how far away it is.
   */
  clippedU: number;
}

/** A box within this many pixels of an image border is taken to be cut by it. */
export const EDGE_MARGIN_PX = 2;

export const DEFAULT_GROUND_NOISE: GroundNoise = {
  rel: 0.05,
  px: 1,
  minStdM: 0.3,
  maxRangeM: 80,
  clippedU: 0,
};

/**
 * The ground point under a box (bottom centre) in the world frame with its covariance, or null where the box's
 * bottom or sides touch the image border (the contact point is not in view), the ray misses the ground, or the
 * point lies beyond `maxRangeM`. `groundFromCamera`: camera optical → ground frame (z = 0 is the road);
 * `worldFromGround`: ground → world (the ego pose).
 */
export function groundObservation(
  model: CameraModel,
  groundFromCamera: Pose,
  worldFromGround: Pose,
  box: Box2D,
  noise: GroundNoise = DEFAULT_GROUND_NOISE,
): GroundObs | null {
  const margin = EDGE_MARGIN_PX;
  const clipped = box.x1 <= margin || box.x2 >= model.width - margin;
  if (box.y2 >= model.height - margin || (clipped && !(noise.clippedU > 0))) return null;
  const u = (box.x1 + box.x2) / 2;
  const v = box.y2;
  const at = (du: number, dv: number): [number, number] | null => {
    const hit = backProjectToGround(model, groundFromCamera, [u + du, v + dv]);
    if (!hit || hit.rangeM > noise.maxRangeM) return null;
    const p = applyPose(worldFromGround, hit.point);
    return [p[0], p[1]];
  };
  const c = at(0, 0);
  const d = 0.5;
  const up = at(d, 0);
  const um = at(-d, 0);
  const vp = at(0, d);
  const vm = at(0, -d);
  if (!c || !up || !um || !vp || !vm) return null;
  const su = noise.rel * (box.x2 - box.x1) + noise.px + (clipped ? noise.clippedU * (box.y2 - box.y1) : 0);
  const sv = noise.rel * (box.y2 - box.y1) + noise.px;
  // Jacobian columns ∂p/∂u, ∂p/∂v, scaled by the pixel σ.
  const ju = [((up[0] - um[0]) / (2 * d)) * su, ((up[1] - um[1]) / (2 * d)) * su];
  const jv = [((vp[0] - vm[0]) / (2 * d)) * sv, ((vp[1] - vm[1]) / (2 * d)) * sv];
  const s0 = noise.minStdM * noise.minStdM;
  const cxy = ju[0]! * ju[1]! + jv[0]! * jv[1]!;
  return {
    x: c[0],
    y: c[1],
    cov: [ju[0]! ** 2 + jv[0]! ** 2 + s0, cxy, cxy, ju[1]! ** 2 + jv[1]! ** 2 + s0],
    ...(clipped ? { clipped } : {}),
  };
}

/** A new state at the observation, velocity 0 with standard deviation `velStd` (m/s) per axis. */
export function groundInit(z: GroundObs, velStd: number, tS: number): GroundState {
  const v = velStd * velStd;
  return {
    mean: [z.x, z.y, 0, 0],
    // biome-ignore format: 4×4 matrix
    cov: [
      z.cov[0], z.cov[1], 0, 0,
      z.cov[2], z.cov[3], 0, 0,
      0, 0, v, 0,
      0, 0, 0, v,
    ],
    tS,
  };
}

/** The state predicted to time `tS` (constant velocity, white-acceleration noise σ_a² per axis). */
export function groundPredict(s: GroundState, tS: number, accelStd: number): GroundState {
  const dt = tS - s.tS;
  if (dt === 0) return { mean: [...s.mean], cov: [...s.cov], tS };
  const [x, y, vx, vy] = s.mean;
  // F P Fᵀ with F = [I dt·I; 0 I], block by block (i, j ∈ {0, 1}: position rows/columns, +2: velocity).
  const P = s.cov;
  const out = new Array<number>(16);
  for (let i = 0; i < 2; i++) {
    for (let j = 0; j < 2; j++) {
      const pp = P[i * 4 + j]!;
      const pv = P[i * 4 + j + 2]!;
      const vp = P[(i + 2) * 4 + j]!;
      const vv = P[(i + 2) * 4 + j + 2]!;
      out[i * 4 + j] = pp + dt * (pv + vp) + dt * dt * vv;
      out[i * 4 + j + 2] = pv + dt * vv;
      out[(i + 2) * 4 + j] = vp + dt * vv;
      out[(i + 2) * 4 + j + 2] = vv;
    }
  }
  const q = accelStd * accelStd;
  const q11 = (q * dt * dt * dt) / 3;
  const q12 = (q * dt * dt) / 2;
  const q22 = q * dt;
  for (const k of [0, 1]) {
    out[k * 4 + k]! += q11;
    out[k * 4 + k + 2]! += q12;
    out[(k + 2) * 4 + k]! += q12;
    out[(k + 2) * 4 + k + 2]! += q22;
  }
  return { mean: [x + dt * vx, y + dt * vy, vx, vy], cov: out, tS };
}

/** Innovation ν = z − Hx and its covariance S = H P Hᵀ + R (H picks the position). */
function innovation(
  s: GroundState,
  z: GroundObs,
): { nu: [number, number]; S: [number, number, number, number] } {
  const P = s.cov;
  return {
    nu: [z.x - s.mean[0], z.y - s.mean[1]],
    S: [P[0]! + z.cov[0], P[1]! + z.cov[1], P[4]! + z.cov[2], P[5]! + z.cov[3]],
  };
}

/** Squared Mahalanobis distance νᵀ S⁻¹ ν of an observation from the state's position (2 degrees of freedom). */
export function groundDistance(s: GroundState, z: GroundObs): number {
  const { nu, S } = innovation(s, z);
  const det = S[0] * S[3] - S[1] * S[2];
  // A degenerate innovation covariance says nothing about where the point should be: no gate.
  if (!(det > 0)) return 0;
  return (S[3] * nu[0] * nu[0] - (S[1] + S[2]) * nu[0] * nu[1] + S[0] * nu[1] * nu[1]) / det;
}

/** The Kalman update of the state (at the observation's time) with a ground observation. */
export function groundUpdate(s: GroundState, z: GroundObs): GroundState {
  const { nu, S } = innovation(s, z);
  const det = S[0] * S[3] - S[1] * S[2];
  if (!(det > 0)) return s;
  const Si = [S[3] / det, -S[1] / det, -S[2] / det, S[0] / det];
  const P = s.cov;
  // K = P Hᵀ S⁻¹ (4×2): P Hᵀ is P's first two columns.
  const K = new Array<number>(8);
  for (let i = 0; i < 4; i++) {
    const a = P[i * 4]!;
    const b = P[i * 4 + 1]!;
    K[i * 2] = a * Si[0]! + b * Si[2]!;
    K[i * 2 + 1] = a * Si[1]! + b * Si[3]!;
  }
  const mean = s.mean.map((m, i) => m + K[i * 2]! * nu[0] + K[i * 2 + 1]! * nu[1]) as GroundState['mean'];
  // P' = P − K H P (H P = P's first two rows).
  const cov = new Array<number>(16);
  for (let i = 0; i < 4; i++) {
    for (let j = 0; j < 4; j++) {
      cov[i * 4 + j] = P[i * 4 + j]! - K[i * 2]! * P[j]! - K[i * 2 + 1]! * P[4 + j]!;
    }
  }
  // Keep it symmetric against rounding.
  for (let i = 0; i < 4; i++) {
    for (let j = i + 1; j < 4; j++) {
      const m = (cov[i * 4 + j]! + cov[j * 4 + i]!) / 2;
      cov[i * 4 + j] = m;
      cov[j * 4 + i] = m;
    }
  }
  return { mean, cov, tS: s.tS };
}
