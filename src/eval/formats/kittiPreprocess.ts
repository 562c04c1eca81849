/**
 * KITTI's DontCare regions applied as TrackEval applies them (`kitti_2d_box.py`, its "crowd ignore regions"):
 * per frame and class, tracker boxes are first matched (Hungarian, IoU ≥ 0.5) to that class's ground truth;
 * a tracker box left unmatched that lies more than half inside a DontCare region (intersection over the tracker
 * box's own area > 0.5) is removed — neither a true nor a false positive. The regions are never ground truth
 * themselves (no misses on them).
 */
import type { Box2D } from '../../contracts/geometry.ts';
import { dontCareMatch } from '../dontCare.ts';
import { groupBy, type TrackRow } from '../rows.ts';
import { EPS, trackEvalIouMatrix } from '../sequence.ts';
import { isDontCare, type KittiRow, kittiRowsToTrackRows } from './kitti.ts';

const isRegion = (r: KittiRow) => isDontCare(r.type);
const boxOf = (r: KittiRow): Box2D => ({ x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 });

/** Intersection of `a` and `region` over the area of `a` (TrackEval's `do_ioa`); 0 for an empty `a`. */
export function intersectionOverArea(a: Box2D, region: Box2D): number {
  const area = (a.x2 - a.x1) * (a.y2 - a.y1);
  if (area <= EPS) return 0;
  const iw = Math.max(Math.min(a.x2, region.x2) - Math.max(a.x1, region.x1), 0);
  const ih = Math.max(Math.min(a.y2, region.y2) - Math.max(a.y1, region.y1), 0);
  return (iw * ih) / area;
}

/** Rows ready to score: the tracker's boxes on DontCare regions removed, the regions themselves left out. */
export function preprocessKitti(
  gt: readonly KittiRow[],
  tr: readonly KittiRow[],
): { gt: TrackRow[]; tr: TrackRow[]; removedTracker: number } {
  const trRows = kittiRowsToTrackRows(tr);
  const gtRows = kittiRowsToTrackRows(gt);
  const regionsBy = new Map<number, Box2D[]>();
  for (const [frame, rows] of groupBy(gt.filter(isRegion), (r) => r.frame))
    regionsBy.set(frame, rows.map(boxOf));
  if (regionsBy.size === 0) return { gt: gtRows, tr: trRows, removedTracker: 0 };
  const key = (r: TrackRow) => `${r.frame}\u0000${r.cls ?? ''}`;
  const gtBy = groupBy(gtRows, key);
  const removed = new Set<TrackRow>();
  for (const [k, trs] of groupBy(trRows, key)) {
    const regions = regionsBy.get(trs[0]!.frame);
    if (!regions) continue;
    const gts = gtBy.get(k) ?? [];
    const { matchedGt } = dontCareMatch(
      trackEvalIouMatrix(
        gts.map((r) => r.box),
        trs.map((r) => r.box),
      ),
      gts.map(() => false),
      trs.length,
      0.5,
    );
    trs.forEach((r, j) => {
      if (matchedGt[j] === null && regions.some((g) => intersectionOverArea(r.box, g) > 0.5 + EPS))
        removed.add(r);
    });
  }
  return { gt: gtRows, tr: trRows.filter((r) => !removed.has(r)), removedTracker: removed.size };
}
