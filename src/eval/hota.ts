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
 */
import type { Box2D } from '../contracts/geometry.ts';
import { linearSumAssignment } from './assignment.ts';
import { asPrepared, EPS, type EvalSequence, type PreparedSequence } from './sequence.ts';

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

/** HOTA of one sequence. Example: a perfect tracker gives HOTA = DetA = AssA = LocA = 1 at every α. */
export function hota(seq: EvalSequence<Box2D> | PreparedSequence): HotaResult {
  const p = asPrepared(seq);
  const nA = HOTA_ALPHAS.length;
  const c = emptyCurves(nA);
  // Empty sides: the reference returns before computing the final fields (scores 0, LocA 1).
  if (p.numTrDets === 0 || p.numGtDets === 0) {
    const side = p.numTrDets === 0 ? c.HOTA_FN : c.HOTA_FP;
    side.fill(p.numTrDets === 0 ? p.numGtDets : p.numTrDets);
    c.LocA.fill(1);
    return summarize(c, true);
  }
  const nG = p.numGtIds;
  const nT = p.numTrIds;
  const potential = new Float64Array(nG * nT);
  const gtCount = new Float64Array(nG);
  const trCount = new Float64Array(nT);
  for (let t = 0; t < p.numTimesteps; t++) {
    const g = p.gtIds[t]!;
    const k = p.trIds[t]!;
    const sim = p.similarity[t]!;
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
        if (denom > EPS) potential[g[i]! * nT + k[j]!]! += s / denom;
      }
    }
    for (const id of g) gtCount[id]! += 1;
    for (const id of k) trCount[id]! += 1;
  }
  const align = new Float64Array(nG * nT);
  for (let i = 0; i < nG; i++) {
    for (let j = 0; j < nT; j++) {
      const pot = potential[i * nT + j]!;
      align[i * nT + j] = pot / (gtCount[i]! + trCount[j]! - pot);
    }
  }

  const matchCounts = Array.from({ length: nA }, () => new Float64Array(nG * nT));
  const locSum = new Float64Array(nA);
  for (let t = 0; t < p.numTimesteps; t++) {
    const g = p.gtIds[t]!;
    const k = p.trIds[t]!;
    if (g.length === 0) {
      for (let a = 0; a < nA; a++) c.HOTA_FP[a]! += k.length;
      continue;
    }
    if (k.length === 0) {
      for (let a = 0; a < nA; a++) c.HOTA_FN[a]! += g.length;
      continue;
    }
    const sim = p.similarity[t]!;
    const m = k.length;
    const score = new Float64Array(g.length * m);
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < m; j++) score[i * m + j] = align[g[i]! * nT + k[j]!]! * sim[i * m + j]!;
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
        locSum[a]! += s;
        matchCounts[a]![g[i]! * nT + k[j]!]! += 1;
      }
      c.HOTA_TP[a]! += tp;
      c.HOTA_FN[a]! += g.length - tp;
      c.HOTA_FP[a]! += m - tp;
    }
  }

  for (let a = 0; a < nA; a++) {
    const mc = matchCounts[a]!;
    let assA = 0;
    let assRe = 0;
    let assPr = 0;
    for (let i = 0; i < nG; i++) {
      for (let j = 0; j < nT; j++) {
        const n = mc[i * nT + j]!;
        if (n === 0) continue;
        assA += (n * n) / Math.max(1, gtCount[i]! + trCount[j]! - n);
        assRe += (n * n) / Math.max(1, gtCount[i]!);
        assPr += (n * n) / Math.max(1, trCount[j]!);
      }
    }
    const tp = Math.max(1, c.HOTA_TP[a]!);
    c.AssA[a] = assA / tp;
    c.AssRe[a] = assRe / tp;
    c.AssPr[a] = assPr / tp;
    // TrackEval's 1e-10 floors make LocA = 1 where there is no TP.
    c.LocA[a] = Math.max(1e-10, locSum[a]!) / Math.max(1e-10, c.HOTA_TP[a]!);
  }
  return summarize(c, false);
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
