/**
 * Builders for small generated recordings: a multi-camera rig of synthetic JPEG frames with calibrations and
 * /tf, written with Viper's own writer. Deterministic (content depends only on the arguments).
 */
import { readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { McapStreamReader, McapWriter } from '@mcap/core';
import { FileHandleWritable } from '@mcap/nodejs';
import { loadDecompressHandlers } from '@mcap/support';
import sharp from 'sharp';
import { secToNs, toFoxgloveTime } from '../../src/contracts/time.ts';
import { topics } from '../../src/contracts/topics.ts';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';

interface RigRecordingOptions {
  cameras?: string[];
  frames?: number;
  rateHz?: number;
  width?: number;
  height?: number;
  /** Cameras that get no calibration message. */
  uncalibrated?: string[];
  /** Per-camera time offset in ms (jitter within alignment tolerance). */
  offsetsMs?: Record<string, number>;
  /** Per-camera delay in ms of the images' log time after their stamp (a camera received late). */
  logLagMs?: Record<string, number>;
  compression?: 'zstd' | 'lz4' | 'none';
  /** Extra payload bytes per image (to make big files quickly). */
  padBytes?: number;
  /** Frames whose image is garbage (a corrupt JPEG), by camera: frame indices. */
  corrupt?: Record<string, number[]>;
  /** Log time of the first frame, in seconds (default 1000). */
  startSec?: number;
  /** The CompressedImage format field (default 'jpeg'; the data stays a JPEG). */
  format?: string;
}

const jpegCache = new Map<string, Uint8Array>();

/** A small JPEG with a bright square whose position depends on `i` (cached per size and i mod 8). */
export async function testJpeg(i: number, width: number, height: number): Promise<Uint8Array> {
  const key = `${width}x${height}:${i % 8}`;
  const hit = jpegCache.get(key);
  if (hit) return hit;
  const raw = Buffer.alloc(width * height * 3, 40);
  const s = Math.max(4, Math.floor(height / 4));
  const x0 = Math.floor(((i % 8) / 8) * (width - s));
  const y0 = Math.floor(height / 3);
  for (let y = y0; y < y0 + s; y++)
    for (let x = x0; x < x0 + s; x++) raw.fill(220, (y * width + x) * 3, (y * width + x) * 3 + 3);
  const jpeg = new Uint8Array(
    await sharp(raw, { raw: { width, height, channels: 3 } })
      .jpeg({ quality: 80 })
      .toBuffer(),
  );
  jpegCache.set(key, jpeg);
  return jpeg;
}

export async function writeRigRecording(path: string, o: RigRecordingOptions = {}): Promise<void> {
  const cameras = o.cameras ?? ['cam_front', 'cam_back'];
  const frames = o.frames ?? 10;
  const rate = o.rateHz ?? 10;
  const width = o.width ?? 64;
  const height = o.height ?? 48;
  const w = await RecordingWriter.create(path, {
    compression: o.compression ?? 'zstd',
    chunkSize: 256 * 1024,
  });
  try {
    const tf = await w.addChannel(topics.tf, { kind: 'foxglove', name: 'foxglove.FrameTransforms' });
    const img = new Map<string, number>();
    const cal = new Map<string, number>();
    for (const c of cameras) {
      img.set(c, await w.addChannel(topics.image(c), { kind: 'foxglove', name: 'foxglove.CompressedImage' }));
      if (!o.uncalibrated?.includes(c)) {
        cal.set(
          c,
          await w.addChannel(topics.calibration(c), { kind: 'foxglove', name: 'foxglove.CameraCalibration' }),
        );
      }
    }
    const pad = o.padBytes ? new Uint8Array(o.padBytes) : undefined;
    for (let i = 0; i < frames; i++) {
      const tNs = secToNs((o.startSec ?? 1000) + i / rate);
      const timestamp = toFoxgloveTime(tNs);
      await w.writeObject(tf, tNs, {
        transforms: [
          {
            timestamp,
            parent_frame_id: 'odom',
            child_frame_id: 'base_link',
            translation: { x: i * 0.5, y: 0, z: 0 },
            rotation: { x: 0, y: 0, z: 0, w: 1 },
          },
        ],
      });
      for (const [ci, c] of cameras.entries()) {
        const t = tNs + BigInt(Math.round((o.offsetsMs?.[c] ?? 0) * 1e6));
        if (i === 0 && cal.has(c)) {
          const f = width / 2;
          await w.writeObject(cal.get(c)!, t, {
            timestamp: toFoxgloveTime(t),
            frame_id: c,
            width,
            height,
            distortion_model: '',
            D: [],
            K: [f, 0, width / 2, 0, f, height / 2, 0, 0, 1],
            R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
            P: [f, 0, width / 2, 0, 0, f, height / 2, 0, 0, 0, 1, 0],
          });
        }
        let data = o.corrupt?.[c]?.includes(i)
          ? new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8])
          : await testJpeg(i + ci, width, height);
        if (pad) {
          const padded = new Uint8Array(data.length + pad.length);
          padded.set(data);
          data = padded;
        }
        await w.writeObject(img.get(c)!, t + BigInt(Math.round((o.logLagMs?.[c] ?? 0) * 1e6)), {
          timestamp: toFoxgloveTime(t),
          frame_id: c,
          data,
          format: o.format ?? 'jpeg',
        });
      }
    }
  } finally {
    await w.close();
  }
}

