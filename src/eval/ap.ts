/**
 * Detection average precision as the COCO evaluator computes it (pycocotools `COCOeval`, bbox, area "all"):
 * - per image and class, detections sorted by score (stable) and cut to `maxDets`; at each IoU threshold
 *   each detection in turn takes the unmatched, non-ignored ground truth it overlaps most (IoU ≥ threshold);
 *   a detection whose best match is an ignored ground truth is itself ignored (neither TP nor FP);
 * - per class, detections of all images sorted by score (stable), precision made monotone from the right,
 *   then sampled at the 101 recall points 0, 0.01, …, 1 (first index with recall ≥ r; 0 past the end);
 * - AP is the mean over IoU thresholds 0.5:0.05:0.95 (AP50 and AP75 are single thresholds); mAP averages the
 *   classes that have ground truth. IoU uses box corners without the +1 pixel convention.
 * - `minHeightPx` plays COCO's area range by box height: shorter ground truth is ignored, and a shorter
 *   detection that matches nothing is ignored (COCO `evaluateImg`'s `dtIg` for detections outside `aRng`).
 */
import type { Box2D } from '../contracts/geometry.ts';
import type { TrackRow } from './rows.ts';
import { trackEvalIouMatrix, type Id } from './sequence.ts';

export interface ScoredBox {
  /** Image key: frame number, or `camera/frame` for several cameras. */
  image: Id;
  cls: string;
  box: Box2D;
  score: number;
}

export interface GtBox {
  image: Id;
  cls: string;
  box: Box2D;
  /**
   * Don't-care region: detections matching it are neither TP nor FP, and it may absorb several (like a COCO
   * crowd box, but with plain IoU).
   */
  ignore?: boolean;
}

export interface ApOptions {
  /** IoU thresholds; default 0.5:0.05:0.95 (10 values). */
  readonly iouThresholds?: readonly number[];
  /** Detections kept per image and class, highest scores first (COCO: 100). */
  readonly maxDets?: number;
  /** Number of recall sample points (COCO: 101). */
  readonly recallPoints?: number;
  /**
   * Size range as a box height (COCO's `areaRng`, by height): ground truth shorter than this is ignored, and
   * so are detections shorter than it that match no ground truth at a threshold. Default 0 (area "all").
   */
  readonly minHeightPx?: number;
  /** Also return each class's interpolated precision at the recall points for IoU 0.5 (`curve50`), to plot. */
  readonly curves?: boolean;
}

export interface ClassAp {
  /** Mean over the IoU thresholds. */
  AP: number;
  /** AP at IoU 0.5 and 0.75 (NaN when not among the thresholds). */
  AP50: number;
  AP75: number;
  /** AP per IoU threshold (same order as `iouThresholds`). */
  perThreshold: number[];
  /**
   * With `curves` (and 0.5 among the IoU thresholds): interpolated precision at each recall point (0, 0.01 … 1
   * by default), IoU 0.5; AP50 is its mean.
   */
  curve50?: number[];
  numGt: number;
  numDets: number;
}

export interface ApResult {
  iouThresholds: readonly number[];
  perClass: Record<string, ClassAp>;
  /** Means over classes with at least one non-ignored ground truth (COCO skips the rest). */
  mAP: number;
  mAP50: number;
  mAP75: number;
}

/** numpy.linspace: start + i·step, the last value exactly `stop`. */
function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : start + i * step));
}

export const COCO_IOU_THRESHOLDS: readonly number[] = linspace(0.5, 0.95, 10);

/** `np.spacing(1)`, COCO's guard in tp / (tp + fp). */
const SPACING_1 = 2.220446049250313e-16;

interface Scored {
  score: number;
  /** Per threshold: 1 TP, 0 FP, −1 ignored. */
  outcome: Int8Array;
}

/** Scored detections of one class: a score and an outcome per IoU threshold each, in typed arrays. */
class ScoredList {
  scores = new Float64Array(64);
  outcomes: Int8Array;
  length = 0;

  constructor(readonly thresholds: number) {
    this.outcomes = new Int8Array(64 * thresholds);
  }

  push(x: Scored): void {
    if (this.length === this.scores.length) {
      const scores = new Float64Array(this.scores.length * 2);
      scores.set(this.scores);
      this.scores = scores;
      const outcomes = new Int8Array(this.outcomes.length * 2);
      outcomes.set(this.outcomes);
      this.outcomes = outcomes;
    }
    this.scores[this.length] = x.score;
    this.outcomes.set(x.outcome, this.length * this.thresholds);
    this.length++;
  }
}

