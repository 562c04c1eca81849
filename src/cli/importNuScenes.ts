/**
 * nuScenes scene → recording (`viper import <dataroot> --scene scene-0061`): its camera frames (12 Hz; with
 * `keyframesOnly` the annotated key frames alone, 2 Hz) as six-camera rig frames, with each camera's calibration
 * and pose on /tf and the key frames' annotations as Viper ground truth, so a replay of real data is scored by
 * `viper eval` as a simulated one is (at the key frames). See src/io/nuscenes/rigs.ts for the time and frame
 * conventions. Every image is checked to exist and be a JPEG
 * before the output is created; Ctrl-C finalizes the frames written so far.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { ConfigError, InputError } from '../contracts/errors.ts';
import { GroundTruthMessage } from '../contracts/perception.ts';
import { toFoxgloveTime } from '../contracts/time.ts';
import { topics } from '../contracts/topics.ts';
import { calibrationToFoxglove, RecordingWriter, transformsToFoxglove } from '../io/index.ts';
import { checkJpegComplete } from '../io/jpegComplete.ts';
import { makeDirs } from '../io/makeDirs.ts';
import { type NuRig, nuScenesRigs } from '../io/nuscenes/rigs.ts';
import { loadNuScenes, nuScenesVersions, pickScene } from '../io/nuscenes/tables.ts';
import { sceneUpdate } from '../sim/record.ts';
import { checkOutputPaths } from './paths.ts';
import { compareText } from '../contracts/compareText.ts';

interface NuScenesImportOptions {
  dataroot: string;
  output: string;
  /** Table version folder (v1.0-mini, …); default: the only one under the dataroot. */
  version?: string;
  /** Scene name or token; default: the only one. */
  scene?: string;
  /** Only the annotated key frames (2 Hz), not the sweeps between them. */
  keyframesOnly?: boolean;
  onProgress?: (done: number, total: number) => void;
  control?: { stopped: boolean };
}

interface NuScenesImportSummary {
  output: string;
  version: string;
  scene: string;
  frames: number;
  /** Frames with ground truth (the annotated key frames). */
  keyFrames: number;
  cameras: string[];
  durationS: number;
  /** Ground-truth actors over all frames, and distinct objects. */
  actors: number;
  objects: number;
  /** Annotations of categories Viper does not track, by category. */
  skipped: Record<string, number>;
  /** Sweep camera frames left out: no CAM_FRONT frame within half a frame period to join. */
  unmatchedFrames: number;
  interrupted?: boolean;
}

/** True when `path` is a nuScenes dataroot (a version folder with scene.json inside). */
export function isNuScenesRoot(path: string): boolean {
  return nuScenesVersions(path).length > 0;
}

