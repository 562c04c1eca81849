/**
 * The viewer's data layer (Recording, normalize, decoders) in Node on recordings Viper did not write or that are
 * odd in shape: labels as `viper replay` writes them, a ROS 2 bag (CDR, sensor_msgs images and CameraInfo,
 * tf2_msgs), image topics that are not `/<camera>/image`, and a camera that drops out of the frame clock.
 * Files are uncompressed so no WebAssembly decompressor is needed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { McapTypes } from '@mcap/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RecordingWriter } from '../../src/io/index.ts';
import { cameraInfoCdr, cdr, header, ROS2_DEFINITIONS, rosChannel } from '../io/rosFixtures.ts';
import {
  annotationsToBoxes,
  calibrationFromMsg,
  cameraFromTopic,
  imageFromMsg,
  parseLabel,
  transformsFromMsg,
} from '../../viewer/src/data/normalize.ts';
import { makeDecoder } from '../../viewer/src/mcap/decoders.ts';
import { fileReadable, writeFixture } from './fixtures.ts';
import { openRecording, type ViewerFrame } from './viewerRecording.ts';

const T0 = 1_700_000_000_000_000_000n;
const STEP = 100_000_000n;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'viper-viewer-odd-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const rosHeader = (t: bigint, frame_id: string) =>
  header(Number(t / 1_000_000_000n), Number(t % 1_000_000_000n), frame_id);

/** A ROS 2 bag: /front/image_raw (bgr8), /front/camera_info, /left/image_raw (mono8), /tf with ego and mount. */
async function writeRos2(path: string, frames = 5): Promise<void> {
  const w = await RecordingWriter.create(path, { compression: 'none', chunkSize: 16 * 1024 });
  const ch = (topic: string, type: string) => rosChannel(w, topic, type);
  const front = await ch('/front/image_raw', 'sensor_msgs/msg/Image');
  const info = await ch('/front/camera_info', 'sensor_msgs/msg/CameraInfo');
  const left = await ch('/left/image_raw', 'sensor_msgs/msg/Image');
  const tf = await ch('/tf', 'tf2_msgs/msg/TFMessage');
  const [W, H] = [8, 4];
  for (let i = 0; i < frames; i++) {
    const t = T0 + BigInt(i) * STEP;
    const bgr = new Uint8Array(W * 3 * H);
    for (let p = 0; p < W * H; p++) bgr.set([255, 0, 0], p * 3);
    await w.write(
      front,
      t,
      cdr('sensor_msgs/msg/Image', {
        header: rosHeader(t, 'front'),
        height: H,
        width: W,
        encoding: 'bgr8',
        is_bigendian: 0,
        step: W * 3,
        data: bgr,
      }),
    );
    await w.write(info, t, cameraInfoCdr(rosHeader(t, 'front'), W, H));
    await w.write(
      left,
      t,
      cdr('sensor_msgs/msg/Image', {
        header: rosHeader(t, 'left'),
        height: H,
        width: W,
        encoding: 'mono8',
        is_bigendian: 0,
        step: W,
        data: new Uint8Array(W * H).fill(128),
      }),
    );
    const tfs = [
      { parent: 'odom', child: 'base_link', x: i },
      { parent: 'base_link', child: 'front', x: 1.5 },
    ];
    await w.write(
      tf,
      t,
      cdr('tf2_msgs/msg/TFMessage', {
        transforms: tfs.map((f) => ({
          header: rosHeader(t, f.parent),
          child_frame_id: f.child,
          transform: { translation: { x: f.x, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
        })),
      }),
    );
  }
  await w.close();
}

/**
 * Foxglove cameras with annotations labelled as viper replay labels them ("#id cls score"). `skip` leaves a
 * camera's image and annotations out of some frames (a camera that drops out).
 */
async function writeCameras(
  path: string,
  cams: { id: string; topic?: string; skip?: (i: number) => boolean }[],
  frames: number,
): Promise<void> {
  const w = await RecordingWriter.create(path, { compression: 'none', chunkSize: 4 * 1024 });
  const ch = new Map<string, { img: number; ann: number }>();
  for (const c of cams) {
    ch.set(c.id, {
      img: await w.addChannel(c.topic ?? `/${c.id}/image`, { kind: 'foxglove', name: 'CompressedImage' }),
      ann: await w.addChannel(`/perception/${c.id}/annotations`, {
        kind: 'foxglove',
        name: 'ImageAnnotations',
      }),
    });
  }
  for (let i = 0; i < frames; i++) {
    const t = T0 + BigInt(i) * STEP;
    const stamp = { sec: Number(t / 1_000_000_000n), nsec: Number(t % 1_000_000_000n) };
    for (const c of cams) {
      if (c.skip?.(i)) continue;
      const { img, ann } = ch.get(c.id)!;
      await w.writeObject(img, t, {
        timestamp: stamp,
        frame_id: c.id,
        format: 'jpeg',
        data: new Uint8Array(8),
      });
      await w.writeObject(ann, t, {
        circles: [],
        points: [
          {
            timestamp: stamp,
            type: 2,
            points: [
              { x: 10, y: 10 },
              { x: 40, y: 10 },
              { x: 40, y: 50 },
              { x: 10, y: 50 },
            ],
            outline_color: { r: 1, g: 1, b: 1, a: 1 },
            outline_colors: [],
            fill_color: { r: 0, g: 0, b: 0, a: 0 },
            thickness: 2,
          },
        ],
        texts: [
          {
            timestamp: stamp,
            position: { x: 10, y: 10 },
            text: `#${7 + i} pedestrian 0.91`,
            font_size: 12,
            text_color: { r: 1, g: 1, b: 1, a: 1 },
            background_color: { r: 0, g: 0, b: 0, a: 1 },
          },
        ],
      });
    }
  }
  await w.close();
}

describe('labels as viper replay writes them', () => {
  test('"#id cls score" (tracks) and "cls score" (--tracker none) give the id and the bare class', () => {
    expect(parseLabel('#12 car 0.87')).toEqual({ trackId: 12, cls: 'car' });
    expect(parseLabel('#3 traffic light 0.50')).toEqual({ trackId: 3, cls: 'traffic light' });
    expect(parseLabel('car 0.87')).toEqual({ trackId: null, cls: 'car' });
    expect(parseLabel('12 car')).toEqual({ trackId: 12, cls: 'car' });
    expect(parseLabel('pedestrian')).toEqual({ trackId: null, cls: 'pedestrian' });
  });

  test('a results file opened by Recording has track ids on its boxes', async () => {
    const path = join(dir, 'labels.mcap');
    await writeCameras(path, [{ id: 'cam_front' }], 3);
    const rec = await openRecording(fileReadable(path), 'labels.mcap');
    const f = await rec.readFrame(2);
    expect(f.boxes.get('cam_front')).toMatchObject([
      { trackId: 9, cls: 'pedestrian', label: '#9 pedestrian 0.91' },
    ]);
    expect(annotationsToBoxes({})).toEqual([]);
  });
});

describe('ROS 2 recordings', () => {
  test('decodes CDR and reads sensor_msgs images, CameraInfo and tf2 transforms', async () => {
    const path = join(dir, 'ros2.mcap');
    await writeRos2(path);
    const rec = await openRecording(fileReadable(path), 'ros2.mcap');
    expect(rec.warnings).toEqual([]);
    expect(rec.frameTimes.length).toBe(5);
    expect(rec.cameras.map((c) => [c.id, c.imageTopic, c.calibrationTopic])).toEqual([
      ['front', '/front/image_raw', '/front/camera_info'],
      ['left', '/left/image_raw', null],
    ]);
    const front = rec.cameras[0]!;
    expect(front.intrinsics).toEqual({
      frameId: 'front',
      width: 8,
      height: 4,
      K: [4, 0, 4, 0, 4, 2, 0, 0, 1],
    });
    expect(front.mount?.translation).toEqual([1.5, 0, 0]);
    const f = await rec.readFrame(3);
    expect(f.images.get('front')).toMatchObject({
      kind: 'raw',
      encoding: 'bgr8',
      width: 8,
      height: 4,
      step: 24,
    });
    expect(f.images.get('left')).toMatchObject({ kind: 'raw', encoding: 'mono8', width: 8, height: 4 });
    expect(f.ego).toMatchObject({ parent: 'odom', child: 'base_link', translation: [3, 0, 0] });
  });

  test('normalizers take ROS 2 shapes', () => {
    const k = new Float64Array([500, 0, 320, 0, 500, 240, 0, 0, 1]);
    expect(calibrationFromMsg({ header: { frame_id: 'cam' }, width: 640, height: 480, k })).toEqual({
      frameId: 'cam',
      width: 640,
      height: 480,
      K: [...k],
    });
    expect(
      transformsFromMsg({
        transforms: [
          {
            header: { frame_id: 'odom' },
            child_frame_id: 'base_link',
            transform: { translation: { x: 1, y: 2, z: 3 }, rotation: { x: 0, y: 0, z: 1, w: 0 } },
          },
        ],
      }),
    ).toEqual([{ parent: 'odom', child: 'base_link', translation: [1, 2, 3], rotation: [0, 0, 1, 0] }]);
    const data = new Uint8Array(3);
    expect(
      imageFromMsg('sensor_msgs/msg/Image', { encoding: 'mono8', width: 1, height: 3, step: 1, data }),
    ).toMatchObject({ kind: 'raw', encoding: 'mono8' });
    expect(imageFromMsg('sensor_msgs/msg/CompressedImage', { format: 'jpeg', data })).toMatchObject({
      kind: 'compressed',
    });
    const schema = {
      name: 'tf2_msgs/msg/TFMessage',
      encoding: 'ros2msg',
      data: new TextEncoder().encode(ROS2_DEFINITIONS['tf2_msgs/msg/TFMessage']!),
    };
    expect(makeDecoder('cdr', schema)).toBeInstanceOf(Function);
    expect(makeDecoder('cdr', { ...schema, encoding: 'ros2idl' })).toBeInstanceOf(Error);
  });
});

describe('cameras and the frame clock', () => {
  test('image topics other than /<camera>/image are cameras, named as viper replay names them', async () => {
    expect(cameraFromTopic('/cam_front/image')).toBe('cam_front');
    expect(cameraFromTopic('/rear/image_raw/compressed')).toBe('rear');
    expect(cameraFromTopic('/sensors/left/image')).toBe('left');
    const path = join(dir, 'topics.mcap');
    await writeCameras(
      path,
      [
        { id: 'front', topic: '/sensors/front/image' },
        { id: 'rear', topic: '/rear/image/compressed' },
      ],
      2,
    );
    const rec = await openRecording(fileReadable(path), 'topics.mcap');
    expect(rec.cameras.map((c) => [c.id, c.annotationsTopic])).toEqual([
      ['front', '/perception/front/annotations'], // laid out as a rig: front before rear
      ['rear', '/perception/rear/annotations'],
    ]);
    expect((await rec.readFrame(1)).boxes.get('front')).toHaveLength(1);
  });

  test("a camera whose frame_id is not its topic's name finds its results under the frame_id", async () => {
    // As a ROS camera: /camera/image_raw carrying frame_id camera_optical; replay writes
    // /perception/camera_optical/annotations.
    const path = join(dir, 'optical.mcap');
    await writeCameras(path, [{ id: 'camera_optical', topic: '/camera/image_raw' }], 2);
    const rec = await openRecording(fileReadable(path), 'optical.mcap');
    expect(rec.cameras.map((c) => [c.id, c.imageTopic, c.annotationsTopic])).toEqual([
      ['camera_optical', '/camera/image_raw', '/perception/camera_optical/annotations'],
    ]);
    expect((await rec.readFrame(1)).boxes.get('camera_optical')).toHaveLength(1);
  });

  test('a camera that drops out does not take frames off the timeline', async () => {
    const path = join(dir, 'dropout.mcap');
    // a_cam sorts first and misses frames 3–7; b_cam has all ten.
    await writeCameras(path, [{ id: 'a_cam', skip: (i) => i >= 3 && i < 8 }, { id: 'b_cam' }], 10);
    const rec = await openRecording(fileReadable(path), 'dropout.mcap');
    expect(rec.frameTimes).toEqual(Array.from({ length: 10 }, (_, i) => T0 + BigInt(i) * STEP));
    const f = await rec.readFrame(5);
    expect(f.boxes.has('a_cam')).toBe(false);
    expect(f.boxes.get('b_cam')?.[0]?.trackId).toBe(12);
  });
});

describe('trails after a jump', () => {
  test('are rebuilt from the objects of the frames before, the same as when played through', async () => {
    const path = join(dir, 'trails.mcap');
    await writeFixture(path, { frames: 30, compression: 'none', width: 160, height: 90 });
    const jumped = await (await openRecording(fileReadable(path), 'trails.mcap')).readFrame(27);
    const played = await openRecording(fileReadable(path), 'trails.mcap');
    let last: ViewerFrame | undefined;
    for (let i = 0; i <= 27; i++) last = await played.readFrame(i);
    expect(jumped.trails.size).toBeGreaterThan(0);
    expect([...jumped.trails.values()].every((t) => t.length === 21)).toBe(true); // frames 7 to 27
    expect(jumped.trails).toEqual(last!.trails);
  });
});

describe('messages that do not decode', () => {
  test('are warned about a few times, then counted, however often their frames are visited', async () => {
    const path = join(dir, 'bad-json.mcap');
    const w = await RecordingWriter.create(path, { compression: 'none', chunkSize: 4 * 1024 });
    const gt = await w.addChannel('/ground_truth/objects', {
      kind: 'json',
      name: 'viper.GroundTruth',
      jsonSchema: {},
    });
    for (let i = 0; i < 30; i++)
      await w.write(gt, T0 + BigInt(i) * STEP, new TextEncoder().encode('{not json'));
    await w.close();
    const rec = await openRecording(fileReadable(path), 'bad-json.mcap');
    for (let round = 0; round < 2; round++) for (let i = 0; i < 30; i++) await rec.readFrame(i);
    expect(rec.warnings).toHaveLength(21);
    expect(rec.warnings.at(-1)).toMatch(/^… and \d+ more$/);
  });
});

describe('an MCAP with chunk indexes but no message indexes', () => {
  test('is refused as unindexed, not as a file without messages', async () => {
    const { McapWriter } = await import('@mcap/core');
    const parts: Uint8Array[] = [];
    let size = 0n;
    const writer = new McapWriter({
      writable: {
        position: () => size,
        write: async (b: Uint8Array) => {
          parts.push(b.slice());
          size += BigInt(b.byteLength);
        },
      },
      useMessageIndex: false,
    });
    await writer.start({ profile: '', library: 'test' });
    const schemaId = await writer.registerSchema({
      name: 'viper.GroundTruth',
      encoding: 'jsonschema',
      data: new Uint8Array(),
    });
    const channelId = await writer.registerChannel({
      topic: '/ground_truth/objects',
      schemaId,
      messageEncoding: 'json',
      metadata: new Map(),
    });
    for (let i = 0; i < 3; i++) {
      const t = T0 + BigInt(i) * STEP;
      const data = new TextEncoder().encode(JSON.stringify({ stampNs: t.toString(), actors: [] }));
      await writer.addMessage({ channelId, sequence: i, logTime: t, publishTime: t, data });
    }
    await writer.end();
    const buf = Buffer.concat(parts);
    const readable: McapTypes.IReadable = {
      size: async () => BigInt(buf.length),
      read: async (o, s) => new Uint8Array(buf.buffer, buf.byteOffset + Number(o), Number(s)),
    };
    await expect(openRecording(readable, 'noindex.mcap')).rejects.toThrow(
      'noindex.mcap has no message indexes (an unindexed MCAP); re-write it with an index',
    );
  });
});
