/**
 * CLEAR MOT metrics (Bernardin & Stiefelhagen, "Evaluating Multiple Object Tracking Performance: The CLEAR MOT
 * Metrics", EURASIP JIVP 2008) with MT/PT/ML and Frag (Li, Huang & Nevatia, CVPR 2009), computed exactly as
 * TrackEval's `metrics/clear.py` does, field names included:
 * - per frame, pairs with similarity ≥ threshold are matchable; a pair that was matched in the previous frame
 *   scores +1000 so continuing tracks win, then Hungarian maximizes total similarity;
 * - IDSW: a matched gt whose tracker id differs from the one it last matched (any number of frames ago);
 * - MT / PT / ML: tracked ratio > 0.8 / ≥ 0.2 / the rest; Frag: times a gt's tracking resumed after an
 *   interruption; MOTP: mean similarity of matches (TrackEval's convention; py-motmetrics reports 1 − MOTP).
 */
import { linearSumAssignment } from './assignment.ts';
import type { Box2D } from '../contracts/geometry.ts';
import { type ClearResult, emptyClear, finalizeClear } from './clearResult.ts';
import { clearMotmetrics } from './clearMotmetrics.ts';
import { asPrepared, EPS, type EvalSequence, type PreparedSequence } from './sequence.ts';

export interface ClearOptions {
  /** Minimum similarity for a match (IoU 0.5 by default). */
  readonly threshold?: number;
  /**
   * Frame-to-frame matching and MT/Frag conventions: TrackEval's (default) or py-motmetrics' (see
   * clearMotmetrics.ts). Both give the same TUD-Campus figures; they can differ on other sequences.
   */
  readonly convention?: 'trackeval' | 'motmetrics';
  /** Called for every match: frame index, row of the gt and of the tracker entry in that frame, and
   * whether it counted as an identity switch. */
  readonly onMatch?: (t: number, gtIndex: number, trIndex: number, idsw: boolean) => void;
}

/** Bonus that makes continuing last frame's matches win over any similarity gain (TrackEval: 1000). */
const CONTINUATION_BONUS = 1000;

/**
 * CLEAR MOT of one sequence. Example: a tracker identical to the ground truth gives MOTA = 1, MOTP = 1.
 */
export function clearMot(seq: EvalSequence<Box2D> | PreparedSequence, opts: ClearOptions = {}): ClearResult {
  const p = asPrepared(seq);
  const threshold = opts.threshold ?? 0.5;
  if (opts.convention === 'motmetrics') return clearMotmetrics(p, threshold, opts.onMatch);
  const res = emptyClear();
  // Empty sides return early without final fields, as the reference does (MOTA stays 0).
  if (p.numTrDets === 0) {
    res.CLR_FN = p.numGtDets;
    res.ML = p.numGtIds;
    res.MLR = 1;
    return res;
  }
  if (p.numGtDets === 0) {
    res.CLR_FP = p.numTrDets;
    res.MLR = 1;
    return res;
  }
  const nG = p.numGtIds;
  const gtIdCount = new Float64Array(nG);
  const gtMatchedCount = new Float64Array(nG);
  const gtFragCount = new Float64Array(nG);
  // −1 = none. prevTracker: last tracker matched to each gt, ever (for IDSW);
  // prevStep: matched in the previous evaluated frame only (for the continuation bonus and Frag).
  const prevTracker = new Int32Array(nG).fill(-1);
  let prevStep = new Int32Array(nG).fill(-1);

  for (let t = 0; t < p.numTimesteps; t++) {
    const g = p.gtIds[t]!;
    const k = p.trIds[t]!;
    if (g.length === 0) {
      res.CLR_FP += k.length;
      continue;
    }
    if (k.length === 0) {
      res.CLR_FN += g.length;
      for (const id of g) gtIdCount[id]! += 1;
      continue;
    }
    const sim = p.similarity[t]!;
    const m = k.length;
    const score = new Float64Array(g.length * m);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < m; j++) {
        const s = sim[i * m + j]!;
        score[i * m + j] = s < threshold - EPS ? 0 : (prevStep[g[i]!] === k[j]! ? CONTINUATION_BONUS : 0) + s;
      }
    }
    const a = linearSumAssignment({ rows: g.length, cols: m, data: score }, true);
    const nextStep = new Int32Array(nG).fill(-1);
    let matches = 0;
    for (let q = 0; q < a.rows.length; q++) {
      const i = a.rows[q]!;
      const j = a.cols[q]!;
      if (!(score[i * m + j]! > EPS)) continue;
      const gid = g[i]!;
      const tid = k[j]!;
      matches++;
      const idsw = prevTracker[gid] !== -1 && prevTracker[gid] !== tid;
      if (idsw) res.IDSW++;
      opts.onMatch?.(t, i, j, idsw);
      prevTracker[gid] = tid;
      nextStep[gid] = tid;
      gtMatchedCount[gid]! += 1;
      res.MOTP_sum += sim[i * m + j]!;
    }
    for (const id of g) gtIdCount[id]! += 1;
    for (let id = 0; id < nG; id++) {
      if (prevStep[id] === -1 && nextStep[id] !== -1) gtFragCount[id]! += 1;
    }
    prevStep = nextStep;
    res.CLR_TP += matches;
    res.CLR_FN += g.length - matches;
    res.CLR_FP += m - matches;
  }

  for (let id = 0; id < nG; id++) {
    if (gtIdCount[id]! > 0) {
      const ratio = gtMatchedCount[id]! / gtIdCount[id]!;
      if (ratio > 0.8) res.MT++;
      else if (ratio >= 0.2) res.PT++;
    }
    if (gtFragCount[id]! > 0) res.Frag += gtFragCount[id]! - 1;
  }
  res.ML = nG - res.MT - res.PT;
  res.CLR_Frames = p.frameCount ?? p.numTimesteps;
  return finalizeClear(res);
}

export { type ClearResult, combineClear, finalizeClear } from './clearResult.ts';
