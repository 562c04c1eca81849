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
 * Both are computed frame by frame in two passes ({@link BevScorer}), as the 2D metrics are.
 */
import { InputError } from '../contracts/errors.ts';
import { ClearMotmetricsAccumulator } from './clearMotmetrics.ts';
import { dontCareMatch } from './dontCare.ts';
import { rowsByFrame, type SequenceMetrics, SequenceScorer } from './evaluate.ts';
import { centreDistanceSimilarity, checkSimilarity, type Id, remap } from './sequence.ts';

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
 * Don't-care ground truth in BEV, as dontCare.ts does in 2D, for one frame: tracked objects are matched to all
 * ground truth (optimal assignment, centres within `matchDistanceM`); those matched to don't-care ground truth
 * (`ignore`) are removed, then the don't-care ground truth is.
 */
function bevDontCareFrame<R extends Omit<BevRow, 'frame'>>(
  gt: readonly R[],
  tr: readonly R[],
  matchDistanceM: number,
): { gt: R[]; tr: R[] } {
  if (!gt.some((r) => r.ignore)) return { gt: [...gt], tr: [...tr] };
  const { keep } = dontCareMatch(
    centreDistanceSimilarity(2 * matchDistanceM)(gt, tr),
    gt.map((r) => r.ignore === true),
    tr.length,
    0.5,
  );
  return { gt: gt.filter((r) => !r.ignore), tr: tr.filter((_, j) => keep[j]) };
}

/** `bevDontCareFrame` over rows of any frames, order kept. */
export function applyBevDontCare(
  gt: readonly BevRow[],
  tr: readonly BevRow[],
  matchDistanceM: number,
): { gt: BevRow[]; tr: BevRow[] } {
  const kept = new Set<BevRow>();
  for (const f of rowsByFrame(gt, tr)) {
    const p = bevDontCareFrame(f.gt, f.tr, matchDistanceM);
    for (const r of [...p.gt, ...p.tr]) kept.add(r);
  }
  return { gt: gt.filter((r) => kept.has(r)), tr: tr.filter((r) => kept.has(r)) };
}

/** Ids of one sequence numbered in order of appearance (pass 1), and looked up again (pass 2). */
class IdNumbers {
  readonly #gt = new Map<Id, number>();
  readonly #tr = new Map<Id, number>();

  ids(gt: readonly { id: Id }[], tr: readonly { id: Id }[], where: string): [Int32Array, Int32Array] {
    return [
      remap(
        gt.map((r) => r.id),
        this.#gt,
        where,
        'gtIds',
      ),
      remap(
        tr.map((r) => r.id),
        this.#tr,
        where,
        'trIds',
      ),
    ];
  }
}

/** One class of AMOTA: the unfiltered run (pass 1), then one run per score threshold it sets (pass 2). */
class AmotaClassScorer {
  /** Ground-truth objects of the class (P). */
  numGt = 0;
  readonly #scores: number[] = [];
  readonly #unfiltered: ClearMotmetricsAccumulator;
  #current: readonly Omit<BevRow, 'frame'>[] = [];
  #runs: Map<number, { ids: IdNumbers; acc: ClearMotmetricsAccumulator }> | undefined;
  readonly #ids = new IdNumbers();

