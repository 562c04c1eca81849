/**
 * Writes a scenario's recording as MCAP through the io layer: per camera `/<cam>/image` (JPEG
 * foxglove.CompressedImage) and `/<cam>/calibration`, `/tf` (odom → base_link each frame, base_link → camera
 * mounts), `/ground_truth/objects` (viper JSON) and `/ground_truth/scene` (foxglove.SceneUpdate cubes).
 * Written to `<out>.partial` and renamed on success, so a failed run leaves no half-written file. Also returns
 * a SHA-256 of the raw pixels + ground truth, which does not depend on the JPEG or MCAP encoders.
 */
import { createHash } from 'node:crypto';
import { fileSha256 } from '../io/fileSha256.ts';
import { rename, rm, stat, statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import type { CameraFrame } from '../contracts/camera.ts';
import { RecordingError } from '../contracts/errors.ts';
import type { Transform } from '../contracts/geometry.ts';
import { GroundTruthMessage } from '../contracts/perception.ts';
import { type TimeNs, toFoxgloveTime } from '../contracts/time.ts';
import { frames as frameIds, topics } from '../contracts/topics.ts';
import { calibrationToFoxglove, RecordingWriter, transformsToFoxglove } from '../io/index.ts';
import { createRenderer } from './render/renderer.ts';
import { calibrationOf, matToQuat, mountTransform } from './rig.ts';
import { frameCount, type SimFrame, simulateFrames } from './simulate.ts';
import type { World } from './world/world.ts';

/** Pixels as tightly packed RGB (drops the alpha byte of the packed RGBA buffer). */
export function rgbOf(color: Uint32Array): Buffer {
  const n = color.length;
  const out = Buffer.allocUnsafe(n * 3);
  for (let i = 0, o = 0; i < n; i++, o += 3) {
    const p = color[i]!;
    out[o] = p & 0xff;
    out[o + 1] = (p >>> 8) & 0xff;
    out[o + 2] = (p >>> 16) & 0xff;
  }
  return out;
}

/** JPEG via libjpeg-turbo (sharp): baseline, 4:2:0, no mozjpeg trellis, integer DCT — identical run to run. */
export function encodeJpeg(rgb: Buffer, width: number, height: number, quality: number): Promise<Buffer> {
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .jpeg({ quality, mozjpeg: false, chromaSubsampling: '4:2:0', optimiseCoding: false })
    .toBuffer();
}

/**
 * A simulated frame's images as the detector sees them in a recording: one JPEG camera frame per camera,
 * encoded as `viper simulate` records it (no calibration or transforms attached). For tests, benchmarks and
 * the model recipe, which detect on simulated frames without writing a recording first.
 */
export async function jpegCameraFrames(
  f: SimFrame,
  jpegQuality: number,
  feedId: string,
): Promise<CameraFrame[]> {
  const out: CameraFrame[] = [];
  for (const img of f.images) {
    const data = await encodeJpeg(rgbOf(img.color), img.width, img.height, jpegQuality);
    out.push({
      feedId,
      cameraId: img.cameraId,
      tNs: f.tNs,
      image: { encoding: 'jpeg', width: img.width, height: img.height, data },
      calibration: null,
      transforms: [],
    });
  }
  return out;
}

const CLASS_RGBA: Record<string, [number, number, number]> = {
  car: [0.2, 0.6, 1],
  truck: [1, 0.6, 0.1],
  bus: [1, 0.85, 0.1],
  pedestrian: [1, 0.2, 0.3],
  cyclist: [0.3, 1, 0.4],
  motorcycle: [0.8, 0.3, 1],
};

/** foxglove.SceneUpdate with one cube + label per actor (previous entities deleted first). */
export function sceneUpdate(gt: GroundTruthMessage, tNs: TimeNs): object {
  const timestamp = toFoxgloveTime(tNs);
  return {
    deletions: [{ timestamp, type: 1, id: '' }],
    entities: gt.actors.map((a) => {
      const [x, y, z] = a.boxWorld.center;
      const q = matToQuat([
        Math.cos(a.boxWorld.yaw),
        -Math.sin(a.boxWorld.yaw),
        0,
        Math.sin(a.boxWorld.yaw),
        Math.cos(a.boxWorld.yaw),
        0,
        0,
        0,
        1,
      ]);
      const pose = { position: { x, y, z }, orientation: { x: q[0], y: q[1], z: q[2], w: q[3] } };
      const [r, g, b] = CLASS_RGBA[a.cls] ?? [1, 1, 1];
      return {
        timestamp,
        frame_id: frameIds.world,
        id: a.id,
        lifetime: { sec: 0, nsec: 0 },
        frame_locked: false,
        metadata: [{ key: 'class', value: a.cls }],
        cubes: [
          {
            pose,
            size: { x: a.boxWorld.size[0], y: a.boxWorld.size[1], z: a.boxWorld.size[2] },
            color: { r, g, b, a: 0.4 },
          },
        ],
        texts: [
          {
            pose: {
              position: { x, y, z: z + a.boxWorld.size[2] / 2 + 0.4 },
              orientation: { x: 0, y: 0, z: 0, w: 1 },
            },
            billboard: true,
            font_size: 14,
            scale_invariant: true,
            color: { r, g, b, a: 1 },
            text: `${a.id} ${a.cls}`,
          },
        ],
      };
    }),
  };
}

function egoTransform(f: SimFrame): Transform {
  const e = f.frame.ego;
  return {
    parent: frameIds.world,
    child: frameIds.ego,
    translation: [e.x, e.y, 0],
    rotation: [0, 0, Math.sin(e.yaw / 2), Math.cos(e.yaw / 2)],
  };
}

interface RecordOptions {
  onProgress?: (done: number, total: number) => void;
  /** Stop early (SIGINT): the file is finalized with the frames written so far. */
  shouldStop?: () => boolean;
  /** Bytes free for the output's folder (statfs by default; tests give a small disk). */
  freeBytes?: (dir: string) => Promise<number>;
}

/** After this many frames the bytes they took are projected over the rest, and a render that cannot fit stops. */
const SPACE_CHECK_FRAMES = 10;

async function statfsFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

const size = (bytes: number) =>
  bytes >= 1e9
    ? `${(bytes / 1e9).toFixed(1)} GB`
    : bytes >= 1e6
      ? `${(bytes / 1e6).toFixed(1)} MB`
      : `${Math.ceil(bytes / 1e3)} kB`;

export interface RecordResult {
  path: string;
  frames: number;
  bytes: number;
  /** SHA-256 of every camera's raw RGB pixels and the ground-truth JSON, frame by frame. */
  rawSha256: string;
  /** SHA-256 of the MCAP file. */
  sha256: string;
  /** `shouldStop` ended the run early: `frames` of the scenario's frames are in the (finalized) file. */
  interrupted: boolean;
}

/** Record `world`'s scenario to `outPath` (atomically). */
export async function recordScenario(
  world: World,
  outPath: string,
  opts: RecordOptions = {},
): Promise<RecordResult> {
  const s = world.scenario;
  const tmp = `${outPath}.partial`;
  const writer = await RecordingWriter.create(tmp, { compression: 'zstd' });
  try {
    const renderer = createRenderer(world);
    const cams = renderer.cameras.map((c) => c.cam);
    const gtSchema = z.toJSONSchema(GroundTruthMessage);
    const tf = await writer.addChannel(topics.tf, { kind: 'foxglove', name: 'foxglove.FrameTransforms' });
    const camCh: { image: number; calib: number }[] = [];
    for (const c of cams) {
      camCh.push({
        image: await writer.addChannel(topics.image(c.id), {
          kind: 'foxglove',
          name: 'foxglove.CompressedImage',
        }),
        calib: await writer.addChannel(topics.calibration(c.id), {
          kind: 'foxglove',
          name: 'foxglove.CameraCalibration',
        }),
      });
    }
    const gtCh = await writer.addChannel(topics.groundTruthObjects, {
      kind: 'json',
      name: 'viper.GroundTruth',
      jsonSchema: gtSchema,
    });
    const sceneCh = await writer.addChannel(topics.groundTruthScene, {
      kind: 'foxglove',
      name: 'foxglove.SceneUpdate',
    });
    await writer.addMetadata('scenario', {
      name: s.name,
      seed: String(s.seed),
      duration: String(s.duration),
      rate: String(s.rate),
    });
    const mounts = cams.map(mountTransform);
    const calibs = cams.map(calibrationOf);
    const total = frameCount(s);
    const raw = createHash('sha256');
    let done = 0;
    let payload = 0; // JPEG and ground-truth bytes written: nearly all of the file
    let interrupted = false;
    for (const f of simulateFrames(world, { renderer })) {
      if (opts.shouldStop?.()) {
        interrupted = true;
        break;
      }
      // Copy pixels out now (buffers are reused by the next frame), then encode the cameras in parallel.
      const jobs = f.images.map((img) => {
        const rgb = rgbOf(img.color);
        raw.update(img.cameraId).update(rgb);
        return encodeJpeg(rgb, img.width, img.height, s.sensor.jpegQuality);
      });
      const gtJson = JSON.stringify(f.gt);
      raw.update(gtJson);
      const jpegs = await Promise.all(jobs);
      await writer.writeObject(tf, f.tNs, transformsToFoxglove([egoTransform(f), ...mounts], f.tNs));
      const byId = new Map(f.images.map((img, i) => [img.cameraId, jpegs[i]!]));
      for (let ci = 0; ci < cams.length; ci++) {
        await writer.writeObject(camCh[ci]!.calib, f.tNs, calibrationToFoxglove(calibs[ci]!, f.tNs));
        const jpeg = byId.get(cams[ci]!.id);
        if (!jpeg) continue; // dropout: no image message
        await writer.writeObject(camCh[ci]!.image, f.tNs, {
          timestamp: toFoxgloveTime(f.tNs),
          frame_id: cams[ci]!.id,
          format: 'jpeg',
          data: new Uint8Array(jpeg.buffer, jpeg.byteOffset, jpeg.byteLength),
        });
      }
      await writer.writeObject(gtCh, f.tNs, f.gt);
      await writer.writeObject(sceneCh, f.tNs, sceneUpdate(f.gt, f.tNs));
      done++;
      payload += gtJson.length + jpegs.reduce((n, j) => n + j.byteLength, 0);
      opts.onProgress?.(done, total);
      // A long render onto a disk it cannot fit stops here, not hours later at ENOSPC.
      if (done === SPACE_CHECK_FRAMES && total > done) {
        const need = (payload / done) * (total - done);
        const free = await (opts.freeBytes ?? statfsFree)(dirname(tmp));
        if (need > free) {
          throw new RecordingError({
            what: `the recording would need about ${size(need)} more for its ${total} frames (${size(payload / done)} each); ${size(free)} are free`,
            where: outPath,
            hint: 'nothing was kept: free space, write elsewhere (-o), or shorten the scenario (duration, rate, cameras, resolution)',
          });
        }
      }
    }
    // Only a cut-short file carries this record, so complete recordings (and their digests) are unchanged.
    if (interrupted)
      await writer.addMetadata('interrupted', { frames: String(done), scenarioFrames: String(total) });
    await writer.close();
    await rename(tmp, outPath);
    const bytes = (await stat(outPath)).size;
    const sha256 = await fileSha256(outPath);
    return { path: outPath, frames: done, bytes, rawSha256: raw.digest('hex'), sha256, interrupted };
  } catch (err) {
    await writer.close().catch(() => undefined);
    await rm(tmp, { force: true });
    // A refused file write: the writer's hint points at what its file holds, and here that file is gone (a
    // recording is whole or absent).
    if (err instanceof RecordingError && err.where === tmp && (err.cause as NodeJS.ErrnoException)?.syscall) {
      throw new RecordingError({
        what: err.what,
        where: outPath,
        hint: 'nothing was kept (the partial file is removed): free space or write elsewhere, and run again',
        cause: err.cause,
      });
    }
    throw err;
  }
}
