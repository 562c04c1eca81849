/**
 * KITTI tracking label / result format (devkit_tracking readme): one object per line, space separated,
 * `frame track_id type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y [score]`
 * (0-based frames, pixel box corners, 3D dimensions and location in metres in camera coordinates).
 */
import { InputError } from '../../contracts/errors.ts';
import type { TrackRow } from '../rows.ts';
import { decimal, FrameIds, lineErrors, type TextReadOptions } from '../../io/index.ts';

export interface KittiRow {
  frame: number;
  /** −1 for `DontCare` regions. */
  trackId: number;
  /** One of `KITTI_TYPES` in any case, as written (`Car`, `Van`, …, `Person`, `DontCare`; a tracker's `car`). */
  type: string;
  truncated: number;
  occluded: number;
  alpha: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** 3D height, width, length (m). */
  h: number;
  w: number;
  l: number;
  /** 3D location (m) in camera coordinates. */
  x: number;
  y: number;
  z: number;
  ry: number;
  /** Results only. */
  score?: number;
}

/**
 * The types KITTI files use, lower-cased: the object devkit's, and `person` of the tracking labels (a person
 * sitting, TrackEval's pedestrian distractor). Matched without case, as TrackEval matches them (a tracker's `car`
 * is KITTI's `Car`); anything else is a typo, which would be scored as a class of its own.
 */
const KITTI_TYPES = [
  'car',
  'van',
  'truck',
  'pedestrian',
  'person_sitting',
  'person',
  'cyclist',
  'tram',
  'misc',
  'dontcare',
] as const;

/** A DontCare region, whatever its case. */
export const isDontCare = (type: string): boolean => type.toLowerCase() === 'dontcare';

const NUMERIC = [
  'frame',
  'trackId',
  'type',
  'truncated',
  'occluded',
  'alpha',
  'x1',
  'y1',
  'x2',
  'y2',
  'h',
  'w',
  'l',
  'x',
  'y',
  'z',
  'ry',
  'score',
] as const;

/**
 * Parse KITTI tracking text (17 columns, or 18 with a score). Throws InputError naming the line and
 * field. Example: `readKitti('0 1 Car 0 0 -1.5 10 20 50 60 1.5 1.6 4 1 2 10 0\n')[0].type === 'Car'`.
 */