/**
 * Copy a recording message by message (payloads as they are) into chunks of `chunkSize` bytes: the messages `keep`
 * takes (by topic and log time); messages of a topic `twice` accepts are written twice, at the same log time;
 * `first` writes into the copy before them.
 */
export async function copyRecording(
  src: string,
  dst: string,
  chunkSize: number,
  keep: (topic: string, logTimeNs: bigint) => boolean = () => true,
  twice: (topic: string) => boolean = () => false,
  first?: (w: RecordingWriter) => Promise<void>,
): Promise<void> {
  const reader = await RecordingReader.open(src);
  const writer = await RecordingWriter.create(dst, { chunkSize });
  await first?.(writer);
  const ids = new Map<number, number>();
  for await (const m of reader.messages()) {
    if (!keep(m.channel.topic, m.logTimeNs)) continue;
    let id = ids.get(m.channel.id);
    if (id === undefined) {
      const s = reader.schemaOf(m.channel.id);
      id = await writer.addChannel(m.channel.topic, {
        kind: 'raw',
        name: s.name,
        encoding: s.encoding,
        data: s.data,
        messageEncoding: m.channel.messageEncoding,
      });
      ids.set(m.channel.id, id);
    }
    await writer.write(id, m.logTimeNs, m.data, m.publishTimeNs);
    if (twice(m.channel.topic)) await writer.write(id, m.logTimeNs, m.data, m.publishTimeNs);
  }
  await writer.close();
  await reader.close();
}

/**
 * Copy a recording record by record, without chunks or indexes (readers must stream it, through their bounded
 * reorder window, and a cut can fall between any two records): in file order, except the messages `late` picks
 * (by topic and log time), written after all the others. Returns the copy's bytes.
 */
export async function flatCopy(
  src: string,
  dst: string,
  late: (topic: string, logTimeNs: bigint) => boolean = () => false,
): Promise<Buffer> {
  const reader = new McapStreamReader({ decompressHandlers: await loadDecompressHandlers() });
  reader.append(readFileSync(src));
  const fh = await open(dst, 'w');
  const w = new McapWriter({
    writable: new FileHandleWritable(fh),
    useChunks: false,
    useStatistics: false,
    useSummaryOffsets: false,
    useChunkIndex: false,
    useMessageIndex: false,
  });
  await w.start({ profile: '', library: 'test' });
  const schemas = new Map<number, number>();
  const channels = new Map<number, { id: number; topic: string }>();
  const held: Parameters<McapWriter['addMessage']>[0][] = [];
  for (let r = reader.nextRecord(); r; r = reader.nextRecord()) {
    if (r.type === 'Schema') schemas.set(r.id, await w.registerSchema(r));
    else if (r.type === 'Channel') {
      const id = await w.registerChannel({ ...r, schemaId: schemas.get(r.schemaId)! });
      channels.set(r.id, { id, topic: r.topic });
    } else if (r.type === 'Message') {
      const ch = channels.get(r.channelId)!;
      const m = { ...r, channelId: ch.id };
      if (late(ch.topic, r.logTime)) held.push(m);
      else await w.addMessage(m);
    }
  }
  for (const m of held) await w.addMessage(m);
  await w.end();
  await fh.close();
  return readFileSync(dst);
}

/** The `viper` metadata record of a results file (provenance: detector, model, tiles, interrupted, …). */
export async function viperMetadata(path: string): Promise<Record<string, string>> {
  const r = await RecordingReader.open(path);
  try {
    const m = (await r.metadata()).find((x) => x.name === 'viper');
    if (!m) throw new Error(`no viper metadata in ${path}`);
    return m.metadata;
  } finally {
    await r.close();
  }
}
