/**
 * Shared pieces of the ROS 2 and Foxglove → Viper conversions: image payloads (compressed format strings, raw
 * encodings with row padding removed), stamps, and number arrays from typed arrays.
 */
import { RecordingError } from '../../contracts/errors.ts';
import type { Image, ImageEncoding } from '../../contracts/camera.ts';
import { NS_PER_S } from '../../contracts/time.ts';
import type { TimeNs } from '../../contracts/time.ts';

const RAW_CHANNELS: Record<string, number> = { rgb8: 3, bgr8: 3, mono8: 1 };

/** ROS `format` ("jpeg", "png", "rgb8; jpeg compressed bgr8") or Foxglove `format` ("jpeg", "png") → encoding. */
export function compressedEncoding(format: string, where: string): ImageEncoding {
  const f = format.toLowerCase();
  if (f.includes('png')) return 'png';
  if (f.includes('jpeg') || f.includes('jpg')) return 'jpeg';
  throw new RecordingError({
    what: `unsupported compressed image format '${format}'`,
    where,
    hint: 'Viper reads jpeg and png compressed images',
  });
}

export function compressedImage(format: string, data: Uint8Array, where: string): Image {
  return { encoding: compressedEncoding(format, where), width: 0, height: 0, data };
}

/**
 * A raw image (rgb8, bgr8, mono8) as Viper wants it: row-major without padding. Rows padded to `step` bytes are
 * copied out; an unpadded buffer is passed through without copying.
 */
export function rawImage(
  encoding: string,
  width: number,
  height: number,
  step: number,
  data: Uint8Array,
  where: string,
): Image {
  const channels = RAW_CHANNELS[encoding];
  if (channels === undefined) {
    throw new RecordingError({
      what: `unsupported raw image encoding '${encoding}'`,
      where,
      hint: 'Viper reads rgb8, bgr8 and mono8 raw images',
    });
  }
  const row = width * channels;
  const rowStep = step === 0 ? row : step;
  if (rowStep < row || data.length < rowStep * (height - 1) + row) {
    throw new RecordingError({
      what: `raw image ${width}x${height} ${encoding} needs ${rowStep * height} bytes (step ${rowStep}), got ${data.length}`,
      where,
    });
  }
  let out = data.subarray(0, row * height);
  if (rowStep !== row) {
    out = new Uint8Array(row * height);
    for (let y = 0; y < height; y++) out.set(data.subarray(y * rowStep, y * rowStep + row), y * row);
  }
  return { encoding: encoding as ImageEncoding, width, height, data: out };
}

/** `{sec, nanosec}` (ROS 2), `{sec, nsec}` (ROS 1, Foxglove edge form) → ns; undefined when absent. */
export function stampToNs(stamp: unknown): TimeNs | undefined {
  if (stamp === null || typeof stamp !== 'object') return undefined;
  const s = stamp as { sec?: number | bigint; nsec?: number; nanosec?: number };
  if (s.sec === undefined) return undefined;
  const nsec = s.nanosec ?? s.nsec ?? 0;
  return BigInt(s.sec) * NS_PER_S + BigInt(nsec);
}

export function numbers(v: unknown): number[] {
  if (v === undefined || v === null) return [];
  return Array.from(v as ArrayLike<number>, Number);
}

export function xyz(v: unknown): [number, number, number] {
  const p = (v ?? {}) as { x?: number; y?: number; z?: number };
  return [p.x ?? 0, p.y ?? 0, p.z ?? 0];
}

/** Quaternion [x, y, z, w]; an all-zero (unset) rotation reads as identity. */
export function xyzw(v: unknown): [number, number, number, number] {
  const q = (v ?? {}) as { x?: number; y?: number; z?: number; w?: number };
  const out: [number, number, number, number] = [q.x ?? 0, q.y ?? 0, q.z ?? 0, q.w ?? 0];
  return out.every((c) => c === 0) ? [0, 0, 0, 1] : out;
}

/** foxglove.RawImage and sensor_msgs/msg/Image share these fields (encoding, width, height, step, data). */
export function rawImageMessage(msg: Record<string, unknown>, where: string): Image {
  return rawImage(
    String(msg.encoding ?? ''),
    Number(msg.width ?? 0),
    Number(msg.height ?? 0),
    Number(msg.step ?? 0),
    msg.data as Uint8Array,
    where,
  );
}
