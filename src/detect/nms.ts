/**
 * Class-aware greedy non-maximum suppression (pure). Boxes are (x1, y1, x2, y2) in any one pixel frame.
 *
 * Order is total and content-based — score descending, then class, then coordinates — so the result does not
 * depend on the order of the input (what batching or threading might change), only on its contents.
 */
import { iou } from '../geometry/box2d.ts';

export interface Candidate {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  /** The model's class index. */
  classIndex: number;
}

/**
 * Intersection over union of two boxes; 0 when they do not overlap or the union has no area. Geometry's `iou`
 * with its default `offsetPx = 0` (continuous boxes), re-exported for the detect barrel.
 */
export { iou };

/** Total order: higher score first; ties by class, then coordinates. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  return (
    b.score - a.score ||
    a.classIndex - b.classIndex ||
    a.x1 - b.x1 ||
    a.y1 - b.y1 ||
    a.x2 - b.x2 ||
    a.y2 - b.y2
  );
}

export interface NmsOptions {
  scoreThreshold: number;
  iouThreshold: number;
  maxDetections: number;
  /** Boxes of any classes suppress each other. */
  classAgnostic?: boolean;
  /**
   * The class each model class index is suppressed as (default: itself): the Viper class it maps to, so that a
   * COCO car and truck box on one vehicle, both mapped to car, do not come out as two cars.
   */
  groupOf?: readonly number[];
}

/**
 * Keep the best-scoring box of each cluster of same-class boxes (of any class with `classAgnostic`) overlapping by
 * more than `iouThreshold`. Candidates below `scoreThreshold` are dropped first; at most `maxDetections` are
 * returned, best first.
 * @example nms([a, b], { scoreThreshold: 0.3, iouThreshold: 0.45, maxDetections: 100 })
 */
export function nms(candidates: readonly Candidate[], opts: NmsOptions): Candidate[] {
  const group = (i: number) => opts.groupOf?.[i] ?? i;
  const sorted = candidates.filter((c) => c.score >= opts.scoreThreshold).sort(compareCandidates);
  const kept: Candidate[] = [];
  // Greedy per class (or over all classes); one pass over the boxes kept so far.
  for (const c of sorted) {
    if (kept.length >= opts.maxDetections) break;
    let suppressed = false;
    for (const k of kept) {
      if (
        (opts.classAgnostic || group(k.classIndex) === group(c.classIndex)) &&
        iou(k, c) > opts.iouThreshold
      ) {
        suppressed = true;
        break;
      }
    }
    if (!suppressed) kept.push(c);
  }
  return kept;
}
