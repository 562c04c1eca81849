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
import { asPrepared, EPS, type EvalSequence, type PreparedSequence } from './sequence.ts';

export interface ClearResult {
  MOTA: number;
  MOTP: number;
  MODA: number;
  CLR_Re: number;
  CLR_Pr: number;
  MTR: number;
  PTR: number;
  MLR: number;
  sMOTA: number;
  CLR_F1: number;
  FP_per_frame: number;
  MOTAL: number;
  MOTP_sum: number;
  CLR_TP: number;
  CLR_FN: number;
  CLR_FP: number;
  IDSW: number;
  MT: number;
  PT: number;
  ML: number;
  Frag: number;
  CLR_Frames: number;
}

export interface ClearOptions {
  /** Minimum similarity for a match (IoU 0.5 by default). */
  readonly threshold?: number;
}

/** Bonus that makes continuing last frame's matches win over any similarity gain (TrackEval: 1000). */
const CONTINUATION_BONUS = 1000;

function zero(): ClearResult {
  return {
    MOTA: 0,
    MOTP: 0,
    MODA: 0,
    CLR_Re: 0,
    CLR_Pr: 0,
    MTR: 0,
    PTR: 0,
    MLR: 0,
    sMOTA: 0,
    CLR_F1: 0,
    FP_per_frame: 0,
    MOTAL: 0,
    MOTP_sum: 0,
    CLR_TP: 0,
    CLR_FN: 0,
    CLR_FP: 0,
    IDSW: 0,
    MT: 0,
    PT: 0,
    ML: 0,
    Frag: 0,
    CLR_Frames: 0,
  };
}

/**
 * CLEAR MOT of one sequence. Example: a tracker identical to the ground truth gives MOTA = 1, MOTP = 1.
 */
export function clearMot(seq: EvalSequence<Box2D> | PreparedSequence, opts: ClearOptions = {}): ClearResult {
  const p = asPrepared(seq);
  const threshold = opts.threshold ?? 0.5;
  const res = zero();
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
        score[i * m + j] =
          s < threshold - EPS ? 0 : (prevStep[g[i]!] === k[j]! ? CONTINUATION_BONUS : 0) + s;
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
      if (prevTracker[gid] !== -1 && prevTracker[gid] !== tid) res.IDSW++;
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
  res.CLR_Frames = p.numTimesteps;
  return finalizeClear(res);
}

/** Ratios from the counts (TrackEval `_compute_final_fields`); used per sequence and after combining. */
export function finalizeClear(res: ClearResult): ClearResult {
  const nIds = res.MT + res.ML + res.PT;
  const gt = Math.max(1, res.CLR_TP + res.CLR_FN);
  res.MTR = res.MT / Math.max(1, nIds);
  res.MLR = res.ML / Math.max(1, nIds);
  res.PTR = res.PT / Math.max(1, nIds);
  res.CLR_Re = res.CLR_TP / gt;
  res.CLR_Pr = res.CLR_TP / Math.max(1, res.CLR_TP + res.CLR_FP);
  res.MODA = (res.CLR_TP - res.CLR_FP) / gt;
  res.MOTA = (res.CLR_TP - res.CLR_FP - res.IDSW) / gt;
  res.MOTP = res.MOTP_sum / Math.max(1, res.CLR_TP);
  res.sMOTA = (res.MOTP_sum - res.CLR_FP - res.IDSW) / gt;
  res.CLR_F1 = res.CLR_TP / Math.max(1, res.CLR_TP + 0.5 * res.CLR_FN + 0.5 * res.CLR_FP);
  res.FP_per_frame = res.CLR_FP / Math.max(1, res.CLR_Frames);
  const safeLogIdsw = res.IDSW > 0 ? Math.log10(res.IDSW) : res.IDSW;
  res.MOTAL = (res.CLR_TP - res.CLR_FP - safeLogIdsw) / gt;
  return res;
}

const SUMMED: readonly (keyof ClearResult)[] = [
  'CLR_TP',
  'CLR_FN',
  'CLR_FP',
  'IDSW',
  'MT',
  'PT',
  'ML',
  'Frag',
  'CLR_Frames',
  'MOTP_sum',
];

/** Combine sequences (or cameras, or classes weighted by detections): sum the counts, recompute ratios. */
export function combineClear(all: readonly ClearResult[]): ClearResult {
  const res = zero();
  for (const r of all) for (const f of SUMMED) res[f] += r[f];
  return finalizeClear(res);
}