export async function importNuScenes(o: NuScenesImportOptions): Promise<NuScenesImportSummary> {
  const versions = nuScenesVersions(o.dataroot);
  const version = o.version ?? (versions.length === 1 ? versions[0]! : undefined);
  if (version === undefined || !versions.includes(version)) {
    throw new ConfigError({
      what:
        o.version === undefined
          ? `${versions.length} nuScenes versions here: say which with --nuscenes-version`
          : `no nuScenes version '${o.version}' here`,
      where: o.dataroot,
      hint: `versions: ${versions.join(', ')}`,
    });
  }
  const db = loadNuScenes(o.dataroot, version);
  const scene = pickScene(db, o.scene);
  const { rigs, skipped, unmatched } = nuScenesRigs(db, scene, { sweeps: o.keyframesOnly !== true });
  if (rigs.length === 0)
    throw new InputError({ what: `scene ${scene.name} has no camera key frames`, where: o.dataroot });
  for (const rig of rigs)
    for (const c of rig.cameras) await checkJpeg(join(o.dataroot, c.filename), !rig.gt, c.calibration);
  // An image reached through a symlink is another name for a file elsewhere: -o must not be one.
  checkOutputPaths(
    [...new Set(rigs.flatMap((r) => r.cameras.map((c) => join(o.dataroot, c.filename))))],
    [{ path: o.output, flag: '-o', example: 'recording.mcap' }],
  );

  const cameras = camerasOf(rigs);
  await makeDirs(dirname(o.output), '-o');
  const writer = await RecordingWriter.create(o.output, { compression: 'zstd' });
  let done = 0;
  try {
    await writer.addMetadata('nuscenes', { version, scene: scene.name, token: scene.token });
    const tf = await writer.addChannel(topics.tf, { kind: 'foxglove', name: 'foxglove.FrameTransforms' });
    const gtCh = await writer.addChannel(topics.groundTruthObjects, {
      kind: 'json',
      name: 'viper.GroundTruth',
      jsonSchema: z.toJSONSchema(GroundTruthMessage),
    });
    const sceneCh = await writer.addChannel(topics.groundTruthScene, {
      kind: 'foxglove',
      name: 'foxglove.SceneUpdate',
    });
    const camCh = new Map<string, { image: number; calib: number }>();
    for (const id of cameras) {
      camCh.set(id, {
        image: await writer.addChannel(topics.image(id), {
          kind: 'foxglove',
          name: 'foxglove.CompressedImage',
        }),
        calib: await writer.addChannel(topics.calibration(id), {
          kind: 'foxglove',
          name: 'foxglove.CameraCalibration',
        }),
      });
    }
    for (const rig of rigs) {
      if (o.control?.stopped) break;
      // As the simulator writes a frame: transforms, then each camera's calibration and image, then ground truth.
      await writer.writeObject(
        tf,
        rig.tNs,
        transformsToFoxglove([rig.ego, ...rig.cameras.map((c) => c.mount)], rig.tNs),
      );
      for (const c of rig.cameras) {
        const ch = camCh.get(c.cameraId)!;
        await writer.writeObject(ch.calib, rig.tNs, calibrationToFoxglove(c.calibration, rig.tNs));
        const data = await readFile(join(o.dataroot, c.filename));
        await writer.writeObject(ch.image, rig.tNs, {
          // The rig's time, as its log time: replay groups a rig's cameras and looks up /tf by the image's own
          // stamp, and the capture time lives in the camera's transform (its pose at capture).
          timestamp: toFoxgloveTime(rig.tNs),
          frame_id: c.cameraId,
          format: 'jpeg',
          data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
        });
      }
      if (rig.gt) {
        await writer.writeObject(gtCh, rig.tNs, rig.gt);
        await writer.writeObject(sceneCh, rig.tNs, sceneUpdate(rig.gt, rig.tNs));
      }
      done++;
      o.onProgress?.(done, rigs.length);
    }
  } finally {
    await writer.close();
  }
  const written = rigs.slice(0, done);
  return {
    output: o.output,
    version,
    scene: scene.name,
    frames: done,
    keyFrames: written.filter((r) => r.gt).length,
    cameras,
    durationS: done > 1 ? Number(written[done - 1]!.tNs - written[0]!.tNs) / 1e9 : 0,
    actors: written.reduce((n, r) => n + (r.gt?.actors.length ?? 0), 0),
    objects: new Set(written.flatMap((r) => r.gt?.actors.map((a) => a.id) ?? [])).size,
    skipped: Object.fromEntries([...skipped].sort(([a], [b]) => compareText(a, b))),
    unmatchedFrames: unmatched,
    ...(o.control?.stopped && done < rigs.length ? { interrupted: true } : {}),
  };
}

function camerasOf(rigs: readonly NuRig[]): string[] {
  return [...new Set(rigs.flatMap((r) => r.cameras.map((c) => c.cameraId)))].sort();
}

/** An image the tables name must be there and be a whole JPEG (nuScenes' are), before anything is written. */
async function checkJpeg(
  path: string,
  sweep: boolean,
  size: { width: number; height: number },
): Promise<void> {
  let head = new Uint8Array(0);
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    const fd = openSync(path, 'r');
    head = new Uint8Array(3);
    try {
      readSync(fd, head, 0, 3, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    throw new InputError({
      what: 'image named in sample_data.json is missing',
      where: path,
      hint: sweep
        ? 'a sweep (a frame between the annotated key frames): the dataroot holds sweeps/ beside samples/; --keyframes-only imports the key frames alone (2 Hz)'
        : 'the dataroot holds samples/ beside the version folder (the blobs of the same nuScenes download)',
    });
  }
  if (head[0] !== 0xff || head[1] !== 0xd8 || head[2] !== 0xff)
    throw new InputError({
      what: head.every((b) => b === 0) ? 'empty or blank image file' : 'not a JPEG image',
      where: path,
      hint: 'nuScenes camera images are JPEG',
    });
  await checkJpegComplete(path);
  // The calibration's size is sample_data's: an image of another size would have its ground truth clipped wrongly.
  const meta = await sharp(path).metadata();
  if (meta.width !== size.width || meta.height !== size.height)
    throw new InputError({
      what: `image is ${meta.width}×${meta.height}, sample_data.json says ${size.width}×${size.height}`,
      where: path,
      hint: 'the tables and the images are from different downloads',
    });
}
