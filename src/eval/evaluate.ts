/**
 * One call for all tracking metrics of a sequence, and the per-camera / per-class / overall breakdown.
 * Cameras are separate sequences (ids are per camera); "overall" combines them the way TrackEval combines
 * sequences (counts summed, association scores weighted by TP), and per class filters rows by class first.
 *
 * Everything is computed frame by frame in two passes over the same frames ({@link SequenceScorer},
 * {@link TrackingScorer}), so a caller that can read its frames twice (`viper eval` on MCAP files) holds per-id and
 * per-id-pair sums, never the rows; `evaluateRows` and `evaluateSequence` feed rows already in memory the same way.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { InputError } from '../contracts/errors.ts';
import { averageClasses } from './classAverage.ts';
import { type ClearOptions, type ClearResult, clearAccumulator, combineClear } from './clear.ts';
import { combineHota, type HotaResult, HotaAccumulator } from './hota.ts';
import { combineIdentity, type IdentityResult, IdentityAccumulator } from './identity.ts';
import { dontCareRows } from './dontCare.ts';
import { groupBy, type SequenceOptions, type TrackRow } from './rows.ts';
import {
  checkSimilarity,
  type CountResult,
  combineCounts,
  type EvalSequence,
  type FrameAccumulator,
  type Id,
  type PreparedSequence,
  prepareSequence,
  remap,
  type SequenceTotals,
  type SimilarityFn,
  totalsOf,
  trackEvalIouMatrix,
} from './sequence.ts';
import type { IdSwitch } from './switches.ts';
import { SwitchLog } from './switchLog.ts';

export interface SequenceMetrics {
  CLEAR: ClearResult;
  Identity: IdentityResult;
  HOTA: HotaResult;
  Count: CountResult;
}

export interface EvaluateOptions<B = Box2D> extends ClearOptions {
  /** Similarity of boxes; IoU on `Box2D` by default. */
  readonly similarity?: SimilarityFn<B>;
}

/**
 * CLEAR, Identity, HOTA and Count of one sequence fed frame by frame, ids as given (numbered here in order of
 * appearance): `add` every frame (pass 1), then `match` the same frames again in the same order (pass 2, HOTA's
 * assignment), then `result`. Frames with no row on either side change nothing and may be left out.
 */
/** The second scoring pass met input the first did not: the files changed while they were scored. */
export class PassMismatch extends Error {}

export class SequenceScorer {
  readonly #gtMap = new Map<Id, number>();
  readonly #trMap = new Map<Id, number>();
  #numGtDets = 0;
  #numTrDets = 0;
  readonly #clear: FrameAccumulator<ClearResult>;
  readonly #identity: IdentityAccumulator;
  readonly #hota = new HotaAccumulator();

  constructor(opts: ClearOptions = {}) {
    const threshold = opts.threshold ?? 0.5;
    this.#clear = clearAccumulator({ ...opts, threshold });
    this.#identity = new IdentityAccumulator(threshold);
  }

