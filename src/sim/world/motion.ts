/**
 * Longitudinal motion along a path: arc length s(t) and speed v(t) integrated at a fixed step (10 ms) from the
 * speed profile and the behaviours (stop, cross, turn, follow), with acceleration limits. Lateral lane changes
 * (cut_in) are a closed-form smoothstep offset. Everything is a pure function of the scenario: the same input
 * gives the same tables on any machine (only + − × ÷ and sqrt in the loop).
 */
import type { Behaviour, Speed } from '../scenario/schema.ts';
import { maxCurvatureAhead, type Path, pathAt } from './path.ts';

export const MOTION_DT_S = 0.01;

export interface Limits {
  accel: number;
  decel: number;
}

export interface MotionTable {
  /** Arc length at i·dt, m. */
  s: Float64Array;
  /** Speed at i·dt, m/s. */
  v: Float64Array;
  start: number;
  length: number;
}

/** Desired speed from a constant or piecewise-linear profile at time t. */
export function profileSpeed(speed: Speed, t: number): number {
  if (typeof speed === 'number') return speed;
  const first = speed[0]!;
  if (t <= first[0]) return first[1];
  for (let i = 1; i < speed.length; i++) {
    const [t1, v1] = speed[i]!;
    if (t <= t1) {
      const [t0, v0] = speed[i - 1]!;
      return v0 + ((v1 - v0) * (t - t0)) / (t1 - t0);
    }
  }
  return speed[speed.length - 1]![1];
}

/** Leader info for `follow`: its position at time t and its speed. */
type LeaderFn = (t: number) => { x: number; y: number; v: number; halfLength: number } | null;

interface MotionInput {
  path: Path;
  speed: Speed;
  behaviours: Behaviour[];
  start: number;
  duration: number;
  limits: Limits;
  halfLength: number;
  leader?: LeaderFn;
}

function desiredSpeed(m: MotionInput, t: number, s: number, v: number): number {
  let vd = profileSpeed(m.speed, t);
  for (const b of m.behaviours) {
    if (b.type === 'cross' && t < b.at) return 0;
    if (b.type === 'stop' && t >= b.at && t < b.at + b.duration) vd = 0;
    if (b.type === 'turn') {
      const ahead = (v * v) / (2 * m.limits.decel) + 3;
      const k = maxCurvatureAhead(m.path, s, ahead);
      if (k > 0) vd = Math.min(vd, Math.sqrt(b.maxLatAccel / k));
    }
    if (b.type === 'follow' && m.leader) {
      const lead = m.leader(t);
      if (lead) {
        const p = pathAt(m.path, s);
        const gap = Math.hypot(lead.x - p.x, lead.y - p.y) - lead.halfLength - m.halfLength;
        vd = Math.min(vd, Math.max(0, lead.v + 0.8 * (gap - b.gap)));
      }
    }
  }
  return vd;
}

/** Integrate s(t), v(t) on [0, duration] at MOTION_DT_S. Before `start` the actor does not move. */
export function integrateMotion(m: MotionInput): MotionTable {
  const n = Math.floor(m.duration / MOTION_DT_S + 1e-9) + 2;
  const s = new Float64Array(n);
  const v = new Float64Array(n);
  const dt = MOTION_DT_S;
  let si = 0;
  let vi = -1;
  for (let i = 0; i < n; i++) {
    const t = i * dt;
    if (t < m.start) {
      s[i] = 0;
      v[i] = 0;
      continue;
    }
    const vd = desiredSpeed(m, t, si, Math.max(vi, 0));
    if (vi < 0) {
      vi = vd; // spawn at the desired speed
    } else if (vd > vi) {
      vi = Math.min(vd, vi + m.limits.accel * dt);
    } else {
      vi = Math.max(vd, vi - m.limits.decel * dt);
    }
    if (si >= m.path.length) vi = 0;
    s[i] = si;
    v[i] = vi;
    si = Math.min(m.path.length, si + vi * dt);
  }
  return { s, v, start: m.start, length: m.path.length };
}

/** Sample a motion table at time t (linear interpolation between steps). */
export function sampleMotion(table: MotionTable, t: number): { s: number; v: number } {
  const x = t / MOTION_DT_S;
  const last = table.s.length - 1;
  const i = Math.max(0, Math.min(last - 1, Math.floor(x)));
  const f = Math.max(0, Math.min(1, x - i));
  return {
    s: table.s[i]! + (table.s[i + 1]! - table.s[i]!) * f,
    v: table.v[i]! + (table.v[i + 1]! - table.v[i]!) * f,
  };
}

/** Lateral offset (m, + left) and its rate (m/s) from cut_in behaviours at time t: smoothstep 3u² − 2u³. */
export function lateralOffset(behaviours: Behaviour[], t: number): { lat: number; rate: number } {
  let lat = 0;
  let rate = 0;
  for (const b of behaviours) {
    if (b.type !== 'cut_in') continue;
    const u = (t - b.at) / b.duration;
    if (u <= 0) continue;
    if (u >= 1) {
      lat += b.offset;
      continue;
    }
    lat += b.offset * (3 * u * u - 2 * u * u * u);
    rate += (b.offset * (6 * u - 6 * u * u)) / b.duration;
  }
  return { lat, rate };
}
