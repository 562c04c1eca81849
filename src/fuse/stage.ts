/**
 * The fuse stage: for each rig frame (in batch order) turn every confirmed 2D track into a ground measurement
 * through its camera's calibration and the frame's transforms, and feed one world tracker per feed. Fills
 * `RigResult.objects` (frame `odom`). A camera without calibration or without a transform chain is skipped with
 * an issue (the stream goes on).
 */
import type { Calibration } from '../contracts/camera.ts';
import { ViperError } from '../contracts/errors.ts';
import { frames as FRAMES } from '../contracts/topics.ts';
import { type CameraModel, cameraModel } from '../geometry/camera.ts';
import { IDENTITY_POSE, yawFromQuat } from '../geometry/quat.ts';
import { TransformTree } from '../geometry/TransformTree.ts';
import type { Stage } from '../contracts/stage.ts';
import {
  DEFAULT_MEASURE,
  emptyMeasureNotes,
  type GroundMeasurement,
  type MeasureConfig,
  type MeasureNotes,
  measureTrack,
} from './measure.ts';
import { createWorldTracker, type WorldTracker, type WorldTrackerConfig } from './worldTracker.ts';

export interface FuseStageOptions {
  /** World frame of the objects (default `odom`). */
  worldFrame?: string;
  /** Frame whose z = 0 plane is the road (default `base_link`: flat ground around the ego vehicle). */
  groundFrame?: string;
  measure?: Partial<MeasureConfig>;
  tracker?: Partial<WorldTrackerConfig>;
  /** Fuse only confirmed 2D tracks (default true). */
  confirmedOnly?: boolean;
}

export function createFuseStage(opts: FuseStageOptions = {}): Stage {
  const worldFrame = opts.worldFrame ?? FRAMES.world;
  const groundFrame = opts.groundFrame ?? FRAMES.ego;
  const measureCfg = { ...DEFAULT_MEASURE, ...opts.measure };
  const trackers = new Map<string, WorldTracker>();
  const models = new WeakMap<Calibration, CameraModel>();
  let measurements = 0;
  let skipped = 0;
  /** Feeds whose ego pose has been found; until then their objects are in the ground frame (ego at the origin). */
  const posed = new Set<string>();
  /** Per feed, where the ground frame's tree tops out when the world frame is not in it (`map`; itself: no parent). */
  const roots = new Map<string, Set<string>>();
  // For the summary: where the trees of feeds that never had an ego pose top out, and how many feeds had theirs
  // only after their first frames (a /tf stream starting later than the images).
  const unposed = () => {
    const never = [...roots].filter(([feed]) => !posed.has(feed)).flatMap(([, r]) => [...r]);
    const late = [...roots.keys()].filter((feed) => posed.has(feed)).length;
    return {
      ...(never.length > 0 ? { groundFrameRoots: [...new Set(never)].sort() } : {}),
      ...(late > 0 ? { lateEgoPoseFeeds: late } : {}),
    };
  };
  return {
    name: 'fuse',
    async process(batch) {
      for (const result of batch) {
        const { rig } = result;
        let tracker = trackers.get(rig.feedId);
        if (!tracker) {
          tracker = createWorldTracker({ ...opts.tracker, frameId: worldFrame });
          trackers.set(rig.feedId, tracker);
        }
        const ms: GroundMeasurement[] = [];
        let egoYaw: number | undefined;
        const cams = [...rig.frames].sort((a, b) =>
          a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : 0,
        );
        for (const frame of cams) {
          const tracks = (result.tracks.get(frame.cameraId) ?? []).filter(
            (t) => opts.confirmedOnly === false || t.state === 'confirmed',
          );
          if (tracks.length === 0) continue;
          const calib = frame.calibration;
          if (!calib) {
            result.issues.push({
              cameraId: frame.cameraId,
              kind: 'uncalibrated',
              message: 'no calibration: tracks not fused',
            });
            skipped++;
            continue;
          }
          let model = models.get(calib);
          if (!model) {
            try {
              model = cameraModel(calib);
            } catch (err) {
              // What is wrong and the hint, without the domain and the where (the issue names the camera).
              const message =
                err instanceof ViperError ? `${err.what}${err.hint ? ` — ${err.hint}` : ''}` : String(err);
              result.issues.push({ cameraId: frame.cameraId, kind: 'bad-calibration', message });
              skipped++;
              continue;
            }
            models.set(calib, model);
          }
          const tree = new TransformTree(frame.transforms);
          const camFrame = calib.frameId || frame.cameraId;
          const groundFromCam = tree.lookup(groundFrame, camFrame);
          if (!groundFromCam) {
            result.issues.push({
              cameraId: frame.cameraId,
              kind: 'no-transform',
              message: `no transform ${groundFrame} → ${camFrame} at this stamp: tracks not fused`,
            });
            skipped++;
            continue;
          }
          let worldFromGround = tree.lookup(worldFrame, groundFrame);
          if (worldFromGround) posed.add(rig.feedId);
          else {
            const root = tree.root(groundFrame);
            roots.set(rig.feedId, (roots.get(rig.feedId) ?? new Set()).add(root));
            result.issues.push({
              cameraId: frame.cameraId,
              kind: 'no-ego-pose',
              message: `no transform ${worldFrame} → ${groundFrame}: objects placed as if the ego were at the origin${root === groundFrame ? '' : ` (${groundFrame} is under ${root} in /tf)`}`,
            });
            worldFromGround = IDENTITY_POSE;
          }
          egoYaw ??= yawFromQuat(worldFromGround.rotation);
          const notes = emptyMeasureNotes();
          for (const t of tracks) {
            const m = measureTrack(t, model, groundFromCam, worldFromGround, measureCfg, notes);
            if (m) ms.push(m);
          }
          const issue = rollIssue(notes);
          if (issue) result.issues.push({ cameraId: frame.cameraId, kind: 'camera-roll', message: issue });
        }
        measurements += ms.length;
        const objects = tracker.update(ms, rig.tNs, egoYaw);
        // Never an ego pose (a fixed camera, or a bag without the world frame): the tracker's frame is the ground
        // frame, and the objects say so (a frame_id found nowhere in /tf places nothing in Foxglove).
        result.objects = posed.has(rig.feedId)
          ? objects
          : objects.map((o) => ({ ...o, frameId: groundFrame }));
      }
      return batch;
    },
    describe: () => ({
      worldFrame,
      groundFrame,
      feeds: trackers.size,
      measurements,
      camerasSkipped: skipped,
      ...unposed(),
    }),
  };
}

/**
 * What a rolled camera's measurements could not make good, in one line (null when nothing): boxes whose height came
 * from the class aspect prior (tilted near 45°, where the box gives only width + height: their range σ is widened),
 * and boxes at the vertical's vanishing point (not fused).
 */
export function rollIssue(notes: MeasureNotes): string | null {
  if (notes.fromPrior === 0 && notes.noVertical === 0) return null;
  const deg = ((notes.rollRad * 180) / Math.PI).toFixed(1);
  const parts: string[] = [];
  if (notes.fromPrior > 0)
    parts.push(
      `${notes.fromPrior} of ${notes.tracks} boxes tilted near 45°: height from the class aspect, range σ widened`,
    );
  if (notes.noVertical > 0)
    parts.push(`${notes.noVertical} of ${notes.tracks} boxes at the vertical's vanishing point: not fused`);
  return `camera rolled ${deg}° from the ground's vertical: ${parts.join('; ')}`;
}
