/**
 * Shared pieces of the ROS 2 and Foxglove → Viper conversions: image payloads (compressed format strings, raw
 * encodings with row padding removed), stamps, and number arrays from typed arrays.
 */
import { RecordingError } from '../../contracts/errors.ts';
import type { Image, ImageEncoding } from '../../contracts/camera.ts';
import { NS_PER_S } from '../../contracts/time.ts';
import type { TimeNs } from '../../contracts/time.ts';

/**
 * Raw encodings Viper reads: bytes per pixel and what each becomes on the graph. rgba8 / bgra8 (a RealSense colour
 * stream, a simulator's camera) lose their alpha, as the PNG path drops it.
 */
const RAW_READ: Record<string, { channels: number; as: 'rgb8' | 'bgr8' | 'mono8' }> = {
  rgb8: { channels: 3, as: 'rgb8' },
  bgr8: { channels: 3, as: 'bgr8' },
  mono8: { channels: 1, as: 'mono8' },
  rgba8: { channels: 4, as: 'rgb8' },
  bgra8: { channels: 4, as: 'bgr8' },
};
const RAW_READ_NAMES = 'rgb8, bgr8, rgba8, bgra8 and mono8';

/** REP 118's depth encodings (millimetres as 16UC1, metres as 32FC1): a depth camera's images, not pictures. */
const DEPTH_ENCODINGS = new Set(['16UC1', '32FC1']);

/**
 * Why raw images in `encoding` are not a camera Viper perceives, or undefined for one it reads. Depth images
 * (16UC1, 32FC1) and 16-bit grey (mono16: a depth or infrared stream, whose bit depth the message does not give,
 * so it has no one scaling to the 8 bits a detector takes) are not cameras; any other encoding (Bayer, YUV) is
 * named as one Viper does not read. Replay copies such images through and leaves their topic out of the rig.
 */
export function unreadRawEncoding(encoding: string): string | undefined {
  if (Object.hasOwn(RAW_READ, encoding)) return undefined;
  if (DEPTH_ENCODINGS.has(encoding)) return `${encoding}: a depth image, not a camera`;
  if (encoding === 'mono16')
    return 'mono16: 16-bit grey (depth or infrared), not a camera: Viper reads 8-bit images';
  return `raw image encoding '${encoding}' is not one Viper reads (${RAW_READ_NAMES})`;
}

/** ROS `format` ("jpeg", "png", "rgb8; jpeg compressed bgr8") or Foxglove `format` ("jpeg", "png") → encoding. */
function compressedEncoding(format: string, where: string): ImageEncoding {
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
 * A raw image (rgb8, bgr8, mono8; rgba8 and bgra8 as rgb8 and bgr8, alpha dropped) as Viper wants it: row-major
 * without padding. Rows padded to `step` bytes are copied out; an unpadded 3- or 1-channel buffer is passed
 * through without copying.
 */
function rawImage(
  encoding: string,
  width: number,
  height: number,
  step: number,
  data: Uint8Array,
  where: string,
): Image {
  const read = Object.hasOwn(RAW_READ, encoding) ? RAW_READ[encoding] : undefined;
  if (read === undefined) {
    throw new RecordingError({
      what: `unsupported raw image encoding '${encoding}'`,
      where,
      hint: `Viper reads ${RAW_READ_NAMES} raw images`,
    });
  }
  const { channels } = read;
  const row = width * channels;
  const rowStep = step === 0 ? row : step;
  if (rowStep < row || data.length < rowStep * (height - 1) + row) {
    throw new RecordingError({
      what: `raw image ${width}x${height} ${encoding} needs ${rowStep * height} bytes (step ${rowStep}), got ${data.length}`,
      where,
    });
  }
  if (channels === 4)
    return { encoding: read.as, width, height, data: dropAlpha(data, width, height, rowStep) };
  let out = data.subarray(0, row * height);
  if (rowStep !== row) {
    out = new Uint8Array(row * height);
    for (let y = 0; y < height; y++) out.set(data.subarray(y * rowStep, y * rowStep + row), y * row);
  }
  return { encoding: read.as as ImageEncoding, width, height, data: out };
}

/** Four bytes a pixel, rows `rowStep` apart → three a pixel, unpadded (the fourth, alpha, dropped). */
function dropAlpha(data: Uint8Array, width: number, height: number, rowStep: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  let d = 0;
  for (let y = 0; y < height; y++) {
    for (let s = y * rowStep, end = s + width * 4; s < end; s += 4) {
      out[d++] = data[s]!;
      out[d++] = data[s + 1]!;
      out[d++] = data[s + 2]!;
    }
  }
  return out;
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
