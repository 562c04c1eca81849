/**
 * The viewer shows each camera the image its boxes were computed on: a real ROS 2 bag logs an image tens of ms
 * after its stamp, and `viper replay` logs the results at the stamp, so images are matched to a frame by their own
 * stamp (foxglove `timestamp`, ROS `header.stamp`), by log time only when they carry none. Files are
 * uncompressed so no WebAssembly decompressor is needed; each image says which frame it is (fixtures.ts
 * FRAME_MARKER for the JPEGs, the pixel value for the ROS 2 raw images).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McapIndexedReader } from '@mcap/core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RecordingWriter } from '../../src/io/index.ts';
import { tracksToImageAnnotations } from '../../src/track/annotations.ts';
import { imageStampNs } from '../../viewer/src/data/normalize.ts';
import { makeDecoder, makeStampDecoder } from '../../viewer/src/mcap/decoders.ts';
import { cdr, header, ROS2_DEFINITIONS } from '../io/rosFixtures.ts';
import { CAMERAS, fileReadable, frameOfMarker, writeFixture } from './fixtures.ts';
import { openRecording } from './viewerRecording.ts';

const W = 320;
const H = 180;
const FRAMES = 8;
const T0 = 1_700_000_000_000_000_000n;
const STEP = 100_000_000n;
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'viper-viewer-stamps-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Per frame, per camera: the frame whose image is shown (null: no image, or no marker in it). */
async function shownFrames(path: string): Promise<(string | number | null)[][]> {
  const rec = await openRecording(fileReadable(path), 'lag.mcap');
  expect(rec.warnings).toEqual([]);
  expect(rec.frameTimes.length).toBe(FRAMES);
  const out: (string | number | null)[][] = [];
  for (let k = 0; k < FRAMES; k++) {
    const f = await rec.readFrame(k);
    expect(f.boxes.size).toBe(CAMERAS.length);
    const row: (string | number | null)[] = [];
    for (const cam of CAMERAS) {
      const img = f.images.get(cam);
      if (!img) row.push('no image');
      else {
        const { data, info } = await sharp(img.data).raw().toBuffer({ resolveWithObject: true });
        row.push(frameOfMarker(data, info.width, info.channels));
      }
    }
    out.push(row);
  }
  return out;
}

const everyFrame = () => Array.from({ length: FRAMES }, (_, k) => CAMERAS.map(() => k));

describe('images matched to frames by their stamp', () => {
  // 0: no latency (unchanged); 50: the edge of half a frame; 70, 120: past it (the previous frame's image or none
  // by log time); 250: near replay's default --max-camera-lag-ms.
  // 600: past the 300 ms first read around a frame (a topic's own lag is measured at open).
  test.each([0, 50, 70, 120, 250, 600])('Foxglove images logged %i ms after their stamps', async (lag) => {
    const path = await writeFixture(join(dir, `lag${lag}.mcap`), {
      frames: FRAMES,
      width: W,
      height: H,
      compression: 'none',
      chunkSize: 16 * 1024,
      imageLagMs: lag,
      frameMarker: true,
      groundTruth: false,
    });
    expect(await shownFrames(path)).toEqual(everyFrame());
  });

  test('each camera its own latency; a camera without stamps is matched by log time', async () => {
    const lags = { cam_front: 20, cam_front_left: 180, cam_front_right: 90, cam_back: 0, cam_back_left: 130 };
    const path = await writeFixture(join(dir, 'mixed.mcap'), {
      frames: FRAMES,
      width: W,
      height: H,
      compression: 'none',
      chunkSize: 16 * 1024,
      imageLagMs: lags,
      unstampedCameras: ['cam_back_right'],
      frameMarker: true,
      groundTruth: false,
    });
    expect(await shownFrames(path)).toEqual(everyFrame());
  });

  test('images stamped on another clock (sim time) are matched by log time, as replay logged their results', async () => {
    const path = await writeFixture(join(dir, 'simtime.mcap'), {
      frames: FRAMES,
      width: W,
      height: H,
      compression: 'none',
      imageClockBehindS: 3600,
      frameMarker: true,
      groundTruth: false,
    });
    expect(await shownFrames(path)).toEqual(everyFrame());
  });

  test('images without a stamp are matched by log time, as before', async () => {
    const path = await writeFixture(join(dir, 'unstamped-late.mcap'), {
      frames: FRAMES,
      width: W,
      height: H,
      compression: 'none',
      imageLagMs: { cam_back: 120 },
      unstampedCameras: ['cam_back'],
      frameMarker: true,
      groundTruth: false,
    });
    const shown = await shownFrames(path);
    const back = CAMERAS.indexOf('cam_back');
    // Nothing says when they were taken: the frame-k image, logged 120 ms late, is the one nearest frame k+1.
    expect(shown.map((row) => row[back])).toEqual([
      'no image',
      ...Array.from({ length: FRAMES - 1 }, (_, k) => k),
    ]);
    expect(shown.map((row) => row.filter((_, i) => i !== back))).toEqual(
      everyFrame().map((row) => row.slice(0, -1)),
    );
  });

  test('a ROS 2 bag (header.stamp) logged 120 ms late, with results at the stamps', async () => {
    const path = join(dir, 'ros2-lag.mcap');
    const w = await RecordingWriter.create(path, { compression: 'none', chunkSize: 4 * 1024 });
    const spec = (type: string) => ({
      kind: 'raw' as const,
      name: type,
      encoding: 'ros2msg',
      data: new TextEncoder().encode(ROS2_DEFINITIONS[type]),
      messageEncoding: 'cdr',
    });
    const image = await w.addChannel('/front/image_raw', spec('sensor_msgs/msg/Image'));
    const ann = await w.addChannel('/perception/front/annotations', {
      kind: 'foxglove',
      name: 'ImageAnnotations',
    });
    for (let k = 0; k < FRAMES; k++) {
      const t = T0 + BigInt(k) * STEP;
      const box = { x1: 1, y1: 1, x2: 6, y2: 3 };
      const track = { cameraId: 'front', trackId: 1, cls: 'car' as const, score: 0.9, box };
      await w.writeObject(
        ann,
        t,
        tracksToImageAnnotations([{ ...track, state: 'confirmed', age: k }], t, 'front'),
      );
      const msg = {
        header: header(Number(t / 1_000_000_000n), Number(t % 1_000_000_000n), 'front'),
        height: 4,
        width: 8,
        encoding: 'mono8',
        is_bigendian: 0,
        step: 8,
        data: new Uint8Array(32).fill(10 * k + 5),
      };
      await w.write(image, t + 120_000_000n, cdr('sensor_msgs/msg/Image', msg));
    }
    await w.close();
    const rec = await openRecording(fileReadable(path), 'ros2-lag.mcap');
    expect(rec.warnings).toEqual([]);
    const shown: (number | null)[] = [];
    for (let k = 0; k < FRAMES; k++) {
      const img = (await rec.readFrame(k)).images.get('front');
      shown.push(img ? img.data[0]! : null);
    }
    expect(shown).toEqual(Array.from({ length: FRAMES }, (_, k) => 10 * k + 5));
  });
});

