/**
 * Bird's-eye-view tracking metrics with centre-distance matching, for fused world objects:
 * - `evaluateBev`: CLEAR / Identity / HOTA with similarity `1 − d / (2·matchDistanceM)`, so similarity ≥ 0.5
 *   means centres ≤ matchDistanceM apart (2 m, nuScenes) and HOTA's α sweep tightens the distance;
 * - `amota`: nuScenes AMOTA / AMOTP (Weng et al., "AB3DMOT", IROS 2020; nuScenes tracking devkit). Scores of
 *   the unfiltered run's non-switch matches set score thresholds at recall 0.1 … 1 (40 points,
 *   `np.interp` as the devkit); at each, tracks below the score are dropped and CLEAR is rerun. With
 *   m = TP − IDSW (py-motmetrics' MATCH count): MOTAR = max(0, 1 − (IDSW + FP + FN − (1 − r)·P) / (r·P)),
 *   r = m / P. AMOTA is MOTAR's mean over the 40 points, AMOTP the mean matched centre distance (m), an
 *   unreached recall scoring the worst (0 and `worstAmotpM`).
 * Matching follows py-motmetrics' conventions as the devkit does (clearMotmetrics.ts). Departures, listed in
 * README.md: a pair at exactly the match distance counts as matched (the devkit requires d < 2 m), and every
 * frame in the range is evaluated (the devkit walks the ground truth's timestamps).
 */
import { InputError } from '../contracts/errors.ts';
import { clearMot } from './clear.ts';
import { dontCareMatch } from './dontCare.ts';
import { groupBy } from './rows.ts';
import { evaluateSequence, type SequenceMetrics } from './evaluate.ts';
import {
  type BevPoint,
  centreDistanceSimilarity,
  type EvalSequence,
  type Id,
  prepareSequence,
} from './sequence.ts';

/** One ground-truth or tracked object on the ground plane (metres, any fixed frame). */
export interface BevRow {
  frame: number;
  id: Id;
  x: number;
  y: number;
  cls?: string;
  /** Tracker confidence; AMOTA sweeps a threshold over it. */
  score?: number;
  /** Ground truth only: don't-care (see `applyBevDontCare`). */
  ignore?: boolean;
}

export interface BevOptions {
  /** Centres at most this far apart match (nuScenes: 2 m). */
  readonly matchDistanceM?: number;
}

export interface AmotaOptions extends BevOptions {
  /** Recall sample points (nuScenes: 40) from `minRecall` to 1. */
  readonly recallPoints?: number;
  readonly minRecall?: number;
  /** AMOTP given to unreached recall points (nuScenes: 2 m). */
  readonly worstAmotpM?: number;
}

export interface ClassAmota {
  AMOTA: number;
  /** Mean centre distance of matches, metres (lower is better). */
  AMOTP: number;
  /** Per recall point, highest first: the recall, its score threshold (NaN if unreached), MOTAR and MOTP. */
  recall: number[];
  scoreThreshold: number[];
  MOTAR: number[];
  MOTP_m: number[];
  numGt: number;
}

export interface AmotaResult {
  perClass: Record<string, ClassAmota>;
  /** Means over classes with ground truth. */
  AMOTA: number;
  AMOTP: number;
}

/**
 * Build a BEV sequence over the frame range spanned by both inputs; frames without rows change no metric and are
 * left out (`frameCount` counts them), so the cost is the rows', not the range's.
 */
export function bevSequence(gt: readonly BevRow[], tr: readonly BevRow[]): EvalSequence<BevPoint> {
  type Frame = { gtIds: Id[]; trIds: Id[]; gtBoxes: BevPoint[]; trBoxes: BevPoint[] };
  const byNumber = new Map<number, Frame>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  const at = (r: BevRow): Frame => {
    if (!Number.isInteger(r.frame)) {
      throw new InputError({ what: `frame ${r.frame} is not an integer`, where: 'BEV rows' });
    }
    first = Math.min(first, r.frame);
    last = Math.max(last, r.frame);
    let f = byNumber.get(r.frame);
    if (!f) {
      f = { gtIds: [], trIds: [], gtBoxes: [], trBoxes: [] };
      byNumber.set(r.frame, f);
    }
    return f;
  };
  for (const r of gt) {
    const f = at(r);
    f.gtIds.push(r.id);
    f.gtBoxes.push(r);
  }
  for (const r of tr) {
    const f = at(r);
    f.trIds.push(r.id);
    f.trBoxes.push(r);
  }
  if (byNumber.size === 0) return { frames: [] };
  const frameNumbers = [...byNumber.keys()].sort((a, b) => a - b);
  return { frames: frameNumbers.map((n) => byNumber.get(n)!), frameCount: last - first + 1, frameNumbers };
}

/**
 * Don't-care ground truth in BEV, as dontCare.ts does in 2D: per frame, tracked objects are matched to all
 * ground truth (optimal assignment, centres within `matchDistanceM`); those matched to don't-care ground truth
 * (`ignore`) are removed, then the don't-care ground truth is.
 */
export function applyBevDontCare(
  gt: readonly BevRow[],
  tr: readonly BevRow[],
  matchDistanceM: number,
): { gt: BevRow[]; tr: BevRow[] } {
  if (!gt.some((r) => r.ignore)) return { gt: [...gt], tr: [...tr] };
  const similarity = centreDistanceSimilarity(2 * matchDistanceM);
  const removed = new Set<BevRow>();
  const gtBy = groupBy(gt, (r) => r.frame);
  for (const [frame, trs] of groupBy(tr, (r) => r.frame)) {
    const gts = gtBy.get(frame) ?? [];
    if (!gts.some((r) => r.ignore)) continue;
    const { keep } = dontCareMatch(
      similarity(gts, trs),
      gts.map((r) => r.ignore === true),
      trs.length,
      0.5,
    );
    trs.forEach((r, j) => {
      if (!keep[j]) removed.add(r);
    });
  }
  return { gt: gt.filter((r) => !r.ignore), tr: tr.filter((r) => !removed.has(r)) };
}

