/**
 * MOTChallenge text format (https://motchallenge.net/instructions/): one object per line,
 * `frame,id,bb_left,bb_top,bb_width,bb_height,conf,x,y,z` (1-based frames, pixels, comma separated; some files
 * use spaces). Ground-truth files reuse `conf` as the "consider" flag and may append class and visibility
 * (MOT16+: `frame,id,x,y,w,h,consider,class,visibility`); those are kept in `extra`.
 */
import { decimal, FrameIds, lineErrors, type TextReadOptions } from './lines.ts';

export interface MotRow {
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  conf: number;
  /** World coordinates, −1 when unknown. */
  wx: number;
  wy: number;
  wz: number;
  /** Columns beyond the tenth, verbatim (e.g. MOT16+ ground truth class and visibility). */
  extra?: number[];
}

const FIELDS = ['frame', 'id', 'x', 'y', 'w', 'h', 'conf', 'wx', 'wy', 'wz'] as const;

/**
 * Parse MOTChallenge text. At least 6 columns are required (frame, id, box); missing conf / x / y / z read
 * as 1 / −1 / −1 / −1. Blank lines, lines starting with '#' and one trailing comma per line (as TrackEval's
 * reader) are skipped. Frames start at 1. Throws InputError naming the line and field.
 * `viper track` and `viper eval` both read with it, so they accept and refuse the same lines.
 * Example: `readMotChallenge('1,3,10,20,30,40,1,-1,-1,-1\n')[0].w === 30`.
 */
export function readMotChallenge(text: string, opts: TextReadOptions = {}): MotRow[] {
  const rows: MotRow[] = [];
  const lines = text.split(/\r?\n/);
  const parseError = lineErrors('MOTChallenge', opts);
  const ids = new FrameIds(parseError);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const cols = line.split(line.includes(',') ? /\s*,\s*/ : /\s+/);
    if (cols.length > 6 && cols[cols.length - 1] === '') cols.pop();
    if (cols.length < 6) {
      throw parseError(`${cols.length} columns, expected at least 6`, n + 1, 'frame,id,x,y,w,h[,conf,x,y,z]');
    }
    if ((cols.length === 17 || cols.length === 18) && /^[A-Za-z_]+$/.test(cols[2] ?? '')) {
      throw parseError(
        `field x is "${cols[2]}"`,
        n + 1,
        'this looks like a KITTI tracking file: --format kitti',
      );
    }
    const v: number[] = [];
    for (let c = 0; c < cols.length; c++) {
      const x = decimal(cols[c]!);
      if (!Number.isFinite(x)) {
        const name = FIELDS[c] ?? `column ${c + 1}`;
        throw parseError(
          `field ${name} is "${cols[c]}", not a number`,
          n + 1,
          'every column is a decimal number',
        );
      }
      v.push(x);
    }
    // Beyond 2⁵³ neighbouring integers read as one number: two ids would merge, and a frame count would not end.
    if (!Number.isSafeInteger(v[0]) || !Number.isSafeInteger(v[1])) {
      throw parseError(
        `frame ${cols[0]} / id ${cols[1]} must be integers of at most 2^53`,
        n + 1,
        'frame,id come first',
      );
    }
    if (v[0]! < 1) {
      throw parseError(`frame ${cols[0]}: frames are 1-based`, n + 1, 'MOTChallenge numbers frames from 1');
    }
    if (opts.uniqueIds) ids.add(v[0]!, v[1]!, n + 1);
    if (v[4]! < 0 || v[5]! < 0) {
      throw parseError(`negative box size ${v[4]}×${v[5]}`, n + 1, 'columns 5 and 6 are width and height');
    }
    // An area or corner that overflows makes every IoU with the box NaN.
    if (
      !Number.isFinite(v[4]! * v[5]!) ||
      !Number.isFinite(v[2]! + v[4]!) ||
      !Number.isFinite(v[3]! + v[5]!)
    ) {
      throw parseError(`box ${v[2]},${v[3]} ${v[4]}×${v[5]} overflows`, n + 1, 'columns 3–6 are pixels');
    }
    const row: MotRow = {
      frame: v[0]!,
      id: v[1]!,
      x: v[2]!,
      y: v[3]!,
      w: v[4]!,
      h: v[5]!,
      conf: v[6] ?? 1,
      wx: v[7] ?? -1,
      wy: v[8] ?? -1,
      wz: v[9] ?? -1,
    };
    if (v.length > 10) row.extra = v.slice(10);
    rows.push(row);
  }
  return rows;
}

/** Write MOTChallenge text (10 columns plus any `extra`), one line per row, in the given order. */
export function writeMotChallenge(rows: readonly MotRow[]): string {
  let out = '';
  for (const r of rows) {
    const cols = [r.frame, r.id, r.x, r.y, r.w, r.h, r.conf, r.wx, r.wy, r.wz, ...(r.extra ?? [])];
    out += `${cols.map(num).join(',')}\n`;
  }
  return out;
}

/** Shortest exact decimal (JS number → string), so values read back bit-identical. */
function num(x: number): string {
  return Object.is(x, -0) ? '0' : String(x);
}
