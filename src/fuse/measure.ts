/**
 * One confirmed 2D track → one ground-plane measurement in the world frame. Two monocular range cues are used,
 * both along the ray through the box's bottom-centre (where the object meets the road):
 *   ground: the ray meets the ground plane (z = 0 of the ground frame, base_link by default);
 *   height: the class height prior gives the depth, Z = H / (ŷ(v2) − ŷ(v1)) = f_y·H / h_px for a pinhole
 *           (ŷ: undistorted normalised image row), and the ray is scaled to that depth.
 * With `rangeCue: 'ground'` the ground point is used wherever it exists and the height prior where it does not (ray
 * above the horizon, range beyond `maxGroundRangeM`, bottom cut by the image edge). With `rangeCue: 'combined'` both
 * are combined by inverse-variance weighting of their horizontal ranges where both exist (the height prior is left
 * out where the box top is cut): better on real roads, see README.md. `'mixed'` (the default) combines them for
 * pedestrians, who mostly stand on sidewalks above the road plane, and takes the ground point for the classes that
 * drive on the road. The centre lies behind the visible edge by the class footprint offset, along the horizontal
 * viewing ray.
 *
 * Uncertainty (1σ) in viewing-ray coordinates (radial r, lateral), r_b = horizontal range of the bottom point:
 *   ground:  σ = (r_b² + h²)/h · √((σ_v/f_y)² + σ_θ²)   (dr/dα of r = h/tan α: the ray's depression angle α
 *            has the pixel noise σ_v/f_y and the pitch/slope error σ_θ: ego pitch, road grade, the road ahead
 *            higher or lower than the ego's ground plane; h = camera height), and for pedestrians ⊕ r_b·σ_z/h
 *            (the ground under them a curb above the road plane: σ_z = `sidewalkHeightStdM`)
 *   height:  σ = r_b · √(k_h² + 2·(σ_v/h_px)²)           (spread of real heights around the class prior, and
 *            the pixel noise of the box's top and bottom edges)
 *   combined: σ = (σ_g⁻² + σ_h⁻²)^(−1/2), the range r = (r_g/σ_g² + r_h/σ_h²)·σ²
 *   radial σ_r = √(σ² + σ_f²) + σ_0,  lateral σ_l = σ_u·r/f_x + σ_0
 * (σ_f: spread of the footprint offset over the unknown heading, priors.ts; σ_0 = `minStdM`)
 * and rotated into the world frame by the ray's bearing. Combined, the ground cue dominates near the camera (its
 * σ grows with r²), the height cue far away (σ ∝ r). Both cues read the box bottom, so their pixel errors are
 * correlated; the dominant terms (σ_θ, k_h) are not, and the combination treats them as independent.
 * A box cut by the image's side adds half the class length to both σ_r and σ_l (its visible centre is not the
 * object's).
 * A camera rolled about its optical axis (relative to the ground frame) has its boxes levelled first (level.ts):
 * the bottom point and height are taken along the world's vertical in the image, and their σ widened where the box
 * cannot tell width from height (tilts near 45°). A camera without roll takes the level path exactly as before.
 */
import type { ViperClass } from '../contracts/classes.ts';
import type { Vec3 } from '../contracts/geometry.ts';
import type { Track2D } from '../contracts/perception.ts';
import { type CameraModel, unprojectPixel } from '../geometry/camera.ts';
import { backProjectToGround } from '../geometry/ground.ts';
import { applyPose, type Pose, quatRotate } from '../geometry/quat.ts';
import { cameraRollRad, ROLL_EPS_RAD, upInCamera } from './level.ts';
import { levelView, rolledView } from './boxView.ts';
import { CLASS_SIZE_PRIORS, footprintOffsetM, footprintOffsetStdM } from './priors.ts';

