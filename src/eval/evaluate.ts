/**
 * One call for all tracking metrics of a sequence, and the per-camera / per-class / overall breakdown.
 * Cameras are separate sequences (ids are per camera); "overall" combines them the way TrackEval combines
 * sequences (counts summed, association scores weighted by TP), and per class filters rows by class first.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { averageClasses } from './classAverage.ts';
import { type ClearOptions, type ClearResult, clearMot, combineClear } from './clear.ts';
import { combineHota, type HotaResult, hota } from './hota.ts';
import { combineIdentity, type IdentityResult, identity } from './identity.ts';
import { applyDontCare } from './dontCare.ts';
import { distinct, type SequenceOptions, sequenceFromRows, type TrackRow } from './rows.ts';
import {
  type CountResult,
  combineCounts,
  count,
  type EvalSequence,
  type PreparedSequence,
  prepareSequence,
  type SimilarityFn,
} from './sequence.ts';

export interface SequenceMetrics {
  CLEAR: ClearResult;
  Identity: IdentityResult;
  HOTA: HotaResult;
  Count: CountResult;
}

export interface EvaluateOptions<B = Box2D> extends ClearOptions {
  /** Similarity of boxes; IoU on `Box2D` by default. */
  readonly similarity?: SimilarityFn<B>;
}

/** CLEAR, Identity, HOTA and Count of one sequence, sharing one preparation. */
export function evaluateSequence<B = Box2D>(
  seq: EvalSequence<B> | PreparedSequence,
  opts: EvaluateOptions<B> = {},
): SequenceMetrics {
  const p = 'numTimesteps' in seq ? seq : prepareSequence(seq, opts.similarity);
  const threshold = opts.threshold ?? 0.5;
  return {
    CLEAR: clearMot(p, { threshold, convention: opts.convention ?? 'trackeval' }),
    Identity: identity(p, { threshold }),
    HOTA: hota(p),
    Count: count(p),
  };
}

/** Combine per-sequence (or per-camera) results into one. */
export function combineSequences(all: readonly SequenceMetrics[]): SequenceMetrics {
  return {
    CLEAR: combineClear(all.map((r) => r.CLEAR)),
    Identity: combineIdentity(all.map((r) => r.Identity)),
    HOTA: combineHota(all.map((r) => r.HOTA)),
    Count: combineCounts(all.map((r) => r.Count)),
  };
}

export interface Breakdown {
  /** All classes together: counts summed over cameras (TrackEval's combined sequences / detection average). */
  overall: SequenceMetrics;
  /** Mean of the per-class scores (TrackEval's class average); equals `overall` with a single class. */
  classAveraged: SequenceMetrics;
  perCamera: Record<string, SequenceMetrics>;
  perClass: Record<string, SequenceMetrics>;
}

export interface RowsOptions extends EvaluateOptions, SequenceOptions {
  /**
   * Size range of the evaluation: ground truth shorter than this (px) is don't-care and unmatched tracker
   * rows shorter than it are dropped (see `applyDontCare`). Default 0: every row counts.
   */
  readonly minHeightPx?: number;
}

/**
 * Metrics overall, per camera and per class from flat rows. Rows without `camera` form one camera named
 * `''`; rows without `cls` count only towards the overall and per-camera figures. Don't-care ground truth
 * (`ignore`, or shorter than `minHeightPx`) is removed with the tracker rows it absorbs in each evaluated
 * sequence (each camera, and each camera × class), as TrackEval preprocesses each sequence and class.
 */
export function evaluateRows(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  opts: RowsOptions = {},
): Breakdown {
  const cameras = camerasOf(gt, tr);
  const classes = distinct([...gt, ...tr], 'cls');
  const one = (g: readonly TrackRow[], t: readonly TrackRow[]) =>
    evaluateSequence(scoredSequence(g, t, opts).seq, opts);
  const perCamera: Record<string, SequenceMetrics> = {};
  for (const cam of cameras) perCamera[cam] = one(byCamera(gt, cam), byCamera(tr, cam));
  const perClass: Record<string, SequenceMetrics> = {};
  for (const cls of classes) {
    const parts = cameras.map((cam) =>
      one(
        byCamera(gt, cam).filter((r) => r.cls === cls),
        byCamera(tr, cam).filter((r) => r.cls === cls),
      ),
    );
    perClass[cls] = combineSequences(parts);
  }
  return {
    overall: combineSequences(Object.values(perCamera)),
    classAveraged: averageClasses(Object.values(perClass)),
    perCamera,
    perClass,
  };
}

/** The cameras of either input, sorted (rows without one form camera `''`). */
export function camerasOf(gt: readonly TrackRow[], tr: readonly TrackRow[]): string[] {
  return [...new Set([...gt, ...tr].map((r) => r.camera ?? ''))].sort();
}

export function byCamera(rows: readonly TrackRow[], camera: string): TrackRow[] {
  return rows.filter((r) => (r.camera ?? '') === camera);
}

/**
 * One camera's (or camera × class's) rows as the metrics score them: don't-care ground truth and the tracker
 * rows it absorbs removed, then a prepared sequence (with the caller's similarity), and the rows kept.
 */
export function scoredSequence(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  opts: RowsOptions,
): { seq: PreparedSequence; frames: ReturnType<typeof sequenceFromRows>; gt: TrackRow[] } {
  const p = applyDontCare(gt, tr, { threshold: opts.threshold ?? 0.5, minHeightPx: opts.minHeightPx ?? 0 });
  const frames = sequenceFromRows(p.gt, p.tr, opts);
  return { seq: prepareSequence(frames, opts.similarity), frames, gt: p.gt };
}
