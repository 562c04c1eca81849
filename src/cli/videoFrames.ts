/**
 * Video → JPEG frames through ffmpeg (Debian's `ffmpeg` package; `VIPER_FFMPEG` / `VIPER_FFPROBE` name other
 * binaries). ffprobe gives the size and frame rate; ffmpeg decodes the first video stream and re-encodes each
 * frame as a JPEG on stdout (`image2pipe`), which is split at the JPEG end markers as it streams in, so memory
 * stays at a frame or two whatever the video's length. Bit-exact flags and one thread keep the bytes the same
 * run to run on one ffmpeg build.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { ConfigError, RecordingError } from '../contracts/errors.ts';
import { MCAP_MAGIC } from '../io/mcap/recordBytes.ts';

const FFMPEG = process.env.VIPER_FFMPEG ?? 'ffmpeg';
const FFPROBE = process.env.VIPER_FFPROBE ?? 'ffprobe';

interface VideoInfo {
  width: number;
  height: number;
  /** Frames per second: the stream's average rate (avg_frame_rate), else its base rate (r_frame_rate). */
  rateHz: number;
  /** Frame count if the container states it, else undefined. */
  frames: number | undefined;
}

/** True when ffmpeg and ffprobe run. */
export function haveFfmpeg(): boolean {
  const ok = (bin: string) => spawnSync(bin, ['-version'], { stdio: 'ignore' }).status === 0;
  return ok(FFMPEG) && ok(FFPROBE);
}

let found = false;

function requireFfmpeg(): void {
  if (found) return;
  found = haveFfmpeg();
  if (!found) {
    throw new ConfigError({
      what: `video import needs ffmpeg and ffprobe, and '${FFMPEG}' or '${FFPROBE}' did not run`,
      where: 'import <source>',
      hint: 'install them (apt-get install ffmpeg) or import a folder of JPEG/PNG frames',
    });
  }
}

/** Size, frame rate and (where known) frame count of the first video stream of `file`. */
/**
 * ffprobe formats that are not videos of a camera: ffmpeg reads text as a teletype (`tty`) and single images as
 * one-frame streams, and an MCAP full of JPEGs as `mjpeg`; each imported as a "video" with made-up times.
 */
const NOT_A_VIDEO: Record<string, string> = {
  tty: 'a text file',
  image2: 'a single image (import the folder that holds the frames)',
};

export function probeVideo(file: string): VideoInfo {
  if (isMcap(file))
    throw new RecordingError({
      what: 'is an MCAP recording already, not a video',
      where: file,
      hint: 'viper inspect, replay and view read it as it is',
    });
  requireFfmpeg();
  const r = spawnSync(
    FFPROBE,
    [
      '-v',
      'error',
      '-select_streams',
      'v:0',
      '-show_entries',
      'stream=width,height,avg_frame_rate,r_frame_rate,nb_frames:format=format_name',
      '-of',
      'json',
      file,
    ],
    { encoding: 'utf8', maxBuffer: 1 << 20 },
  );
  const firstLine = withoutPrefix((r.stderr ?? '').trim().split('\n')[0] ?? '');
  if (r.status !== 0)
    throw new RecordingError({
      what: `not a readable video: ${firstLine || `ffprobe exit ${r.status}`}`,
      where: file,
    });
  const probed = JSON.parse(r.stdout) as {
    streams?: Record<string, unknown>[];
    format?: { format_name?: string };
  };
  const format = String(probed.format?.format_name ?? '');
  const notVideo = NOT_A_VIDEO[format] ?? (format.endsWith('_pipe') ? NOT_A_VIDEO.image2 : undefined);
  if (notVideo)
    throw new RecordingError({
      what: `not a video: ffmpeg reads it as ${notVideo} (format ${format})`,
      where: file,
      hint: 'import a video file, a folder of JPEG/PNG frames or a nuScenes dataroot',
    });
  const stream = probed.streams?.[0];
  if (!stream) throw new RecordingError({ what: 'no video stream', where: file });
  const width = Number(stream.width);
  const height = Number(stream.height);
  // r_frame_rate is the lowest rate that represents every timestamp: for variable-rate files (phones) often a
  // multiple of the real one. avg_frame_rate (frames / duration) is what frames are spaced at; 0/0 when unknown.
  const rate = (v: unknown) => {
    const [num, den] = String(v ?? '')
      .split('/')
      .map(Number);
    return num && den ? num / den : Number.NaN;
  };
  const avg = rate(stream.avg_frame_rate);
  const rateHz = avg > 0 ? avg : rate(stream.r_frame_rate);
  const n = Number(stream.nb_frames);
  if (!(width > 0 && height > 0)) throw new RecordingError({ what: 'video stream has no size', where: file });
  return { width, height, rateHz, frames: Number.isInteger(n) && n > 0 ? n : undefined };
}

/**
 * Presentation times (s, from the first) of the first video stream's packets, in order: what a variable-frame-rate
 * video (a phone's) stamps its frames with. Read from the container without decoding; undefined when a packet
 * has none.
 */
