/**
 * The evaluator's input: one sequence as a list of frames, each holding ground-truth and tracker ids, their
 * boxes, and (optionally) the gt × tracker similarity. Metrics never see files or messages, only this.
 *
 * `prepareSequence` turns it into the form TrackEval's metrics consume: ids remapped to 0..n−1 over the
 * sequence, similarity matrices computed (IoU by default) and counted totals.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { InputError, type ViperError } from '../contracts/errors.ts';

/** A ground-truth or tracker id, unique within a frame. */
export type Id = number | string;

export interface EvalFrame<B = Box2D> {
  readonly gtIds: readonly Id[];
  readonly trIds: readonly Id[];
  readonly gtBoxes?: readonly B[];
  readonly trBoxes?: readonly B[];
  /** gtIds.length × trIds.length similarities in [0, 1]; computed from the boxes when absent. */
  readonly similarity?: readonly (readonly number[])[];
}

export interface EvalSequence<B = Box2D> {
  readonly frames: readonly EvalFrame<B>[];
  /** Frames in the evaluated range, empty ones left out of `frames` included (CLR_Frames); default frames.length. */
  readonly frameCount?: number;
  /** Each frame's number (for messages); default: its position. */
  readonly frameNumbers?: readonly number[];
}

/** Similarity of every gt box (rows) to every tracker box (cols), row-major. */
export type SimilarityFn<B> = (gt: readonly B[], tr: readonly B[]) => Float64Array;

/** numpy's float64 machine epsilon, used by the references as a guard in comparisons. */
export const EPS = 2.220446049250313e-16;

export interface PreparedSequence {
  readonly numTimesteps: number;
  /** The sequence's `frameCount` (CLR_Frames); numTimesteps when absent. */
  readonly frameCount?: number;
  readonly numGtIds: number;
  readonly numTrIds: number;
  readonly numGtDets: number;
  readonly numTrDets: number;
  /** Per frame: contiguous gt ids. */
  readonly gtIds: readonly Int32Array[];
  readonly trIds: readonly Int32Array[];
  /** Per frame: gt × tracker similarity, row-major. */
  readonly similarity: readonly Float64Array[];
}

/** What a sequence's metrics need besides its frames: detection and id counts, and frames in range. */
export interface SequenceTotals {
  readonly numGtDets: number;
  readonly numTrDets: number;
  readonly numGtIds: number;
  readonly numTrIds: number;
  /** Frames in the evaluated range, empty ones included (CLR_Frames). */
  readonly frameCount: number;
}

/**
 * A metric fed one frame at a time, frames in order: `g` and `k` are the frame's gt and tracker ids numbered from
 * 0 in order of first appearance over the sequence (as `prepareSequence` numbers them), `sim` their gt × tracker
 * similarity, row-major. What it keeps grows with the ids, not with the frames.
 */
export interface FrameAccumulator<R> {
  add(g: Int32Array, k: Int32Array, sim: Float64Array): void;
  result(totals: SequenceTotals): R;
}

export function totalsOf(p: PreparedSequence): SequenceTotals {
  return {
    numGtDets: p.numGtDets,
    numTrDets: p.numTrDets,
    numGtIds: p.numGtIds,
    numTrIds: p.numTrIds,
    frameCount: p.frameCount ?? p.numTimesteps,
  };
}

/**
 * IoU of axis-aligned boxes as TrackEval computes it (`_calculate_box_ious`): no +1 pixel convention, and
 * degenerate boxes (area ≤ eps) overlap nothing.
 */
export function trackEvalIouMatrix(gt: readonly Box2D[], tr: readonly Box2D[]): Float64Array {
  const out = new Float64Array(gt.length * tr.length);
  for (let i = 0; i < gt.length; i++) {
    const a = gt[i]!;
    const areaA = (a.x2 - a.x1) * (a.y2 - a.y1);
    for (let j = 0; j < tr.length; j++) {
      const b = tr[j]!;
      const areaB = (b.x2 - b.x1) * (b.y2 - b.y1);
      const iw = Math.max(Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1), 0);
      const ih = Math.max(Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1), 0);
      let inter = iw * ih;
      let union = areaA + areaB - inter;
      if (areaA <= EPS || areaB <= EPS || union <= EPS) inter = 0;
      if (union <= EPS) union = 1;
      out[i * tr.length + j] = inter / union;
    }
  }
  return out;
}

/** A point on the ground plane (BEV), metres. */
export interface BevPoint {
  readonly x: number;
  readonly y: number;
}

/**
 * Centre-distance similarity for bird's-eye-view matching: `max(0, 1 − d / zeroAtM)`. With the default
 * `zeroAtM = 4` and the usual threshold 0.5, a pair matches when its centres are ≤ 2 m apart (nuScenes).
 */
