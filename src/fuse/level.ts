/**
 * Levelling a 2D box seen by a rolled (and pitched) camera: the geometry `measure.ts` needs to find where an
 * upright object meets the ground and how tall it is in the image when the world's vertical is not the image's.
 *
 * 1. The world vertical in the camera frame (`upInCamera`): ĝ = Rᵀ·ẑ of the ground frame. The camera's roll about
 *    its optical axis (`cameraRollRad`) is the angle of ĝ's image direction at the principal point from the
 *    image's up (−y): 0 for a level camera (pitch alone keeps it 0), ±90° portrait, 180° upside down.
 * 2. The image direction of the world's down at a pixel (`imageDown`): a short vertical segment through the
 *    pixel's ray, projected with the camera's model (distortion included); it points at the vertical vanishing
 *    point, so pitch tilts it off-centre as roll does everywhere.
 * 3. The upright object's extent (`levelExtent`): its silhouette taken as a W×H rectangle, H along that direction,
 *    tilted by φ from the image's vertical, has the axis-aligned box w′ = W|cos φ| + H|sin φ|,
 *    h′ = W|sin φ| + H|cos φ|. Solved by least squares with the class aspect W/H as a weak prior: the box alone
 *    fixes W and H where |cos 2φ| is large (at 90° it is a swap), the prior fills in near 45°, where the box says
 *    only W + H. The posterior σ of H widens the height cue and the bottom point's σ.
 * 4. Which sides of the upright object the image border cuts (`cutSides`): a cut box edge cuts the object's sides
 *    whose outward normal leans towards it.
 * 5. Depth from the class height along the tilted vertical (`depthFromHeight`): the bottom point B = Z·b̃ and the
 *    top T = B + H·ĝ project to b and t: Z·(b − t) = H·(t·ĝ_z − ĝ_xy), solved along b − t (for a level camera,
 *    Z = H / (ŷ_b − ŷ_t), the level formula).
 */
import type { Vec3 } from '../contracts/geometry.ts';
import { type CameraModel, projectPoint, unprojectPixel } from '../geometry/camera.ts';
import { applyPose, type Pose, quatRotate } from '../geometry/quat.ts';

/** A camera rolled by less than this (rad) takes the level path of `measure.ts`, exactly as before. */
export const ROLL_EPS_RAD = 1e-6;

/**
 * How far the axis-aligned box of an upright object departs from that of a tilted rectangle, relative to its size,
 * at the worst tilt: a car's silhouette is a hexagon, not a rectangle, and perspective tapers it. Enters as
 * `BOX_SHAPE_REL_STD`·|sin 2φ|·(w′ + h′)/2 px, 0 at 0° and 90° where the box alone gives the extent exactly.
 */
export const BOX_SHAPE_REL_STD = 0.05;

/**
 * A cut image edge (outward normal n) cuts an object's side (outward normal m) when n·m exceeds this: 0.2 ≈ 11.5°
 * of tilt before a cut bottom edge also cuts the sides.
 */
export const CUT_SIDE_DOT = 0.2;

/** The ground frame's up (+z) as a unit vector in the camera optical frame. */
export function upInCamera(groundFromCamera: Pose): Vec3 {
  const [x, y, z, w] = groundFromCamera.rotation;
  return quatRotate([-x, -y, -z, w], [0, 0, 1]);
}

/**
 * Roll of the camera about its optical axis, rad in (−π, π]: the angle from the image's up (−y) to the image
 * direction of the world's up at the principal point, positive clockwise in the image (x right, y down). 0 when the
 * vertical lies along the optical axis (a camera looking straight up or down has no roll to speak of).
 */
export function cameraRollRad(up: Vec3): number {
  if (up[0] === 0 && up[1] === 0) return 0;
  return Math.atan2(up[0], -up[1]);
}

/**
 * Unit pixel direction [du, dv] of the world's down at pixel (u, v), through the camera model; null where the
 * vertical has no image direction (the pixel is the vertical's vanishing point).
 */
