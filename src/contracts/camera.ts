import { z } from 'zod';
import type { TimeNs } from './time.ts';
import type { Transform } from './geometry.ts';

/** Image as it travels the graph: compressed (jpeg/png) or raw (rgb8, bgr8, mono8), row-major, no padding. */
export const ImageEncoding = z.enum(['jpeg', 'png', 'rgb8', 'bgr8', 'mono8']);
export type ImageEncoding = z.infer<typeof ImageEncoding>;

export interface Image {
  encoding: ImageEncoding;
  /** Pixel size; 0 for compressed images whose size is not known until decoded. */
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Pinhole calibration as in foxglove.CameraCalibration / sensor_msgs/CameraInfo: K (3×3 row-major), D
 * (distortion coefficients for `distortionModel`, e.g. plumb_bob k1,k2,t1,t2,k3), R (3×3), P (3×4).
 * `frameId` is the camera's optical frame (z forward, x right, y down).
 */
export const Calibration = z.object({
  frameId: z.string(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  distortionModel: z.string(),
  D: z.array(z.number()),
  K: z.array(z.number()).length(9),
  R: z.array(z.number()).length(9),
  P: z.array(z.number()).length(12),
});
export type Calibration = z.infer<typeof Calibration>;

/**
 * A frame's decoded pixels, 3 bytes per pixel in RGB order, row-major. `scale` (default 1) is this image's size
 * over the camera image's, for pixels a stage decoded at a smaller size (the detector's letterbox resize): a box
 * in camera pixels lies at `scale` × its coordinates here.
 */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
  scale?: number;
}

/** One camera's image at one stamp with everything needed to interpret it. */
export interface CameraFrame {
  /** Source feed (one recording or one live stream); camera ids are unique within a feed. */
  feedId: string;
  /** Camera id = its optical frame_id, e.g. `cam_front`. */
  cameraId: string;
  /** Log time of the image (header stamp when present, else MCAP log time). */
  tNs: TimeNs;
  image: Image;
  /** Latest calibration at or before tNs; null when the camera has none (marked uncalibrated, still processed). */
  calibration: Calibration | null;
  /** Transforms valid at tNs (latest at or before), including the chain to the camera frame when known. */
  transforms: Transform[];
}

/** One feed's cameras aligned to one stamp. Missing cameras are listed, never silently dropped. */
export interface RigFrame {
  feedId: string;
  /** Reference stamp of the rig frame (the stamp of the frame that opened it). */
  tNs: TimeNs;
  /** Sequence number within the feed, from 0. */
  seq: number;
  frames: CameraFrame[];
  /** Cameras of the rig with no frame within the alignment tolerance. */
  missing: string[];
}