export function videoFrameTimes(file: string): number[] | undefined {
  const r = spawnSync(
    FFPROBE,
    ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time', '-of', 'csv=p=0', file],
    { encoding: 'utf8', maxBuffer: 256 << 20 },
  );
  if (r.status !== 0) return undefined;
  const pts = r.stdout
    .split('\n')
    .map((l) => l.trim().replace(/,$/, ''))
    .filter((l) => l !== '')
    .map(Number);
  if (pts.length === 0 || pts.some((t) => !Number.isFinite(t))) return undefined;
  pts.sort((a, b) => a - b);
  return pts.map((t) => t - pts[0]!);
}

/**
 * The frames of `file`'s first video stream as JPEG bytes, in order. Errors ffmpeg survives (a file ended early,
 * damaged packets: it decodes what it can and exits 0) go to `onWarning`, a few distinct lines.
 */
export async function* videoJpegFrames(
  file: string,
  onWarning: (line: string) => void = () => undefined,
  quality = 3,
): AsyncGenerator<Uint8Array> {
  requireFfmpeg();
  const child = spawn(
    FFMPEG,
    [
      '-nostdin',
      '-v',
      'error',
      '-threads',
      '1',
      '-fflags',
      '+bitexact',
      '-i',
      file,
      '-map',
      '0:v:0',
      '-fps_mode',
      'passthrough',
      '-flags:v',
      '+bitexact',
      '-pix_fmt',
      'yuvj420p',
      '-c:v',
      'mjpeg',
      '-q:v',
      String(quality),
      '-f',
      'image2pipe',
      '-',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (stderr.length < 4096) stderr += d;
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  exited.catch(() => undefined);
  const split = new JpegSplitter();
  try {
    for await (const piece of child.stdout as AsyncIterable<Buffer>) {
      for (const frame of split.push(piece)) yield frame;
    }
    const code = await exited;
    if (code !== 0) {
      const line = withoutPrefix(stderr.trim().split('\n')[0] ?? '') || `ffmpeg exit ${code}`;
      throw new RecordingError({ what: `cannot decode the video: ${line}`, where: file });
    }
    if (split.pending > 0)
      throw new RecordingError({ what: 'ffmpeg output ended inside a frame', where: file });
    for (const line of decoderWarnings(stderr)) onWarning(`ffmpeg: ${line}`);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

/**
 * An ffmpeg / ffprobe message line without its `[mov,mp4,… @ 0x5603104e6ac0]` prefix: the demuxer or decoder and
 * its address in memory, noise to whoever reads the error.
 */
function withoutPrefix(line: string): string {
  return line.replace(/^\[[^\]]* @ 0x[0-9a-f]+\]\s*/, '').trim();
}

/** Most distinct lines of ffmpeg's error output that `decoderWarnings` passes on. */
const MAX_WARNINGS = 3;

/** At most `MAX_WARNINGS` distinct lines of ffmpeg's error output, without its `[demuxer @ 0x…]` prefixes. */
export function decoderWarnings(stderr: string): string[] {
  const lines = stderr
    .split('\n')
    .map(withoutPrefix)
    .filter((l) => l !== '');
  const distinct = [...new Set(lines)];
  const more = distinct.length - MAX_WARNINGS;
  return more > 0 ? [...distinct.slice(0, MAX_WARNINGS), `… and ${more} more`] : distinct;
}

/**
 * Splits a stream of concatenated JPEGs (as ffmpeg's mjpeg encoder writes them: SOI … EOI, no embedded
 * thumbnails) at each EOI marker. Inside entropy-coded data a 0xFF byte is always followed by 0x00 or a restart
 * marker, so 0xFF 0xD9 only ever ends an image.
 */
export class JpegSplitter {
  #parts: Buffer[] = [];
  #size = 0;
  /** Whether the last byte seen was 0xFF (a marker may straddle two pieces). */
  #lastFF = false;

  get pending(): number {
    return this.#size;
  }

  push(piece: Buffer): Uint8Array[] {
    const out: Uint8Array[] = [];
    let from = 0;
    let i = 0;
    if (this.#lastFF && piece.length > 0 && piece[0] === 0xd9) {
      out.push(this.#take(piece.subarray(0, 1)));
      from = i = 1;
    }
    for (;;) {
      const ff = piece.indexOf(0xff, i);
      if (ff < 0 || ff + 1 >= piece.length) break;
      if (piece[ff + 1] === 0xd9) {
        out.push(this.#take(piece.subarray(from, ff + 2)));
        from = ff + 2;
      }
      i = ff + 1;
    }
    const rest = piece.subarray(from);
    this.#lastFF = rest.length > 0 && rest[rest.length - 1] === 0xff;
    if (rest.length > 0) {
      this.#parts.push(Buffer.from(rest));
      this.#size += rest.length;
    }
    return out;
  }

  #take(tail: Buffer): Uint8Array {
    const frame = new Uint8Array(this.#size + tail.length);
    let at = 0;
    for (const p of this.#parts) {
      frame.set(p, at);
      at += p.length;
    }
    frame.set(tail, at);
    this.#parts = [];
    this.#size = 0;
    this.#lastFF = false;
    return frame;
  }
}

/** Whether `file` starts with the MCAP magic. */
function isMcap(file: string): boolean {
  try {
    const fd = openSync(file, 'r');
    try {
      const head = Buffer.alloc(MCAP_MAGIC.length);
      return readSync(fd, head, 0, head.length, 0) === head.length && head.equals(MCAP_MAGIC);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
}
