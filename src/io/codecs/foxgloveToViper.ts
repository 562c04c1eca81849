/**
 * Decoded Foxglove messages (edge form from foxglove.ts / decode.ts: timestamps `{sec, nsec}`) → Viper types:
 * CompressedImage / RawImage → Image, CameraCalibration → Calibration, FrameTransforms / FrameTransform →
 * Transform[]. The inverse helpers build the Foxglove objects Viper writes.
 */
import type { Calibration, Image } from '../../contracts/camera.ts';
import type { Transform } from '../../contracts/geometry.ts';
import { toFoxgloveTime } from '../../contracts/time.ts';
import type { TimeNs } from '../../contracts/time.ts';
import type { Decoded } from '../types.ts';
import { compressedImage, numbers, rawImageMessage, stampToNs, xyz, xyzw } from './image.ts';
import { checkCalibration } from './ros2.ts';

/** `timestamp` of a Foxglove message in ns, or undefined when unset (zero). */
export function foxgloveStampNs(msg: Decoded): TimeNs | undefined {
  const t = stampToNs(msg.timestamp);
  return t === 0n ? undefined : t;
}

export function foxgloveCompressedImageToImage(msg: Decoded, where = 'foxglove.CompressedImage'): Image {
  return compressedImage(String(msg.format ?? ''), msg.data as Uint8Array, where);
}

export function foxgloveRawImageToImage(msg: Decoded, where = 'foxglove.RawImage'): Image {
  return rawImageMessage(msg, where);
}

export function foxgloveCalibrationToCalibration(
  msg: Decoded,
  where = 'foxglove.CameraCalibration',
): Calibration {
  const cal: Calibration = {
    frameId: String(msg.frame_id ?? ''),
    width: Number(msg.width ?? 0),
    height: Number(msg.height ?? 0),
    distortionModel: String(msg.distortion_model ?? ''),
    D: numbers(msg.D),
    K: numbers(msg.K),
    R: numbers(msg.R),
    P: numbers(msg.P),
  };
  checkCalibration(cal, where);
  return cal;
}

export function foxgloveFrameTransformToTransform(msg: Decoded): Transform {
  return {
    parent: String(msg.parent_frame_id ?? ''),
    child: String(msg.child_frame_id ?? ''),
    translation: xyz(msg.translation),
    rotation: xyzw(msg.rotation),
  };
}

export function foxgloveFrameTransformsToTransforms(msg: Decoded): Transform[] {
  return ((msg.transforms ?? []) as Decoded[]).map(foxgloveFrameTransformToTransform);
}

// ---- Viper → Foxglove (what the simulator and the results writer encode) ----

/** Image → foxglove.CompressedImage (jpeg/png) or foxglove.RawImage (rgb8/bgr8/mono8) object, by encoding. */
export function imageToFoxglove(
  image: Image,
  frameId: string,
  tNs: TimeNs,
): { schema: 'CompressedImage' | 'RawImage'; message: Decoded } {
  const timestamp = toFoxgloveTime(tNs);
  if (image.encoding === 'jpeg' || image.encoding === 'png') {
    return {
      schema: 'CompressedImage',
      message: { timestamp, frame_id: frameId, format: image.encoding, data: image.data },
    };
  }
  const channels = image.encoding === 'mono8' ? 1 : 3;
  return {
    schema: 'RawImage',
    message: {
      timestamp,
      frame_id: frameId,
      width: image.width,
      height: image.height,
      encoding: image.encoding,
      step: image.width * channels,
      data: image.data,
    },
  };
}

export function calibrationToFoxglove(cal: Calibration, tNs: TimeNs): Decoded {
  return {
    timestamp: toFoxgloveTime(tNs),
    frame_id: cal.frameId,
    width: cal.width,
    height: cal.height,
    distortion_model: cal.distortionModel,
    D: [...cal.D],
    K: [...cal.K],
    R: [...cal.R],
    P: [...cal.P],
  };
}

export function transformToFoxglove(t: Transform, tNs: TimeNs): Decoded {
  const [x, y, z] = t.translation;
  const [qx, qy, qz, qw] = t.rotation;
  return {
    timestamp: toFoxgloveTime(tNs),
    parent_frame_id: t.parent,
    child_frame_id: t.child,
    translation: { x, y, z },
    rotation: { x: qx, y: qy, z: qz, w: qw },
  };
}

export function transformsToFoxglove(ts: Transform[], tNs: TimeNs): Decoded {
  return { transforms: ts.map((t) => transformToFoxglove(t, tNs)) };
}