export function imageDown(model: CameraModel, up: Vec3, u: number, v: number): [number, number] | null {
  const r = unprojectPixel(model, u, v);
  // A segment ±ε along the vertical through the point at depth 1 (ε small against the depth, large against round-off).
  const e = 1e-4;
  const below = projectPoint(model, [r[0] - e * up[0], r[1] - e * up[1], 1 - e * up[2]]);
  const above = projectPoint(model, [r[0] + e * up[0], r[1] + e * up[1], 1 + e * up[2]]);
  if (!below || !above) return null;
  const du = below[0] - above[0];
  const dv = below[1] - above[1];
  const n = Math.hypot(du, dv);
  // A pixel-scale segment (≈ 2ε·f px) shorter than 1e-6 of that: the pixel is (at) the vanishing point.
  if (!(n > 2e-10 * Math.max(model.fx, model.fy))) return null;
  return [du / n, dv / n];
}

/** The axis-aligned box [w′, h′] of a W×H rectangle tilted by φ (forward model of `levelExtent`). */
export function tiltedBoxSize(W: number, H: number, tiltRad: number): [number, number] {
  const c = Math.abs(Math.cos(tiltRad));
  const s = Math.abs(Math.sin(tiltRad));
  return [W * c + H * s, W * s + H * c];
}

export interface LevelExtent {
  /** Extent across (W) and along (H) the vertical, px. */
  W: number;
  H: number;
  /** Posterior 1σ of H, px. */
  sH: number;
  /** 1σ of H from the box alone (∞ at 45°, where w′ − h′ says nothing of W − H), px. */
  sHBox: number;
  /** True when the aspect prior carries more of H's information than the box does (sHBox > √2·sH). */
  fromPrior: boolean;
}

/** `levelExtent` uses the aspect prior only where |cos 2φ| is below this (tilts between 30° and 60°). */
export const PRIOR_FROM_COS2 = 0.5;

/**
 * Recover the upright extent W×H (px) from an axis-aligned box w′×h′ whose object is tilted by `tiltRad` from the
 * image's vertical. `aspect` (W/H) with relative 1σ `aspectRelStd` is the prior; `sigmaPx` the 1σ of w′ and h′
 * (the box's two edges' noise). Least squares on w′ = cW + sH, h′ = sW + cH (c = |cos φ|, s = |sin φ|) and
 * W − aH = 0 ± aspectRelStd·a·H₀ / max(0, 1 − |cos 2φ|/`PRIOR_FROM_COS2`), H₀ the prior-only height: the prior
 * counts only near 45°, where the box leaves W − H open (fully at 45°, not at all below 30° or above 60°). The data's σ adds `BOX_SHAPE_REL_STD`·|sin 2φ|·size.
 */
export function levelExtent(
  w: number,
  h: number,
  tiltRad: number,
  aspect: number,
  aspectRelStd: number,
  sigmaPx: number,
): LevelExtent {
  const c = Math.abs(Math.cos(tiltRad));
  const s = Math.abs(Math.sin(tiltRad));
  const sd = Math.max(Math.hypot(sigmaPx, BOX_SHAPE_REL_STD * 2 * c * s * ((w + h) / 2)), 1e-9);
  // Prior-only height: w′ + h′ = (c + s)(W + H) = (c + s)(a + 1)·H.
  const h0 = (w + h) / ((c + s) * (aspect + 1));
  const cos2 = Math.abs(c * c - s * s);
  // The prior counts only where the box leaves W − H open: its information ramps from 0 at |cos 2φ| ≥
  // `PRIOR_FROM_COS2` (tilts up to 30° or from 60°) to all of it at 45°. Real boxes' aspects have long tails (a car
  // seen head-on is 1.15 against the car prior's mean 2.45, a simulated pedestrian 0.2 against 0.49, an occluded
  // object anything): a prior everywhere pulled the well-determined boxes of a camera rolled 30° by 10–25 % in H.
  const sa = Math.max(aspectRelStd * aspect * h0, 1e-9);
  const id = 1 / (sd * sd);
  const ia = (Math.max(0, 1 - cos2 / PRIOR_FROM_COS2) / sa) ** 2;
  // Normal equations N·[W, H] = b.
  const n11 = (c * c + s * s) * id + ia;
  const n12 = 2 * c * s * id - aspect * ia;
  const n22 = (c * c + s * s) * id + aspect * aspect * ia;
  const b1 = (c * w + s * h) * id;
  const b2 = (s * w + c * h) * id;
  const det = n11 * n22 - n12 * n12;
  let W = (n22 * b1 - n12 * b2) / det;
  let H = (n11 * b2 - n12 * b1) / det;
  // A box the rectangle model cannot produce (e.g. w′ < h′·tan φ) gives a negative side: clamp and refit the other.
  if (W < 0) {
    W = 0;
    H = (s * w + c * h) / (s * s + c * c);
  } else if (H < 0) {
    H = 0;
    W = (c * w + s * h) / (c * c + s * s);
  }
  const sH = Math.sqrt(n11 / det);
  const sHBox = cos2 > 1e-12 ? sd / cos2 : Number.POSITIVE_INFINITY;
  return { W, H, sH, sHBox, fromPrior: sHBox > Math.SQRT2 * sH };
}

