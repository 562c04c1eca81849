/**
 * CLEAR MOT metrics (Bernardin & Stiefelhagen, "Evaluating Multiple Object Tracking Performance: The CLEAR MOT
 * Metrics", EURASIP JIVP 2008) with MT/PT/ML and Frag (Li, Huang & Nevatia, CVPR 2009), computed exactly as
 * TrackEval's `metrics/clear.py` does, field names included:
 * - per frame, pairs with similarity ≥ threshold are matchable; a pair that was matched in the previous frame
 *   scores +1000 so continuing tracks win, then Hungarian maximizes total similarity;
 * - IDSW: a matched gt whose tracker id differs from the one it last matched (any number of frames ago);
 * - MT / PT / ML: tracked ratio > 0.8 / ≥ 0.2 / the rest; Frag: times a gt's tracking resumed after an
 *   interruption; MOTP: mean similarity of matches (TrackEval's convention; py-motmetrics reports 1 − MOTP).
 * Frame by frame ({@link ClearAccumulator}): the state carried is per ground-truth id, not per frame.
 */
import { linearSumAssignment } from './assignment.ts';
import type { Box2D } from '../contracts/geometry.ts';
import { type ClearResult, emptyClear, finalizeClear } from './clearResult.ts';
import { ClearMotmetricsAccumulator } from './clearMotmetrics.ts';
import {
  asPrepared,
  EPS,
  type EvalSequence,
  type FrameAccumulator,
  type PreparedSequence,
  type SequenceTotals,
  totalsOf,
} from './sequence.ts';

export interface ClearOptions {
  /** Minimum similarity for a match (IoU 0.5 by default). */
  readonly threshold?: number;
  /**
   * Frame-to-frame matching and MT/Frag conventions: TrackEval's (default) or py-motmetrics' (see
   * clearMotmetrics.ts). Both give the same TUD-Campus figures; they can differ on other sequences.
   */
  readonly convention?: 'trackeval' | 'motmetrics';
  /** Called for every match: frame index (frames fed so far, from 0), row of the gt and of the tracker entry in
   * that frame, and whether it counted as an identity switch. */
  readonly onMatch?: (t: number, gtIndex: number, trIndex: number, idsw: boolean) => void;
}

/** Bonus that makes continuing last frame's matches win over any similarity gain (TrackEval: 1000). */
const CONTINUATION_BONUS = 1000;

/** CLEAR MOT of either convention, frame by frame. */
export function clearAccumulator(opts: ClearOptions = {}): FrameAccumulator<ClearResult> {
  const threshold = opts.threshold ?? 0.5;
  return opts.convention === 'motmetrics'
    ? new ClearMotmetricsAccumulator(threshold, opts.onMatch)
    : new ClearAccumulator(threshold, opts.onMatch);
}

/**
 * TrackEval's CLEAR, one frame at a time (frames in order; ids numbered from 0 in order of appearance). Per gt
 * id: frames present and matched, resumptions, the tracker it last matched; and last frame's matches.
 */
class ClearAccumulator implements FrameAccumulator<ClearResult> {
  readonly #res = emptyClear();
  readonly #gtIdCount: number[] = [];
  readonly #gtMatchedCount: number[] = [];
  readonly #gtFragCount: number[] = [];
  /** Last tracker matched to each gt, ever (for IDSW); −1 = none. */
  readonly #prevTracker: number[] = [];
  /** Matched in the previous evaluated frame only (for the continuation bonus and Frag): gt → tracker. */
  #prevStep = new Map<number, number>();
  #t = 0;

  constructor(
    readonly threshold: number,
    readonly onMatch?: (t: number, gtIndex: number, trIndex: number, idsw: boolean) => void,
  ) {}

  add(g: Int32Array, k: Int32Array, sim: Float64Array): void {
    const t = this.#t++;
    const res = this.#res;
    for (const id of g) {
      while (this.#gtIdCount.length <= id) {
        this.#gtIdCount.push(0);
        this.#gtMatchedCount.push(0);
        this.#gtFragCount.push(0);
        this.#prevTracker.push(-1);
      }
    }
    if (g.length === 0) {
      res.CLR_FP += k.length;
      return;
    }
    if (k.length === 0) {
      res.CLR_FN += g.length;
      for (const id of g) this.#gtIdCount[id]! += 1;
      return;
    }
    const m = k.length;
    const prevStep = this.#prevStep;
    const score = new Float64Array(g.length * m);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < m; j++) {
        const s = sim[i * m + j]!;
        score[i * m + j] =
          s < this.threshold - EPS ? 0 : (prevStep.get(g[i]!) === k[j]! ? CONTINUATION_BONUS : 0) + s;
      }
    }
    const a = linearSumAssignment({ rows: g.length, cols: m, data: score }, true);
    const nextStep = new Map<number, number>();
    let matches = 0;
    for (let q = 0; q < a.rows.length; q++) {
      const i = a.rows[q]!;
      const j = a.cols[q]!;
      if (!(score[i * m + j]! > EPS)) continue;
      const gid = g[i]!;
      const tid = k[j]!;
      matches++;
      const prev = this.#prevTracker[gid]!;
      const idsw = prev !== -1 && prev !== tid;
      if (idsw) res.IDSW++;
      this.onMatch?.(t, i, j, idsw);
      this.#prevTracker[gid] = tid;
      nextStep.set(gid, tid);
      this.#gtMatchedCount[gid]! += 1;
      res.MOTP_sum += sim[i * m + j]!;
    }
    for (const id of g) this.#gtIdCount[id]! += 1;
    for (const id of nextStep.keys()) if (!prevStep.has(id)) this.#gtFragCount[id]! += 1;
    this.#prevStep = nextStep;
    res.CLR_TP += matches;
    res.CLR_FN += g.length - matches;
    res.CLR_FP += m - matches;
  }

  result(n: SequenceTotals): ClearResult {
    // Empty sides return early without final fields, as the reference does (MOTA stays 0).
    if (n.numTrDets === 0) {
      const res = emptyClear();
      res.CLR_FN = n.numGtDets;
      res.ML = n.numGtIds;
      res.MLR = 1;
      return res;
    }
    if (n.numGtDets === 0) {
      const res = emptyClear();
      res.CLR_FP = n.numTrDets;
      res.MLR = 1;
      return res;
    }
    const res = { ...this.#res };
    const nG = n.numGtIds;
    for (let id = 0; id < nG; id++) {
      if (this.#gtIdCount[id]! > 0) {
        const ratio = this.#gtMatchedCount[id]! / this.#gtIdCount[id]!;
        if (ratio > 0.8) res.MT++;
        else if (ratio >= 0.2) res.PT++;
      }
      if (this.#gtFragCount[id]! > 0) res.Frag += this.#gtFragCount[id]! - 1;
    }
    res.ML = nG - res.MT - res.PT;
    res.CLR_Frames = n.frameCount;
    return finalizeClear(res);
  }
}

/**
 * CLEAR MOT of one sequence. Example: a tracker identical to the ground truth gives MOTA = 1, MOTP = 1.
 */
export function clearMot(seq: EvalSequence<Box2D> | PreparedSequence, opts: ClearOptions = {}): ClearResult {
  const p = asPrepared(seq);
  const acc = clearAccumulator(opts);
  for (let t = 0; t < p.numTimesteps; t++) acc.add(p.gtIds[t]!, p.trIds[t]!, p.similarity[t]!);
  return acc.result(totalsOf(p));
}

export { type ClearResult, combineClear } from './clearResult.ts';