/**
 * COCO AP fed image by image (each image whole in one call, with any classes): per class what COCO's
 * `accumulate` needs of each detection, its score and per-threshold outcome, kept in typed arrays (18 bytes a
 * detection), not the boxes. Across images detections keep COCO's order, which decides ties in score: per class,
 * first the images with ground truth of the class, in the order of their first ground-truth box, then the others
 * in the order of their first detection; {@link averagePrecision} feeds all images at once, a caller reading frame
 * by frame feeds each frame's images in frame order.
 */
export class ApAccumulator {
  readonly #thr: readonly number[];
  readonly #maxDets: number;
  readonly #minH: number;
  readonly #classes = new Map<string, { numGt: number; withGt: ScoredList; detOnly: ScoredList }>();

  constructor(readonly opts: ApOptions = {}) {
    this.#thr = opts.iouThresholds ?? COCO_IOU_THRESHOLDS;
    this.#maxDets = opts.maxDets ?? 100;
    this.#minH = opts.minHeightPx ?? 0;
  }

  /** Whole images: every detection and ground-truth box of each image given. */
  addImages(dets: readonly ScoredBox[], gtsIn: readonly GtBox[]): void {
    const minH = this.#minH;
    const short = (b: Box2D) => b.y2 - b.y1 < minH;
    const gts = minH > 0 ? gtsIn.map((g) => (!g.ignore && short(g.box) ? { ...g, ignore: true } : g)) : gtsIn;
    const classes = [...new Set([...gts.map((g) => g.cls), ...dets.map((d) => d.cls)])];
    for (const cls of classes) {
      let c = this.#classes.get(cls);
      if (!c) {
        c = {
          numGt: 0,
          withGt: new ScoredList(this.#thr.length),
          detOnly: new ScoredList(this.#thr.length),
        };
        this.#classes.set(cls, c);
      }
      const byImage = new Map<Id, { d: ScoredBox[]; g: GtBox[] }>();
      const slot = (img: Id) => {
        let s = byImage.get(img);
        if (!s) {
          s = { d: [], g: [] };
          byImage.set(img, s);
        }
        return s;
      };
      for (const g of gts) if (g.cls === cls) slot(g.image).g.push(g);
      for (const d of dets) if (d.cls === cls) slot(d.image).d.push(d);
      for (const { d, g } of byImage.values()) {
        c.numGt += g.filter((x) => !x.ignore).length;
        const list = g.length > 0 ? c.withGt : c.detOnly;
        for (const x of matchImage(d, g, this.#thr, this.#maxDets, short)) list.push(x);
      }
    }
  }

  result(): ApResult {
    const thr = this.#thr;
    const nT = thr.length;
    const recThrs = linspace(0, 1, this.opts.recallPoints ?? 101);
    const perClass: Record<string, ClassAp> = {};
    for (const cls of [...this.#classes.keys()].sort()) {
      const { numGt, withGt, detOnly } = this.#classes.get(cls)!;
      const n = withGt.length + detOnly.length;
      const score = (i: number) =>
        i < withGt.length ? withGt.scores[i]! : detOnly.scores[i - withGt.length]!;
      const outcome = (i: number, t: number) =>
        i < withGt.length ? withGt.outcomes[i * nT + t]! : detOnly.outcomes[(i - withGt.length) * nT + t]!;
      if (numGt === 0) continue;
      // Stable sort across images by descending score (COCO: mergesort on −score).
      const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => score(b) - score(a) || a - b);
      // Interpolated precision at each recall point, per IoU threshold; AP is its mean.
      const curves = thr.map((_, t) =>
        precisionAt(
          order.map((i) => outcome(i, t)),
          numGt,
          recThrs,
        ),
      );
      const perThreshold = curves.map((c) => c.reduce((s, v) => s + v, 0) / recThrs.length);
      const index = (x: number) => thr.findIndex((v) => Math.abs(v - x) < 1e-9);
      const t50 = index(0.5);
      const curve50 = this.opts.curves && t50 >= 0 ? curves[t50] : undefined;
      const at = (x: number) => {
        const k = index(x);
        return k < 0 ? Number.NaN : perThreshold[k]!;
      };
      perClass[cls] = {
        AP: perThreshold.reduce((s, v) => s + v, 0) / perThreshold.length,
        AP50: at(0.5),
        AP75: at(0.75),
        perThreshold,
        ...(curve50 ? { curve50 } : {}),
        numGt,
        numDets: n,
      };
    }
    const vals = Object.values(perClass);
    const avg = (f: (c: ClassAp) => number) =>
      vals.length ? vals.reduce((s, c) => s + f(c), 0) / vals.length : Number.NaN;
    return {
      iouThresholds: thr,
      perClass,
      mAP: avg((c) => c.AP),
      mAP50: avg((c) => c.AP50),
      mAP75: avg((c) => c.AP75),
    };
  }
}

/**
 * COCO-style AP per class. Example: one detection exactly on the only ground truth gives AP = 1.
 */
export function averagePrecision(
  dets: readonly ScoredBox[],
  gts: readonly GtBox[],
  opts: ApOptions = {},
): ApResult {
  const acc = new ApAccumulator(opts);
  acc.addImages(dets, gts);
  return acc.result();
}

/** COCO `evaluateImg` for one image and class. */
function matchImage(
  dIn: readonly ScoredBox[],
  gIn: readonly GtBox[],
  thr: readonly number[],
  maxDets: number,
  outsideRange: (b: Box2D) => boolean,
) {
  // Non-ignored ground truth first, so a real match is preferred over an ignored one.
  const g = [...gIn.filter((x) => !x.ignore), ...gIn.filter((x) => x.ignore)];
  const d = dIn
    .map((x, i) => ({ x, i }))
    .sort((a, b) => b.x.score - a.x.score || a.i - b.i)
    .slice(0, maxDets)
    .map((e) => e.x);
  const ious = trackEvalIouMatrix(
    d.map((x) => x.box),
    g.map((x) => x.box),
  );
  const out: Scored[] = d.map((x) => ({ score: x.score, outcome: new Int8Array(thr.length) }));
  thr.forEach((t, ti) => {
    const gtMatched = new Uint8Array(g.length);
    for (let di = 0; di < d.length; di++) {
      let best = Math.min(t, 1 - 1e-10);
      let m = -1;
      for (let gi = 0; gi < g.length; gi++) {
        if (gtMatched[gi] && !g[gi]!.ignore) continue; // ignored regions absorb any number (COCO crowd)
        // Past the real ground truth with a match in hand: stop before the ignored ones.
        if (m > -1 && !g[m]!.ignore && g[gi]!.ignore) break;
        const v = ious[di * g.length + gi]!;
        if (v < best) continue;
        best = v;
        m = gi;
      }
      if (m === -1) {
        if (outsideRange(d[di]!.box)) out[di]!.outcome[ti] = -1; // COCO: unmatched and outside the area range
        continue;
      }
      gtMatched[m] = 1;
      out[di]!.outcome[ti] = g[m]!.ignore ? -1 : 1;
    }
  });
  return out;
}

/**
 * COCO `accumulate` for one class and threshold: interpolated precision at each recall threshold (0 beyond the
 * highest recall reached).
 */
function precisionAt(outcomes: readonly number[], numGt: number, recThrs: readonly number[]): number[] {
  const rc: number[] = [];
  const pr: number[] = [];
  let tp = 0;
  let fp = 0;
  for (const o of outcomes) {
    if (o === -1) continue;
    if (o === 1) tp++;
    else fp++;
    rc.push(tp / numGt);
    pr.push(tp / (tp + fp + SPACING_1));
  }
  for (let i = pr.length - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
  const out: number[] = [];
  let k = 0;
  for (const r of recThrs) {
    while (k < rc.length && rc[k]! < r) k++; // searchsorted(side='left')
    out.push(k < rc.length ? pr[k]! : 0);
  }
  return out;
}

/** Tracker and ground-truth rows as COCO boxes, one image per (camera, frame). */
export function apBoxes(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
): { dets: ScoredBox[]; gts: GtBox[] } {
  const key = (r: TrackRow) => `${r.camera ?? ''}/${r.frame}`;
  return {
    dets: tr.map((r) => ({ image: key(r), cls: r.cls ?? '', box: r.box, score: r.score ?? 1 })),
    gts: gt.map((r) => ({
      image: key(r),
      cls: r.cls ?? '',
      box: r.box,
      ...(r.ignore ? { ignore: true } : {}),
    })),
  };
}

/**
 * COCO AP of tracker rows against ground-truth rows, one image per (camera, frame); rows' `ignore` and
 * `minHeightPx` (COCO's area range, by height) mark don't-care ground truth.
 */
export function trackRowsAp(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  minHeightPx = 0,
  curves = false,
): ApResult {
  const { dets, gts } = apBoxes(gt, tr);
  return averagePrecision(dets, gts, { minHeightPx, curves });
}