/**
 * Class aspect prior for `levelExtent`: the mean horizontal extent of an l×w footprint over a uniform heading,
 * 2(l + w)/π, over the height h, and its relative spread over the heading ⊕ `heightRelStd` (real heights).
 */
export function aspectPrior(size: Vec3, heightRelStd: number): { aspect: number; relStd: number } {
  const [l, w, h] = size;
  const mean = (2 * (l + w)) / Math.PI;
  // E[(l|sin ψ| + w|cos ψ|)²] = (l² + w²)/2 + 2lw/π.
  const m2 = (l * l + w * w) / 2 + (2 * l * w) / Math.PI;
  const sd = Math.sqrt(Math.max(0, m2 - mean * mean));
  return { aspect: mean / h, relStd: Math.hypot(sd / mean, heightRelStd) };
}

export interface CutSides {
  bottom: boolean;
  top: boolean;
  /** Either side across the vertical. */
  side: boolean;
}

/**
 * Which sides of the upright object (bottom along `down`, top, the two across it) the image border cuts, from which
 * box edges lie on the border (left, right, top, bottom of the image) and the pixel direction of the world's down.
 * For down = [0, 1] it is the level rule: the box's bottom edge cuts the bottom, its top the top, its sides the sides.
 */
export function cutSides(
  edges: { left: boolean; right: boolean; top: boolean; bottom: boolean },
  down: readonly [number, number],
): CutSides {
  const normals: [number, number][] = [];
  if (edges.left) normals.push([-1, 0]);
  if (edges.right) normals.push([1, 0]);
  if (edges.top) normals.push([0, -1]);
  if (edges.bottom) normals.push([0, 1]);
  const leans = (m: readonly [number, number]) =>
    normals.some((n) => n[0] * m[0] + n[1] * m[1] > CUT_SIDE_DOT);
  const [dx, dy] = down;
  return {
    bottom: leans([dx, dy]),
    top: leans([-dx, -dy]),
    side: leans([-dy, dx]) || leans([dy, -dx]),
  };
}

/**
 * Depth (along the optical axis) of the bottom point of an upright object of height `heightM`, from the
 * undistorted normalised image points of its bottom `b` and top `t` and the world's up `up` in the camera frame:
 * Z·(b − t) = H·(t·up_z − up_xy), least squares along b − t. Null when not in front or degenerate.
 */
export function depthFromHeight(
  b: readonly [number, number],
  t: readonly [number, number],
  up: Vec3,
  heightM: number,
): number | null {
  const dx = b[0] - t[0];
  const dy = b[1] - t[1];
  const qx = t[0] * up[2] - up[0];
  const qy = t[1] * up[2] - up[1];
  const dd = dx * dx + dy * dy;
  if (!(dd > 0)) return null;
  const z = (heightM * (dx * qx + dy * qy)) / dd;
  return z > 0 && Number.isFinite(z) ? z : null;
}

/** Focal length (px per unit of normalised image) along the unit pixel direction [du, dv] (skew ignored). */
export function focalAlong(model: CameraModel, d: readonly [number, number]): number {
  return 1 / Math.hypot(d[0] / model.fx, d[1] / model.fy);
}

/** Headings tried by `cuboidCorrection` over half a turn (a box is symmetric under a half turn). */
const CUBOID_HEADINGS = 16;

/** 1σ of a box's proportion w′/(w′ + h′) against the class cuboid's at the right heading (shape, size spread). */
const PROPORTION_STD = 0.02;

export interface CuboidCorrection {
  /** Add to the levelled rectangle's bottom point, px. */
  dBottom: [number, number];
  /** Add to its height, px. */
  dHeight: number;
  /** 1σ of the correction over the headings the box allows, px (bottom point, height). */
  sBottom: number;
  sHeight: number;
}

