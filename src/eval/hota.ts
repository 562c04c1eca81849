/**
 * HOTA (Luiten et al., "HOTA: A Higher Order Metric for Evaluating Multi-Object Tracking", IJCV 2021,
 * https://link.springer.com/article/10.1007/s11263-020-01375-2), computed as TrackEval's `metrics/hota.py`:
 * 1. over the whole sequence, accumulate for every (gt id, tracker id) pair the normalized per-frame
 *    similarity S / (Σrow + Σcol − S), and each id's detection count; their ratio is the global alignment
 *    score A(g, k) = pot / (n_g + n_k − pot);
 * 2. per frame, Hungarian maximizes Σ A·S (one matching for all α);
 * 3. for each α in 0.05…0.95, matched pairs with S ≥ α are TPs; per id pair the TPA count c gives
 *    AssA = Σ_TP c / (n_g + n_k − c) / |TP|, AssRe, AssPr likewise; DetA = TP / (TP + FN + FP);
 *    HOTA_α = √(DetA·AssA); LocA = mean S over TPs.
 * The reported scalars (HOTA, DetA, …) are the means over the α curve (TrackEval's `___AUC`).
 * Steps 1 and 2–3 are two passes over the frames ({@link HotaAccumulator}), keeping per-pair sums, not frames.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { linearSumAssignment } from './assignment.ts';
import { PAIR_STRIDE, pairKey } from './identity.ts';
import {
  asPrepared,
  EPS,
  type EvalSequence,
  type FrameAccumulator,
  type PreparedSequence,
  type SequenceTotals,
  totalsOf,
} from './sequence.ts';

/** α = 0.05, 0.10, …, 0.95 (TrackEval: `np.arange(0.05, 0.99, 0.05)`). */
export const HOTA_ALPHAS: readonly number[] = Array.from({ length: 19 }, (_, i) => 0.05 + i * 0.05);

export const HOTA_CURVE_FIELDS = [
  'HOTA',
  'DetA',
  'AssA',
  'DetRe',
  'DetPr',
  'AssRe',
  'AssPr',
  'LocA',
  'OWTA',
  'HOTA_TP',
  'HOTA_FN',
  'HOTA_FP',
] as const;
export type HotaCurveField = (typeof HOTA_CURVE_FIELDS)[number];

export type HotaCurves = Record<HotaCurveField, number[]>;

export interface HotaResult extends Record<HotaCurveField, number> {
  /** The α values the curves are sampled at. */
  alphas: readonly number[];
  /** Per-α values (same order as `alphas`). The scalar fields are their means. */
  curves: HotaCurves;
  'HOTA(0)': number;
  'LocA(0)': number;
  'HOTALocA(0)': number;
}

function emptyCurves(n: number): HotaCurves {
  const c = {} as HotaCurves;
  for (const f of HOTA_CURVE_FIELDS) c[f] = new Array<number>(n).fill(0);
  return c;
}

/**
 * HOTA in two passes over the frames (the same frames, in the same order, both times): `add` (pass 1) sums per
 * (gt id, tracker id) pair the normalized similarity and per id its detections, which fix the global alignment
 * scores; `match` (pass 2) assigns each frame with them and counts TP/FN/FP and per-pair matches per α. Pairs are
 * kept only where their similarity was ever above 0 (the others align at 0) or where they matched.
 */
export class HotaAccumulator implements FrameAccumulator<HotaResult> {
  readonly #potential = new Map<number, number>();
  readonly #gtCount: number[] = [];
  readonly #trCount: number[] = [];
  readonly #c = emptyCurves(HOTA_ALPHAS.length);
  /** Per matched pair, its matches per α. */
  readonly #matchCounts = new Map<number, Float64Array>();
  readonly #locSum = new Float64Array(HOTA_ALPHAS.length);

