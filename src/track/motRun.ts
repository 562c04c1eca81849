/**
 * Run a 2D tracker over a MOTChallenge detection sequence: one `update` per frame from frame 1 to the last frame
 * of the file (frames without detections are empty updates, so the lost buffer counts real frames). Once the
 * tracker holds no track, empty frames change nothing but the frame number, which the next update is given, so
 * the run skips to the next frame with detections: a file whose frame numbers jump to 10⁸ costs what its rows do.
 */
import type { Track2D } from '../contracts/perception.ts';
import type { TrackerConfig } from './config.ts';
import type { MotRow } from '../io/index.ts';
import { motToDetections } from './mot.ts';
import { createTracker } from './tracker.ts';

export interface MotRunOptions {
  /** Drop output boxes with w·h ≤ this (ByteTrack's demo: 10; 0 keeps all). */
  minBoxArea?: number;
  /** Drop output boxes with w/h > this (ByteTrack's demo: 1.6 for pedestrians; Infinity keeps all). */
  aspectRatioThresh?: number;
}

export interface MotRunResult {
  /** Tracks reported per frame (frames with none left out). */
  perFrame: Map<number, Track2D[]>;
  frames: number;
  detections: number;
  boxes: number;
  /** Track boxes the output filters (`minBoxArea`, `aspectRatioThresh`) removed. */
  filtered: number;
  ids: number;
}

/**
 * The tracks reported at each frame, as the run goes (frames whose tracks the output filters left empty included,
 * so a caller can count progress and stop between frames).
 */
export function* trackMotFrames(
  rows: readonly MotRow[],
  config: Partial<TrackerConfig> = {},
  opts: MotRunOptions = {},
): Generator<{ frame: number; tracks: Track2D[]; filtered: number }> {
  const tracker = createTracker(config);
  const byFrame = motToDetections(rows);
  const lastFrame = lastMotFrame(rows);
  const minArea = opts.minBoxArea ?? 0;
  const maxAspect = opts.aspectRatioThresh ?? Infinity;
  const withDetections = [...byFrame.keys()].sort((a, b) => a - b);
  let next = 0; // index of the first frame with detections not yet passed
  for (let f = 1; f <= lastFrame; f++) {
    while (next < withDetections.length && withDetections[next]! < f) next++;
    // Frame 1 is always an update: the tracker counts frames from its first one (ByteTrack activates new tracks
    // at once only there, SORT reports early tracks until min_hits), so it must be frame 1.
    if (f > 1 && !byFrame.has(f) && tracker.idle()) {
      if (next >= withDetections.length) break;
      f = withDetections[next]!;
    }
    const all = tracker.update(byFrame.get(f) ?? [], undefined, f);
    const tracks = all.filter((t) => {
      const w = t.box.x2 - t.box.x1;
      const h = t.box.y2 - t.box.y1;
      return w * h > minArea && !(w / h > maxAspect);
    });
    yield { frame: f, tracks, filtered: all.length - tracks.length };
  }
}

/** Collects the run's tracks per frame and its counts (`frames`: the frames tracked, to the last one given). */
export class MotRunCollector {
  readonly perFrame = new Map<number, Track2D[]>();
  private readonly ids = new Set<number>();
  private boxes = 0;
  private filtered = 0;
  private lastFrame = 0;

  add(frame: number, tracks: Track2D[], filtered = 0): void {
    if (tracks.length > 0) this.perFrame.set(frame, tracks);
    this.boxes += tracks.length;
    this.filtered += filtered;
    this.lastFrame = frame;
    for (const t of tracks) this.ids.add(t.trackId);
  }

  result(frames: number, detections: number): MotRunResult {
    return {
      perFrame: this.perFrame,
      frames,
      detections,
      boxes: this.boxes,
      filtered: this.filtered,
      ids: this.ids.size,
    };
  }

  get framesDone(): number {
    return this.lastFrame;
  }
}

/** The last frame number of a MOTChallenge file (0 when it has no rows). */
export function lastMotFrame(rows: readonly { frame: number }[]): number {
  return rows.reduce((m, r) => Math.max(m, r.frame), 0);
}

export function trackMotSequence(
  rows: readonly MotRow[],
  config: Partial<TrackerConfig> = {},
  opts: MotRunOptions = {},
): MotRunResult {
  const run = new MotRunCollector();
  for (const { frame, tracks, filtered } of trackMotFrames(rows, config, opts))
    run.add(frame, tracks, filtered);
  return run.result(lastMotFrame(rows), rows.length);
}
