/** Frame builders for detect tests. */
import type { CameraFrame, ImageEncoding } from '../../src/contracts/camera.ts';

export function frame(
  cameraId: string,
  data: Uint8Array,
  encoding: ImageEncoding,
  width = 0,
  height = 0,
  feedId = 'feed',
  tNs = 0n,
): CameraFrame {
  return {
    feedId,
    cameraId,
    tNs,
    image: { encoding, width, height, data },
    calibration: null,
    transforms: [],
  };
}

/** A uniform raw rgb8 frame. */
export function uniformRgb(cameraId: string, width: number, height: number, value: number): CameraFrame {
  return frame(cameraId, new Uint8Array(width * height * 3).fill(value), 'rgb8', width, height);
}
