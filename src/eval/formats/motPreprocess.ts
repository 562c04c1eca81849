/**
 * MOTChallenge ground-truth preprocessing, as TrackEval's `MotChallenge2DBox.get_preprocessed_seq_data` does
 * before scoring MOT16/17/20 (the official numbers depend on it):
 * 1. per frame, tracker boxes are matched to all gt boxes (Hungarian on IoU, pairs with IoU ≥ 0.5); tracker
 *    boxes matched to a distractor (person on vehicle, static person, distractor, reflection; MOT20 also
 *    non-MOT vehicle) are removed;
 * 2. gt boxes are kept only if pedestrians (class 1) with the "consider" flag ≠ 0.
 * MOT15 has no classes: only step 2's flag applies. MOT16+ gt rows are `frame,id,x,y,w,h,consider,class,
 * visibility`, so `readMotChallenge` puts the class in `wx` and the visibility in `wy`.
 */
import { InputError } from '../../contracts/errors.ts';
import { dontCareMatch } from '../dontCare.ts';
import { groupBy, type TrackRow } from '../rows.ts';
import { trackEvalIouMatrix } from '../sequence.ts';
import type { MotRow } from '../../io/index.ts';
import { motRowsToTrackRows } from './motchallenge.ts';

export type MotBenchmark = 'MOT15' | 'MOT16' | 'MOT17' | 'MOT20';

/** MOTChallenge class ids (MOT16 paper, Table 2). */
export const MOT_CLASSES = {
  pedestrian: 1,
  person_on_vehicle: 2,
  car: 3,
  bicycle: 4,
  motorbike: 5,
  non_mot_vehicle: 6,
  static_person: 7,
  distractor: 8,
  occluder: 9,
  occluder_on_ground: 10,
  occluder_full: 11,
  reflection: 12,
  crowd: 13,
} as const;

/** The gt class of a MOT16+ row (8th column). */
export function motGtClass(r: MotRow): number {
  return r.wx;
}

/** Ground truth and tracker rows ready to score, after the benchmark's preprocessing. */
export function preprocessMotChallenge(
  gt: readonly MotRow[],
  tr: readonly MotRow[],
  benchmark: MotBenchmark,
): { gt: TrackRow[]; tr: TrackRow[]; removedTracker: number } {
  if (benchmark === 'MOT15') {
    return {
      gt: motRowsToTrackRows(gt.filter((r) => r.conf !== 0)),
      tr: motRowsToTrackRows(tr),
      removedTracker: 0,
    };
  }
  const distractors = new Set<number>([
    MOT_CLASSES.person_on_vehicle,
    MOT_CLASSES.static_person,
    MOT_CLASSES.distractor,
    MOT_CLASSES.reflection,
    ...(benchmark === 'MOT20' ? [MOT_CLASSES.non_mot_vehicle] : []),
  ]);
  for (const r of gt) {
    const c = motGtClass(r);
    if (!Number.isInteger(c) || c < 1 || c > 13) {
      throw new InputError({
        what: `ground-truth class ${c} is not a MOTChallenge class (1–13)`,
        where: `frame ${r.frame}, id ${r.id}`,
        hint: `${benchmark} ground truth has 9 columns: frame,id,x,y,w,h,consider,class,visibility`,
      });
    }
  }
  const gtBy = groupBy(gt, (r) => r.frame);
  const removed = new Set<MotRow>();
  for (const [frame, trs] of groupBy(tr, (r) => r.frame)) {
    const gts = gtBy.get(frame);
    if (!gts) continue;
    // TrackEval: tracker boxes matched (Hungarian, IoU ≥ 0.5) to distractor ground truth are removed.
    const sim = trackEvalIouMatrix(
      motRowsToTrackRows(gts).map((r) => r.box),
      motRowsToTrackRows(trs).map((r) => r.box),
    );
    const { keep } = dontCareMatch(
      sim,
      gts.map((g) => distractors.has(motGtClass(g))),
      trs.length,
      0.5,
    );
    trs.forEach((r, j) => {
      if (!keep[j]) removed.add(r);
    });
  }
  return {
    gt: motRowsToTrackRows(gt.filter((r) => r.conf !== 0 && motGtClass(r) === MOT_CLASSES.pedestrian)),
    tr: motRowsToTrackRows(tr.filter((r) => !removed.has(r))),
    removedTracker: removed.size,
  };
}
