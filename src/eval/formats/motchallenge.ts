/** MOTChallenge rows (read and written by `src/io/text/motchallenge.ts`) as evaluator rows and back. */
import { InputError } from '../../contracts/errors.ts';
import type { MotRow } from '../../io/index.ts';
import type { TrackRow } from '../rows.ts';

/** MOTChallenge rows as evaluator rows (box corners; `conf` becomes the score). */
export function motRowsToTrackRows(rows: readonly MotRow[]): TrackRow[] {
  return rows.map((r) => ({
    frame: r.frame,
    id: r.id,
    box: { x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h },
    score: r.conf,
  }));
}

/** Evaluator rows as MOTChallenge rows (world coordinates −1). */
export function trackRowsToMotRows(rows: readonly TrackRow[]): MotRow[] {
  return rows.map((r) => {
    if (typeof r.id !== 'number') {
      throw new InputError({
        what: `id "${r.id}" is not a number`,
        where: `frame ${r.frame}`,
        hint: 'MOTChallenge ids are integers',
      });
    }
    return {
      frame: r.frame,
      id: r.id,
      x: r.box.x1,
      y: r.box.y1,
      w: r.box.x2 - r.box.x1,
      h: r.box.y2 - r.box.y1,
      conf: r.score ?? 1,
      wx: -1,
      wy: -1,
      wz: -1,
    };
  });
}
