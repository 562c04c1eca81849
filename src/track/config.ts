/**
 * Tracker configuration (zod-validated at `createTracker`). Defaults are ByteTrack's published ones
 * (ifzhang/ByteTrack, tools/demo_track.py and yolox/tracker/byte_tracker.py) and SORT's (abewley/sort).
 */
import { z } from 'zod';
import { ViperClass } from '../contracts/classes.ts';
import { ConfigError } from '../contracts/errors.ts';

export const TrackerConfig = z.object({
  /** 'bytetrack' (two-stage association) or 'sort' (one stage, min-hits confirmation, max-age deletion). */
  kind: z.enum(['bytetrack', 'sort']).default('bytetrack'),
  /** Frames per second of the input; scales the lost buffer (ByteTrack: int(frameRate / 30 · trackBuffer)). */
  frameRate: z.number().positive().default(30),
  /** τ_high: detections with score > trackThresh take part in the first association. */
  trackThresh: z.number().min(0).max(1).default(0.5),
  /** τ_low: detections with lowThresh < score < trackThresh take part in the second association. */
  lowThresh: z.number().min(0).max(1).default(0.1),
  /** New tracks need score ≥ trackThresh + newTrackMargin (the reference's det_thresh = track_thresh + 0.1). */
  newTrackMargin: z.number().default(0.1),
  /** Cost limit of the first association (cost = 1 − IoU, score-fused unless mot20). */
  matchThresh: z.number().positive().default(0.8),
  /** Cost limit of the second association (low-score detections, plain 1 − IoU). */
  secondMatchThresh: z.number().positive().default(0.5),
  /** Cost limit for unconfirmed (one-frame) tracks against the leftover high-score detections. */
  unconfirmedMatchThresh: z.number().positive().default(0.7),
  /** Frames a lost track is kept at 30 fps (ByteTrack track_buffer). */
  trackBuffer: z.number().int().nonnegative().default(30),
  /** ByteTrack's `not mot20`: multiply IoU similarity by the detection score in stages 1 and unconfirmed. */
  fuseScore: z.boolean().default(true),
  /** Tracked/lost pairs with IoU distance below this are duplicates; the younger is dropped (reference 0.15). */
  duplicateThresh: z.number().min(0).max(1).default(0.15),
  /** Overlap measure of the cost: IoU (reference) or GIoU (cost 1 − GIoU ∈ [0, 2]). */
  cost: z.enum(['iou', 'giou']).default('iou'),
  /**
   * Buffered IoU (C-BIoU, Yang et al., WACV 2023): before the overlap is computed in every association stage
   * (ByteTrack's three, SORT's one), track and detection boxes are widened by this fraction of their width and
   * height on every side, so that boxes that moved more than their own size since the last frame (small or fast
   * objects at a low frame rate) still overlap. 0 (reference) is plain IoU. Duplicate removal always uses plain
   * IoU.
   */
  buffer: z.number().min(0).default(0),
  /**
   * Buffer of ByteTrack's unconfirmed-track stage (tracks seen in one frame have no velocity estimate yet, so
   * their next box is less certain); defaults to `buffer`.
   */
  unconfirmedBuffer: z.number().min(0).optional(),
  /**
   * Image width (px) for ByteTrack's field-of-view exit rule; 0 (reference) turns it off. With it, a track that
   * goes unmatched while its last box touches the image's left or right edge (not both) and whose
   * Kalman-predicted centre lies beyond that edge has left the view: it is removed at once instead of waiting in
   * the lost buffer, where its predicted box would sit at the edge and take the next object to come in there.
   */
  imageWidth: z.number().nonnegative().default(0),
  /**
   * Motion-gated recovery of lost tracks (0, the reference: off). After the first two associations, the
   * confirmed tracks they left unmatched (lost earlier, or lost in this frame) are associated with the
   * high-score detections the first association left over, by the squared Mahalanobis distance of the
   * detection from the track's Kalman prediction (DeepSORT's / the reference's `gating_distance`, 4 degrees of
   * freedom: centre, aspect, height); pairs above this gate are not matched (chi-square 95 % quantile, 4 dof:
   * 9.4877). Tracks missed for fewer frames choose first (DeepSORT's matching cascade: one assignment per
   * number of frames missed). The Kalman covariance grows with every frame a track is lost, so the gate widens
   * with the time lost. Runs before the unconfirmed-track stage, so a re-appearing object is re-found rather
   * than born again.
   */
  recoverGate: z.number().min(0).default(0),
  /**
   * Observation-centric re-update (OC-SORT's ORU; off in the reference): when a lost track is re-found after a
   * gap of more than one frame, its Kalman state is rolled back to the last observation and re-run through
   * virtual observations interpolated linearly between the last and the new box, so that the velocity drift
   * accumulated while it was lost is undone.
   */
  oru: z.boolean().default(false),
  /**
   * Ego-motion compensation (off in the reference; the track stage only, which has the cameras' calibration and
   * transforms): before each frame every track's Kalman state is warped by the ego's motion since the previous
   * frame at the depth where its box stands (egoMotion.ts), so the filter's velocity is the object's own.
   */
  egoMotion: z.boolean().default(false),
  /**
   * The classes `egoMotion` warps: the warp takes the object to be standing still, which is nearly so for a
   * pedestrian beside a moving ego and far off for a car driving with it (its filter then has to undo the warp
   * every frame).
   */
  egoMotionClasses: z.array(ViperClass).default(['pedestrian']),
  /**
   * Ground-plane gate (0, the reference: off). Needs the cameras' calibration and transforms: the track stage
   * passes each detection's ground point (its box's bottom centre back-projected to the road, world frame, with
   * the covariance of `groundBoxNoise`; see ground.ts). Tracks of `groundClasses` keep a constant-velocity Kalman
   * filter of their ground point, and in every association (first, second, motion-gated recovery) a track and a
   * detection whose ground point lies farther than this squared Mahalanobis distance (2 degrees of freedom:
   * chi-square 99 % = 9.21) from the track's predicted one are not associated.
   */
  groundGate: z.number().min(0).default(0),
  /**
   * With `groundGate`: in the first and second associations, a track of `groundClasses` and a detection inside
   * the gate cost weight × (1 − d² / groundGate) less (0: the gate only vetoes), so where boxes overlap alike
   * (crossing pedestrians) the better ground fit wins. The pairs the assignment may accept stay those the
   * overlap cost accepts, and pairs of other classes or without ground points cost what they did.
   */
  groundWeight: z.number().min(0).default(0),
  /**
   * Colour appearance (0: off; needs the frames' images, which the track stage decodes): a track of
   * `appearanceClasses` keeps a moving average (`appearanceMomentum`) of its boxes' colours (appearance.ts), and in
   * the first and second associations a pair costs weight × (min(d, `appearanceCap`) − `appearanceNeutral`) more,
   * d the colour distance: less for a colour that fits, more for one that does not. Pairs beyond the
   * association's limit before the term are refused, so it only re-ranks and refuses pairs, never admits one.
   */
  appearanceWeight: z.number().min(0).default(0),
  appearanceClasses: z.array(ViperClass).default(['pedestrian']),
  appearanceNeutral: z.number().min(0).default(0.15),
  appearanceCap: z.number().min(0).default(0.5),
  appearanceMomentum: z.number().min(0).max(1).default(0.9),
  /** With `appearanceWeight`: the motion-gated recovery refuses pairs whose colour distance exceeds this (0: off). */
  appearanceGate: z.number().min(0).default(0),
  /**
   * Box-edge noise of the ground points: σ_v = groundBoxNoise·h + groundNoisePx (bottom edge), σ_u likewise with
   * the width (centre), propagated through the back-projection.
   */
  groundBoxNoise: z.number().min(0).default(0.05),
  groundNoisePx: z.number().min(0).default(1),
  /** Classes whose tracks keep a ground filter and are gated by it (others are left as they are). */
  groundClasses: z.array(ViperClass).default(['pedestrian']),
  /**
   * Ground points of `groundClasses` boxes cut by the image's left or right edge (0: none): their σ_u is widened
   * by this many box heights (the part out of view), while the bottom row, which gives the range, is whole.
   * Computed by the track stage (its default 0.5). A pedestrian filter fed only by such boxes restarts at the
   * first whole box matched to it.
   */
  groundClippedU: z.number().min(0).default(0),
  /** Ground filter: white-acceleration noise, m/s² (per axis). */
  groundAccelStd: z.number().positive().default(1),
  /** Ground filter: standard deviation of a new track's velocity, m/s (per axis). */
  groundVelStd: z.number().positive().default(2),
  /**
   * Classes whose tracks keep a ground filter too, but are gated by it only where the detection or the track's
   * last box is cut by the image's left or right edge (the track side needs `imageWidth`): there box overlap
   * cannot tell an object leaving the view from one entering it at the same edge, while the ground point (its
   * range, from the box's bottom edge) can. Their ground points include clipped boxes, with σ_u widened by
   * `groundEdgeClippedU` box heights. A class also in `groundClasses` is gated everywhere.
   */
  groundEdgeClasses: z.array(ViperClass).default([]),
  groundEdgeClippedU: z.number().min(0).default(1),
  /** Ground filter of `groundEdgeClasses`: white-acceleration noise (m/s²) and a new track's velocity σ (m/s). */
  groundEdgeAccelStd: z.number().positive().default(3),
  groundEdgeVelStd: z.number().positive().default(10),
  /** The "+1 pixel" of cython_bbox's IoU that the reference uses (set 0 for continuous boxes). */
  iouOffsetPx: z.number().min(0).default(1),
  /** Class-gated association: a detection never matches a track of another class (one id counter). */
  classAware: z.boolean().default(true),
  /**
   * With `classAware`: classes that may continue each other's tracks, e.g. [[car, truck, bus]], for a detector
   * that confuses them (a class flip would otherwise end the track and start another id). A track reports the
   * class with the most detection score over its detections.
   */
  classGroups: z.array(z.array(ViperClass)).default([]),
  /** Kalman noise per unit of box height (reference 1/20 and 1/160). */
  stdWeightPosition: z
    .number()
    .positive()
    .default(1 / 20),
  stdWeightVelocity: z
    .number()
    .positive()
    .default(1 / 160),
  /** Box reported for a track: Kalman posterior (reference output) or the matched detection's box. */
  outputBox: z.enum(['filtered', 'detection']).default('filtered'),
  /** SORT: IoU a match needs (abewley/sort iou_threshold 0.3). */
  sortIouThresh: z.number().min(0).max(1).default(0.3),
  /** SORT: consecutive hits before a track is reported (min_hits 3). */
  minHits: z.number().int().nonnegative().default(3),
  /** SORT: frames without a match before a track is deleted (max_age 1). */
  maxAge: z.number().int().nonnegative().default(1),
  /** SORT: detections below this score are ignored (SORT has none; 0 keeps all). */
  sortScoreThresh: z.number().min(0).max(1).default(0),
});
export type TrackerConfig = z.infer<typeof TrackerConfig>;

