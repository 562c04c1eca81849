/**
 * Timeline state as a pure reducer: the frame shown, play/pause, speed. `tick` advances a log-time cursor by wall
 * time × speed and shows the last frame at or before it, so playback keeps the recording's pace whatever the
 * display rate; it stops at the last frame.
 */
export interface PlayerState {
  /** Frame stamps in ms relative to the first frame (sorted). */
  timesMs: readonly number[];
  index: number;
  playing: boolean;
  speed: number;
  /** Log-time cursor in ms relative to the first frame (between frames while playing). */
  cursorMs: number;
}

export type PlayerAction =
  | { type: 'load'; timesMs: readonly number[] }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'toggle' }
  | { type: 'step'; delta: number }
  | { type: 'seek'; index: number }
  | { type: 'speed'; speed: number }
  | { type: 'tick'; dtMs: number };

export const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;

export function initialPlayer(): PlayerState {
  return { timesMs: [], index: 0, playing: false, speed: 1, cursorMs: 0 };
}

function clampIndex(s: PlayerState, i: number): number {
  return Math.max(0, Math.min(s.timesMs.length - 1, Math.round(i)));
}

/** Index of the last frame with time ≤ t (0 when t is before the first). */
export function frameAt(timesMs: readonly number[], t: number): number {
  let lo = 0;
  let hi = timesMs.length - 1;
  if (hi < 0 || t < (timesMs[0] ?? 0)) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((timesMs[mid] ?? Infinity) <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

export function playerReducer(s: PlayerState, a: PlayerAction): PlayerState {
  const last = s.timesMs.length - 1;
  switch (a.type) {
    case 'load':
      return { ...s, timesMs: a.timesMs, index: 0, cursorMs: a.timesMs[0] ?? 0, playing: false };
    case 'play': {
      if (last < 0) return s;
      // Playing from the end restarts, as media players do.
      const index = s.index >= last ? 0 : s.index;
      return { ...s, playing: true, index, cursorMs: s.timesMs[index] ?? 0 };
    }
    case 'pause':
      return { ...s, playing: false };
    case 'toggle':
      return playerReducer(s, { type: s.playing ? 'pause' : 'play' });
    case 'step':
    case 'seek': {
      if (last < 0) return s;
      const index = clampIndex(s, a.type === 'step' ? s.index + a.delta : a.index);
      return { ...s, index, playing: false, cursorMs: s.timesMs[index] ?? 0 };
    }
    case 'speed':
      return a.speed > 0 ? { ...s, speed: a.speed } : s;
    case 'tick': {
      if (!s.playing || last < 0) return s;
      const cursorMs = s.cursorMs + a.dtMs * s.speed;
      const index = frameAt(s.timesMs, cursorMs);
      if (index >= last) return { ...s, index: last, cursorMs: s.timesMs[last] ?? 0, playing: false };
      return index === s.index && cursorMs === s.cursorMs ? s : { ...s, index, cursorMs };
    }
  }
}

/** Next / previous entry of SPEEDS. */
export function nextSpeed(speed: number, dir: 1 | -1): number {
  const i = SPEEDS.findIndex((v) => v >= speed);
  const cur = i < 0 ? SPEEDS.length - 1 : i;
  return SPEEDS[Math.max(0, Math.min(SPEEDS.length - 1, cur + dir))]!;
}