export interface MeasureConfig {
  /** Ground-plane ranges beyond this are not used (the height prior alone gives the range), m. */
  maxGroundRangeM: number;
  /** Pixel noise of the box edges: bottom/top (v) and centre (u), px of the camera image. */
  sigmaVPx: number;
  sigmaUPx: number;
  /**
   * 1σ of the angle between the camera's rays and the road where the object stands, rad: ego pitch (braking,
   * load), road grade and its changes, mount calibration. 0.5° by default; a road 0.2 m above the ego's ground
   * plane at 36 m (as in the nuScenes sample) is 0.32°.
   */
  pitchStdRad: number;
  /**
   * Spread (RMS) of the height above the road plane of the ground under a `SIDEWALK_CLASSES` object, m: 0 on the
   * road, a curb (0.15 m) on a sidewalk. A ground z higher moves the flat-ground range by r_b·z/h (too far), so
   * r_b·σ_z/h joins that cue's σ for these classes, whatever `rangeCue`. A one-sided bias taken as a spread: a
   * mean offset was measured and not kept (README.md).
   */
  sidewalkHeightStdM: number;
  /** Relative spread of real object heights around the class height prior (and of box height vs object height). */
  heightRelStd: number;
  /**
   * `ground`: the flat-ground range wherever it exists, the height prior only where it does not;
   * `combined`: both cues, inverse-variance weighted, where both exist — for real cameras, where the road's height
   * and the ego's pitch are not known (on the nuScenes sample it halves the median error of YOLOX-Nano's cars and
   * pedestrians); on the bundled simulator, whose ground is exactly flat and whose cars (1.5 m) are 12 % below the
   * car height prior, it costs the vehicles (world IDF1 of overtaking_handoff 0.53 → 0.31);
   * `mixed` (default): `combined` for the classes in `SIDEWALK_CLASSES` (pedestrians: a 0.15 m curb puts a person
   * 11 % too far from a 1.5 m-high camera on flat ground, and the height prior does not care where they stand),
   * `ground` for the rest, which drive on the road plane. See README.md.
   */
  rangeCue: RangeCue;
  /** Floor on both standard deviations (footprint/centre uncertainty), m. */
  minStdM: number;
  /**
   * A box edge within this many pixels of the image border is cut: a cut bottom gives no ground point (the
   * height prior is the fallback), a cut top leaves the height cue out wherever a ground point exists.
   */
  edgeMarginPx: number;
  /**
   * The margin grows with the image: at least this fraction of its width (sides) or height (bottom, top). A few
   * pixels of box noise must not turn a box that the image edge cuts into an uncut one (at 480 px, a car beside
   * the ego 4 px from the edge was taken as whole: 3.8 m error at σ 0.6 m, and the hand-off lost it).
   */
  edgeMarginFrac: number;
}

/** The range-cue settings of `MeasureConfig.rangeCue`; the default is `DEFAULT_MEASURE.rangeCue`. */
export const RANGE_CUES = ['mixed', 'ground', 'combined'] as const;
export type RangeCue = (typeof RANGE_CUES)[number];

/**
 * Classes that mostly stand off the road plane (sidewalks behind a curb): `rangeCue: 'mixed'` combines both cues
 * for them, and their flat-ground σ holds `sidewalkHeightStdM`.
 */
export const SIDEWALK_CLASSES: ReadonlySet<ViperClass> = new Set<ViperClass>(['pedestrian']);

export const DEFAULT_MEASURE: MeasureConfig = {
  maxGroundRangeM: 60,
  sigmaVPx: 2,
  sigmaUPx: 3,
  pitchStdRad: (0.5 * Math.PI) / 180,
  heightRelStd: 0.2,
  sidewalkHeightStdM: 0.15,
  rangeCue: 'mixed',
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
  /** Which range cue(s) placed it: the flat-ground point, the class height prior, or both combined. */
  method: 'ground' | 'height' | 'combined';
}

/**
 * What `measureTrack` met on one camera's tracks that the caller should report (the fuse stage turns it into a
 * `camera-roll` FrameIssue): the camera's roll about its optical axis, how many boxes were measured, how many of
 * them had their height from the class aspect prior (tilted near 45°), how many could not be levelled at all.
 */
export interface MeasureNotes {
  rollRad: number;
  tracks: number;
  fromPrior: number;
  noVertical: number;
}

export function emptyMeasureNotes(): MeasureNotes {
  return { rollRad: 0, tracks: 0, fromPrior: 0, noVertical: 0 };
}

/**
 * `groundFromCamera`: camera optical → ground frame (its z = 0 is the road); `worldFromGround`: ground → world
 * (odom ← base_link: the ego pose). Returns null when neither method gives a point in front of the camera.
 * A camera rolled about its optical axis (and pitched) is levelled first (level.ts): the bottom and height are
 * taken along the world's vertical in the image; a camera without roll reads the box as it is. `notes`, when
 * given, counts what the caller should report (`MeasureNotes`).
 */
