/**
 * Image sequence or video → recording: each JPEG/PNG of a folder (in natural name order: 2.jpg before 10.jpg),
 * or each frame of a video (decoded by ffmpeg, see videoFrames.ts), becomes a foxglove.CompressedImage on
 * `/<camera>/image` at t = start + i / rate, with a foxglove.CameraCalibration on `/<camera>/calibration` (a
 * nominal pinhole from the horizontal field of view, since neither carries a calibration). Folder images are
 * copied, not re-encoded; sharp reads only their headers, and their format is what the bytes are. Every header of
 * a folder is checked (format, size) before the output is created, so a bad frame leaves nothing behind; a video
 * is decoded as it streams, so a failure part-way keeps the frames before it (and says so). The output's folder
 * is created when missing.
 */
import { plural } from './words.ts';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';
import { ConfigError, InputError, RecordingError } from '../contracts/errors.ts';
import {
  formatNsExact,
  MAX_LOG_TIME_NS,
  MAX_LOG_TIME_S,
  secToNs,
  toFoxgloveTime,
  type TimeNs,
} from '../contracts/time.ts';
import { topics } from '../contracts/topics.ts';
import { RecordingWriter } from '../io/index.ts';
import { makeDirs } from '../io/makeDirs.ts';
import { transformsToFoxglove } from '../io/codecs/foxgloveToViper.ts';
import { checkOutputPaths } from './paths.ts';
import { checkFrames, checkSize, imageMeta } from './frameFiles.ts';
import { type CameraMount, mountTransforms, nominalCalibration } from './importCamera.ts';
import { probeVideo, videoFrameTimes, videoJpegFrames } from './videoFrames.ts';

interface ImportOptions {
  source: string;
  output: string;
  /** Frames per second; default 10 for a folder, the stream's rate for a video. */
  rateHz?: number;
  camera: string;
  /** Log time of the first frame. */
  startNs: TimeNs;
  /** Horizontal field of view of the nominal calibration, degrees. */
  hfovDeg: number;
  /**
   * Where the camera is, for fusion: its mount in base_link (FLU: x forward, y left, z up, metres; z is its height
   * above the ground plane) and its yaw (left +), pitch (down +) and roll, degrees. Written once to `/tf_static`
   * with odom → base_link as identity: a fixed camera, or an ego whose motion is not known.
   */
  mount?: CameraMount;
  /** `total` is undefined for a video whose container does not state its frame count. */
  onProgress?: (done: number, total: number | undefined) => void;
  /** Set `stopped` (Ctrl-C) to end the import after the frame being written; the recording is finalized. */
  control?: { stopped: boolean };
}

interface ImportSummary {
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
  /** What the decoder reported and survived (a truncated or damaged video: frames may be missing). */
  warnings?: string[];
  /** Files of the folder that are not JPEG or PNG by name (notes.txt, Thumbs.db), in name order; not imported. */
  skipped?: string[];
  /** What the recording lacks that a user may expect of it (no --mount: no /tf, so no 3D and no world objects). */
  notes?: string[];
}

/**
 * Without `--mount` no /tf is written, on purpose: where a camera stands (its height above the ground above all)
 * cannot be guessed, and a made-up mount would have replay place objects in the world at made-up distances. Said
 * once, so that an empty 3D panel in Foxglove and replay's missing world objects are not a surprise.
 */
function noMountNote(camera: string): string {
  return (
    `no --mount, so no /tf: Foxglove's Image panel shows the frames, but its 3D panel cannot place camera ${camera} ` +
    'and replay places no objects in the world; give where the camera is with --mount x,y,z,yaw,pitch,roll ' +
    '(e.g. 0,0,1.4,0,5,0 for a dashcam 1.4 m up looking 5° down)'
  );
}

const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png']);

/**
 * Natural order: digit runs compare as numbers, so an unpadded sequence (1, 2, …, 10) stays in frame order;
 * ties (01 vs 1) fall back to plain code-unit order, which keeps the order the same on every machine.
 */
