/**
 * Identity metrics IDF1 / IDP / IDR (Ristani et al., "Performance Measures and a Data Set for Multi-Target,
 * Multi-Camera Tracking", ECCV 2016 workshops), as TrackEval's `metrics/identity.py` computes them: one global
 * bijection between gt and tracker ids maximizing the frames where the pair overlaps with similarity ≥ threshold.
 *
 * The references solve a (gt + tracker)² min-cost problem with dummy rows and columns. Its cost is
 * Σ gt dets + Σ tracker dets − 2·Σ matched co-occurrences, so the same optimum is the maximum-weight matching
 * of the co-occurrence counts, which is what is solved here (smaller, and free of the 1e10 sentinels).
 */
import type { Box2D } from '../contracts/geometry.ts';
import { linearSumAssignment } from './assignment.ts';
import { asPrepared, type EvalSequence, type PreparedSequence } from './sequence.ts';

export interface IdentityResult {
  IDF1: number;
  IDR: number;
  IDP: number;
  IDTP: number;
  IDFN: number;
  IDFP: number;
}

export interface IdentityOptions {
  /** Minimum similarity for a gt/tracker pair to count as overlapping (IoU 0.5 by default). */
  readonly threshold?: number;
}

/** IDF1 and friends of one sequence. Example: a perfect tracker gives IDF1 = IDP = IDR = 1. */
export function identity(
  seq: EvalSequence<Box2D> | PreparedSequence,
  opts: IdentityOptions = {},
): IdentityResult {
  const p = asPrepared(seq);
  const threshold = opts.threshold ?? 0.5;
  const res: IdentityResult = { IDF1: 0, IDR: 0, IDP: 0, IDTP: 0, IDFN: 0, IDFP: 0 };
  if (p.numTrDets === 0) {
    res.IDFN = p.numGtDets;
    return res;
  }
  if (p.numGtDets === 0) {
    res.IDFP = p.numTrDets;
    return res;
  }
  const nG = p.numGtIds;
  const nT = p.numTrIds;
  const potential = new Float64Array(nG * nT);
  for (let t = 0; t < p.numTimesteps; t++) {
    const g = p.gtIds[t]!;
    const k = p.trIds[t]!;
    const sim = p.similarity[t]!;
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < k.length; j++) {
        if (sim[i * k.length + j]! >= threshold) potential[g[i]! * nT + k[j]!]! += 1;
      }
    }
  }
  const a = linearSumAssignment({ rows: nG, cols: nT, data: potential }, true);
  let idtp = 0;
  for (let q = 0; q < a.rows.length; q++) idtp += potential[a.rows[q]! * nT + a.cols[q]!]!;
  res.IDTP = idtp;
  res.IDFN = p.numGtDets - idtp;
  res.IDFP = p.numTrDets - idtp;
  return finalizeIdentity(res);
}

export function finalizeIdentity(res: IdentityResult): IdentityResult {
  res.IDR = res.IDTP / Math.max(1, res.IDTP + res.IDFN);
  res.IDP = res.IDTP / Math.max(1, res.IDTP + res.IDFP);
  res.IDF1 = res.IDTP / Math.max(1, res.IDTP + 0.5 * res.IDFP + 0.5 * res.IDFN);
  return res;
}

/** Combine sequences: sum the counts, recompute the ratios. */
export function combineIdentity(all: readonly IdentityResult[]): IdentityResult {
  const res: IdentityResult = { IDF1: 0, IDR: 0, IDP: 0, IDTP: 0, IDFN: 0, IDFP: 0 };
  for (const r of all) {
    res.IDTP += r.IDTP;
    res.IDFN += r.IDFN;
    res.IDFP += r.IDFP;
  }
  return finalizeIdentity(res);
}
