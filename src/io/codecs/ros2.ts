/**
 * Decoded ROS 2 messages (CDR → plain objects from decode.ts) → Viper types: sensor_msgs/msg/CompressedImage and
 * Image → Image, CameraInfo → Calibration, tf2_msgs/msg/TFMessage → Transform[], and header stamps. Field names
 * follow ROS 2 (lower-case d/k/r/p in CameraInfo); ROS 1 upper-case names are accepted too.
 */
import { RecordingError } from '../../contracts/errors.ts';
import type { Calibration, Image } from '../../contracts/camera.ts';
import type { Transform } from '../../contracts/geometry.ts';
import type { TimeNs } from '../../contracts/time.ts';
import type { Decoded } from '../types.ts';
import { compressedImage, numbers, rawImageMessage, stampToNs, xyz, xyzw } from './image.ts';

interface RosHeader {
  stamp?: unknown;
  frame_id?: string;
}

function header(msg: Decoded): RosHeader {
  return (msg.header ?? {}) as RosHeader;
}

/** Header stamp of a ROS message in ns, or undefined when it has no header (or a zero stamp). */
export function rosHeaderStampNs(msg: Decoded): TimeNs | undefined {
  const t = stampToNs(header(msg).stamp);
  return t === 0n ? undefined : t;
}

export function rosFrameId(msg: Decoded): string {
  return stripSlash(header(msg).frame_id ?? '');
}

/**
 * A frame id without its leading slashes, as tf2 reads it (`/cam_front` is `cam_front`): bags converted from ROS 1
 * name frames so, and one camera's images and its /tf edge had not met (nor its results topic been a sane name).
 */
function stripSlash(frameId: string): string {
  return frameId.replace(/^\/+/, '');
}

export function ros2CompressedImageToImage(msg: Decoded, where = 'sensor_msgs/msg/CompressedImage'): Image {
  return compressedImage(String(msg.format ?? ''), msg.data as Uint8Array, where);
}

/** Encodings of one byte a channel, which byte order does not touch. */
const EIGHT_BIT = new Set(['mono8', 'rgb8', 'bgr8', 'rgba8', 'bgra8']);

export function ros2ImageToImage(msg: Decoded, where = 'sensor_msgs/msg/Image'): Image {
  if (msg.is_bigendian && !EIGHT_BIT.has(String(msg.encoding))) {
    throw new RecordingError({ what: 'big-endian multi-byte images are not supported', where });
  }
  return rawImageMessage(msg, where);
}

export function ros2CameraInfoToCalibration(msg: Decoded, where = 'sensor_msgs/msg/CameraInfo'): Calibration {
  const cal: Calibration = {
    frameId: rosFrameId(msg),
    width: Number(msg.width ?? 0),
    height: Number(msg.height ?? 0),
    distortionModel: String(msg.distortion_model ?? ''),
    D: numbers(msg.d ?? msg.D),
    K: numbers(msg.k ?? msg.K),
    R: numbers(msg.r ?? msg.R),
    P: numbers(msg.p ?? msg.P),
  };
  checkCalibration(cal, where);
  return cal;
}

export function checkCalibration(cal: Calibration, where: string): void {
  // The contract's sizes are positive integers (a JSON-encoded message may hold anything: NaN fails `<= 0` too).
  const bad = !(isSize(cal.width) && isSize(cal.height))
    ? `size ${cal.width}x${cal.height}`
    : cal.K.length !== 9
      ? `K has ${cal.K.length} values`
      : undefined;
  if (bad) {
    throw new RecordingError({ what: `invalid camera calibration for '${cal.frameId}': ${bad}`, where });
  }
  // An all-zero R (often left unset) means identity rectification; an unset P is K with a zero 4th column.
  if (cal.R.length !== 9 || cal.R.every((v) => v === 0)) cal.R = [1, 0, 0, 0, 1, 0, 0, 0, 1];
  if (cal.P.length !== 12 || cal.P.every((v) => v === 0)) {
    const k = cal.K;
    cal.P = [
      k[0] ?? 0,
      k[1] ?? 0,
      k[2] ?? 0,
      0,
      k[3] ?? 0,
      k[4] ?? 0,
      k[5] ?? 0,
      0,
      k[6] ?? 0,
      k[7] ?? 0,
      k[8] ?? 0,
      0,
    ];
  }
}

function isSize(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0;
}

/** tf2_msgs/msg/TFMessage → transforms `parent → child` (header.frame_id → child_frame_id). */
export function ros2TfToTransforms(msg: Decoded): Transform[] {
  const list = (msg.transforms ?? []) as Decoded[];
  return list.map((t) => {
    const tr = (t.transform ?? {}) as { translation?: unknown; rotation?: unknown };
    return {
      parent: rosFrameId(t),
      child: stripSlash(String(t.child_frame_id ?? '')),
      translation: xyz(tr.translation),
      rotation: xyzw(tr.rotation),
    };
  });
}

/** Stamps of the transforms in a TFMessage, in order (ns; undefined where unset). */
export function ros2TfStampsNs(msg: Decoded): (TimeNs | undefined)[] {
  return ((msg.transforms ?? []) as Decoded[]).map((t) => rosHeaderStampNs(t));
}