export function naturalCompare(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? [];
  const rb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i] as string;
    const y = rb[i] as string;
    if (x === y) continue;
    if (/^\d/.test(x) && /^\d/.test(y)) {
      const nx = x.replace(/^0+/, '');
      const ny = y.replace(/^0+/, '');
      if (nx.length !== ny.length) return nx.length - ny.length;
      if (nx !== ny) return nx < ny ? -1 : 1;
      continue;
    }
    return x < y ? -1 : 1;
  }
  if (ra.length !== rb.length) return ra.length - rb.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

export async function importFrames(o: ImportOptions): Promise<ImportSummary> {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(o.source);
  } catch {
    // The input, as a missing recording is (it was said as a mistake of configuration).
    throw new InputError({
      what: 'file or folder not found',
      where: o.source,
      hint: 'import reads a folder of images, a video or a nuScenes dataroot: check the path',
    });
  }
  if (o.rateHz !== undefined && !(o.rateHz > 0))
    throw new ConfigError({ what: `--rate must be > 0, got ${o.rateHz}`, where: '--rate' });
  // Log times are nanoseconds: above 1 GHz two frames would share one (3e9 gave stamps 0, 0, 1 ns).
  if (o.rateHz !== undefined && o.rateHz > 1e9)
    throw new ConfigError({
      what: `--rate ${o.rateHz} Hz puts frames less than a nanosecond apart`,
      where: '--rate',
      hint: 'give the rate in Hz, e.g. --rate 30',
    });
  if (!/^[A-Za-z0-9_]+$/.test(o.camera)) {
    throw new ConfigError({
      what: `camera name '${o.camera}' must be letters, digits or _`,
      where: '--camera',
    });
  }
  const s = await (st.isDirectory() ? importFolder(o) : importVideo(o));
  return o.mount || s.frames === 0 ? s : { ...s, notes: [noMountNote(o.camera)] };
}

interface Frame {
  data: Uint8Array;
  /** Where the frame came from, for error messages. */
  where: string;
}

async function importFolder(o: ImportOptions): Promise<ImportSummary> {
  // Only files: a sub-folder named x.jpg is not a frame, and sub-folders are not counted as skipped.
  const entries = readdirSync(o.source, { withFileTypes: true }).filter((e) => !e.isDirectory());
  const isImage = (name: string) => IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
  const files = entries
    .filter((e) => isImage(e.name))
    .map((e) => e.name)
    .sort(naturalCompare);
  const skipped = entries
    .filter((e) => !isImage(e.name))
    .map((e) => e.name)
    .sort(naturalCompare);
  if (files.length === 0) {
    // A rosbag2 folder (or a folder of recordings) is read as it is: importing it is not the step it needs.
    const recording = skipped.filter((n) => n === 'metadata.yaml' || /\.(mcap|db3)$/i.test(n));
    if (recording.length > 0)
      throw new ConfigError({
        what: `'${o.source}' holds a recording (${recording.slice(0, 3).join(', ')}), not frames to import`,
        where: 'import <source>',
        hint: recording.some((n) => /\.mcap$/i.test(n))
          ? 'viper inspect, replay and view read a rosbag2 folder or MCAP file as it is'
          : recording.some((n) => /\.db3$/i.test(n))
            ? 'a rosbag2 SQLite bag (.db3): Viper reads MCAP; convert it with `ros2 bag convert` (storage_id: mcap)'
            : "a rosbag2 bag's metadata.yaml without an .mcap beside it (one compressed per file, .mcap.zstd, is decompressed first): Viper reads the bag's .mcap",
      });
    throw new ConfigError({ what: `no .jpg/.jpeg/.png files in '${o.source}'`, where: 'import <source>' });
  }
  await checkFrames(files.map((f) => join(o.source, f)));
  // A frame reached through a symlink is another name for a file elsewhere: -o must not be it.
  checkOutputPaths(
    files.map((f) => join(o.source, f)),
    [{ path: o.output, flag: '-o', example: 'recording.mcap' }],
  );
  let upright = 0;
  async function* frames(): AsyncGenerator<Frame> {
    for (const f of files) {
      const where = join(o.source, f);
      let data: Uint8Array;
      try {
        data = new Uint8Array(readFileSync(where));
      } catch (err) {
        throw new RecordingError({ what: `cannot read the file: ${(err as Error).message}`, where });
      }
      // A phone's or dashcam's JPEG stored sideways with an EXIF orientation: the detector read the stored pixels
      // while viewers show them turned, so boxes landed beside what they found. Turned upright here, re-encoded.
      const meta = await imageMeta(data, where);
      if (meta.orientation !== 1) {
        const turned = sharp(data).rotate();
        data = new Uint8Array(
          await (meta.format === 'jpeg' ? turned.jpeg({ quality: 95 }) : turned.png()).toBuffer(),
        );
        upright++;
      }
      yield { data, where };
    }
  }
  const s = await writeFrames(o, o.rateHz ?? 10, frames(), files.length);
  const out: ImportSummary = skipped.length > 0 ? { ...s, skipped } : s;
  const warnings: string[] = [];
  if (upright > 0)
    warnings.push(
      `${upright} of ${s.frames} frames were stored turned (EXIF orientation): imported upright, re-encoded${s.format === 'jpeg' ? ' at JPEG quality 95' : ''}`,
    );
  const unnumbered = unnumberedNames(files);
  if (unnumbered) warnings.push(unnumbered);
  if (warnings.length > 0) out.warnings = warnings;
  return out;
}