  /** Pass 1: one frame. */
  add(g: Int32Array, k: Int32Array, sim: Float64Array): void {
    const m = k.length;
    const rowSum = new Float64Array(g.length);
    const colSum = new Float64Array(m);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < m; j++) {
        rowSum[i]! += sim[i * m + j]!;
        colSum[j]! += sim[i * m + j]!;
      }
    }
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < m; j++) {
        const s = sim[i * m + j]!;
        const denom = colSum[j]! + rowSum[i]! - s;
        if (denom > EPS && s !== 0) {
          const key = pairKey(g[i]!, k[j]!);
          this.#potential.set(key, (this.#potential.get(key) ?? 0) + s / denom);
        }
      }
    }
    for (const id of g) {
      while (this.#gtCount.length <= id) this.#gtCount.push(0);
      this.#gtCount[id]! += 1;
    }
    for (const id of k) {
      while (this.#trCount.length <= id) this.#trCount.push(0);
      this.#trCount[id]! += 1;
    }
  }

  /** The global alignment score of a pair, after pass 1. */
  #align(g: number, k: number): number {
    const pot = this.#potential.get(pairKey(g, k)) ?? 0;
    return pot / (this.#gtCount[g]! + this.#trCount[k]! - pot);
  }

  /** Pass 2: the same frame again. */
  match(g: Int32Array, k: Int32Array, sim: Float64Array): void {
    const nA = HOTA_ALPHAS.length;
    const c = this.#c;
    if (g.length === 0) {
      for (let a = 0; a < nA; a++) c.HOTA_FP[a]! += k.length;
      return;
    }
    if (k.length === 0) {
      for (let a = 0; a < nA; a++) c.HOTA_FN[a]! += g.length;
      return;
    }
    const m = k.length;
    const score = new Float64Array(g.length * m);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < m; j++) score[i * m + j] = this.#align(g[i]!, k[j]!) * sim[i * m + j]!;
    }
    const match = linearSumAssignment({ rows: g.length, cols: m, data: score }, true);
    for (let a = 0; a < nA; a++) {
      const alpha = HOTA_ALPHAS[a]!;
      let tp = 0;
      for (let q = 0; q < match.rows.length; q++) {
        const i = match.rows[q]!;
        const j = match.cols[q]!;
        const s = sim[i * m + j]!;
        if (!(s >= alpha - EPS)) continue;
        tp++;
        this.#locSum[a]! += s;
        const key = pairKey(g[i]!, k[j]!);
        let mc = this.#matchCounts.get(key);
        if (!mc) {
          mc = new Float64Array(nA);
          this.#matchCounts.set(key, mc);
        }
        mc[a]! += 1;
      }
      c.HOTA_TP[a]! += tp;
      c.HOTA_FN[a]! += g.length - tp;
      c.HOTA_FP[a]! += m - tp;
    }
  }

  result(n: SequenceTotals): HotaResult {
    const nA = HOTA_ALPHAS.length;
    // Empty sides: the reference returns before computing the final fields (scores 0, LocA 1).
    if (n.numTrDets === 0 || n.numGtDets === 0) {
      const c = emptyCurves(nA);
      const side = n.numTrDets === 0 ? c.HOTA_FN : c.HOTA_FP;
      side.fill(n.numTrDets === 0 ? n.numGtDets : n.numTrDets);
      c.LocA.fill(1);
      return summarize(c, true);
    }
    const c = this.#c;
    // Summed by gt id, then tracker id, as over the dense matrix.
    const pairs = [...this.#matchCounts.keys()].sort((x, y) => x - y);
    for (let a = 0; a < nA; a++) {
      let assA = 0;
      let assRe = 0;
      let assPr = 0;
      for (const key of pairs) {
        const nm = this.#matchCounts.get(key)![a]!;
        if (nm === 0) continue;
        const i = Math.floor(key / PAIR_STRIDE);
        const j = key - i * PAIR_STRIDE;
        assA += (nm * nm) / Math.max(1, this.#gtCount[i]! + this.#trCount[j]! - nm);
        assRe += (nm * nm) / Math.max(1, this.#gtCount[i]!);
        assPr += (nm * nm) / Math.max(1, this.#trCount[j]!);
      }
      const tp = Math.max(1, c.HOTA_TP[a]!);
      c.AssA[a] = assA / tp;
      c.AssRe[a] = assRe / tp;
      c.AssPr[a] = assPr / tp;
      // TrackEval's 1e-10 floors make LocA = 1 where there is no TP.
      c.LocA[a] = Math.max(1e-10, this.#locSum[a]!) / Math.max(1e-10, c.HOTA_TP[a]!);
    }
    return summarize(c, false);
  }
}

/** HOTA of one sequence. Example: a perfect tracker gives HOTA = DetA = AssA = LocA = 1 at every α. */
export function hota(seq: EvalSequence<Box2D> | PreparedSequence): HotaResult {
  const p = asPrepared(seq);
  const acc = new HotaAccumulator();
  for (let t = 0; t < p.numTimesteps; t++) acc.add(p.gtIds[t]!, p.trIds[t]!, p.similarity[t]!);
  for (let t = 0; t < p.numTimesteps; t++) acc.match(p.gtIds[t]!, p.trIds[t]!, p.similarity[t]!);
  return acc.result(totalsOf(p));
}

/** Detection and combined fields from TP/FN/FP, AssA and LocA (TrackEval `_compute_final_fields`). */
function summarize(c: HotaCurves, early: boolean): HotaResult {
  if (!early) {
    for (let a = 0; a < c.HOTA.length; a++) {
      const tp = c.HOTA_TP[a]!;
      c.DetRe[a] = tp / Math.max(1, tp + c.HOTA_FN[a]!);
      c.DetPr[a] = tp / Math.max(1, tp + c.HOTA_FP[a]!);
      c.DetA[a] = tp / Math.max(1, tp + c.HOTA_FN[a]! + c.HOTA_FP[a]!);
      c.HOTA[a] = Math.sqrt(c.DetA[a]! * c.AssA[a]!);
      c.OWTA[a] = Math.sqrt(c.DetRe[a]! * c.AssA[a]!);
    }
  }
  const out = { alphas: HOTA_ALPHAS, curves: c } as HotaResult;
  for (const f of HOTA_CURVE_FIELDS) out[f] = mean(c[f]);
  out['HOTA(0)'] = early ? 0 : c.HOTA[0]!;
  out['LocA(0)'] = c.LocA[0]!;
  out['HOTALocA(0)'] = out['HOTA(0)'] * out['LocA(0)'];
  return out;
}

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length > 0 ? s / xs.length : 0;
}

/**
 * Combine sequences (TrackEval `combine_sequences`): sum TP/FN/FP, average AssA/AssRe/AssPr and LocA weighted
 * by TP, recompute the rest.
 */
export function combineHota(all: readonly HotaResult[]): HotaResult {
  const nA = HOTA_ALPHAS.length;
  const c = emptyCurves(nA);
  for (let a = 0; a < nA; a++) {
    let locW = 0;
    for (const r of all) {
      const tp = r.curves.HOTA_TP[a]!;
      c.HOTA_TP[a]! += tp;
      c.HOTA_FN[a]! += r.curves.HOTA_FN[a]!;
      c.HOTA_FP[a]! += r.curves.HOTA_FP[a]!;
      c.AssA[a]! += r.curves.AssA[a]! * tp;
      c.AssRe[a]! += r.curves.AssRe[a]! * tp;
      c.AssPr[a]! += r.curves.AssPr[a]! * tp;
      locW += r.curves.LocA[a]! * tp;
    }
    const tp = c.HOTA_TP[a]!;
    c.AssA[a] = c.AssA[a]! / Math.max(1, tp);
    c.AssRe[a] = c.AssRe[a]! / Math.max(1, tp);
    c.AssPr[a] = c.AssPr[a]! / Math.max(1, tp);
    c.LocA[a] = Math.max(1e-10, locW) / Math.max(1e-10, tp);
  }
  return summarize(c, false);
}
