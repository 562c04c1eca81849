import { z } from 'zod';
import { InputError } from './errors.ts';
import { ViperClass } from './classes.ts';
import { Box2D, Box3D, Vec3 } from './geometry.ts';

/** A stamp on the wire (JSON topics): nanoseconds as a decimal string, since JSON has no bigint. */
export const StampNs = z.string().regex(/^\d+$/);

/** One detection in original image pixels. */
export const Detection = z.object({
  cameraId: z.string(),
  box: Box2D,
  score: z.number().min(0).max(1),
  cls: ViperClass,
});
export type Detection = z.infer<typeof Detection>;

export const TrackState = z.enum(['tentative', 'confirmed', 'lost']);
export type TrackState = z.infer<typeof TrackState>;

/** A per-camera 2D track: the detection it was last updated with + identity and lifecycle. */
export const Track2D = Detection.extend({
  trackId: z.number().int().nonnegative(),
  state: TrackState,
  /** Frames since birth. */
  age: z.number().int().nonnegative(),
});
export type Track2D = z.infer<typeof Track2D>;

/** A fused world-frame object (frame: `odom` unless stated), SI units. */
export const WorldObject = z.object({
  id: z.number().int().nonnegative(),
  cls: ViperClass,
  frameId: z.string(),
  box: Box3D,
  /** Velocity [vx, vy, vz] in m/s in frameId. */
  velocity: Vec3,
  /** Row-major covariance of [x, y] position (2×2), m². */
  positionCovariance: z.array(z.number()).length(4),
  sources: z.array(z.object({ cameraId: z.string(), trackId: z.number().int() })),
});
export type WorldObject = z.infer<typeof WorldObject>;

/** Payload of `/perception/objects` (viper JSON schema). */
export const ObjectsMessage = z.object({
  stampNs: StampNs,
  feedId: z.string(),
  objects: z.array(WorldObject),
});
export type ObjectsMessage = z.infer<typeof ObjectsMessage>;

/** Per-camera visibility of one ground-truth actor. */
export const GtCameraView = z.object({
  cameraId: z.string(),
  /** Bounding box of the actor's visible pixels in the camera image (from the id buffer). */
  box: Box2D,
  /** Visible pixels / pixels the actor would cover with no occluders (0–1). */
  visibleFraction: z.number().min(0).max(1),
});
export type GtCameraView = z.infer<typeof GtCameraView>;

export const GtActor = z.object({
  id: z.string(),
  cls: ViperClass,
  boxWorld: Box3D,
  boxEgo: Box3D,
  /** Velocity in the world frame, m/s. */
  velocity: Vec3,
  cameras: z.array(GtCameraView),
});
export type GtActor = z.infer<typeof GtActor>;

/** Payload of `/ground_truth/objects` (viper JSON schema): every actor at one stamp. */
export const GroundTruthMessage = z.object({
  stampNs: StampNs,
  actors: z.array(GtActor),
  /**
   * True when ground truth exists only at the stamps that carry a message (a dataset's annotated key frames,
   * with unannotated frames between them): `viper eval` then scores those stamps alone. Absent: every stamp of
   * the recording is annotated, as the simulator's are, and results at a stamp without ground truth are false
   * positives.
   */
  keyFramesOnly: z.literal(true).optional(),
});
export type GroundTruthMessage = z.infer<typeof GroundTruthMessage>;
/** Validate a decoded `/ground_truth/objects` message (zod at the edge). */
export function parseGroundTruth(msg: unknown, where: string): GroundTruthMessage {
  const r = GroundTruthMessage.safeParse(msg);
  if (!r.success) {
    throw new InputError({
      what: `ground truth message does not match viper.GroundTruth: ${r.error.issues[0]?.message ?? ''}`,
      where,
      hint: `path ${r.error.issues[0]?.path.join('.') ?? ''}`,
    });
  }
  return r.data;
}