/**
 * A folder whose image names carry no number is seldom one camera's sequence: six cameras' images of one moment
 * (CAM_FRONT.jpg, CAM_BACK.jpg, … as a nuScenes sample is often shared) became a 0.5 s clip of one camera
 * whose frames jump between views, with no word said. Imported all the same (the names may be a user's own
 * order), with a warning that says how the frames were read.
 */
function unnumberedNames(files: readonly string[]): string | null {
  if (files.length < 2 || files.some((f) => /\d/.test(basename(f, extname(f))))) return null;
  const shown = files.slice(0, 3).join(', ') + (files.length > 3 ? ', …' : '');
  return `no file name holds a frame number (${shown}): the ${files.length} images were read as one camera's frames in name order; if they are different cameras, import each camera's frames from a folder of its own (a nuScenes dataroot: --scene)`;
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
  const warnings: string[] = [];
  async function* frames(): AsyncGenerator<Frame> {
    let i = 0;
    for await (const data of videoJpegFrames(o.source, (w) => warnings.push(w)))
      yield { data, where: `${o.source} frame ${i++}` };
  }
  // A variable-rate video's frames keep their own times (evenly spaced, a phone clip's drifted by seconds); a
  // constant-rate one, or --rate, is spaced at the rate as before.
  const times = o.rateHz === undefined ? variableTimes(videoFrameTimes(o.source), rateHz) : undefined;
  const s = await writeFrames(o, rateHz, frames(), info.frames, times);
  if (times && s.frames !== times.length)
    warnings.push(
      `decoded ${s.frames} frames but the container times ${times.length}: frames past them are spaced at ${Number(rateHz.toFixed(3))} Hz`,
    );
  // ffmpeg decodes what it can of a truncated or damaged file and exits 0: say what is missing.
  if (!s.interrupted && info.frames !== undefined && s.frames < info.frames) {
    warnings.push(`imported ${s.frames} of the ${info.frames} frames the video declares`);
  }
  return warnings.length > 0 ? { ...s, warnings } : s;
}

/** The frame times if they are not even at `rateHz` (more than half a frame off somewhere), else undefined. */
function variableTimes(times: number[] | undefined, rateHz: number): number[] | undefined {
  if (!times || times.length < 2) return undefined;
  return times.some((t, i) => Math.abs(t - i / rateHz) > 0.5 / rateHz) ? times : undefined;
}

/**
 * Writes `frames` as `/<camera>/image` at t = start + i / rate (or start + `timesS[i]`, a variable-rate video's
 * own times), with a nominal calibration before the first.
 * `total` (when known) drives the progress bar. The recording is closed (readable) whatever happens; a frame that
 * fails after others were written ends the import with an error that says those are kept in the file.
 */
