/**
 * Identity metrics IDF1 / IDP / IDR (Ristani et al., "Performance Measures and a Data Set for Multi-Target,
 * Multi-Camera Tracking", ECCV 2016 workshops), as TrackEval's `metrics/identity.py` computes them: one global
 * bijection between gt and tracker ids maximizing the frames where the pair overlaps with similarity ≥ threshold.
 *
 * The references solve a (gt + tracker)² min-cost problem with dummy rows and columns. Its cost is
 * Σ gt dets + Σ tracker dets − 2·Σ matched co-occurrences, so the same optimum is the maximum-weight matching
 * of the co-occurrence counts, which is what is solved here (smaller, and free of the 1e10 sentinels). The counts
 * are summed frame by frame ({@link IdentityAccumulator}), so only pairs that ever overlap are kept.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { linearSumAssignment } from './assignment.ts';
import {
  asPrepared,
  type EvalSequence,
  type FrameAccumulator,
  type PreparedSequence,
  type SequenceTotals,
  totalsOf,
} from './sequence.ts';

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

/** Pair key of a gt and a tracker id (both below 2²⁶): ordering keys orders pairs by gt id, then tracker id. */
export const pairKey = (g: number, k: number): number => g * PAIR_STRIDE + k;
export const PAIR_STRIDE = 2 ** 26;

/**
 * IDF1 frame by frame: per (gt id, tracker id) pair the frames they overlap with similarity ≥ threshold, kept
 * only for pairs that do; one assignment at the end.
 */
export class IdentityAccumulator implements FrameAccumulator<IdentityResult> {
  readonly #potential = new Map<number, number>();

  constructor(readonly threshold: number) {}

  add(g: Int32Array, k: Int32Array, sim: Float64Array): void {
    for (let i = 0; i < g.length; i++) {
      for (let j = 0; j < k.length; j++) {
        if (sim[i * k.length + j]! >= this.threshold) {
          const key = pairKey(g[i]!, k[j]!);
          this.#potential.set(key, (this.#potential.get(key) ?? 0) + 1);
        }
      }
    }
  }

  result(n: SequenceTotals): IdentityResult {
    const res: IdentityResult = { IDF1: 0, IDR: 0, IDP: 0, IDTP: 0, IDFN: 0, IDFP: 0 };
    if (n.numTrDets === 0) {
      res.IDFN = n.numGtDets;
      return res;
    }
    if (n.numGtDets === 0) {
      res.IDFP = n.numTrDets;
      return res;
    }
    // Ids without any overlapping pair add nothing to a matching: the assignment is over those that have one
    // (IDTP, an integer, is the same for every optimum).
    const rows = new Map<number, number>();
    const cols = new Map<number, number>();
    for (const key of this.#potential.keys()) {
      const g = Math.floor(key / PAIR_STRIDE);
      const k = key - g * PAIR_STRIDE;
      if (!rows.has(g)) rows.set(g, rows.size);
      if (!cols.has(k)) cols.set(k, cols.size);
    }
    const nG = rows.size;
    const nT = cols.size;
    const potential = new Float64Array(nG * nT);
    for (const [key, v] of this.#potential) {
      const g = Math.floor(key / PAIR_STRIDE);
      potential[rows.get(g)! * nT + cols.get(key - g * PAIR_STRIDE)!] = v;
    }
    const a = linearSumAssignment({ rows: nG, cols: nT, data: potential }, true);
    let idtp = 0;
    for (let q = 0; q < a.rows.length; q++) idtp += potential[a.rows[q]! * nT + a.cols[q]!]!;
    res.IDTP = idtp;
    res.IDFN = n.numGtDets - idtp;
    res.IDFP = n.numTrDets - idtp;
    return finalizeIdentity(res);
  }
}

/** IDF1 and friends of one sequence. Example: a perfect tracker gives IDF1 = IDP = IDR = 1. */
export function identity(
  seq: EvalSequence<Box2D> | PreparedSequence,
  opts: IdentityOptions = {},
): IdentityResult {
  const p = asPrepared(seq);
  const acc = new IdentityAccumulator(opts.threshold ?? 0.5);
  for (let t = 0; t < p.numTimesteps; t++) acc.add(p.gtIds[t]!, p.trIds[t]!, p.similarity[t]!);
  return acc.result(totalsOf(p));
}

function finalizeIdentity(res: IdentityResult): IdentityResult {
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