describe('image stamps', () => {
  test('read as replay reads them: foxglove timestamp, ROS header.stamp; zero or absent is none', () => {
    expect(imageStampNs({ timestamp: { sec: 12, nsec: 5 } })).toBe(12_000_000_005n);
    expect(imageStampNs({ timestamp: { seconds: 12, nanos: 5 } })).toBe(12_000_000_005n);
    expect(imageStampNs({ header: { stamp: { sec: 12, nanosec: 5 } } })).toBe(12_000_000_005n);
    expect(imageStampNs({ header: { stamp: { sec: 12, nsec: 5 } } })).toBe(12_000_000_005n);
    expect(imageStampNs({ timestamp: { seconds: 0, nanos: 0 } })).toBeNull();
    expect(imageStampNs({ header: { stamp: { sec: 0, nanosec: 0 } } })).toBeNull();
    expect(imageStampNs({ header: { stamp: { sec: -1, nanosec: 0 } } })).toBeNull();
    expect(imageStampNs({ data: new Uint8Array(3) })).toBeNull();
    expect(imageStampNs({ timestamp: 'now' })).toBeNull();
  });

  test('the stamp decoders read only the stamp, and agree with the full decoders', () => {
    for (const type of ['sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage']) {
      const schema = {
        name: type,
        encoding: 'ros2msg',
        data: new TextEncoder().encode(ROS2_DEFINITIONS[type]),
      };
      const full = makeDecoder('cdr', schema);
      const stamp = makeStampDecoder('cdr', schema);
      if (full instanceof Error || stamp instanceof Error) throw new Error('no decoder');
      const bytes = cdr(type, {
        header: header(1_700_000_000, 123_456_789, 'front'),
        format: 'jpeg',
        height: 1,
        width: 2,
        encoding: 'mono8',
        is_bigendian: 0,
        step: 2,
        data: new Uint8Array([1, 2]),
      });
      expect(stamp(bytes)).not.toHaveProperty('data');
      expect(imageStampNs(stamp(bytes))).toBe(1_700_000_000_123_456_789n);
      expect(imageStampNs(full(bytes))).toBe(1_700_000_000_123_456_789n);
    }
  });

  test('foxglove protobuf images: the stamp decoder reads the timestamp and skips the pixels', async () => {
    const path = await writeFixture(join(dir, 'protobuf.mcap'), {
      frames: 2,
      width: 64,
      height: 36,
      compression: 'none',
      imageLagMs: 40,
    });
    const reader = await McapIndexedReader.Initialize({ readable: fileReadable(path) });
    const ch = [...reader.channelsById.values()].find((c) => c.topic === '/cam_front_left/image')!;
    const schema = reader.schemasById.get(ch.schemaId);
    const stamp = makeStampDecoder(ch.messageEncoding, schema);
    const full = makeDecoder(ch.messageEncoding, schema);
    if (full instanceof Error || stamp instanceof Error) throw new Error('no decoder');
    const got: [bigint, bigint | null, bigint | null][] = [];
    for await (const m of reader.readMessages({ topics: [ch.topic] })) {
      expect(stamp(m.data)).not.toHaveProperty('data');
      got.push([m.logTime, imageStampNs(stamp(m.data)), imageStampNs(full(m.data))]);
    }
    // cam_front_left fires 1 ms after the rig stamp; logged 40 ms after that.
    const want = (k: bigint) => 1_700_000_000_000_000_000n + k * 100_000_000n + 1_000_000n;
    expect(got).toEqual([
      [want(0n) + 40_000_000n, want(0n), want(0n)],
      [want(1n) + 40_000_000n, want(1n), want(1n)],
    ]);
  });
});
