/**
 * Per-frame detection metrics for the metrics panel: a camera's annotation boxes against the ground-truth boxes
 * of the same camera, matched greedily by IoU (highest IoU first, each box used once, IoU ≥ threshold). Greedy is
 * not the optimal assignment (Hungarian), but with IoU ≥ 0.5 two boxes rarely compete for one partner, and the
 * panel is a visual aid — the evaluator (src/eval) computes the real scores.
 *
 * ID switches (CLEAR MOT, Bernardin & Stiefelhagen 2008): a ground-truth actor matched to a track id different
 * from the one it was last matched to. The history is carried from frame to frame by the caller.
 */
import { iou } from '../../../src/geometry/box2d.ts';

export interface Box2 {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

export interface Match {
  pred: number;
  gt: number;
  iou: number;
}

export interface FrameMetrics {
  tp: number;
  fp: number;
  fn: number;
  matches: Match[];
  unmatchedPred: number[];
  unmatchedGt: number[];
}

/** Greedy IoU matching; ties broken by (pred index, gt index) so the result is deterministic. */
export function matchGreedy(pred: readonly Box2[], gt: readonly Box2[], threshold = 0.5): FrameMetrics {
  const pairs: Match[] = [];
  for (let p = 0; p < pred.length; p++) {
    for (let g = 0; g < gt.length; g++) {
      const v = iou(pred[p]!, gt[g]!);
      if (v >= threshold) pairs.push({ pred: p, gt: g, iou: v });
    }
  }
  pairs.sort((a, b) => b.iou - a.iou || a.pred - b.pred || a.gt - b.gt);
  const usedP = new Set<number>();
  const usedG = new Set<number>();
  const matches: Match[] = [];
  for (const m of pairs) {
    if (usedP.has(m.pred) || usedG.has(m.gt)) continue;
    usedP.add(m.pred);
    usedG.add(m.gt);
    matches.push(m);
  }
  const unmatchedPred = pred.map((_, i) => i).filter((i) => !usedP.has(i));
  const unmatchedGt = gt.map((_, i) => i).filter((i) => !usedG.has(i));
  return {
    tp: matches.length,
    fp: unmatchedPred.length,
    fn: unmatchedGt.length,
    matches,
    unmatchedPred,
    unmatchedGt,
  };
}

export interface IdSwitch {
  gtId: string;
  fromTrack: number;
  toTrack: number;
  /** Index of the prediction that now carries the actor. */
  pred: number;
}

/**
 * Update the actor → track history with this frame's matches and report the switches.
 * @example idSwitches(new Map([['a', 3]]), [{pred:0,gt:0,iou:.9}], [7], ['a']).switches → [{gtId:'a',fromTrack:3,toTrack:7,pred:0}]
 */
export function idSwitches(
  history: ReadonlyMap<string, number>,
  matches: readonly Match[],
  predTrackIds: readonly (number | null)[],
  gtIds: readonly string[],
): { history: Map<string, number>; switches: IdSwitch[] } {
  const next = new Map(history);
  const switches: IdSwitch[] = [];
  for (const m of matches) {
    const track = predTrackIds[m.pred];
    const gtId = gtIds[m.gt];
    if (track === null || track === undefined || gtId === undefined) continue;
    const before = history.get(gtId);
    if (before !== undefined && before !== track)
      switches.push({ gtId, fromTrack: before, toTrack: track, pred: m.pred });
    next.set(gtId, track);
  }
  return { history: next, switches };
}
