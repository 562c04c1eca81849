/**
 * A route as an arc-length parametrised path: straight pieces joined by circular fillets of radius `r`
 * (r = 0 keeps sharp corners). `pathAt(path, s)` gives position, heading and curvature at arc length s,
 * clamped to [0, length]. Pure; Math.sin/cos/atan2 are used per query (per object, never per pixel).
 */
import type { Vec2 } from '../scenario/schema.ts';

type Piece =
  | { kind: 'line'; s0: number; len: number; x: number; y: number; dx: number; dy: number }
  | { kind: 'arc'; s0: number; len: number; cx: number; cy: number; r: number; a0: number; dir: 1 | -1 };

export interface Path {
  pieces: Piece[];
  length: number;
  /** Heading used when the path is a single point (radians). */
  heading0: number;
  start: Vec2;
}

interface PathPoint {
  x: number;
  y: number;
  /** Heading, radians counter-clockwise from +x. */
  yaw: number;
  /** Signed curvature 1/m (+ = turning left). */
  curvature: number;
}

/**
 * Points closer than this (m) are one point, and a fillet needs a radius above it: with points 1e-323 apart
 * (property tests try such) the fillet radius underflowed to 0 and the path's positions became NaN.
 */
const EPS_M = 1e-9;

/** Build a path through `points` with corners rounded by `radius` (shrunk where segments are short). */
export function buildPath(points: Vec2[], radius: number, heading0 = 0): Path {
  const pts: Vec2[] = [];
  for (const p of points) {
    const last = pts[pts.length - 1];
    if (!last || Math.hypot(p[0] - last[0], p[1] - last[1]) > EPS_M) pts.push(p);
  }
  const pieces: Piece[] = [];
  if (pts.length < 2) return { pieces, length: 0, heading0, start: pts[0] ?? [0, 0] };
  let s = 0;
  let cur: Vec2 = pts[0]!;
  for (let i = 1; i < pts.length; i++) {
    const p = pts[i]!;
    const next = pts[i + 1];
    let end: Vec2 = p;
    let arc: Piece | null = null;
    if (next && radius > 0) {
      const l1 = Math.hypot(p[0] - cur[0], p[1] - cur[1]);
      const l2 = Math.hypot(next[0] - p[0], next[1] - p[1]);
      const ux = (p[0] - cur[0]) / l1;
      const uy = (p[1] - cur[1]) / l1;
      const vx = (next[0] - p[0]) / l2;
      const vy = (next[1] - p[1]) / l2;
      const cross = ux * vy - uy * vx;
      const theta = Math.atan2(Math.abs(cross), ux * vx + uy * vy);
      const tanHalf = Math.tan(theta / 2);
      const d = Math.min(radius * tanHalf, l1 * 0.999, (l2 / 2) * 0.999);
      const r = d / tanHalf;
      if (theta > 1e-6 && r > EPS_M) {
        end = [p[0] - ux * d, p[1] - uy * d];
        const dir: 1 | -1 = cross > 0 ? 1 : -1;
        // Centre is on the turning side of the incoming direction.
        const cx = end[0] - uy * r * dir;
        const cy = end[1] + ux * r * dir;
        arc = {
          kind: 'arc',
          s0: 0,
          len: r * theta,
          cx,
          cy,
          r,
          a0: Math.atan2(end[1] - cy, end[0] - cx),
          dir,
        };
      }
    }
    const len = Math.hypot(end[0] - cur[0], end[1] - cur[1]);
    if (len > 0) {
      pieces.push({
        kind: 'line',
        s0: s,
        len,
        x: cur[0],
        y: cur[1],
        dx: (end[0] - cur[0]) / len,
        dy: (end[1] - cur[1]) / len,
      });
      s += len;
    }
    if (arc) {
      arc.s0 = s;
      pieces.push(arc);
      s += arc.len;
      const a = arc.a0 + (arc.dir * arc.len) / arc.r;
      cur = [arc.cx + arc.r * Math.cos(a), arc.cy + arc.r * Math.sin(a)];
    } else {
      cur = end;
    }
  }
  return { pieces, length: s, heading0, start: pts[0]! };
}

/** Position, heading and curvature at arc length `s` (clamped). */
export function pathAt(path: Path, s: number): PathPoint {
  if (path.pieces.length === 0)
    return { x: path.start[0], y: path.start[1], yaw: path.heading0, curvature: 0 };
  let piece = path.pieces[0]!;
  for (const p of path.pieces) {
    piece = p;
    if (s < p.s0 + p.len) break;
  }
  const u = Math.max(0, Math.min(piece.len, s - piece.s0));
  if (piece.kind === 'line') {
    return {
      x: piece.x + piece.dx * u,
      y: piece.y + piece.dy * u,
      yaw: Math.atan2(piece.dy, piece.dx),
      curvature: 0,
    };
  }
  const a = piece.a0 + (piece.dir * u) / piece.r;
  return {
    x: piece.cx + piece.r * Math.cos(a),
    y: piece.cy + piece.r * Math.sin(a),
    yaw: a + (piece.dir * Math.PI) / 2,
    curvature: piece.dir / piece.r,
  };
}

/** Largest |curvature| within arc lengths [s, s + ahead]. */
export function maxCurvatureAhead(path: Path, s: number, ahead: number): number {
  let k = 0;
  for (const p of path.pieces) {
    if (p.kind !== 'arc') continue;
    if (p.s0 + p.len < s || p.s0 > s + ahead) continue;
    k = Math.max(k, 1 / p.r);
  }
  return k;
}