async function writeFrames(
  o: ImportOptions,
  rateHz: number,
  frames: AsyncIterable<Frame>,
  total: number | undefined,
  timesS?: readonly number[],
): Promise<ImportSummary> {
  /** Seconds after the start of frame `i`: its own time, or past the given times at the rate. */
  const at = (i: number): number =>
    timesS && timesS.length > 0
      ? i < timesS.length
        ? timesS[i]!
        : timesS[timesS.length - 1]! + (i - timesS.length + 1) / rateHz
      : i / rateHz;
  if (total !== undefined) checkLogTime(o.startNs, total - 1, at(total - 1));
  await makeDirs(dirname(o.output), '-o');
  const writer = await RecordingWriter.create(o.output);
  let width = 0;
  let height = 0;
  const formats = new Set<string>();
  let count = 0;
  /** True while a frame is being read or checked (not written): its failure is the source's. */
  let reading = true;
  try {
    const imageCh = await writer.addChannel(topics.image(o.camera), {
      kind: 'foxglove',
      name: 'foxglove.CompressedImage',
    });
    const calCh = await writer.addChannel(topics.calibration(o.camera), {
      kind: 'foxglove',
      name: 'foxglove.CameraCalibration',
    });
    for await (const { data, where } of stoppable(frames, o.control)) {
      const meta = await imageMeta(data, where);
      // The format written is what the bytes are (a PNG named .jpg is a png frame), never the extension.
      const fmt = meta.format;
      formats.add(fmt);
      if (count === 0) {
        width = meta.width;
        height = meta.height;
      } else checkSize(meta, { width, height }, where);
      reading = false;
      checkLogTime(o.startNs, count, at(count)); // a video's length may not be known before
      const tNs: TimeNs = o.startNs + secToNs(at(count));
      const timestamp = toFoxgloveTime(tNs);
      if (count === 0) {
        await writer.writeObject(
          calCh,
          tNs,
          nominalCalibration(o.camera, width, height, o.hfovDeg, timestamp),
        );
        if (o.mount) {
          const tfCh = await writer.addChannel('/tf_static', {
            kind: 'foxglove',
            name: 'foxglove.FrameTransforms',
          });
          await writer.writeObject(tfCh, tNs, transformsToFoxglove(mountTransforms(o.camera, o.mount), tNs));
        }
      }
      await writer.writeObject(imageCh, tNs, { timestamp, frame_id: o.camera, data, format: fmt });
      count++;
      reading = true;
      o.onProgress?.(count, total);
    }
  } catch (err) {
    if (!(reading && count > 0 && err instanceof RecordingError)) throw err;
    const kept = `the ${plural(count, 'frame')} before it are kept in ${o.output}`;
    throw new RecordingError({
      what: err.what,
      where: err.where,
      hint: err.hint ? `${err.hint}; ${kept}` : kept,
      cause: err,
    });
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
    // A variable-rate video's average rate over what was imported.
    rateHz: timesS && count > 1 ? (count - 1) / at(count - 1) : rateHz,
    durationS: at(count - 1),
    format: [...formats].join('+'),
    ...(interrupted ? { interrupted } : {}),
  };
}

/** Frame `i`, `afterS` after the start, must have a 64-bit log time (it would wrap round silently). */
function checkLogTime(startNs: TimeNs, i: number, afterS: number): void {
  // Past it even from a start at 0: the frames are too far apart (`--rate 1e-12`; 1e-320 made them infinitely
  // far, an internal error), whatever the start.
  if (!Number.isFinite(afterS) || secToNs(afterS) > MAX_LOG_TIME_NS) {
    throw new ConfigError({
      what: `frame ${i + 1} would be ${Number.isFinite(afterS) ? `${afterS} s` : 'infinitely far'} after the first, past the last log time MCAP can hold (${MAX_LOG_TIME_S} s, 64-bit nanoseconds)`,
      where: '--rate',
      hint: '--rate is frames per second: give the rate the frames were taken at',
    });
  }
  const tNs = startNs + secToNs(afterS);
  if (tNs > MAX_LOG_TIME_NS) {
    throw new ConfigError({
      what: `--start ${formatNsExact(startNs)}: frame ${i + 1} would be at ${formatNsExact(tNs)} s, past the last log time MCAP can hold (${MAX_LOG_TIME_S} s, 64-bit nanoseconds)`,
      where: '--start',
      hint: 'log times are seconds since 1970: use a start before the year 2554',
    });
  }
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