export function readKitti(text: string, opts: TextReadOptions = {}): KittiRow[] {
  const parseError = lineErrors('KITTI', opts);
  const rows: KittiRow[] = [];
  const lines = text.split(/\r?\n/);
  const ids = new FrameIds(parseError, 'track_id');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '') continue;
    const cols = line.split(/\s+/);
    if (cols.length !== 17 && cols.length !== 18) {
      throw parseError(
        `${cols.length} columns, expected 17 or 18`,
        n + 1,
        line.includes(',')
          ? 'KITTI is space separated; a comma-separated file is MOTChallenge: --format mot'
          : 'frame track_id type truncated occluded alpha x1 y1 x2 y2 h w l x y z rotation_y [score]',
      );
    }
    const v: number[] = [];
    for (let c = 0; c < cols.length; c++) {
      if (c === 2) {
        v.push(0);
        continue;
      }
      const x = decimal(cols[c]!);
      if (!Number.isFinite(x)) {
        throw parseError(`field ${NUMERIC[c]} is "${cols[c]}", not a number`, n + 1, 'see the KITTI readme');
      }
      v.push(x);
    }
    // Beyond 2⁵³ neighbouring integers read as one number, so two ids would merge.
    if (!Number.isSafeInteger(v[0]) || !Number.isSafeInteger(v[1])) {
      throw parseError(
        `frame ${cols[0]} / track_id ${cols[1]} must be integers of at most 2^53`,
        n + 1,
        'frame and track_id come first',
      );
    }
    if (v[0]! < 0) {
      throw parseError(`frame ${cols[0]}: frames are 0-based`, n + 1, 'KITTI numbers frames from 0');
    }
    if (!(KITTI_TYPES as readonly string[]).includes(cols[2]!.toLowerCase())) {
      throw parseError(
        `type "${cols[2]}" is not a KITTI type`,
        n + 1,
        `one of ${KITTI_TYPES.join(', ')} (any case)`,
      );
    }
    if (v[8]! < v[6]! || v[9]! < v[7]!) {
      throw parseError(
        `box ${v[6]},${v[7]} → ${v[8]},${v[9]} has x2 < x1 or y2 < y1`,
        n + 1,
        'columns 7–10 are left, top, right, bottom',
      );
    }
    // An area that overflows makes every IoU with the box NaN.
    if (!Number.isFinite((v[8]! - v[6]!) * (v[9]! - v[7]!))) {
      throw parseError(`box ${v[6]},${v[7]} → ${v[8]},${v[9]} overflows`, n + 1, 'columns 7–10 are pixels');
    }
    // DontCare regions (track −1) may be many in one frame.
    if (opts.uniqueIds && v[1]! >= 0 && !isDontCare(cols[2]!)) ids.add(v[0]!, v[1]!, n + 1);
    const row: KittiRow = {
      frame: v[0]!,
      trackId: v[1]!,
      type: cols[2]!,
      truncated: v[3]!,
      occluded: v[4]!,
      alpha: v[5]!,
      x1: v[6]!,
      y1: v[7]!,
      x2: v[8]!,
      y2: v[9]!,
      h: v[10]!,
      w: v[11]!,
      l: v[12]!,
      x: v[13]!,
      y: v[14]!,
      z: v[15]!,
      ry: v[16]!,
    };
    if (cols.length === 18) row.score = v[17]!;
    rows.push(row);
  }
  return rows;
}

/** Write KITTI tracking text, one line per row, with the score column when a row has one. */
export function writeKitti(rows: readonly KittiRow[]): string {
  let out = '';
  for (const r of rows) {
    if (/\s/.test(r.type) || r.type === '') {
      throw new InputError({
        what: `type "${r.type}" is empty or has whitespace`,
        where: `frame ${r.frame}, track ${r.trackId}`,
      });
    }
    const cols: (number | string)[] = [r.frame, r.trackId, r.type, r.truncated, r.occluded, r.alpha];
    cols.push(r.x1, r.y1, r.x2, r.y2, r.h, r.w, r.l, r.x, r.y, r.z, r.ry);
    if (r.score !== undefined) cols.push(r.score);
    out += `${cols.map((c) => (typeof c === 'number' && Object.is(c, -0) ? '0' : String(c))).join(' ')}\n`;
  }
  return out;
}

/** KITTI types (lower-cased) as Viper classes; types without a Viper counterpart keep their KITTI name. */
const KITTI_TO_VIPER: Readonly<Record<string, string>> = {
  car: 'car',
  van: 'car',
  truck: 'truck',
  pedestrian: 'pedestrian',
  person_sitting: 'pedestrian',
  person: 'pedestrian',
  cyclist: 'cyclist',
};

/**
 * KITTI rows as evaluator rows. `DontCare` regions (track −1) are left out: they are not objects;
 * `preprocessKitti` (kittiPreprocess.ts) removes the tracker boxes that lie on them, as TrackEval does.
 */
export function kittiRowsToTrackRows(rows: readonly KittiRow[]): TrackRow[] {
  return rows
    .filter((r) => !isDontCare(r.type) && r.trackId >= 0)
    .map((r) => {
      const t: TrackRow = {
        frame: r.frame,
        id: r.trackId,
        box: { x1: r.x1, y1: r.y1, x2: r.x2, y2: r.y2 },
        cls: KITTI_TO_VIPER[r.type.toLowerCase()] ?? r.type.toLowerCase(),
      };
      if (r.score !== undefined) t.score = r.score;
      return t;
    });
}