  /** Pass 1: one frame. `where` names it in input errors. */
  add(gtIds: readonly Id[], trIds: readonly Id[], sim: Float64Array, where: string): void {
    const g = remap(gtIds, this.#gtMap, where, 'gtIds');
    const k = remap(trIds, this.#trMap, where, 'trIds');
    this.#numGtDets += g.length;
    this.#numTrDets += k.length;
    this.#clear.add(g, k, sim);
    this.#identity.add(g, k, sim);
    this.#hota.add(g, k, sim);
  }

  /** Pass 2: the same frame again. An id pass 1 did not see means the input changed between the passes. */
  match(gtIds: readonly Id[], trIds: readonly Id[], sim: Float64Array): void {
    const ids = (xs: readonly Id[], map: Map<Id, number>) =>
      Int32Array.from(xs, (x) => {
        const i = map.get(x);
        if (i === undefined) throw new PassMismatch(`id ${String(x)} was not there in the first pass`);
        return i;
      });
    this.#hota.match(ids(gtIds, this.#gtMap), ids(trIds, this.#trMap), sim);
  }

  result(frameCount: number): SequenceMetrics {
    const n: SequenceTotals = {
      numGtDets: this.#numGtDets,
      numTrDets: this.#numTrDets,
      numGtIds: this.#gtMap.size,
      numTrIds: this.#trMap.size,
      frameCount,
    };
    return metricsOf(n, this.#clear, this.#identity, this.#hota);
  }
}

function metricsOf(
  n: SequenceTotals,
  clear: FrameAccumulator<ClearResult>,
  identity: IdentityAccumulator,
  hota: HotaAccumulator,
): SequenceMetrics {
  return {
    CLEAR: clear.result(n),
    Identity: identity.result(n),
    HOTA: hota.result(n),
    Count: { Dets: n.numTrDets, GT_Dets: n.numGtDets, IDs: n.numTrIds, GT_IDs: n.numGtIds },
  };
}

/** CLEAR, Identity, HOTA and Count of one sequence, sharing one preparation. */
export function evaluateSequence<B = Box2D>(
  seq: EvalSequence<B> | PreparedSequence,
  opts: EvaluateOptions<B> = {},
): SequenceMetrics {
  const p = 'numTimesteps' in seq ? seq : prepareSequence(seq, opts.similarity);
  const threshold = opts.threshold ?? 0.5;
  const clear = clearAccumulator({ threshold, convention: opts.convention ?? 'trackeval' });
  const identity = new IdentityAccumulator(threshold);
  const hota = new HotaAccumulator();
  for (let t = 0; t < p.numTimesteps; t++) {
    for (const acc of [clear, identity, hota]) acc.add(p.gtIds[t]!, p.trIds[t]!, p.similarity[t]!);
  }
  for (let t = 0; t < p.numTimesteps; t++) hota.match(p.gtIds[t]!, p.trIds[t]!, p.similarity[t]!);
  return metricsOf(totalsOf(p), clear, identity, hota);
}

/** Combine per-sequence (or per-camera) results into one. */
export function combineSequences(all: readonly SequenceMetrics[]): SequenceMetrics {
  return {
    CLEAR: combineClear(all.map((r) => r.CLEAR)),
    Identity: combineIdentity(all.map((r) => r.Identity)),
    HOTA: combineHota(all.map((r) => r.HOTA)),
    Count: combineCounts(all.map((r) => r.Count)),
  };
}

export interface Breakdown {
  /** All classes together: counts summed over cameras (TrackEval's combined sequences / detection average). */
  overall: SequenceMetrics;
  /** Mean of the per-class scores (TrackEval's class average); equals `overall` with a single class. */
  classAveraged: SequenceMetrics;
  perCamera: Record<string, SequenceMetrics>;
  perClass: Record<string, SequenceMetrics>;
}

export interface RowsOptions extends EvaluateOptions, SequenceOptions {
  /**
   * Size range of the evaluation: ground truth shorter than this (px) is don't-care and unmatched tracker
   * rows shorter than it are dropped (see `applyDontCare`). Default 0: every row counts.
   */
  readonly minHeightPx?: number;
}

/** One evaluated sequence of rows: a camera's, all classes or one, with the frame numbers it was fed. */
class RowSequence {
  readonly scorer: SequenceScorer;
  lo = Number.POSITIVE_INFINITY;
  hi = Number.NEGATIVE_INFINITY;

  constructor(opts: ClearOptions) {
    this.scorer = new SequenceScorer(opts);
  }

  /** CLR_Frames: the range asked for, else the frames this sequence holds rows in (as `sequenceFromRows`). */
  frameCount(opts: SequenceOptions): number {
    const fed = Number.isFinite(this.lo);
    const first = opts.firstFrame ?? (fed ? this.lo : 0);
    const last = opts.lastFrame ?? (fed ? this.hi : first - 1);
    return Math.max(0, last - first + 1);
  }
}

/**
 * The 2D tracking breakdown (`evaluateRows`) frame by frame: feed every frame's rows, all cameras, frames in
 * increasing number and rows in input order within a frame, once with `pass` 1 and again with `pass` 2; then
 * `breakdown()` (and, with `switches`, `idSwitches()` after pass 1). Each camera, and each camera × class, is its
 * own sequence; don't-care ground truth and the tracker rows it absorbs are removed per frame within each
 * (`dontCareRows`), as TrackEval preprocesses each sequence and class. What it keeps grows with the cameras,
 * classes, ids and id pairs, not with the frames.
 */
export class TrackingScorer {
  pass: 1 | 2 = 1;
  readonly #opts: RowsOptions;
  readonly #cameras = new Set<string>();
  readonly #classes = new Set<string>();
  /** By camera, then class ('' key with `all`: every class). */
  readonly #seqs = new Map<string, { all: RowSequence; byClass: Map<string, RowSequence> }>();
  readonly #switches: SwitchLog | undefined;

  constructor(opts: RowsOptions = {}, switches = false) {
    this.#opts = opts;
    this.#switches = switches ? new SwitchLog() : undefined;
  }

  #camera(camera: string) {
    let s = this.#seqs.get(camera);
    if (!s) {
      const clear = {
        threshold: this.#opts.threshold ?? 0.5,
        convention: this.#opts.convention ?? 'trackeval',
      };
      const onMatch = this.#switches?.onMatch(camera);
      s = { all: new RowSequence({ ...clear, ...(onMatch ? { onMatch } : {}) }), byClass: new Map() };
      this.#seqs.set(camera, s);
    }
    return s;
  }

  #byClass(camera: string, cls: string): RowSequence {
    const s = this.#camera(camera);
    let q = s.byClass.get(cls);
    if (!q) {
      q = new RowSequence({
        threshold: this.#opts.threshold ?? 0.5,
        convention: this.#opts.convention ?? 'trackeval',
      });
      s.byClass.set(cls, q);
    }
    return q;
  }

  /** One frame's rows, every camera. */
  frame(frame: number, gt: readonly TrackRow[], tr: readonly TrackRow[]): void {
    const gtBy = groupBy(gt, (r) => r.camera ?? '');
    const trBy = groupBy(tr, (r) => r.camera ?? '');
    for (const camera of new Set([...gtBy.keys(), ...trBy.keys()])) {
      const g = gtBy.get(camera) ?? [];
      const t = trBy.get(camera) ?? [];
      this.#cameras.add(camera);
      this.#feed(this.#camera(camera).all, frame, g, t, camera);
      const classes = new Set<string>();
      for (const r of g) if (r.cls !== undefined) classes.add(r.cls);
      for (const r of t) if (r.cls !== undefined) classes.add(r.cls);
      for (const cls of classes) {
        this.#classes.add(cls);
        this.#feed(
          this.#byClass(camera, cls),
          frame,
          g.filter((r) => r.cls === cls),
          t.filter((r) => r.cls === cls),
        );
      }
    }
  }

