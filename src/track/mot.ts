/**
 * MOTChallenge text files: one box per line, `frame,id,x,y,w,h,score,…` with 1-based frames, (x, y) the top-left
 * corner and (w, h) the size in pixels. Detection files carry id −1; track files the track id. Detections from
 * read rows and track lines formatted as ByteTrack writes them (no file system; the CLI reads and writes).
 */
import type { ViperClass } from '../contracts/classes.ts';
import type { Detection, Track2D } from '../contracts/perception.ts';
// The rows come from io's `readMotChallenge`, the reader `viper eval` uses too.
import type { MotRow } from '../io/index.ts';

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
    list.push({ cameraId, cls, score: r.conf, box: { x1: r.x, y1: r.y, x2: r.x + r.w, y2: r.y + r.h } });
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
export function formatMotTrack(frame: number, t: Pick<Track2D, 'trackId' | 'box' | 'score'>): string {
  const w = t.box.x2 - t.box.x1;
  const h = t.box.y2 - t.box.y1;
  return [
    frame,
    t.trackId,
    pyRoundStr(t.box.x1, 1),
    pyRoundStr(t.box.y1, 1),
    pyRoundStr(w, 1),
    pyRoundStr(h, 1),
    pyRoundStr(t.score, 2),
    -1,
    -1,
    -1,
  ].join(',');
}

/** A whole track file from per-frame tracks (frames ascending, tracks in the tracker's output order). */
export function formatMotTracks(perFrame: ReadonlyMap<number, readonly Track2D[]>): string {
  const frames = [...perFrame.keys()].sort((a, b) => a - b);
  let out = '';
  for (const f of frames) for (const t of perFrame.get(f)!) out += `${formatMotTrack(f, t)}\n`;
  return out;
}
