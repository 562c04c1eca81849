/**
 * Image sequence or video → recording: each JPEG/PNG of a folder (sorted by name), or each frame of a video
 * (decoded by ffmpeg, see videoFrames.ts), becomes a foxglove.CompressedImage on `/<camera>/image` at
 * t = start + i / rate, with a foxglove.CameraCalibration on `/<camera>/calibration` (a nominal pinhole from the
 * horizontal field of view, since neither carries a calibration). Folder images are copied, not re-encoded;
 * sharp reads only their headers.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import sharp from 'sharp';
import { ConfigError, RecordingError } from '../contracts/errors.ts';
import { secToNs, toFoxgloveTime, type TimeNs } from '../contracts/time.ts';
import { topics } from '../contracts/topics.ts';
import { RecordingWriter } from '../io/index.ts';
import { probeVideo, videoJpegFrames } from './videoFrames.ts';

export interface ImportOptions {
  source: string;
  output: string;
  /** Frames per second; default 10 for a folder, the stream's rate for a video. */
  rateHz?: number;
  camera: string;
  /** Log time of the first frame, seconds. */
  startS: number;
  /** Horizontal field of view of the nominal calibration, degrees. */
  hfovDeg: number;
  /** `total` is undefined for a video whose container does not state its frame count. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Set `stopped` (Ctrl-C) to end the import after the frame being written; the recording is finalized. */
  control?: { stopped: boolean };
}

export interface ImportSummary {
  output: string;
  camera: string;
  frames: number;
  width: number;
  height: number;
  rateHz: number;
  durationS: number;
  format: string;
  /** Stopped by `control` before the source ended. */
  interrupted?: boolean;
}

const FORMATS: Record<string, string> = { '.jpg': 'jpeg', '.jpeg': 'jpeg', '.png': 'png' };

export async function importFrames(o: ImportOptions): Promise<ImportSummary> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(o.source);
  } catch {
    throw new ConfigError({ what: `no such file or folder '${o.source}'`, where: 'import <source>' });
  }
  if (o.rateHz !== undefined && !(o.rateHz > 0))
    throw new ConfigError({ what: `--rate must be > 0, got ${o.rateHz}`, where: '--rate' });
  if (!/^[A-Za-z0-9_]+$/.test(o.camera)) {
    throw new ConfigError({
      what: `camera name '${o.camera}' must be letters, digits or _`,
      where: '--camera',
    });
  }
  return st.isDirectory() ? importFolder(o) : importVideo(o);
}

interface Frame {
  data: Uint8Array;
  format: string;
  /** Where the frame came from, for error messages. */
  where: string;
}

async function importFolder(o: ImportOptions): Promise<ImportSummary> {
  const files = readdirSync(o.source)
    .filter((f) => FORMATS[extname(f).toLowerCase()])
    .sort();
  if (files.length === 0) {
    throw new ConfigError({ what: `no .jpg/.jpeg/.png files in '${o.source}'`, where: 'import <source>' });
  }
  async function* frames(): AsyncGenerator<Frame> {
    for (const f of files) {
      const where = join(o.source, f);
      yield { data: new Uint8Array(readFileSync(where)), format: FORMATS[extname(f).toLowerCase()]!, where };
    }
  }
  return writeFrames(o, o.rateHz ?? 10, frames(), files.length);
}

async function importVideo(o: ImportOptions): Promise<ImportSummary> {
  const info = probeVideo(o.source);
  const rateHz = o.rateHz ?? info.rateHz;
  if (!(rateHz > 0)) {
    throw new RecordingError({
      what: 'the video states no frame rate',
      where: o.source,
      hint: 'give one with --rate <hz>',
    });
  }
  async function* frames(): AsyncGenerator<Frame> {
    let i = 0;
    for await (const data of videoJpegFrames(o.source))
      yield { data, format: 'jpeg', where: `${o.source} frame ${i++}` };
  }
  return writeFrames(o, rateHz, frames(), info.frames);
}

/**
 * Writes `frames` as `/<camera>/image` at t = start + i / rate, with a nominal calibration before the first.
 * `total` (when known) drives the progress bar. The recording is closed (readable) whatever happens.
 */
async function writeFrames(
  o: ImportOptions,
  rateHz: number,
  frames: AsyncIterable<Frame>,
  total: number | undefined,
): Promise<ImportSummary> {
  const writer = await RecordingWriter.create(o.output);
  let width = 0;
  let height = 0;
  let format = '';
  let count = 0;
  try {
    const imageCh = await writer.addChannel(topics.image(o.camera), {
      kind: 'foxglove',
      name: 'foxglove.CompressedImage',
    });
    const calCh = await writer.addChannel(topics.calibration(o.camera), {
      kind: 'foxglove',
      name: 'foxglove.CameraCalibration',
    });
    for await (const { data, format: fmt, where } of stoppable(frames, o.control)) {
      const meta = await sharp(data)
        .metadata()
        .catch((err: unknown) => {
          throw new RecordingError({ what: `cannot read image: ${(err as Error).message}`, where });
        });
      if (!meta.width || !meta.height) throw new RecordingError({ what: 'image has no size', where });
      if (count === 0) {
        width = meta.width;
        height = meta.height;
        format = fmt;
      } else if (meta.width !== width || meta.height !== height) {
        throw new RecordingError({
          what: `image is ${meta.width}×${meta.height}, the sequence is ${width}×${height}`,
          where,
          hint: 'all frames of one camera must have the same size',
        });
      }
      const tNs: TimeNs = secToNs(o.startS) + secToNs(count / rateHz);
      const timestamp = toFoxgloveTime(tNs);
      if (count === 0)
        await writer.writeObject(
          calCh,
          tNs,
          nominalCalibration(o.camera, width, height, o.hfovDeg, timestamp),
        );
      await writer.writeObject(imageCh, tNs, { timestamp, frame_id: o.camera, data, format: fmt });
      count++;
      o.onProgress?.(count, total);
    }
  } finally {
    await writer.close();
  }
  const interrupted = o.control?.stopped === true;
  if (count === 0 && !interrupted) throw new RecordingError({ what: 'no frames decoded', where: o.source });
  return {
    output: o.output,
    camera: o.camera,
    frames: count,
    width,
    height,
    rateHz,
    durationS: (count - 1) / rateHz,
    format,
    ...(interrupted ? { interrupted } : {}),
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

/**
 * The frames until `control.stopped`. A video's ffmpeg, killed by the same Ctrl-C (the terminal signals the whole
 * process group), ends its stream with an error then: that is the stop, not a failure.
 */
async function* stoppable<T>(frames: AsyncIterable<T>, control?: { stopped: boolean }): AsyncIterable<T> {
  try {
    for await (const f of frames) {
      if (control?.stopped) return;
      yield f;
    }
  } catch (err) {
    if (!control?.stopped) throw err;
  }
}