export function parseTrackerConfig(input: Partial<TrackerConfig> = {}): TrackerConfig {
  const r = TrackerConfig.safeParse(input);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const field = issue.path.join('.');
    const flag = field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new ConfigError({
      what: `tracker setting ${field || '(all)'}: ${issue.message}`,
      where: 'tracker config',
      hint: `set on the command line (--${flag}, where the command has it) or in a --params file (tracker.${field}); src/track/README.md gives every range`,
    });
  }
  // Settings that would silently turn a stage off or change nothing: `--low-thresh 0.7` over the track threshold
  // dropped the second association; a cost limit past the cost's range (1 − IoU ≤ 1, 1 − GIoU ≤ 2) limits nothing.
  if (r.data.lowThresh > r.data.trackThresh) {
    throw new ConfigError({
      what: `lowThresh ${r.data.lowThresh} is above trackThresh ${r.data.trackThresh}`,
      where: 'tracker config',
      hint: 'the second association takes detections scored between lowThresh and trackThresh: keep lowThresh ≤ trackThresh',
    });
  }
  const costMax = r.data.cost === 'giou' ? 2 : 1;
  for (const key of ['matchThresh', 'secondMatchThresh', 'unconfirmedMatchThresh'] as const) {
    if (r.data[key] > costMax)
      throw new ConfigError({
        what: `${key} ${r.data[key]} is past the cost's range (1 − ${r.data.cost === 'giou' ? 'GIoU ≤ 2' : 'IoU ≤ 1'}): it would limit nothing`,
        where: 'tracker config',
        hint: `use a limit in (0, ${costMax}]`,
      });
  }
  if (r.data.appearanceCap < r.data.appearanceNeutral) {
    throw new ConfigError({
      what: `appearanceCap ${r.data.appearanceCap} is below appearanceNeutral ${r.data.appearanceNeutral}`,
      where: 'tracker config',
      hint: 'the colour term needs cap ≥ neutral, or it could only ever lower a cost',
    });
  }
  return r.data;
}

/**
 * How the ground-plane gate treats a class: 'all' (`groundClasses`, which wins for a class in both lists),
 * 'edge' (`groundEdgeClasses`: only where a box is cut by a side edge), or null (not at all).
 */
export function groundKind(
  c: Pick<TrackerConfig, 'groundClasses' | 'groundEdgeClasses'>,
  cls: ViperClass,
): 'all' | 'edge' | null {
  if (c.groundClasses.includes(cls)) return 'all';
  return c.groundEdgeClasses.includes(cls) ? 'edge' : null;
}

/** Lost-track buffer in frames, as the reference computes it. */
export function maxTimeLost(c: TrackerConfig): number {
  return Math.trunc((c.frameRate / 30.0) * c.trackBuffer);
}
