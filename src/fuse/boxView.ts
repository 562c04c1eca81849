/**
 * A 2D track's box as the ground measurement reads it (measure.ts): where the object meets the ground, its height
 * in pixels along the world's vertical, which sides the image border cuts, and their spreads. A level camera reads
 * the box as it is; a rolled one has it levelled first (level.ts).
 */
import type { Vec3 } from '../contracts/geometry.ts';
import type { Track2D } from '../contracts/perception.ts';
import { type CameraModel, unprojectPixel } from '../geometry/camera.ts';
import { backProjectToGround } from '../geometry/ground.ts';
import { applyPose, invertPose, type Pose } from '../geometry/quat.ts';
import {
  aspectPrior,
  cuboidCorrection,
  cutSides,
  depthFromHeight,
  focalAlong,
  imageDown,
  levelExtent,
} from './level.ts';
import type { MeasureConfig } from './measure.ts';
import { footprintOffsetM } from './priors.ts';

/**
 * The box as `measureTrack` reads it: where the upright object meets the ground and its top (pixels), its height
 * along the world's vertical (px), which of its sides the image border cuts, the focal lengths along the vertical
 * and across it, the 1σ of the bottom point along the vertical and of the height (px), and the depth of the bottom
 * point from the class height.
 */
export interface BoxView {
  bottomPx: [number, number];
  hPx: number;
  bottomCut: boolean;
  topCut: boolean;
  sideCut: boolean;
  fDown: number;
  fLat: number;
  sBottomPx: number;
  sHeightPx: number;
  /** The height came from the class aspect prior more than from the box (tilted near 45°). */
  fromPrior: boolean;
  depth(bottom: Vec3, heightM: number): number | null;
}

function margins(model: CameraModel, cfg: MeasureConfig): [number, number] {
  return [
    Math.max(cfg.edgeMarginPx, cfg.edgeMarginFrac * model.width),
    Math.max(cfg.edgeMarginPx, cfg.edgeMarginFrac * model.height),
  ];
}

/** A camera without roll: the image's vertical is the world's, the box's bottom edge is where the object stands. */
export function levelView(track: Track2D, model: CameraModel, cfg: MeasureConfig): BoxView {
  const { x1, x2, y1, y2 } = track.box;
  const u = (x1 + x2) / 2;
  const [marginX, marginY] = margins(model, cfg);
  return {
    bottomPx: [u, y2],
    hPx: y2 - y1,
    bottomCut: y2 >= model.height - marginY,
    topCut: y1 <= marginY,
    sideCut: x1 <= marginX || x2 >= model.width - marginX,
    fDown: model.fy,
    fLat: model.fx,
    sBottomPx: cfg.sigmaVPx,
    sHeightPx: Math.SQRT2 * cfg.sigmaVPx,
    fromPrior: false,
    depth(bottom, heightM) {
      const top = unprojectPixel(model, u, y1);
      const dyn = bottom[1] - top[1];
      return dyn > 0 ? heightM / dyn : null;
    },
  };
}

/**
 * The rectangle model's error (px, |sin φ cos φ|·(w + h)) from which the class cuboid corrects it. Under it the
 * correction is within the box's own noise (σ_v 2 px), and it costs ~250 projections a box: a near-level real rig
 * (nuScenes' cameras roll under 1°) had paid 40 µs a box for it.
 */
const CUBOID_MIN_PX = 4;

/** |sin 2φ| of a 5° tilt from a multiple of 90°: from there a box cut at an image corner is not measured (below). */
const OBLIQUE_SIN2 = Math.sin(10 * (Math.PI / 180));

/**
 * A rolled camera (level.ts): the world's down at the box centre gives the tilt; the upright extent comes from the
 * axis-aligned box (and the class aspect near 45°); the bottom and top are the levelled box's, along that down.
 * Null when the vertical has no image direction at the box.
 */