/**
 * What the tilted-rectangle model gets wrong for an upright box-shaped object, from the class cuboid placed at
 * `centre` (ground frame, z = 0 under it): an oblique car's silhouette is a hexagon whose bottom is a V (the near
 * corner lowest), so a tilted image's box edge is met by another corner than a rectangle's. For each of
 * `CUBOID_HEADINGS` headings the cuboid is projected and the difference between its silhouette's levelled
 * bottom-centre and height (along `down` and across it) and what `levelExtent` reads from its box is that heading's
 * correction. The box's proportions w′/(w′ + h′) say which heading fits best; they often leave several (the box has
 * one number more than the object's position), so the σ is the others' likelihood-weighted RMS about it.
 * 0 at no tilt and at 90° (the rectangle model is exact there for any shape). Null when a corner is not in front of
 * the camera.
 */
export function cuboidCorrection(
  model: CameraModel,
  cameraFromGround: Pose,
  box: { w: number; h: number },
  down: readonly [number, number],
  size: Vec3,
  centre: readonly [number, number],
  prior: { aspect: number; relStd: number },
  sigmaPx: number,
): CuboidCorrection | null {
  const [l, w, hgt] = size;
  const tilt = Math.atan2(down[0], down[1]);
  const right: [number, number] = [down[1], -down[0]];
  const want = box.w / (box.w + box.h);
  const sProp = Math.hypot(PROPORTION_STD, (sigmaPx * Math.SQRT2) / (box.w + box.h));
  const rows: { cost: number; db: [number, number]; dh: number }[] = [];
  const pts: [number, number][] = new Array(8);
  for (let k = 0; k < CUBOID_HEADINGS; k++) {
    const yaw = (k * Math.PI) / CUBOID_HEADINGS;
    const c = Math.cos(yaw);
    const s = Math.sin(yaw);
    let i = 0;
    let [u1, v1, u2, v2] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const z of [0, hgt])
      for (const [x, y] of CORNERS) {
        const p = applyPose(cameraFromGround, [
          centre[0] + c * x * l - s * y * w,
          centre[1] + s * x * l + c * y * w,
          z,
        ]);
        const uv = projectPoint(model, p, 0.1);
        if (!uv) return null;
        pts[i++] = uv;
        u1 = Math.min(u1, uv[0]);
        v1 = Math.min(v1, uv[1]);
        u2 = Math.max(u2, uv[0]);
        v2 = Math.max(v2, uv[1]);
      }
    // The silhouette's levelled extent, about its box's centre, against the rectangle model's reading of that box.
    const cu = (u1 + u2) / 2;
    const cv = (v1 + v2) / 2;
    let [aMin, aMax, rMin, rMax] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const [u, v] of pts) {
      const a = (u - cu) * down[0] + (v - cv) * down[1];
      const r = (u - cu) * right[0] + (v - cv) * right[1];
      aMin = Math.min(aMin, a);
      aMax = Math.max(aMax, a);
      rMin = Math.min(rMin, r);
      rMax = Math.max(rMax, r);
    }
    const rect = levelExtent(u2 - u1, v2 - v1, tilt, prior.aspect, prior.relStd, sigmaPx);
    const across = (rMin + rMax) / 2;
    const along = aMax - rect.H / 2;
    // The correction scales with the object's image size: bring it to the observed box's.
    const scale = (box.w + box.h) / (u2 - u1 + v2 - v1);
    rows.push({
      cost: ((u2 - u1) / (u2 - u1 + v2 - v1) - want) ** 2 / (2 * sProp * sProp),
      db: [scale * (along * down[0] + across * right[0]), scale * (along * down[1] + across * right[1])],
      dh: scale * (aMax - aMin - rect.H),
    });
  }
  // The best-fitting heading's correction; its σ the likelihood-weighted RMS of the others' about it.
  let best = rows[0]!;
  for (const r of rows) if (r.cost < best.cost) best = r;
  let sw = 0;
  let vb = 0;
  let vh = 0;
  for (const r of rows) {
    const wt = Math.exp(best.cost - r.cost);
    sw += wt;
    vb += wt * ((r.db[0] - best.db[0]) ** 2 + (r.db[1] - best.db[1]) ** 2);
    vh += wt * (r.dh - best.dh) ** 2;
  }
  return { dBottom: best.db, dHeight: best.dh, sBottom: Math.sqrt(vb / sw), sHeight: Math.sqrt(vh / sw) };
}

/** Corners of a unit footprint (× length, × width). */
const CORNERS: readonly (readonly [number, number])[] = [
  [0.5, 0.5],
  [0.5, -0.5],
  [-0.5, -0.5],
  [-0.5, 0.5],
];
