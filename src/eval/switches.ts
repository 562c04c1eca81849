/**
 * Where a tracker's identity switches are: the CLEAR MOT matching that `evaluateRows` scores (per camera, the
 * same don't-care handling), with each switch listed — the ground-truth object, the track it last matched
 * and the one it matches now, and whether that one is new or was taken from another object — so an IDSW count can
 * be followed frame by frame.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { clearMot } from './clear.ts';
import { byCamera, camerasOf, type RowsOptions, scoredSequence } from './evaluate.ts';
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
  const out: IdSwitch[] = [];
  for (const camera of camerasOf(gt, tr)) {
    const { seq, frames, gt: kept } = scoredSequence(byCamera(gt, camera), byCamera(tr, camera), opts);
    const cls = new Map(kept.map((r) => [r.id, r.cls]));
    const last = new Map<Id, Id>();
    // Each track's last object and frame, for `toBefore`.
    const owner = new Map<Id, { gtId: Id; frame: number }>();
    clearMot(seq, {
      threshold: opts.threshold ?? 0.5,
      convention: opts.convention ?? 'trackeval',
      onMatch: (t, i, j, idsw) => {
        const f = frames.frames[t]!;
        const gtId = f.gtIds[i]!;
        const to = f.trIds[j]!;
        const from = last.get(gtId);
        last.set(gtId, to);
        const frame = frames.frameNumbers[t]!;
        const before = owner.get(to);
        owner.set(to, { gtId, frame });
        if (!idsw || from === undefined) return;
        const c = cls.get(gtId);
        out.push({
          camera,
          frame,
          gtId,
          ...(c !== undefined ? { cls: c } : {}),
          from,
          to,
          ...(before ? { toBefore: before } : {}),
          gtBox: f.gtBoxes![i]!,
        });
      },
    });
  }
  return out;
}
