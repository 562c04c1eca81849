/**
 * Flat per-object rows (what files and recordings give) and their conversion into an {@link EvalSequence}.
 * Per-camera and per-class evaluation is filtering rows before building the sequence.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { InputError } from '../contracts/errors.ts';
import type { EvalFrame, EvalSequence, Id } from './sequence.ts';

/** One object in one frame: a ground-truth actor or a tracker output. */
export interface TrackRow {
  /** Frame number (MOTChallenge 1-based, KITTI 0-based; any integers). */
  frame: number;
  id: Id;
  box: Box2D;
  cls?: string;
  camera?: string;
  /** Tracker confidence in [0, 1] (unused for ground truth). */
  score?: number;
  /**
   * Ground truth only: don't-care (neither TP nor FN; tracker rows matched to it are removed before scoring,
   * see `applyDontCare`). Honoured by `evaluateRows`.
   */
  ignore?: boolean;
}

/** `xs` grouped by `key`, groups in first-seen order, each keeping the input order. */
export function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

export interface SequenceOptions {
  /** First and last frame numbers (inclusive); default: the range spanned by both inputs. */
  readonly firstFrame?: number;
  readonly lastFrame?: number;
}

/**
 * Build a sequence with one frame per frame number in range that holds a row, keeping rows in input order within
 * a frame (the references keep file order, which decides ties in the assignment). A frame with neither ground
 * truth nor tracker rows changes no metric, so it is left out (`frameCount` still counts it, for CLR_Frames):
 * a MOTChallenge file whose frame numbers jump to 10⁸ costs what its rows cost.
 */
export function sequenceFromRows(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  opts: SequenceOptions = {},
): EvalSequence<Box2D> & { readonly firstFrame: number; readonly frameNumbers: readonly number[] } {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of gt) {
    lo = Math.min(lo, r.frame);
    hi = Math.max(hi, r.frame);
  }
  for (const r of tr) {
    lo = Math.min(lo, r.frame);
    hi = Math.max(hi, r.frame);
  }
  const first = opts.firstFrame ?? (Number.isFinite(lo) ? lo : 0);
  const last = opts.lastFrame ?? (Number.isFinite(hi) ? hi : first - 1);
  if (!Number.isInteger(first) || !Number.isInteger(last)) {
    throw new InputError({ what: `frame range ${first}..${last} is not integral`, where: 'rows' });
  }
  const byNumber = new Map<number, { gtIds: Id[]; trIds: Id[]; gtBoxes: Box2D[]; trBoxes: Box2D[] }>();
  const put = (rows: readonly TrackRow[], side: 'gt' | 'tr') => {
    for (const r of rows) {
      if (!(r.frame >= first && r.frame <= last) || !Number.isInteger(r.frame)) {
        throw new InputError({
          what: `${side === 'gt' ? 'ground-truth' : 'tracker'} row in frame ${r.frame}`,
          where: `frames ${first}..${last}`,
          hint: 'the frame is outside the evaluated range',
        });
      }
      let f = byNumber.get(r.frame);
      if (!f) {
        f = { gtIds: [], trIds: [], gtBoxes: [], trBoxes: [] };
        byNumber.set(r.frame, f);
      }
      if (side === 'gt') {
        f.gtIds.push(r.id);
        f.gtBoxes.push(r.box);
      } else {
        f.trIds.push(r.id);
        f.trBoxes.push(r.box);
      }
    }
  };
  put(gt, 'gt');
  put(tr, 'tr');
  const frameNumbers = [...byNumber.keys()].sort((a, b) => a - b);
  return {
    frames: frameNumbers.map((n) => byNumber.get(n)!) as EvalFrame<Box2D>[],
    firstFrame: first,
    frameNumbers,
    frameCount: Math.max(0, last - first + 1),
  };
}
