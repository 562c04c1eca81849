/**
 * The track stage: one 2D tracker per (feed, camera), fed with `RigResult.detections` frame by frame in batch
 * order (so results do not depend on batch size), filling `RigResult.tracks`. Classes are handled by class-gated
 * association inside one tracker per camera (`classAware`, default on): a detection never continues a track of
 * another class, and ids come from one counter per camera. Each camera's tracker gets that camera's image width
 * (calibration, else image header) for the field-of-view exit rule, unless `config.imageWidth` is given (0: off).
 */
import type { Calibration, CameraFrame, RgbPixels } from '../contracts/camera.ts';
import type { ViperClass } from '../contracts/classes.ts';
import type { Detection } from '../contracts/perception.ts';
import type { Stage } from '../contracts/stage.ts';
import { frames as FRAMES } from '../contracts/topics.ts';
import { type CameraModel, cameraModel } from '../geometry/camera.ts';
import { TransformTree } from '../geometry/TransformTree.ts';
import { boxColours, decodeRgb } from './appearance.ts';
import { groundKind, type TrackerConfig } from './config.ts';
import { DEFAULT_GROUND_NOISE, type GroundNoise, type GroundObs, groundObservation } from './ground.ts';
import { createTracker, type Tracker } from './tracker.ts';

export interface TrackStageOptions {
  kind: 'bytetrack' | 'sort';
  config?: Partial<TrackerConfig>;
}

/**
 * Stage defaults on top of the tracker's (reference) defaults; `viper track` (reference mode) does not use the
 * stage. Measured with the oracle detector on the bundled scenarios (10 Hz, six cameras):
 * - `outputBox: 'detection'`: ByteTrack's per-frame Kalman box lags fast boxes in the side cameras, costing IoU
 *   matches and fused range (overtaking: 2D FP 17 → 0, hand-off 56 % → 89 % of the car's frames);
 * - `matchThresh: 0.95`: the reference's 0.8 (first association needs IoU·score ≥ 0.2) is tuned for 30 fps; at
 *   10 Hz boxes move 3× as far per frame (id switches: dense_plaza 56 → 38, urban_intersection 5 → 1,
 *   rain_noise 5 → 1);
 * - `buffer: 0.3`, `unconfirmedBuffer: 0.5` (C-BIoU's buffered IoU): at 10 Hz a distant pedestrian (5–10 px
 *   wide) or a crossing motorcycle moves about its own width per frame, so its boxes in consecutive frames
 *   barely overlap; a track born in one frame has no velocity yet and was never confirmed (urban_intersection:
 *   a motorcycle and a pedestrian in cam_back_left never got a track). Widening both boxes by 30 % (50 % for
 *   the one-frame tracks) before the IoU: IDF1 dense_plaza 88.3 → 92.6 %, urban_intersection 89.5 → 94.1 %,
 *   night_street 88.7 → 90.3 %; id switches over the suite 43 → 36 (with the 8 px don't-care rule in both);
 * - the field-of-view exit rule (`imageWidth`, set per camera from its image): pedestrians and cars leave a
 *   camera through its side edges all the time in driving data, and ByteTrack keeps the lost track at the edge
 *   for the whole buffer, where it took the next object coming in at that edge (dense_plaza: one track id
 *   handed along five pedestrians walking out of cam_front; urban_intersection: a pedestrian's id passed to a
 *   car). Id switches 36 → 31, IDF1 dense_plaza 92.6 → 92.8 %, urban_intersection 94.1 → 95.7 %, no scenario
 *   worse.
 * - `recoverGate: 9.4877` (motion-gated recovery: DeepSORT's Mahalanobis gate, chi-square 95 % for 4 dof, and its
 *   matching cascade): tracks the two associations left unmatched are matched to the leftover high-score
 *   detections by the Mahalanobis distance from their Kalman prediction, whose covariance grows while they are
 *   lost, the most recently seen first (distant pedestrians re-appearing off their IoU prediction after 1–2 s
 *   behind others: id switches 31 → 23, IDF1 night_street 90.3 → 96.2 %, rain_noise 94.4 → 96.9 %,
 *   red_light_stop 86.0 → 87.2 %, dense_plaza 92.8 → 94.3 %);
 * - `oru: true` (OC-SORT's observation-centric re-update): a track re-found after a gap re-runs its Kalman
 *   filter from the last observation through boxes interpolated over the gap (dense_plaza IDF1 94.3 → 94.5 %).
 * - `groundGate: 9.21` (ground-plane gate, pedestrians; see ground.ts): each detection's bottom centre is
 *   back-projected to the road (world frame) through the frame's calibration and transforms, every pedestrian
 *   track keeps a constant-velocity Kalman filter of it, and no association pairs a track with a detection
 *   whose ground point lies beyond the chi-square 99 % gate (2 dof) of the track's prediction: the distant
 *   pedestrians of dense_plaza that line up on one viewing ray at different depths no longer hand their ids
 *   to one another as often (id switches 22 → 20, IDF1 94.5 → 94.7 %; over oracle seeds 1–8: 244 → 202,
 *   mean IDF1 92.7 → 94.1 %; no other scenario moved). Off where a frame has no calibration or transforms.
 * - `groundWeight: 1`: inside that gate, a pedestrian pair costs 1 − d² / 9.21 less, so where two tracks'
 *   boxes overlap a detection alike (two pedestrians crossing, the far one hidden for a frame) the one whose
 *   ground point fits takes it; the pairs accepted are still those the overlap cost accepts, and other pairs
 *   cost what they did (dense_plaza id switches 20 → 13, IDF1 94.7 → 95.7 %; over oracle seeds 1–4: 93 → 66,
 *   every seed lower; no other scenario moved; weight 0.3: 71, 0.5: 70).
 * - `groundClippedU: 0.5`: a pedestrian box cut by the image's left or right edge gets a ground point too, its
 *   σ_u widened by half a box height (the bottom row, which gives the range, is whole): a near pedestrian
 *   entering at the edge no longer takes the track of a distant one it walks in front of; a pedestrian's ground
 *   filter fed only by cut boxes restarts at its first whole box (dense_plaza, oracle seeds 1–4: id switches
 *   66 → 52, mean IDF1 95.4 → 95.9 %; seeds 5–8: 95 → 72).
 * - `groundEdgeClasses` (vehicles, cyclists): the same gate, but only where the detection or the track's last
 *   box is cut by a side edge, so a car leaving the view does not hand its id to one entering at that edge in
 *   another lane (red_light_stop IDF1 87.2 → 94.5 %, urban_intersection 95.7 → 95.6 %, the rest unchanged).
 * - `appearanceWeight: 2`, `appearanceCap: 0.6`, `appearanceGate: 0.5` (colour appearance, pedestrians; see
 *   appearance.ts): for each frame that has pedestrian detections the stage reads the detector's decode of it
 *   (`RigResult.pixels`) or decodes it itself (the oracle), and gives every such box a colour descriptor (mean
 *   colour of the upper and lower central parts of the box); each pedestrian track keeps a moving average of its
 *   own. In the first and second associations a pair costs 2 × (min(d, 0.6) − 0.15) more (d:
 *   colour distance), and the motion-gated recovery refuses pairs with d > 0.5: where two people's boxes overlap
 *   alike, or a lost track's prediction lies on another person, the one dressed alike wins (dense_plaza, oracle
 *   seeds 1–4: id switches 52 → 32; seeds 5–8, each setting measured there once after its choice: 72 → 45; no
 *   other scenario's switches moved).
 * The lost buffer stays the reference's 30 frames (`frameRate` is left at 30): 3 s at 10 Hz. The 1 s that
 * `frameRate: 10` would give (ByteTrack's intent) measured 3 more id switches: the re-found tracks are
 * pedestrians occluded for 1–3 s in dense_plaza. See src/track/README.md.
 */