export function measureTrack(
  track: Track2D,
  model: CameraModel,
  groundFromCamera: Pose,
  worldFromGround: Pose,
  cfg: MeasureConfig = DEFAULT_MEASURE,
  notes?: MeasureNotes,
): GroundMeasurement | null {
  const size = CLASS_SIZE_PRIORS[track.cls];
  // A non-finite box places nothing (and is no rolled camera's failure to level it).
  const { x1, y1, x2, y2 } = track.box;
  if (![x1, y1, x2, y2].every(Number.isFinite)) return null;
  const camOrigin = groundFromCamera.translation;
  const camHeight = camOrigin[2];
  const up = upInCamera(groundFromCamera);
  const roll = cameraRollRad(up);
  const view =
    Math.abs(roll) <= ROLL_EPS_RAD
      ? levelView(track, model, cfg)
      : rolledView(track, model, groundFromCamera, up, size, cfg);
  if (notes) {
    notes.rollRad = roll;
    notes.tracks++;
  }
  if (!view) {
    if (notes) notes.noVertical++;
    return null;
  }
  if (view.fromPrior && notes) notes.fromPrior++;
  const { bottomCut, topCut } = view;
  const onSidewalk = SIDEWALK_CLASSES.has(track.cls);

  // Horizontal bearing of the bottom-centre ray (both cues lie on it) and the cues' horizontal ranges from the
  // camera, with their 1σ.
  let ground: { r: number; s: number } | null = null;
  let height: { r: number; s: number } | null = null;
  let bearing: [number, number] | null = null;
  if (!bottomCut && camHeight > 0) {
    const hit = backProjectToGround(model, groundFromCamera, view.bottomPx);
    if (hit && hit.rangeM <= cfg.maxGroundRangeM) {
      const dx = hit.point[0] - camOrigin[0];
      const dy = hit.point[1] - camOrigin[1];
      const rb = Math.hypot(dx, dy);
      if (rb > 1e-6) {
        bearing = [dx / rb, dy / rb];
        const angStd = Math.hypot(view.sBottomPx / view.fDown, cfg.pitchStdRad);
        const sz = onSidewalk ? cfg.sidewalkHeightStdM : 0;
        ground = {
          r: rb,
          s: Math.hypot(((rb * rb + camHeight * camHeight) / camHeight) * angStd, (rb * sz) / camHeight),
        };
      }
    }
  }
  // The height prior needs the whole height: left out where the top is cut, unless it is the only cue. With the
  // bottom cut there is no ground point and the truncated box's height is the fallback (h_px too small: too far).
  const combine = cfg.rangeCue === 'combined' || (cfg.rangeCue === 'mixed' && onSidewalk);
  const useHeight = combine || !ground;
  if (useHeight && !(topCut && ground)) {
    const hPx = view.hPx;
    const bottom = unprojectPixel(model, view.bottomPx[0], view.bottomPx[1]);
    const z = hPx > 1 ? view.depth(bottom, size[2]) : null;
    if (z !== null) {
      // Depth along the optical axis from the class height, then the bottom-centre ray scaled to that depth.
      const p = applyPose(groundFromCamera, [bottom[0] * z, bottom[1] * z, z]);
      const dx = p[0] - camOrigin[0];
      const dy = p[1] - camOrigin[1];
      const rb = Math.hypot(dx, dy);
      if (rb > 1e-6) {
        bearing ??= [dx / rb, dy / rb];
        const rel = Math.hypot(cfg.heightRelStd, view.sHeightPx / hPx);
        height = { r: rb, s: rb * rel };
      }
    }
  }
  if (!bearing || (!ground && !height)) return null;
  let rb: number;
  let sRange: number;
  let method: GroundMeasurement['method'];
  if (ground && height) {
    const wg = 1 / (ground.s * ground.s);
    const wh = 1 / (height.s * height.s);
    rb = (ground.r * wg + height.r * wh) / (wg + wh);
    sRange = 1 / Math.sqrt(wg + wh);
    method = 'combined';
  } else if (ground) {
    rb = ground.r;
    sRange = ground.s;
    method = 'ground';
  } else {
    rb = height!.r;
    sRange = height!.s;
    method = 'height';
  }
  const [ex, ey] = bearing;
  const off = footprintOffsetM(size);
  const r = rb + off;
  const centreGround: Vec3 = [camOrigin[0] + ex * r, camOrigin[1] + ey * r, 0];
  const sFoot = footprintOffsetStdM(size);
  let sr = Math.hypot(sRange, sFoot) + cfg.minStdM;
  let sl = (cfg.sigmaUPx * r) / view.fLat + cfg.minStdM;
  // A box cut by the left or right image border has an unreliable horizontal centre: widen the lateral spread by
  // half the object's largest extent (the centre may be anywhere within it), and the radial one alike.
  if (view.sideCut) {
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
