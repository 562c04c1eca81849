/**
 * Don't-care ground truth, removed before scoring the way TrackEval's preprocessing removes MOTChallenge
 * distractors and KITTI's DontCare / occluded boxes (`get_preprocessed_seq_data`):
 * 1. per camera and frame, tracker boxes are matched to *all* ground truth, care and don't-care alike
 *    (Hungarian on IoU, pairs with IoU ≥ `threshold`);
 * 2. tracker boxes matched to don't-care ground truth are removed (neither TP nor FP);
 * 3. with `minHeightPx`, unmatched tracker boxes shorter than it are removed too (TrackEval's KITTI rule for
 *    tracker boxes under its minimum height; COCO's area range treats unmatched detections the same way);
 * 4. the don't-care ground truth is removed (neither TP nor FN).
 *
 * Ground truth is don't-care when its row says so (`ignore: true`) or, with `minHeightPx`, when its box is
 * shorter than that: below the size range the evaluation covers (KITTI's object benchmark likewise ignores
 * boxes under its difficulty's minimum height, 25 px at 375 px image height for "moderate").
 */
import { linearSumAssignment } from './assignment.ts';
import { groupBy, type TrackRow } from './rows.ts';
import { EPS, trackEvalIouMatrix } from './sequence.ts';
import type { Box2D } from '../contracts/geometry.ts';

export interface DontCareOptions {
  /** IoU a tracker box needs with a don't-care ground-truth box to be removed (default 0.5). */
  readonly threshold?: number;
  /** Boxes shorter than this (px) are outside the evaluated size range (default 0: no size rule). */
  readonly minHeightPx?: number;
}

const height = (b: Box2D) => b.y2 - b.y1;

/** Whether a ground-truth box is don't-care under the size rule or its own flag. */
export function isDontCare(row: { box: Box2D; ignore?: boolean }, minHeightPx = 0): boolean {
  return row.ignore === true || height(row.box) < minHeightPx;
}

/**
 * One frame of one camera: which tracker boxes to keep. `gtDontCare[i]` marks don't-care ground truth.
 * Returns per tracker box whether it is kept, and the index of the ground truth it was matched to in step 1
 * (`null` when unmatched).
 */
export function dontCareFrame(
  gtBoxes: readonly Box2D[],
  gtDontCare: readonly boolean[],
  trBoxes: readonly Box2D[],
  opts: DontCareOptions = {},
): { keep: boolean[]; matchedGt: (number | null)[] } {
  const thr = opts.threshold ?? 0.5;
  const minH = opts.minHeightPx ?? 0;
  const sim =
    gtBoxes.length > 0 && trBoxes.length > 0 ? trackEvalIouMatrix(gtBoxes, trBoxes) : new Float64Array(0);
  const { keep, matchedGt } = dontCareMatch(sim, gtDontCare, trBoxes.length, thr);
  for (let j = 0; j < trBoxes.length; j++) {
    if (matchedGt[j] === null && height(trBoxes[j]!) < minH) keep[j] = false;
  }
  return { keep, matchedGt };
}

/**
 * Steps 1–2 on any similarity: `sim` is gt × tracker (row-major), pairs below `threshold` never match. Returns
 * per tracker item whether it is kept and the ground truth it matched (`null` when unmatched).
 */
export function dontCareMatch(
  sim: Float64Array,
  gtDontCare: readonly boolean[],
  trackers: number,
  threshold: number,
): { keep: boolean[]; matchedGt: (number | null)[] } {
  const keep: boolean[] = new Array(trackers).fill(true);
  const matchedGt: (number | null)[] = new Array(trackers).fill(null);
  const rows = gtDontCare.length;
  if (rows === 0 || trackers === 0) return { keep, matchedGt };
  const s = Float64Array.from(sim, (v) => (v < threshold - EPS ? 0 : v));
  const a = linearSumAssignment({ rows, cols: trackers, data: s }, true);
  for (let q = 0; q < a.rows.length; q++) {
    const i = a.rows[q]!;
    const j = a.cols[q]!;
    if (!(s[i * trackers + j]! > EPS)) continue;
    matchedGt[j] = i;
    if (gtDontCare[i]) keep[j] = false;
  }
  return { keep, matchedGt };
}

/**
 * One camera frame's rows ready to score: don't-care ground truth and the tracker rows it absorbs removed (steps
 * 1–4), order kept. Without don't-care ground truth in the frame and without `minHeightPx` nothing is removed.
 */
export function dontCareRows<G extends { box: Box2D; ignore?: boolean }, T extends { box: Box2D }>(
  gt: readonly G[],
  tr: readonly T[],
  opts: DontCareOptions = {},
): { gt: G[]; tr: T[] } {
  const minH = opts.minHeightPx ?? 0;
  const dc = gt.map((r) => isDontCare(r, minH));
  if (minH <= 0 && !dc.includes(true)) return { gt: [...gt], tr: [...tr] };
  const { keep } = dontCareFrame(
    gt.map((r) => r.box),
    dc,
    tr.map((r) => r.box),
    opts,
  );
  return { gt: gt.filter((_, i) => !dc[i]), tr: tr.filter((_, j) => keep[j]) };
}

/**
 * Rows ready to score: don't-care ground truth and the tracker rows it absorbs removed (see the module doc),
 * frame by frame (`dontCareRows` of each camera and frame). Row order is kept.
 */
export function applyDontCare(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  opts: DontCareOptions = {},
): { gt: TrackRow[]; tr: TrackRow[]; removedGt: number; removedTracker: number } {
  const key = (r: TrackRow) => `${r.camera ?? ''}\u0000${r.frame}`;
  const gtBy = groupBy(gt, key);
  const trBy = groupBy(tr, key);
  const kept = new Set<TrackRow>();
  for (const k of new Set([...gtBy.keys(), ...trBy.keys()])) {
    const p = dontCareRows(gtBy.get(k) ?? [], trBy.get(k) ?? [], opts);
    for (const r of [...p.gt, ...p.tr]) kept.add(r);
  }
  const gtKept = gt.filter((r) => kept.has(r));
  const trKept = tr.filter((r) => kept.has(r));
  return {
    gt: gtKept,
    tr: trKept,
    removedGt: gt.length - gtKept.length,
    removedTracker: tr.length - trKept.length,
  };
}