export const TRACK_STAGE_DEFAULTS: Partial<TrackerConfig> = {
  outputBox: 'detection',
  matchThresh: 0.95,
  buffer: 0.3,
  unconfirmedBuffer: 0.5,
  recoverGate: 9.4877,
  oru: true,
  groundGate: 9.21,
  groundWeight: 1,
  groundClippedU: 0.5,
  groundEdgeClasses: ['car', 'truck', 'bus', 'motorcycle', 'cyclist'],
  appearanceWeight: 2,
  appearanceCap: 0.6,
  appearanceGate: 0.5,
};

export function createTrackStage(opts: TrackStageOptions): Stage {
  const config = { ...TRACK_STAGE_DEFAULTS, ...opts.config, kind: opts.kind };
  const checked = createTracker(config).config; // validate the configuration once, up front
  const trackers = new Map<string, Tracker>();
  const useGround = (config.groundGate ?? 0) > 0 && opts.kind === 'bytetrack';
  const useColours = checked.appearanceWeight > 0 && opts.kind === 'bytetrack';
  const models = new WeakMap<Calibration, CameraModel | null>();
  let frames = 0;
  let undecodable = 0;
  return {
    name: `track-${opts.kind}`,
    async process(batch) {
      for (const result of batch) {
        const cams = [...result.detections.keys()].sort();
        const camFrames = cams.map((c) => result.rig.frames.find((f) => f.cameraId === c));
        // The colour term's pixels: the detector's decode where it passed one on, else decoded here, all cameras
        // of the rig frame at once (libvips runs them on its threads).
        const colourSets = useColours
          ? await Promise.all(
              cams.map((c, ci) => {
                const frame = camFrames[ci];
                const dets = result.detections.get(c)!;
                const px = result.pixels?.get(c);
                return frame ? detectionColours(frame, dets, checked.appearanceClasses, px) : undefined;
              }),
            )
          : [];
        // Used (or not needed): the decoded images do not travel on to fusion and the writer.
        result.pixels?.clear();
        for (const [ci, cameraId] of cams.entries()) {
          const key = `${result.rig.feedId}\u0000${cameraId}`;
          const frame = camFrames[ci];
          let tracker = trackers.get(key);
          if (!tracker) {
            // The field-of-view exit rule needs the width of the images the boxes are in (unknown, 0: rule off).
            const imageWidth = config.imageWidth ?? (frame?.image.width || frame?.calibration?.width || 0);
            tracker = createTracker({ ...config, imageWidth });
            trackers.set(key, tracker);
          }
          const dets = result.detections.get(cameraId)!;
          const noise = {
            ...DEFAULT_GROUND_NOISE,
            rel: tracker.config.groundBoxNoise,
            px: tracker.config.groundNoisePx,
          };
          const ground =
            useGround && frame ? groundPoints(frame, dets, models, noise, tracker.config) : undefined;
          const colours = colourSets[ci] ?? undefined;
          if (colourSets[ci] === null) undecodable++;
          result.tracks.set(
            cameraId,
            tracker.update(dets, frame?.tNs ?? result.rig.tNs, result.rig.seq, ground, colours),
          );
        }
        frames++;
      }
      return batch;
    },
    describe: () => ({
      tracker: opts.kind,
      appearance: useColours,
      ...(undecodable > 0 ? { appearanceUndecodedFrames: undecodable } : {}),
      trackers: trackers.size,
      frames,
    }),
  };
}

