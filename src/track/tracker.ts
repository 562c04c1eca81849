/** `createTracker`: one single-camera 2D tracker (ByteTrack or SORT) behind one small interface. */
import type { TimeNs } from '../contracts/time.ts';
import type { Detection, Track2D } from '../contracts/perception.ts';
import { ByteTracker } from './bytetrack.ts';
import { parseTrackerConfig, type TrackerConfig } from './config.ts';
import type { GroundObs } from './ground.ts';
import { SortTracker } from './sort.ts';
import type { CameraMotion } from './strack.ts';

export interface Tracker {
  readonly config: TrackerConfig;
  /**
   * Process one frame's detections; returns the tracks reported this frame (confirmed and updated now, as the
   * reference outputs them). `frameIndex` (any monotonic frame number) lets skipped frames count: the filter
   * predicts once per elapsed frame and the lost buffer ages accordingly; without it each call is one frame.
   * `ground` (ByteTrack with `groundGate`, needs `tNs`): each detection's ground point in the world frame, or
   * null where it has none (see ground.ts). `colours` (ByteTrack with `appearanceWeight`): each detection's colour
   * descriptor (appearance.ts `boxColours`) or null.
   */
  update(
    dets: readonly Detection[],
    tNs?: TimeNs,
    frameIndex?: number,
    ground?: readonly (GroundObs | null)[],
    colours?: readonly (Float32Array | null)[],
  ): Track2D[];
  /** Every live track with its state (confirmed, tentative, lost). */
  tracks(): Track2D[];
  /**
   * True when the tracker holds no track at all (ByteTrack's lost list can still hold a track pruned in the last
   * frame, as the reference's does for one more association): an empty frame then changes nothing but the frame
   * number.
   */
  idle(): boolean;
  /**
   * Camera-motion compensation hook, before `update`: a 2×3 affine [a, b, tx, c, d, ty] from the previous image to
   * this one for every track, or a function giving each track's own from its Kalman box (null: leave it), as
   * egoMotion.ts's `egoMotionWarper` does for depth-dependent parallax.
   */
  applyCameraMotion(warp: CameraMotion): void;
  /** Frames processed so far (the reference's frame_id). */
  readonly frameId: number;
}

/**
 * Example: `const t = createTracker({ kind: 'bytetrack', frameRate: 10 }); const tracks = t.update(dets, tNs);`
 */
export function createTracker(config: Partial<TrackerConfig> = {}): Tracker {
  const cfg = parseTrackerConfig(config);
  const impl = cfg.kind === 'sort' ? new SortTracker(cfg) : new ByteTracker(cfg);
  let lastFrame: number | undefined;
  return {
    config: cfg,
    update(dets, tNs, frameIndex, ground, colours) {
      let steps = 1;
      if (frameIndex !== undefined) {
        if (lastFrame !== undefined && frameIndex > lastFrame) steps = frameIndex - lastFrame;
        lastFrame = frameIndex;
      }
      if (impl instanceof ByteTracker) {
        const g = ground && tNs !== undefined ? { points: ground, tS: Number(tNs) / 1e9 } : undefined;
        return impl.update(dets, steps, g, colours);
      }
      return impl.update(dets, steps);
    },
    tracks: () => impl.tracks(),
    idle: () => impl.idle(),
    applyCameraMotion: (w) => impl.applyCameraMotion(w),
    get frameId() {
      return impl.frameId;
    },
  };
}
