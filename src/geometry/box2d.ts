/**
 * Axis-aligned 2D boxes (x1, y1, x2, y2 in pixels), IoU and GIoU (Rezatofighi et al., CVPR 2019).
 *
 * `offsetPx` is the legacy "+1 pixel" convention of cython_bbox's `bbox_overlaps` (width = x2 - x1 + 1), which
 * ByteTrack's matching.py uses; 0 gives continuous geometry.
 */
import type { Box2D } from '../contracts/geometry.ts';

function boxArea(b: Box2D): number {
  return Math.max(0, b.x2 - b.x1) * Math.max(0, b.y2 - b.y1);
}

/** Intersection over union, in [0, 1]; 0 for disjoint or degenerate boxes. */
export function iou(a: Box2D, b: Box2D, offsetPx = 0): number {
  const iw = Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1) + offsetPx;
  if (iw <= 0) return 0;
  const ih = Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1) + offsetPx;
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const ua =
    (a.x2 - a.x1 + offsetPx) * (a.y2 - a.y1 + offsetPx) +
    (b.x2 - b.x1 + offsetPx) * (b.y2 - b.y1 + offsetPx) -
    inter;
  return ua > 0 ? inter / ua : 0;
}

/** Generalized IoU, in [-1, 1]: IoU − |C \ (A ∪ B)| / |C| with C the smallest enclosing box. */
export function giou(a: Box2D, b: Box2D): number {
  const iw = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const ih = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = iw * ih;
  const union = boxArea(a) + boxArea(b) - inter;
  const c = (Math.max(a.x2, b.x2) - Math.min(a.x1, b.x1)) * (Math.max(a.y2, b.y2) - Math.min(a.y1, b.y1));
  if (c <= 0) return 0;
  const i = union > 0 ? inter / union : 0;
  return i - (c - union) / c;
}

/** Row-major |a|×|b| IoU matrix. */
export function iouMatrix(a: readonly Box2D[], b: readonly Box2D[], offsetPx = 0): Float64Array {
  const out = new Float64Array(a.length * b.length);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    for (let j = 0; j < b.length; j++) out[i * b.length + j] = iou(ai, b[j]!, offsetPx);
  }
  return out;
}

/** (x1, y1, x2, y2) → (centre x, centre y, aspect w/h, height), ByteTrack's `tlwh_to_xyah` measurement. */
export function boxToXyah(b: Box2D): [number, number, number, number] {
  const w = b.x2 - b.x1;
  const h = b.y2 - b.y1;
  return [b.x1 + w / 2, b.y1 + h / 2, w / h, h];
}

/** Inverse of boxToXyah (ByteTrack's `tlwh` property: w = a·h, top-left = centre − size/2). */
export function xyahToBox(cx: number, cy: number, a: number, h: number): Box2D {
  const w = a * h;
  const x1 = cx - w / 2;
  const y1 = cy - h / 2;
  return { x1, y1, x2: x1 + w, y2: y1 + h };
}