  #feed(
    seq: RowSequence,
    frame: number,
    gtIn: readonly TrackRow[],
    trIn: readonly TrackRow[],
    switchesOf?: string,
  ): void {
    const o = this.#opts;
    const { gt, tr } = dontCareRows(gtIn, trIn, {
      threshold: o.threshold ?? 0.5,
      minHeightPx: o.minHeightPx ?? 0,
    });
    if (gt.length === 0 && tr.length === 0) return;
    const where = `frame ${frame}`;
    if (this.pass === 1) {
      const first = o.firstFrame ?? Number.NEGATIVE_INFINITY;
      const last = o.lastFrame ?? Number.POSITIVE_INFINITY;
      if (!Number.isInteger(frame) || !(frame >= first && frame <= last)) {
        throw new InputError({
          what: `${gt.length > 0 ? 'ground-truth' : 'tracker'} row in frame ${frame}`,
          where: `frames ${o.firstFrame ?? '…'}..${o.lastFrame ?? '…'}`,
          hint: 'the frame is outside the evaluated range',
        });
      }
      seq.lo = Math.min(seq.lo, frame);
      seq.hi = Math.max(seq.hi, frame);
    }
    const sim =
      gt.length > 0 && tr.length > 0
        ? trackEvalIouMatrix(
            gt.map((r) => r.box),
            tr.map((r) => r.box),
          )
        : new Float64Array(0);
    checkSimilarity(sim, where);
    const gtIds = gt.map((r) => r.id);
    const trIds = tr.map((r) => r.id);
    if (this.pass === 2) {
      seq.scorer.match(gtIds, trIds, sim);
      return;
    }
    if (switchesOf !== undefined) this.#switches?.frame(switchesOf, frame, gt, tr);
    seq.scorer.add(gtIds, trIds, sim, where);
  }

  /** Metrics overall, per camera and per class (after both passes). */
  breakdown(): Breakdown {
    const cameras = [...this.#cameras].sort();
    const classes = [...this.#classes].sort();
    const o = this.#opts;
    const perCamera: Record<string, SequenceMetrics> = {};
    for (const cam of cameras) {
      const s = this.#camera(cam).all;
      perCamera[cam] = s.scorer.result(s.frameCount(o));
    }
    const perClass: Record<string, SequenceMetrics> = {};
    for (const cls of classes) {
      perClass[cls] = combineSequences(
        cameras.map((cam) => {
          const s = this.#byClass(cam, cls);
          return s.scorer.result(s.frameCount(o));
        }),
      );
    }
    return {
      overall: combineSequences(Object.values(perCamera)),
      classAveraged: averageClasses(Object.values(perClass)),
      perCamera,
      perClass,
    };
  }

  /** Every CLEAR MOT identity switch, by camera (sorted) and frame (after pass 1, with `switches`). */
  idSwitches(): IdSwitch[] {
    if (!this.#switches) throw new Error('TrackingScorer: constructed without switches');
    return this.#switches.list();
  }
}

/** Rows grouped by frame number, frames increasing, rows in input order within a frame. */
export function rowsByFrame<R extends { frame: number }>(
  gt: readonly R[],
  tr: readonly R[],
): { frame: number; gt: R[]; tr: R[] }[] {
  const by = new Map<number, { frame: number; gt: R[]; tr: R[] }>();
  const at = (frame: number) => {
    let f = by.get(frame);
    if (!f) {
      f = { frame, gt: [], tr: [] };
      by.set(frame, f);
    }
    return f;
  };
  for (const r of gt) at(r.frame).gt.push(r);
  for (const r of tr) at(r.frame).tr.push(r);
  return [...by.values()].sort((a, b) => a.frame - b.frame);
}

/**
 * Metrics overall, per camera and per class from flat rows. Rows without `camera` form one camera named
 * `''`; rows without `cls` count only towards the overall and per-camera figures. Don't-care ground truth
 * (`ignore`, or shorter than `minHeightPx`) is removed with the tracker rows it absorbs in each evaluated
 * sequence (each camera, and each camera × class), as TrackEval preprocesses each sequence and class.
 */
export function evaluateRows(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  opts: RowsOptions = {},
): Breakdown {
  const frames = rowsByFrame(gt, tr);
  const s = new TrackingScorer(opts);
  for (const pass of [1, 2] as const) {
    s.pass = pass;
    for (const f of frames) s.frame(f.frame, f.gt, f.tr);
  }
  return s.breakdown();
}