/** CLEAR, Identity and HOTA in BEV with centre-distance similarity (don't-care ground truth applied first). */
export function evaluateBev(
  gtIn: readonly BevRow[],
  trIn: readonly BevRow[],
  opts: BevOptions = {},
): SequenceMetrics {
  const d = opts.matchDistanceM ?? 2;
  const { gt, tr } = applyBevDontCare(gtIn, trIn, d);
  return evaluateSequence(bevSequence(gt, tr), {
    similarity: centreDistanceSimilarity(2 * d),
    threshold: 0.5,
  });
}

/** nuScenes-style AMOTA / AMOTP per class (rows without `cls` form class `''`). */
export function amota(
  gtIn: readonly BevRow[],
  trIn: readonly BevRow[],
  opts: AmotaOptions = {},
): AmotaResult {
  const { gt, tr } = applyBevDontCare(gtIn, trIn, opts.matchDistanceM ?? 2);
  const classes = [...new Set(gt.map((r) => r.cls ?? ''))].sort();
  const perClass: Record<string, ClassAmota> = {};
  for (const cls of classes) {
    perClass[cls] = amotaClass(
      gt.filter((r) => (r.cls ?? '') === cls),
      tr.filter((r) => (r.cls ?? '') === cls),
      opts,
    );
  }
  const vals = Object.values(perClass);
  const avg = (f: (c: ClassAmota) => number) =>
    vals.length ? vals.reduce((s, c) => s + f(c), 0) / vals.length : Number.NaN;
  return { perClass, AMOTA: avg((c) => c.AMOTA), AMOTP: avg((c) => c.AMOTP) };
}

function amotaClass(gt: readonly BevRow[], tr: readonly BevRow[], opts: AmotaOptions): ClassAmota {
  const d = opts.matchDistanceM ?? 2;
  const nPts = opts.recallPoints ?? 40;
  const minRecall = opts.minRecall ?? 0.1;
  const worstMotp = opts.worstAmotpM ?? 2;
  const zeroAt = 2 * d;
  const sim = centreDistanceSimilarity(zeroAt);
  const P = gt.length;
  const run = (rows: readonly BevRow[], onMatch?: (t: number, i: number, j: number, s: boolean) => void) =>
    clearMot(prepareSequence(bevSequence(gt, rows), sim), {
      convention: 'motmetrics',
      ...(onMatch ? { onMatch } : {}),
    });

  // Scores of non-switch matches of the unfiltered run set the thresholds.
  const seq = bevSequence(gt, tr);
  const scores: number[] = [];
  run(tr, (t, _i, j, idsw) => {
    if (!idsw) scores.push(scoreOf(seq.frames[t]!.trBoxes![j] as BevRow));
  });
  scores.sort((a, b) => b - a);
  const step = (1 - minRecall) / (nPts - 1); // np.linspace(minRecall, 1, nPts).round(12)
  const recall = Array.from({ length: nPts }, (_, i) => round12(i === nPts - 1 ? 1 : minRecall + i * step));
  const maxRecall = scores.length / P;
  const thresholds = recall.map((r) =>
    scores.length === 0 || r > maxRecall ? Number.NaN : interp(r, scores, P),
  );

  const MOTAR: number[] = [];
  const MOTP_m: number[] = [];
  const cache = new Map<number, { motar: number; motp: number }>();
  for (const thr of thresholds) {
    if (Number.isNaN(thr)) {
      MOTAR.push(0);
      MOTP_m.push(worstMotp);
      continue;
    }
    let v = cache.get(thr);
    if (!v) {
      const c = run(tr.filter((r) => scoreOf(r) >= thr));
      const m = c.CLR_TP - c.IDSW;
      const r = m / P;
      const motar = m === 0 ? 0 : Math.max(0, 1 - (c.IDSW + c.CLR_FP + c.CLR_FN - (1 - r) * P) / (r * P));
      const motp = c.CLR_TP === 0 ? worstMotp : zeroAt * (1 - c.MOTP);
      v = { motar, motp };
      cache.set(thr, v);
    }
    MOTAR.push(v.motar);
    MOTP_m.push(v.motp);
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
  // Highest recall first, as the devkit presents them.
  return {
    AMOTA: mean(MOTAR),
    AMOTP: mean(MOTP_m),
    recall: recall.reverse(),
    scoreThreshold: thresholds.reverse(),
    MOTAR: MOTAR.reverse(),
    MOTP_m: MOTP_m.reverse(),
    numGt: P,
  };
}

function scoreOf(r: BevRow): number {
  return r.score ?? 1;
}

function round12(x: number): number {
  return Math.round(x * 1e12) / 1e12;
}

/** `np.interp(r, rec, scores)` with rec_k = (k + 1) / P increasing and scores descending. */
function interp(r: number, scores: readonly number[], P: number): number {
  const x0 = 1 / P;
  if (r <= x0) return scores[0]!;
  const pos = r * P - 1; // fractional index into scores
  const k = Math.min(Math.floor(pos), scores.length - 1);
  if (k >= scores.length - 1) return scores[scores.length - 1]!;
  const f = pos - k;
  return scores[k]! + f * (scores[k + 1]! - scores[k]!);
}
