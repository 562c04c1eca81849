/**
 * One confirmed 2D track → one ground-plane measurement in the world frame. The bottom-centre of the box is the
 * point where the object meets the road: its ray is intersected with the ground plane (z = 0 of the ground
 * frame, base_link by default). Where that fails (ray above the horizon, bottom cut by the image edge, range
 * beyond the ground model's useful reach) the class height prior gives the depth instead: Z = fy·H / h_px.
 * The centre lies behind the visible edge by the class footprint offset, along the horizontal viewing ray.
 *
 * Uncertainty (1σ) in viewing-ray coordinates (radial r, lateral):
 *   ground:  σr = σv·r² / (fy·hcam) + kr·r + σ0       (dr/dv of the flat-ground range)
 *   height:  σr = kh·r + σ0                            (relative error of the height prior)
 *   σlat = σu·r / fx + σ0
 * and rotated into the world frame by the ray's bearing. A box cut by the image's side adds half the class
 * length to both (its visible centre is not the object's).
 */
import type { ViperClass } from '../contracts/classes.ts';
import type { Vec3 } from '../contracts/geometry.ts';
import type { Track2D } from '../contracts/perception.ts';
import { type CameraModel, unprojectPixel } from '../geometry/camera.ts';
import { backProjectToGround } from '../geometry/ground.ts';
import { applyPose, type Pose, quatRotate } from '../geometry/quat.ts';
import { CLASS_SIZE_PRIORS, footprintOffsetM } from './priors.ts';

export interface MeasureConfig {
  /** Ground-plane ranges beyond this use the height prior (m). */
  maxGroundRangeM: number;
  /** Pixel noise of the box bottom (v) and centre (u), px. */
  sigmaVPx: number;
  sigmaUPx: number;
  /** Relative range error of the flat-ground model (slope, pitch), and of the height prior. */
  groundRelStd: number;
  heightRelStd: number;
  /** Floor on both standard deviations (footprint/centre uncertainty), m. */
  minStdM: number;
  /** A box whose bottom is within this many pixels of the image bottom is cut: use the height prior. */
  edgeMarginPx: number;
  /**
   * The margin grows with the image: at least this fraction of its width (sides) or height (bottom). A few pixels
   * of box noise must not turn a box that the image edge cuts into an uncut one (at 480 px, a car beside the ego
   * 4 px from the edge was taken as whole: 3.8 m error at σ 0.6 m, and the hand-off lost it).
   */
  edgeMarginFrac: number;
}

export const DEFAULT_MEASURE: MeasureConfig = {
  maxGroundRangeM: 60,
  sigmaVPx: 2,
  sigmaUPx: 3,
  groundRelStd: 0.05,
  heightRelStd: 0.2,
  minStdM: 0.3,
  edgeMarginPx: 2,
  edgeMarginFrac: 0.01,
};

export interface GroundMeasurement {
  cameraId: string;
  trackId: number;
  cls: ViperClass;
  score: number;
  /** Estimated object centre on the ground, world frame (z = ground height). */
  position: Vec3;
  /** 2×2 row-major covariance of position x, y (m²). */
  cov: [number, number, number, number];
  rangeM: number;
  method: 'ground' | 'height';
}

/**
 * `groundFromCamera`: camera optical → ground frame (its z = 0 is the road); `worldFromGround`: ground → world
 * (odom ← base_link: the ego pose). Returns null when neither method gives a point in front of the camera.
 */
export function measureTrack(
  track: Track2D,
  model: CameraModel,
  groundFromCamera: Pose,
  worldFromGround: Pose,
  cfg: MeasureConfig = DEFAULT_MEASURE,
): GroundMeasurement | null {
  const size = CLASS_SIZE_PRIORS[track.cls];
  const { x1, x2, y1, y2 } = track.box;
  const u = (x1 + x2) / 2;
  const camOrigin = groundFromCamera.translation;
  const camHeight = camOrigin[2];
  let point: Vec3 | null = null;
  let method: GroundMeasurement['method'] = 'ground';
  const marginX = Math.max(cfg.edgeMarginPx, cfg.edgeMarginFrac * model.width);
  const marginY = Math.max(cfg.edgeMarginPx, cfg.edgeMarginFrac * model.height);
  const cut = y2 >= model.height - marginY;
  if (!cut && camHeight > 0) {
    const hit = backProjectToGround(model, groundFromCamera, [u, y2]);
    if (hit && hit.rangeM <= cfg.maxGroundRangeM) point = hit.point;
  }
  if (!point) {
    const hPx = y2 - y1;
    if (!(hPx > 1)) return null;
    // Depth along the optical axis from the class height, then the bottom-centre ray scaled to that depth.
    const z = (model.fy * size[2]) / hPx;
    const ray = unprojectPixel(model, u, y2);
    const p = applyPose(groundFromCamera, [ray[0] * z, ray[1] * z, z]);
    point = [p[0], p[1], 0];
    method = 'height';
  }
  const dx = point[0] - camOrigin[0];
  const dy = point[1] - camOrigin[1];
  const horiz = Math.hypot(dx, dy);
  if (!(horiz > 1e-6)) return null;
  const ex = dx / horiz;
  const ey = dy / horiz;
  const off = footprintOffsetM(size);
  const centreGround: Vec3 = [point[0] + ex * off, point[1] + ey * off, 0];
  const r = horiz + off;
  let sr =
    method === 'ground'
      ? (cfg.sigmaVPx * r * r) / (model.fy * Math.max(camHeight, 0.1)) + cfg.groundRelStd * r + cfg.minStdM
      : cfg.heightRelStd * r + cfg.minStdM;
  let sl = (cfg.sigmaUPx * r) / model.fx + cfg.minStdM;
  // A box cut by the left or right image border has an unreliable horizontal centre: widen the lateral spread by
  // half the object's largest extent (the centre may be anywhere within it), and the radial one alike.
  const sideCut = x1 <= marginX || x2 >= model.width - marginX;
  if (sideCut) {
    sl += size[0] / 2;
    sr += size[0] / 2;
  }
  // Rotate diag(σr², σl²) from (ray, left-of-ray) axes into the world frame.
  const e = quatRotate(worldFromGround.rotation, [ex, ey, 0]);
  const n = Math.hypot(e[0], e[1]) || 1;
  const c = e[0] / n;
  const s = e[1] / n;
  const a = sr * sr;
  const b = sl * sl;
  const cov: GroundMeasurement['cov'] = [
    c * c * a + s * s * b,
    c * s * (a - b),
    c * s * (a - b),
    s * s * a + c * c * b,
  ];
  return {
    cameraId: track.cameraId,
    trackId: track.trackId,
    cls: track.cls,
    score: track.score,
    position: applyPose(worldFromGround, centreGround),
    cov,
    rangeM: r,
    method,
  };
}
