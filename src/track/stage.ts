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
import { type CameraAtFrame, egoMotionWarper, sameCameraPose } from './egoMotion.ts';
import { createTracker, type Tracker } from './tracker.ts';

export interface TrackStageOptions {
  kind: 'bytetrack' | 'sort';
  config?: Partial<TrackerConfig>;
  /** The fixed and vehicle frames of /tf the ground gate and ego motion read (default odom and base_link). */
  frames?: { world?: string; ego?: string };
}

/**
 * Stage defaults on top of the tracker's (reference) defaults; `viper track` (reference mode) does not use the
 * stage. Each was chosen with the oracle detector on the bundled scenarios (10 Hz, six cameras); what each
 * measured, and the variants not kept, are in src/track/README.md (Stage defaults). In short:
 * - `outputBox: 'detection'`: the Kalman box lags fast boxes in the side cameras;
 * - `matchThresh: 0.95`: the reference's 0.8 is tuned for 30 fps; at 10 Hz boxes move 3× as far per frame;
 * - `buffer`, `unconfirmedBuffer` (C-BIoU): a distant pedestrian moves about its own width per frame;
 * - `imageWidth` (set per camera): a track lost at a side edge has left the view, not hidden there;
 * - `recoverGate`, `oru`: lost tracks re-found by their Kalman prediction's Mahalanobis gate (DeepSORT), their
 *   filter re-run over the gap (OC-SORT);
 * - `groundGate`, `groundWeight`, `groundClippedU`, `groundEdgeClasses`: where on the road a box stands
 *   separates people on one viewing ray, and cars leaving and entering at one edge;
 * - `appearanceWeight`, `appearanceCap`, `appearanceGate`: a colour descriptor for pedestrians in crowds.
 * The lost buffer stays the reference's 30 frames (`frameRate` left at 30): 3 s at 10 Hz, which the re-found
 * pedestrians of dense_plaza need (1 s measured 3 more id switches).
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
  const useEgoMotion = checked.egoMotion;
  const tfFrames = { world: opts.frames?.world ?? FRAMES.world, ego: opts.frames?.ego ?? FRAMES.ego };
  const egoClasses = checked.egoMotionClasses;
  const models = new WeakMap<Calibration, CameraModel | null>();
  /** Each (feed, camera)'s model and poses at its previous frame (and that frame's index), for ego motion. */
  const cameras = new Map<string, { camera: CameraAtFrame; seq: number }>();
  let frames = 0;
  let undecodable = 0;
  let ungrounded = 0;
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
          const camera =
            frame && (useGround || useEgoMotion) ? cameraAtFrame(frame, models, tfFrames) : undefined;
          // Said in the summary: a recording without the frames (a bag's map, a fixed camera) tracks without the gate.
          // (A frame without calibration is reported as such by fusion.)
          if (useGround && frame?.calibration && !camera && dets.length > 0) ungrounded++;
          if (useEgoMotion) {
            // The ego's motion since this camera's previous frame, each track warped at its own depth.
            const prev = cameras.get(key);
            if (camera && prev && !sameCameraPose(prev.camera, camera)) {
              const warp = egoMotionWarper(prev.camera, camera, result.rig.seq - prev.seq);
              tracker.applyCameraMotion((box, cls) => (egoClasses.includes(cls) ? warp(box) : null));
            }
            if (camera) cameras.set(key, { camera, seq: result.rig.seq });
            else cameras.delete(key);
          }
          const ground = useGround && camera ? groundPoints(camera, dets, noise, tracker.config) : undefined;
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
      ...(ungrounded > 0 ? { groundGateOffFrames: ungrounded, groundGateFrames: tfFrames } : {}),
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
 * The frame's camera model and poses, or undefined where it has no usable calibration or no transform chain
 * camera → ego frame → world frame (base_link, odom unless `frames` names others; the ground gate and ego-motion
 * compensation are then off for this frame).
 */
function cameraAtFrame(
  frame: CameraFrame,
  models: WeakMap<Calibration, CameraModel | null>,
  tf: { world: string; ego: string },
): CameraAtFrame | undefined {
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
  const groundFromCamera = tree.lookup(tf.ego, calib.frameId || frame.cameraId);
  const worldFromGround = tree.lookup(tf.world, tf.ego);
  if (!groundFromCamera || !worldFromGround) return undefined;
  return { model, groundFromCamera, worldFromGround };
}

/** Each detection's ground point in the world frame (`odom`), or null for a class without ground motion. */
function groundPoints(
  camera: CameraAtFrame,
  dets: readonly Detection[],
  noise: GroundNoise,
  cfg: Pick<TrackerConfig, 'groundClasses' | 'groundEdgeClasses' | 'groundEdgeClippedU' | 'groundClippedU'>,
): (GroundObs | null)[] {
  const { model, groundFromCamera: groundFromCam, worldFromGround } = camera;
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
