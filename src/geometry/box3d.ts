/**
 * Oriented 3D boxes (contracts `Box3D`: centre, size [length, width, height], yaw about +z) and their image
 * footprint: the box clipped by the camera's near plane, projected, and the convex hull of the projected
 * vertices intersected with the image rectangle (the same construction as nuScenes' 2D-box converter, which
 * takes the convex hull of projected corners ∩ the canvas; it drops corners behind the camera instead of
 * clipping edges, available here as `behind: 'drop'`). Lens distortion bends edges; the hull of projected
 * vertices ignores that curvature (sub-pixel for automotive lenses away from the image border).
 */
import type { Box2D, Box3D, Vec3 } from '../contracts/geometry.ts';
import type { Calibration } from '../contracts/camera.ts';
import { asCameraModel, type CameraModel, projectPoint } from './camera.ts';
import { applyPose, type Pose } from './quat.ts';

/**
 * The 8 corners in the box's frame. Order: bottom face (z − h/2) front-left, front-right, back-right, back-left,
 * then the top face in the same order; "front" is +length/2 along the heading, "left" is +width/2.
 */
export function box3DCorners(box: Box3D): Vec3[] {
  const [l, w, h] = box.size;
  const c = Math.cos(box.yaw);
  const s = Math.sin(box.yaw);
  const local: [number, number][] = [
    [l / 2, w / 2],
    [l / 2, -w / 2],
    [-l / 2, -w / 2],
    [-l / 2, w / 2],
  ];
  const out: Vec3[] = [];
  for (const dz of [-h / 2, h / 2]) {
    for (const [x, y] of local) {
      out.push([box.center[0] + c * x - s * y, box.center[1] + s * x + c * y, box.center[2] + dz]);
    }
  }
  return out;
}

/** The 12 edges as corner index pairs (see box3DCorners for the order). */
const BOX_EDGES: readonly [number, number][] = [
  [0, 1],
  [1, 2],
  [2, 3],
  [3, 0],
  [4, 5],
  [5, 6],
  [6, 7],
  [7, 4],
  [0, 4],
  [1, 5],
  [2, 6],
  [3, 7],
];

export interface ProjectBoxOptions {
  /** Near plane depth in metres (default 0.1). */
  nearM?: number;
  /** 'clip' (default): clip edges at the near plane; 'drop': keep only corners in front (nuScenes converter). */
  behind?: 'clip' | 'drop';
  /** Clip to the image rectangle [0, width] × [0, height] (default true). */
  clipToImage?: boolean;
}

/**
 * 2D box of a 3D box seen by a camera (a model or a calibration). `cameraFromBox` maps the box's frame into the camera optical frame.
 * Returns null when nothing of the box is in front of the camera or inside the image.
 * Example: `projectBox3D(model, invertPose(egoFromCam), boxInEgo)`.
 */
export function projectBox3D(
  camera: CameraModel | Calibration,
  cameraFromBox: Pose,
  box: Box3D,
  opts: ProjectBoxOptions = {},
): Box2D | null {
  const model = asCameraModel(camera);
  const near = opts.nearM ?? 0.1;
  const cam = box3DCorners(box).map((p) => applyPose(cameraFromBox, p));
  const pts: [number, number][] = [];
  const push = (p: Vec3) => {
    const uv = projectPoint(model, p, 0);
    if (uv) pts.push(uv);
  };
  if (opts.behind === 'drop') {
    for (const p of cam) if (p[2] > 0) push(p);
  } else {
    for (const p of cam) if (p[2] >= near) push(p);
    for (const [i, j] of BOX_EDGES) {
      const a = cam[i]!;
      const b = cam[j]!;
      if (a[2] >= near !== b[2] >= near) {
        const t = (near - a[2]) / (b[2] - a[2]);
        push([a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1]), near]);
      }
    }
  }
  if (pts.length === 0) return null;
  let poly = convexHull(pts);
  if (opts.clipToImage !== false) poly = clipPolygonToRect(poly, 0, 0, model.width, model.height);
  if (poly.length === 0) return null;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const [x, y] of poly) {
    if (x < x1) x1 = x;
    if (y < y1) y1 = y;
    if (x > x2) x2 = x;
    if (y > y2) y2 = y;
  }
  return { x1, y1, x2, y2 };
}

/** Convex hull (Andrew's monotone chain), counter-clockwise in a y-up sense; collinear points dropped. */
export function convexHull(points: readonly [number, number][]): [number, number][] {
  const p = [...points].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (p.length <= 2) return p;
  const cross = (o: [number, number], a: [number, number], b: [number, number]) =>
    (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]);
  const lower: [number, number][] = [];
  for (const q of p) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, q) <= 0)
      lower.pop();
    lower.push(q);
  }
  const upper: [number, number][] = [];
  for (let i = p.length - 1; i >= 0; i--) {
    const q = p[i]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, q) <= 0)
      upper.pop();
    upper.push(q);
  }
  lower.pop();
  upper.pop();
  return lower.concat(upper);
}

/** Sutherland–Hodgman clip of a convex polygon (or a point / segment) to an axis-aligned rectangle. */
export function clipPolygonToRect(
  poly: readonly [number, number][],
  xMin: number,
  yMin: number,
  xMax: number,
  yMax: number,
): [number, number][] {
  if (poly.length <= 2) {
    // Degenerate hull (a point or a segment): clip as a segment (Liang–Barsky).
    if (poly.length === 1) {
      const [x, y] = poly[0]!;
      return x >= xMin && x <= xMax && y >= yMin && y <= yMax ? [[x, y]] : [];
    }
    if (poly.length === 0) return [];
    return clipSegment(poly[0]!, poly[1]!, xMin, yMin, xMax, yMax);
  }
  type P = [number, number];
  const planes: [(p: P) => number][] = [
    [(p) => p[0] - xMin],
    [(p) => xMax - p[0]],
    [(p) => p[1] - yMin],
    [(p) => yMax - p[1]],
  ];
  let out: P[] = poly.map((p) => [p[0], p[1]]);
  for (const [dist] of planes) {
    const input = out;
    out = [];
    for (let i = 0; i < input.length; i++) {
      const cur = input[i]!;
      const prev = input[(i + input.length - 1) % input.length]!;
      const dc = dist(cur);
      const dp = dist(prev);
      if (dc >= 0) {
        if (dp < 0) out.push(lerp2(prev, cur, dp / (dp - dc)));
        out.push(cur);
      } else if (dp >= 0) {
        out.push(lerp2(prev, cur, dp / (dp - dc)));
      }
    }
    if (out.length === 0) return out;
  }
  return out;
}

function lerp2(a: [number, number], b: [number, number], t: number): [number, number] {
  return [a[0] + t * (b[0] - a[0]), a[1] + t * (b[1] - a[1])];
}

function clipSegment(
  a: [number, number],
  b: [number, number],
  xMin: number,
  yMin: number,
  xMax: number,
  yMax: number,
): [number, number][] {
  let t0 = 0;
  let t1 = 1;
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const checks: [number, number][] = [
    [-dx, a[0] - xMin],
    [dx, xMax - a[0]],
    [-dy, a[1] - yMin],
    [dy, yMax - a[1]],
  ];
  for (const [p, q] of checks) {
    if (p === 0) {
      if (q < 0) return [];
    } else {
      const r = q / p;
      if (p < 0) t0 = Math.max(t0, r);
      else t1 = Math.min(t1, r);
    }
  }
  if (t0 > t1) return [];
  return [lerp2(a, b, t0), lerp2(a, b, t1)];
}
