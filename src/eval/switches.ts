/**
 * Where a tracker's identity switches are: the CLEAR MOT matching that `evaluateRows` scores (per camera, the
 * same don't-care handling), with each switch listed — the ground-truth object, the track it last matched
 * and the one it matches now — so an IDSW count can be followed frame by frame.
 */
import type { Box2D } from '../contracts/geometry.ts';
import { clearMot } from './clear.ts';
import { applyDontCare } from './dontCare.ts';
import type { RowsOptions } from './evaluate.ts';
import { sequenceFromRows, type TrackRow } from './rows.ts';
import type { Id } from './sequence.ts';

export interface IdSwitch {
  camera: string;
  frame: number;
  gtId: Id;
  cls?: string;
  /** The track the object matched last (any number of frames before) and the one it matches now. */
  from: Id;
  to: Id;
  gtBox: Box2D;
}

/** Every CLEAR MOT identity switch of `tr` against `gt`, by camera (sorted) and frame. */
export function idSwitches(
  gt: readonly TrackRow[],
  tr: readonly TrackRow[],
  opts: RowsOptions = {},
): IdSwitch[] {
  const threshold = opts.threshold ?? 0.5;
  const cameras = [...new Set([...gt, ...tr].map((r) => r.camera ?? ''))].sort();
  const out: IdSwitch[] = [];
  for (const camera of cameras) {
    const p = applyDontCare(
      gt.filter((r) => (r.camera ?? '') === camera),
      tr.filter((r) => (r.camera ?? '') === camera),
      { threshold, minHeightPx: opts.minHeightPx ?? 0 },
    );
    const cls = new Map(p.gt.map((r) => [r.id, r.cls]));
    const seq = sequenceFromRows(p.gt, p.tr, opts);
    const last = new Map<Id, Id>();
    clearMot(seq, {
      threshold,
      convention: opts.convention ?? 'trackeval',
      onMatch: (t, i, j, idsw) => {
        const f = seq.frames[t]!;
        const gtId = f.gtIds[i]!;
        const to = f.trIds[j]!;
        const from = last.get(gtId);
        last.set(gtId, to);
        if (!idsw || from === undefined) return;
        const c = cls.get(gtId);
        out.push({
          camera,
          frame: seq.firstFrame + t,
          gtId,
          ...(c !== undefined ? { cls: c } : {}),
          from,
          to,
          gtBox: f.gtBoxes![i]!,
        });
      },
    });
  }
  return out;
}