export function rolledView(
  track: Track2D,
  model: CameraModel,
  groundFromCamera: Pose,
  up: Vec3,
  size: Vec3,
  cfg: MeasureConfig,
): BoxView | null {
  const { x1, x2, y1, y2 } = track.box;
  const cu = (x1 + x2) / 2;
  const cv = (y1 + y2) / 2;
  const down = imageDown(model, up, cu, cv);
  if (!down) return null;
  const prior = aspectPrior(size, cfg.heightRelStd);
  const sBox = Math.SQRT2 * cfg.sigmaVPx;
  const w = x2 - x1;
  const h = y2 - y1;
  const ext = levelExtent(w, h, Math.atan2(down[0], down[1]), prior.aspect, prior.relStd, sBox);
  const [marginX, marginY] = margins(model, cfg);
  const edges = {
    left: x1 <= marginX,
    right: x2 >= model.width - marginX,
    top: y1 <= marginY,
    bottom: y2 >= model.height - marginY,
  };
  const cut = cutSides(edges, down);
  let bottomPx: [number, number] = [cu + (ext.H / 2) * down[0], cv + (ext.H / 2) * down[1]];
  let hPx = ext.H;
  // The class cuboid's correction of the rectangle model, where it can matter (≥ CUBOID_MIN_PX) and the box is whole:
  // placed where the rectangle's bottom point says, then once more where the corrected one says.
  let sCorr = 0;
  let sCorrH = 0;
  const mixing = Math.abs(down[0] * down[1]) * (w + h);
  if (mixing >= CUBOID_MIN_PX && !edges.left && !edges.right && !edges.top && !edges.bottom) {
    const cameraFromGround = invertPose(groundFromCamera);
    let b = bottomPx;
    let H = hPx;
    for (let pass = 0; pass < 2; pass++) {
      const centre = groundCentre(model, groundFromCamera, up, b, H, size);
      if (!centre) break;
      const corr = cuboidCorrection(model, cameraFromGround, { w, h }, down, size, centre, prior, sBox);
      if (!corr) break;
      b = [bottomPx[0] + corr.dBottom[0], bottomPx[1] + corr.dBottom[1]];
      H = Math.max(0, ext.H + corr.dHeight);
      // Its spread over the headings the box allows, and a quarter of it for the class's shape against the object's.
      sCorr = Math.hypot(corr.sBottom, Math.hypot(corr.dBottom[0], corr.dBottom[1]) / 4);
      sCorrH = Math.hypot(corr.sHeight, corr.dHeight / 4);
    }
    bottomPx = b;
    hPx = H;
  }
  const topPx: [number, number] = [bottomPx[0] - hPx * down[0], bottomPx[1] - hPx * down[1]];
  // A box cut at a corner of the image (two borders) with the object's bottom among the cut sides says neither where
  // it stands nor how tall it is (a car entering a 30°-rolled view at its corner was placed 4–10 times too far by
  // its truncated height): no height fallback, so no measurement. Cut by one border, as a level camera's. Only where
  // the tilt is oblique (over 5° from a multiple of 90°): near 0° or 90° the box is cut as a level camera's is, and
  // is measured as the level path measures it (which a real rig's fraction of a degree of roll had turned off).
  const corner = [edges.left, edges.right, edges.top, edges.bottom].filter(Boolean).length >= 2;
  if (corner && cut.bottom && Math.abs(2 * down[0] * down[1]) > OBLIQUE_SIN2) hPx = 0;
  return {
    bottomPx,
    hPx,
    bottomCut: cut.bottom,
    topCut: cut.top,
    sideCut: cut.side,
    fDown: focalAlong(model, down),
    fLat: focalAlong(model, [-down[1], down[0]]),
    // bottom = centre + H/2·down: the centre's σ (two edges averaged) ⊕ half the height's (σ_v at no tilt, as level)
    // ⊕ half the cuboid correction.
    sBottomPx: Math.hypot(cfg.sigmaVPx / Math.SQRT2, ext.sH / 2, sCorr),
    sHeightPx: Math.hypot(ext.sH, sCorrH),
    fromPrior: ext.fromPrior,
    depth(bottom, heightM) {
      const top = unprojectPixel(model, topPx[0], topPx[1]);
      return depthFromHeight([bottom[0], bottom[1]], [top[0], top[1]], up, heightM);
    },
  };
}

/**
 * Where the class cuboid stands (ground frame x, y of its centre) for a levelled bottom point and height: the
 * bottom ray's ground point, else the class height's depth, then the footprint offset along the ray.
 */
function groundCentre(
  model: CameraModel,
  groundFromCamera: Pose,
  up: Vec3,
  bottomPx: [number, number],
  hPx: number,
  size: Vec3,
): [number, number] | null {
  const o = groundFromCamera.translation;
  let p: Vec3 | null = null;
  const hit = o[2] > 0 ? backProjectToGround(model, groundFromCamera, bottomPx) : null;
  if (hit && hit.rangeM <= 200) p = hit.point;
  else if (hPx > 1) {
    const b = unprojectPixel(model, bottomPx[0], bottomPx[1]);
    const top = imageDown(model, up, bottomPx[0], bottomPx[1]);
    if (!top) return null;
    const tn = unprojectPixel(model, bottomPx[0] - hPx * top[0], bottomPx[1] - hPx * top[1]);
    const z = depthFromHeight([b[0], b[1]], [tn[0], tn[1]], up, size[2]);
    if (z === null) return null;
    p = applyPose(groundFromCamera, [b[0] * z, b[1] * z, z]);
  }
  if (!p) return null;
  const dx = p[0] - o[0];
  const dy = p[1] - o[1];
  const r = Math.hypot(dx, dy);
  if (!(r > 1e-6)) return null;
  const off = footprintOffsetM(size);
  return [p[0] + (dx / r) * off, p[1] + (dy / r) * off];
}