export function centreDistanceSimilarity(zeroAtM = 4): SimilarityFn<BevPoint> {
  if (!(zeroAtM > 0)) throw new RangeError(`zeroAtM must be > 0, got ${zeroAtM}`);
  return (gt, tr) => {
    const out = new Float64Array(gt.length * tr.length);
    for (let i = 0; i < gt.length; i++) {
      for (let j = 0; j < tr.length; j++) {
        const d = Math.hypot(gt[i]!.x - tr[j]!.x, gt[i]!.y - tr[j]!.y);
        out[i * tr.length + j] = Math.max(0, 1 - d / zeroAtM);
      }
    }
    return out;
  };
}

function inputError(what: string, where: string, hint?: string): ViperError {
  return new InputError({ what, where, ...(hint ? { hint } : {}) });
}

/**
 * Validate a sequence and compute what the metrics need. Boxes default to `Box2D` with IoU similarity; pass
 * `simFn` for other geometry (e.g. {@link centreDistanceSimilarity}).
 */
export function prepareSequence<B = Box2D>(seq: EvalSequence<B>, simFn?: SimilarityFn<B>): PreparedSequence {
  const gtMap = new Map<Id, number>();
  const trMap = new Map<Id, number>();
  const gtIds: Int32Array[] = [];
  const trIds: Int32Array[] = [];
  const similarity: Float64Array[] = [];
  let numGtDets = 0;
  let numTrDets = 0;
  const sim = simFn ?? (trackEvalIouMatrix as unknown as SimilarityFn<B>);
  seq.frames.forEach((f, t) => {
    const num = seq.frameNumbers?.[t];
    const where = num === undefined ? `frame index ${t}` : `frame ${num}`;
    gtIds.push(remap(f.gtIds, gtMap, where, 'gtIds'));
    trIds.push(remap(f.trIds, trMap, where, 'trIds'));
    numGtDets += f.gtIds.length;
    numTrDets += f.trIds.length;
    const n = f.gtIds.length;
    const m = f.trIds.length;
    let s: Float64Array;
    if (f.similarity) {
      if (f.similarity.length !== n || f.similarity.some((r) => r.length !== m)) {
        throw inputError(`similarity is not ${n}×${m}`, where, 'rows are ground truth, columns tracker');
      }
      s = Float64Array.from(f.similarity.flat());
    } else {
      if (n > 0 && m > 0 && (!f.gtBoxes || !f.trBoxes)) {
        throw inputError('frame has neither boxes nor a similarity matrix', where);
      }
      if ((f.gtBoxes && f.gtBoxes.length !== n) || (f.trBoxes && f.trBoxes.length !== m)) {
        throw inputError('boxes and ids differ in length', where);
      }
      s = n > 0 && m > 0 ? sim(f.gtBoxes!, f.trBoxes!) : new Float64Array(0);
    }
    checkSimilarity(s, where);
    similarity.push(s);
  });
  return {
    numTimesteps: seq.frames.length,
    frameCount: seq.frameCount ?? seq.frames.length,
    numGtIds: gtMap.size,
    numTrIds: trMap.size,
    numGtDets,
    numTrDets,
    gtIds,
    trIds,
    similarity,
  };
}

/** Similarities must lie in [0, 1] (NaN from a bad box does not). */
export function checkSimilarity(sim: Float64Array, where: string): void {
  for (const x of sim) {
    if (!(x >= 0 && x <= 1 + 1e-9)) throw inputError(`similarity ${x} is outside [0, 1]`, where);
  }
}

/**
 * A frame's ids numbered by `map` (new ids get the next number, in order of appearance); an id twice in the frame
 * is an input error naming `where` and `field`.
 */
export function remap(ids: readonly Id[], map: Map<Id, number>, where: string, field: string): Int32Array {
  const out = new Int32Array(ids.length);
  const seen = new Set<Id>();
  ids.forEach((id, k) => {
    if (seen.has(id)) {
      throw inputError(`${field} has id ${String(id)} twice`, where, 'ids must be unique within a frame');
    }
    seen.add(id);
    let c = map.get(id);
    if (c === undefined) {
      c = map.size;
      map.set(id, c);
    }
    out[k] = c;
  });
  return out;
}

/** Counts of a sequence, as TrackEval's `Count` metric reports them. */
export interface CountResult {
  Dets: number;
  GT_Dets: number;
  IDs: number;
  GT_IDs: number;
}

export function combineCounts(all: readonly CountResult[]): CountResult {
  const r: CountResult = { Dets: 0, GT_Dets: 0, IDs: 0, GT_IDs: 0 };
  for (const c of all) {
    r.Dets += c.Dets;
    r.GT_Dets += c.GT_Dets;
    r.IDs += c.IDs;
    r.GT_IDs += c.GT_IDs;
  }
  return r;
}

/** Accept either form: metrics take a raw sequence (IoU on `Box2D`) or an already prepared one. */
export function asPrepared(seq: EvalSequence<Box2D> | PreparedSequence): PreparedSequence {
  return 'numTimesteps' in seq ? seq : prepareSequence(seq);
}
