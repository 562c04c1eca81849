/**
 * Where a tracker's identity switches are: the CLEAR MOT matching that `evaluateRows` scores (per camera, the
 * same don't-care handling), with each switch listed — the ground-truth object, the track it last matched
 * and the one it matches now, and whether that one is new or was taken from another object — so an IDSW count can
 * be followed frame by frame. (The listing is kept by `TrackingScorer` as CLEAR MOT's matching runs.)
 */
import type { Box2D } from '../contracts/geometry.ts';
import { type RowsOptions, rowsByFrame, TrackingScorer } from './evaluate.ts';
import type { TrackRow } from './rows.ts';
import type { Id } from './sequence.ts';

export interface IdSwitch {
  camera: string;
  frame: number;
  gtId: Id;
  cls?: string;
  /** The track the object matched last (any number of frames before) and the one it matches now. */
  from: Id;
  to: Id;
  /**
   * The object the new track matched last before this frame, and the frame it did: another object (a takeover),
   * this one (its earlier track, back), or absent where it had matched none (a new id, or a track on nothing
   * scored until now).
   */
  toBefore?: { gtId: Id; frame: number };
  gtBox: Box2D;
}

/** Every CLEAR MOT identity switch of `tr` against `gt`, by camera (sorted) and frame: as many as IDSW counts. */
export function idSwitches(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  opts: RowsOptions = {},
): IdSwitch[] {
  const s = new TrackingScorer(opts, true);
  for (const f of rowsByFrame(gt, tr)) s.frame(f.frame, f.gt, f.tr);
  return s.idSwitches();
}
