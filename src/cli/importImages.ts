/**
 * Image sequence → recording: each JPEG/PNG of a folder (sorted by name) becomes a foxglove.CompressedImage on
 * `/<camera>/image` at t = start + i / rate, with a foxglove.CameraCalibration on `/<camera>/calibration`
 * (a nominal pinhole from the horizontal field of view, since an image folder carries no calibration).
 * Images are copied, not re-encoded; sharp reads only their headers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { ConfigError, RecordingError } from '../contracts/errors.ts';
import { secToNs, toFoxgloveTime, type TimeNs } from '../contracts/time.ts';
import { topics } from '../contracts/topics.ts';
import { RecordingWriter } from '../io/index.ts';

export interface ImportOptions {
  source: string;
  output: string;
  /** Frames per second of the sequence. */
  rateHz: number;
  camera: string;
  /** Log time of the first frame, seconds. */
  startS: number;
  /** Horizontal field of view of the nominal calibration, degrees. */
  hfovDeg: number;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportSummary {
  output: string;
  camera: string;
  frames: number;
  width: number;
  height: number;
  durationS: number;
  format: string;
}

const FORMATS: Record<string, string> = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png' };

export async function importImages(o: ImportOptions): Promise<ImportSummary> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(o.source);
  } catch {
    throw new ConfigError({ what: `no such file or folder '${o.source}'`, where: 'import <source>' });
  }
  if (!st.isDirectory()) {
    throw new ConfigError({
      what: `'${o.source}' is not a folder of images`,
      where: 'import <source>',
      hint: 'video files are not supported yet: extract frames first (e.g. ffmpeg -i in.avi %04d.jpg)',
    });
  }
  if (!(o.rateHz > 0))
    throw new ConfigError({ what: `--rate must be > 0, got ${o.rateHz}`, where: '--rate' });
  if (!/^[A-Za-z0-9_]+$/.test(o.camera)) {
    throw new ConfigError({
      what: `camera name '${o.camera}' must be letters, digits or _`,
      where: '--camera',
    });
  }
  const files = readdirSync(o.source)
    .filter((f) => FORMATS[extname(f).toLowerCase()])
    .sort();
  if (files.length === 0) {
    throw new ConfigError({ what: `no .jpg/.jpeg/.png files in '${o.source}'`, where: 'import <source>' });
  }
  const writer = await RecordingWriter.create(o.output);
  let width = 0;
  let height = 0;
  let format = '';
  try {
    const imageCh = await writer.addChannel(topics.image(o.camera), {
      kind: 'foxglove',
      name: 'foxglove.CompressedImage',
    });
    const calCh = await writer.addChannel(topics.calibration(o.camera), {
      kind: 'foxglove',
      name: 'foxglove.CameraCalibration',
    });
    for (let i = 0; i < files.length; i++) {
      const file = join(o.source, files[i]!);
      const data = new Uint8Array(readFileSync(file));
      const fmt = FORMATS[extname(file).toLowerCase()]!;
      const meta = await sharp(data)
        .metadata()
        .catch((err: unknown) => {
          throw new RecordingError({ what: `cannot read image: ${(err as Error).message}`, where: file });
        });
      if (!meta.width || !meta.height) throw new RecordingError({ what: 'image has no size', where: file });
      if (i === 0) {
        width = meta.width;
        height = meta.height;
        format = fmt;
      } else if (meta.width !== width || meta.height !== height) {
        throw new RecordingError({
          what: `image is ${meta.width}×${meta.height}, the sequence is ${width}×${height}`,
          where: file,
          hint: 'all frames of one camera must have the same size',
        });
      }
      const tNs: TimeNs = secToNs(o.startS) + secToNs(i / o.rateHz);
      const timestamp = toFoxgloveTime(tNs);
      if (i === 0)
        await writer.writeObject(
          calCh,
          tNs,
          nominalCalibration(o.camera, width, height, o.hfovDeg, timestamp),
        );
      await writer.writeObject(imageCh, tNs, { timestamp, frame_id: o.camera, data, format: fmt });
      o.onProgress?.(i + 1, files.length);
    }
  } finally {
    await writer.close();
  }
  return {
    output: o.output,
    camera: o.camera,
    frames: files.length,
    width,
    height,
    durationS: (files.length - 1) / o.rateHz,
    format,
  };
}

/** A pinhole with square pixels, principal point at the centre, focal length from the horizontal FOV. */
export function nominalCalibration(
  frameId: string,
  width: number,
  height: number,
  hfovDeg: number,
  timestamp: { sec: number; nsec: number },
) {
  const f = width / 2 / Math.tan((hfovDeg * Math.PI) / 360);
  const cx = width / 2;
  const cy = height / 2;
  return {
    timestamp,
    frame_id: frameId,
    width,
    height,
    distortion_model: '',
    D: [],
    K: [f, 0, cx, 0, f, cy, 0, 0, 1],
    R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    P: [f, 0, cx, 0, 0, f, cy, 0, 0, 0, 1, 0],
  };
}
