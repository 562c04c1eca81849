/**
 * MOTChallenge text files: one box per line, `frame,id,x,y,w,h,score,…` with 1-based frames, (x, y) the top-left
 * corner and (w, h) the size in pixels. Detection files carry id −1; track files the track id. Pure parsing and
 * formatting (no file system); the CLI reads and writes the files.
 */
import type { ViperClass } from '../contracts/classes.ts';
import { ConfigError } from '../contracts/errors.ts';
import type { Detection, Track2D } from '../contracts/perception.ts';

export interface MotRow {
  frame: number;
  id: number;
  x: number;
  y: number;
  w: number;
  h: number;
  score: number;
}

/**
 * Parse a MOTChallenge det/gt/track file; blank lines and lines starting with '#' are skipped, and so is one
 * trailing comma per line. Missing scores read as 1; a score column that is there must be a number.
 */
export function parseMot(text: string, where = 'MOT file'): MotRow[] {
  const rows: MotRow[] = [];
  const lines = text.split(/\r?\n/);
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    // Commas, else whitespace: an empty field (`1,,2`) must not shift the columns after it.
    const cols = line.split(line.includes(',') ? /\s*,\s*/ : /\s+/);
    if (cols.length > 6 && cols[cols.length - 1] === '') cols.pop();
    const f = cols.map((c) => (c === '' ? Number.NaN : Number(c)));
    if (f.length < 6 || f.slice(0, 6).some((x) => !Number.isFinite(x))) {
      throw new ConfigError({
        what: `line ${n + 1} is not 'frame,id,x,y,w,h,score,…': "${line.slice(0, 80)}"`,
        where,
        hint: 'MOTChallenge format: comma-separated numbers, 1-based frames',
      });
    }
    const frame = f[0]!;
    // Past 2⁵³ frame + 1 === frame, and the run over frames would not end.
    if (!Number.isSafeInteger(frame) || frame < 1) {
      throw new ConfigError({
        what: `line ${n + 1}: frame ${cols[0]} is not a 1-based integer of at most 2^53`,
        where,
      });
    }
    if (f[4]! < 0 || f[5]! < 0) {
      throw new ConfigError({
        what: `line ${n + 1}: negative box size ${f[4]}×${f[5]}`,
        where,
        hint: 'columns 5 and 6 are width and height',
      });
    }
    // A NaN or infinite score used to read as 1: a sure detection out of a broken one.
    if (f.length > 6 && !Number.isFinite(f[6])) {
      throw new ConfigError({ what: `line ${n + 1}: score "${cols[6]}" is not a number`, where });
    }
    rows.push({
      frame,
      id: f[1]!,
      x: f[2]!,
      y: f[3]!,
      w: f[4]!,
      h: f[5]!,
      score: f.length > 6 ? f[6]! : 1,
    });
  }
  return rows;
}

/** Group rows into detections per frame (file order kept within a frame). */
export function motToDetections(
  rows: readonly MotRow[],
  cameraId = 'camera',
  cls: ViperClass = 'pedestrian',
): Map<number, Detection[]> {
  const byFrame = new Map<number, Detection[]>();
  for (const r of rows) {
    let list = byFrame.get(r.frame);
    if (!list) {
      list = [];
      byFrame.set(r.frame, list);
    }
    list.push({ cameraId, cls, score: r.score, box: { x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h } });
  }
  return byFrame;
}

/**
 * `str(round(x, nd))` for a numpy float64, as the reference's writer produces it: numpy rounds by scaling,
 * rounding half to even and scaling back (`np.round`: rint(x·10ⁿᵈ)/10ⁿᵈ), and prints the shortest repr with a
 * trailing `.0` for integral values.
 */
export function pyRoundStr(x: number, nd: number): string {
  const scale = 10 ** nd;
  const y = x * scale;
  let r = Math.round(y);
  if (r - y === 0.5 && r % 2 !== 0) r -= 1; // Math.round rounds .5 up; rint rounds half to even
  const v = r / scale;
  if (Object.is(v, -0) || (v === 0 && x < 0)) return '-0.0';
  // Python's repr turns to exponent form from 1e16 (JS only from 1e21), and adds no `.0` there.
  if (Math.abs(v) >= 1e16) return v.toExponential();
  return Number.isInteger(v) ? `${v}.0` : String(v);
}

/**
 * One track line as ByteTrack's MOT writer formats it (numpy values):
 * `{frame},{id},{round(x1,1)},{round(y1,1)},{round(w,1)},{round(h,1)},{round(s,2)},-1,-1,-1`.
 */
export function formatMotTrack(
  frame: number,
  t: Pick<Track2D, 'trackId' | 'box' | 'score'>,
  boxDecimals = 1,
): string {
  const w = t.box.x2 - t.box.x1;
  const h = t.box.y2 - t.box.y1;
  return [
    frame,
    t.trackId,
    pyRoundStr(t.box.x1, boxDecimals),
    pyRoundStr(t.box.y1, boxDecimals),
    pyRoundStr(w, boxDecimals),
    pyRoundStr(h, boxDecimals),
    pyRoundStr(t.score, 2),
    -1,
    -1,
    -1,
  ].join(',');
}

/** A whole track file from per-frame tracks (frames ascending, tracks in the tracker's output order). */
export function formatMotTracks(perFrame: ReadonlyMap<number, readonly Track2D[]>, boxDecimals = 1): string {
  const frames = [...perFrame.keys()].sort((a, b) => a - b);
  let out = '';
  for (const f of frames) for (const t of perFrame.get(f)!) out += `${formatMotTrack(f, t, boxDecimals)}\n`;
  return out;
}