  constructor(readonly opts: AmotaOptions) {
    // Scores of non-switch matches of the unfiltered run set the thresholds.
    this.#unfiltered = new ClearMotmetricsAccumulator(0.5, (_t, _i, j, idsw) => {
      if (!idsw) this.#scores.push(scoreOf(this.#current[j]!));
    });
  }

  add(gt: readonly Omit<BevRow, 'frame'>[], tr: readonly Omit<BevRow, 'frame'>[], where: string): void {
    this.numGt += gt.length;
    this.#current = tr;
    const [g, k] = this.#ids.ids(gt, tr, where);
    this.#unfiltered.add(g, k, this.#sim(gt, tr));
  }

  #sim(gt: readonly Omit<BevRow, 'frame'>[], tr: readonly Omit<BevRow, 'frame'>[]): Float64Array {
    return centreDistanceSimilarity(2 * (this.opts.matchDistanceM ?? 2))(gt, tr);
  }

  /** Recall points and the score threshold of each (NaN where unreached), from pass 1. */
  thresholds(): { recall: number[]; thresholds: number[] } {
    const nPts = this.opts.recallPoints ?? 40;
    const minRecall = this.opts.minRecall ?? 0.1;
    const P = this.numGt;
    const scores = [...this.#scores].sort((a, b) => b - a);
    const step = (1 - minRecall) / (nPts - 1); // np.linspace(minRecall, 1, nPts).round(12)
    const recall = Array.from({ length: nPts }, (_, i) => round12(i === nPts - 1 ? 1 : minRecall + i * step));
    const maxRecall = scores.length / P;
    const thresholds = recall.map((r) =>
      scores.length === 0 || r > maxRecall ? Number.NaN : interp(r, scores, P),
    );
    return { recall, thresholds };
  }

  /** Pass 2: the same frame, for every threshold's run. */
  match(gt: readonly Omit<BevRow, 'frame'>[], tr: readonly Omit<BevRow, 'frame'>[], where: string): void {
    if (!this.#runs) {
      this.#runs = new Map();
      for (const thr of this.thresholds().thresholds) {
        if (!Number.isNaN(thr) && !this.#runs.has(thr))
          this.#runs.set(thr, { ids: new IdNumbers(), acc: new ClearMotmetricsAccumulator(0.5) });
      }
    }
    for (const [thr, run] of this.#runs) {
      const kept = tr.filter((r) => scoreOf(r) >= thr);
      if (gt.length === 0 && kept.length === 0) continue;
      const [g, k] = run.ids.ids(gt, kept, where);
      run.acc.add(g, k, this.#sim(gt, kept));
    }
  }

  result(): ClassAmota {
    const d = this.opts.matchDistanceM ?? 2;
    const worstMotp = this.opts.worstAmotpM ?? 2;
    const zeroAt = 2 * d;
    const P = this.numGt;
    const { recall, thresholds } = this.thresholds();
    const MOTAR: number[] = [];
    const MOTP_m: number[] = [];
    for (const thr of thresholds) {
      if (Number.isNaN(thr)) {
        MOTAR.push(0);
        MOTP_m.push(worstMotp);
        continue;
      }
      const c = this.#runs!.get(thr)!.acc.result({
        numGtDets: 0,
        numTrDets: 0,
        numGtIds: 0,
        numTrIds: 0,
        frameCount: 0,
      });
      const m = c.CLR_TP - c.IDSW;
      const r = m / P;
      MOTAR.push(m === 0 ? 0 : Math.max(0, 1 - (c.IDSW + c.CLR_FP + c.CLR_FN - (1 - r) * P) / (r * P)));
      MOTP_m.push(c.CLR_TP === 0 ? worstMotp : zeroAt * (1 - c.MOTP));
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
}

/**
 * BEV scoring frame by frame, as `SequenceScorer` is for 2D: feed every frame's rows (frames in increasing number,
 * rows in input order) with `pass` 1, then again with `pass` 2; then `metrics()` (CLEAR / Identity / HOTA on
 * centres, `evaluateBev`) and `amota()`. Don't-care ground truth is applied per frame over all classes first.
 */
export class BevScorer {
  pass: 1 | 2 = 1;
  readonly #opts: AmotaOptions;
  readonly #seq = new SequenceScorer({ threshold: 0.5 });
  #lo = Number.POSITIVE_INFINITY;
  #hi = Number.NEGATIVE_INFINITY;
  readonly #classes = new Map<string, AmotaClassScorer>();
  readonly #withAmota: boolean;

  /** Without `withAmota`, only `metrics()`. */
  constructor(opts: AmotaOptions = {}, withAmota = true) {
    this.#opts = opts;
    this.#withAmota = withAmota;
  }

  frame(frame: number, gtIn: readonly Omit<BevRow, 'frame'>[], trIn: readonly Omit<BevRow, 'frame'>[]): void {
    const d = this.#opts.matchDistanceM ?? 2;
    const { gt, tr } = bevDontCareFrame(gtIn, trIn, d);
    if (gt.length === 0 && tr.length === 0) return;
    if (!Number.isInteger(frame)) {
      throw new InputError({ what: `frame ${frame} is not an integer`, where: 'BEV rows' });
    }
    const where = `frame ${frame}`;
    const sim = centreDistanceSimilarity(2 * d)(gt, tr);
    checkSimilarity(sim, where);
    if (this.pass === 1) {
      this.#lo = Math.min(this.#lo, frame);
      this.#hi = Math.max(this.#hi, frame);
      this.#seq.add(
        gt.map((r) => r.id),
        tr.map((r) => r.id),
        sim,
        where,
      );
    } else {
      this.#seq.match(
        gt.map((r) => r.id),
        tr.map((r) => r.id),
        sim,
      );
    }
    if (!this.#withAmota) return;
    const classes = new Set([...gt, ...tr].map((r) => r.cls ?? ''));
    for (const cls of classes) {
      const g = gt.filter((r) => (r.cls ?? '') === cls);
      const t = tr.filter((r) => (r.cls ?? '') === cls);
      let c = this.#classes.get(cls);
      if (!c) {
        c = new AmotaClassScorer(this.#opts);
        this.#classes.set(cls, c);
      }
      if (this.pass === 1) c.add(g, t, where);
      else c.match(g, t, where);
    }
  }

  /** CLEAR, Identity and HOTA on ground-plane centres (after both passes). */
  metrics(): SequenceMetrics {
    return this.#seq.result(Number.isFinite(this.#lo) ? this.#hi - this.#lo + 1 : 0);
  }

  /** nuScenes AMOTA / AMOTP per class with ground truth, and their means (after both passes). */
  amota(): AmotaResult {
    if (!this.#withAmota) throw new Error('BevScorer: constructed without AMOTA');
    const perClass: Record<string, ClassAmota> = {};
    for (const cls of [...this.#classes.keys()].sort()) {
      const c = this.#classes.get(cls)!;
      if (c.numGt > 0) perClass[cls] = c.result();
    }
    const vals = Object.values(perClass);
    const avg = (f: (c: ClassAmota) => number) =>
      vals.length ? vals.reduce((s, c) => s + f(c), 0) / vals.length : Number.NaN;
    return { perClass, AMOTA: avg((c) => c.AMOTA), AMOTP: avg((c) => c.AMOTP) };
  }
}

/** Both passes of a BevScorer over rows in memory. */
function scoreBev(
  gt: readonly BevRow[],
  tr: readonly BevRow[],
  opts: AmotaOptions,
  withAmota: boolean,
): BevScorer {
  const s = new BevScorer(opts, withAmota);
  const frames = rowsByFrame(gt, tr);
  for (const pass of [1, 2] as const) {
    s.pass = pass;
    for (const f of frames) s.frame(f.frame, f.gt, f.tr);
  }
  return s;
}

/** CLEAR, Identity and HOTA in BEV with centre-distance similarity (don't-care ground truth applied first). */
export function evaluateBev(
  gt: readonly BevRow[],
  tr: readonly BevRow[],
  opts: BevOptions = {},
): SequenceMetrics {
  return scoreBev(gt, tr, opts, false).metrics();
}

/** nuScenes-style AMOTA / AMOTP per class (rows without `cls` form class `''`). */
export function amota(gt: readonly BevRow[], tr: readonly BevRow[], opts: AmotaOptions = {}): AmotaResult {
  return scoreBev(gt, tr, opts, true).amota();
}

function scoreOf(r: Omit<BevRow, 'frame'>): number {
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