/**
 * Each detection's colour descriptor (appearance.ts) for the classes that use it, from `decoded` (an earlier
 * stage's decode of this frame) or the image decoded here once; undefined where no detection needs one, null where
 * the image could not be decoded (the term is off for that frame, counted in the stage's summary; the detector
 * reports its own decode failures).
 */
async function detectionColours(
  frame: CameraFrame,
  dets: readonly Detection[],
  classes: readonly ViperClass[],
  decoded: RgbPixels | undefined,
): Promise<(Float32Array | null)[] | undefined | null> {
  if (!dets.some((d) => classes.includes(d.cls))) return undefined;
  let px = decoded;
  if (!px) {
    try {
      px = await decodeRgb(frame.image);
    } catch {
      return null;
    }
  }
  return dets.map((d) => (classes.includes(d.cls) ? boxColours(px, d.box) : null));
}

/**
 * Each detection's ground point in the world frame (`odom`), or undefined where the frame has no calibration or
 * no transform chain camera → base_link → odom (the ground gate is then off for this frame).
 */
function groundPoints(
  frame: CameraFrame,
  dets: readonly Detection[],
  models: WeakMap<Calibration, CameraModel | null>,
  noise: GroundNoise,
  cfg: Pick<TrackerConfig, 'groundClasses' | 'groundEdgeClasses' | 'groundEdgeClippedU' | 'groundClippedU'>,
): (GroundObs | null)[] | undefined {
  const calib = frame.calibration;
  if (!calib) return undefined;
  let model = models.get(calib);
  if (model === undefined) {
    try {
      model = cameraModel(calib);
    } catch {
      model = null;
    }
    models.set(calib, model);
  }
  if (!model) return undefined;
  const tree = new TransformTree(frame.transforms);
  const groundFromCam = tree.lookup(FRAMES.ego, calib.frameId || frame.cameraId);
  const worldFromGround = tree.lookup(FRAMES.world, FRAMES.ego);
  if (!groundFromCam || !worldFromGround) return undefined;
  // Only the classes whose ground motion is modelled (five back-projections per detection); boxes cut by a side
  // edge get one only with a clippedU > 0 (pedestrians: groundClippedU; edge-gated classes: groundEdgeClippedU).
  const edgeNoise = { ...noise, clippedU: cfg.groundEdgeClippedU };
  const allNoise = { ...noise, clippedU: cfg.groundClippedU };
  return dets.map((d) => {
    const kind = groundKind(cfg, d.cls);
    if (kind === null) return null;
    return groundObservation(
      model,
      groundFromCam,
      worldFromGround,
      d.box,
      kind === 'edge' ? edgeNoise : allNoise,
    );
  });
}
