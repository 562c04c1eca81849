/**
 * ROS 2 bags as cameras record them, through replay and inspect: a RealSense's rgba8 colour and 16UC1 depth
 * streams (the depth stream had been counted as a camera missing from every rig frame, the colour one as bad
 * messages, and inspect had left both out without a word); a camera recorded raw and compressed by
 * image_transport (a count of duplicate frames that named neither topic; inspect listed the camera twice); a
 * camera recorded for 2 s in a bag whose /tf runs 20 s (inspect gave its rate over the whole file: 0.95 Hz); a
 * fisheye (`equidistant`) CameraInfo, whose note blamed fx or fy 0 while the real reason was only in the metrics.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { replayNotes, summaryLines } from '../../src/cli/replaySummary.ts';
import { createFuseStage } from '../../src/fuse/index.ts';
import { inspectRecording } from '../../src/graph/inspect.ts';
import { replay } from '../../src/graph/replay.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { cameraInfoCdr, cdr, header, rosChannel } from '../io/rosFixtures.ts';
import { testJpeg } from '../testing/recordings.ts';
import { oneBoxStage, oneTrackStage } from '../testing/stages.ts';
import { SUMMARYLESS_FOOTER } from '../io/summaryless.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-ros-cameras-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const S0 = 1_700_000_000;
const W = 16;
const H = 12;
const ns = (sec: number, nsec: number) => BigInt(sec) * 1_000_000_000n + BigInt(nsec);

function cameraInfo(sec: number, nsec: number, frame: string, model = 'plumb_bob', d = [0, 0, 0, 0, 0]) {
  return cameraInfoCdr(header(sec, nsec, frame), W, H, model, d);
}

function rawImage(sec: number, nsec: number, frame: string, encoding: string, bytesPerPixel: number) {
  const data = new Uint8Array(W * H * bytesPerPixel).map((_, i) => (i * 7) % 251);
  return cdr('sensor_msgs/msg/Image', {
    header: header(sec, nsec, frame),
    height: H,
    width: W,
    encoding,
    is_bigendian: 0,
    step: W * bytesPerPixel,
    data,
  });
}

/** A RealSense-like bag: /camera/color (rgba8) with its CameraInfo, /camera/depth (16UC1), 5 frames at 10 Hz. */
async function realsenseBag(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { profile: 'ros2' });
  try {
    const color = await rosChannel(w, '/camera/color/image_raw', 'sensor_msgs/msg/Image');
    const colorInfo = await rosChannel(w, '/camera/color/camera_info', 'sensor_msgs/msg/CameraInfo');
    const depth = await rosChannel(w, '/camera/depth/image_rect_raw', 'sensor_msgs/msg/Image');
    for (let f = 0; f < 5; f++) {
      const nsec = f * 100_000_000;
      const t = ns(S0, nsec);
      await w.write(color, t, rawImage(S0, nsec, 'camera_color_optical_frame', 'rgba8', 4));
      await w.write(colorInfo, t, cameraInfo(S0, nsec, 'camera_color_optical_frame'));
      await w.write(depth, t, rawImage(S0, nsec, 'camera_depth_optical_frame', '16UC1', 2));
    }
  } finally {
    await w.close();
  }
}

describe('ROS 2 raw encodings: rgba8 read, depth images not taken as cameras', () => {
  it('replay perceives the rgba8 camera and names the depth topic, which is no camera missing', async () => {
    const input = join(dir, 'realsense.mcap');
    await realsenseBag(input);
    const s = await replay({ input, output: join(dir, 'realsense.out.mcap'), stages: [oneBoxStage] });
    expect(s.cameras).toEqual(['camera_color_optical_frame']);
    expect(s.cameraFrames).toBe(5);
    expect(s.rigFrames).toBe(5);
    expect(s.missing).toEqual({});
    expect(s.issueKinds).toEqual({});
    expect(s.badMessages).toEqual([]);
    expect(s.notCameras).toEqual(['/camera/depth/image_rect_raw (16UC1: a depth image, not a camera)']);
    expect(s.messagesWritten).toBeGreaterThanOrEqual(15); // the depth images copied through too
    expect(replayNotes(s)).toContain(
      'not perceived, their images copied through (no camera Viper reads): /camera/depth/image_rect_raw (16UC1: a depth image, not a camera)',
    );
  });

  it('inspect lists the rgba8 camera and names the depth topic under problems', async () => {
    const input = join(dir, 'realsense-inspect.mcap');
    await realsenseBag(input);
    const r = await inspectRecording(input);
    expect(r.cameras.map((c) => [c.cameraId, c.topic, c.encoding, c.frames])).toEqual([
      ['camera_color_optical_frame', '/camera/color/image_raw', 'rgba8 read as rgb8', 5],
    ]);
    expect(r.cameras[0]!.calibration).not.toBeNull();
    expect(r.unread).toEqual([
      { topic: '/camera/depth/image_rect_raw', why: '16UC1: a depth image, not a camera' },
    ]);
  });
});

/** One camera, `cam`, as image_transport records it: /cam/image_raw (bgr8) and /cam/image_raw/compressed. */
async function rawAndCompressedBag(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { profile: 'ros2' });
  try {
    const raw = await rosChannel(w, '/cam/image_raw', 'sensor_msgs/msg/Image');
    const compressed = await rosChannel(w, '/cam/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
    for (let f = 0; f < 5; f++) {
      const nsec = f * 100_000_000;
      const t = ns(S0, nsec);
      await w.write(raw, t, rawImage(S0, nsec, 'cam', 'bgr8', 3));
      const data = await testJpeg(f, W, H);
      await w.write(
        compressed,
        t,
        cdr('sensor_msgs/msg/CompressedImage', { header: header(S0, nsec, 'cam'), format: 'jpeg', data }),
      );
    }
  } finally {
    await w.close();
  }
}

describe('a camera on two topics (raw and compressed): which topic was perceived, said', () => {
  it('replay names both topics and the one used', async () => {
    const input = join(dir, 'dual.mcap');
    await rawAndCompressedBag(input);
    const s = await replay({ input, output: join(dir, 'dual.out.mcap'), stages: [oneBoxStage] });
    expect(s.cameras).toEqual(['cam']);
    expect(s.cameraFrames).toBe(5);
    expect(s.issueKinds).toEqual({ 'duplicate-frame': 5 });
    // At one log time topics are read in name order: image_raw first.
    expect(s.duplicateFrames).toEqual([
      { cameraId: 'cam', used: '/cam/image_raw', copy: '/cam/image_raw/compressed', frames: 5 },
    ]);
    expect(summaryLines(s)).toContain(
      '    duplicate-frame: cam is on /cam/image_raw and /cam/image_raw/compressed: 5 frames of /cam/image_raw/compressed not perceived (copied through), those of /cam/image_raw at the same stamps used',
    );
  });

  it('inspect lists the camera on each topic and says which one replay perceives', async () => {
    const input = join(dir, 'dual-inspect.mcap');
    await rawAndCompressedBag(input);
    const r = await inspectRecording(input);
    expect(r.cameras.map((c) => [c.cameraId, c.topic])).toEqual([
      ['cam', '/cam/image_raw'],
      ['cam', '/cam/image_raw/compressed'],
    ]);
    expect(r.sameCamera).toEqual([
      {
        cameraId: 'cam',
        topics: ['/cam/image_raw', '/cam/image_raw/compressed'],
        perceived: '/cam/image_raw',
      },
    ]);
  });
});

/** A 10 Hz camera for 2 s (20 frames) and /tf at 20 Hz for 20 s, in small chunks. */
async function longTfBag(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { profile: 'ros2', chunkSize: 4096 });
  try {
    const cam = await rosChannel(w, '/cam/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
    const tf = await rosChannel(w, '/tf', 'tf2_msgs/msg/TFMessage');
    const data = await testJpeg(0, W, H);
    for (let i = 0; i < 400; i++) {
      const t = ns(S0, 0) + BigInt(i) * 50_000_000n;
      const sec = Number(t / 1_000_000_000n);
      const nsec = Number(t % 1_000_000_000n);
      if (i % 2 === 0 && i < 40)
        await w.write(
          cam,
          t,
          cdr('sensor_msgs/msg/CompressedImage', { header: header(sec, nsec, 'cam'), format: 'jpeg', data }),
        );
      const transform = {
        header: header(sec, nsec, 'odom'),
        child_frame_id: 'base_link',
        transform: { translation: { x: i, y: 0, z: 0 }, rotation: { x: 0, y: 0, z: 0, w: 1 } },
      };
      await w.write(tf, t, cdr('tf2_msgs/msg/TFMessage', { transforms: [transform] }));
    }
  } finally {
    await w.close();
  }
}

describe("inspect: a camera's rate over its own span, not the file's", () => {
  it('10 Hz for a camera of 2 s in a file of 20 s, indexed or streamed', async () => {
    const input = join(dir, 'longtf.mcap');
    await longTfBag(input);
    const r = await inspectRecording(input);
    expect(r.indexed).toBe(true);
    expect(r.durationS).toBeCloseTo(19.95, 6);
    expect(r.cameras.map((c) => [c.cameraId, c.frames])).toEqual([['cam', 20]]);
    expect(r.cameras[0]!.rateHz).toBeCloseTo(10, 6);

    // The same file without its summary section: streamed, its spans from the scan at open.
    const bytes = readFileSync(input);
    const summaryStart = Number(bytes.readBigUInt64LE(bytes.length - 8 - 29 + 9));
    const streamed = join(dir, 'longtf-streamed.mcap');
    writeFileSync(streamed, Buffer.concat([bytes.subarray(0, summaryStart), SUMMARYLESS_FOOTER]));
    const s = await inspectRecording(streamed);
    expect(s.indexed).toBe(false);
    expect(s.cameras[0]!.rateHz).toBeCloseTo(10, 6);
  });
});

/** A fisheye camera (equidistant CameraInfo) mounted on base_link, the ego on /tf: 5 frames at 10 Hz. */
async function fisheyeBag(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { profile: 'ros2' });
  try {
    const img = await rosChannel(w, '/fisheye/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
    const info = await rosChannel(w, '/fisheye/camera_info', 'sensor_msgs/msg/CameraInfo');
    const tfStatic = await rosChannel(w, '/tf_static', 'tf2_msgs/msg/TFMessage');
    const tf = await rosChannel(w, '/tf', 'tf2_msgs/msg/TFMessage');
    const edge = (parent: string, child: string, nsec: number, t: number[], q: number[]) => ({
      header: header(S0, nsec, parent),
      child_frame_id: child,
      transform: {
        translation: { x: t[0], y: t[1], z: t[2] },
        rotation: { x: q[0], y: q[1], z: q[2], w: q[3] },
      },
    });
    await w.write(
      tfStatic,
      ns(S0, 0),
      cdr('tf2_msgs/msg/TFMessage', {
        transforms: [edge('base_link', 'fisheye_optical', 0, [1.5, 0, 1.5], [-0.5, 0.5, -0.5, 0.5])],
      }),
    );
    const data = await testJpeg(0, W, H);
    for (let f = 0; f < 5; f++) {
      const nsec = f * 100_000_000;
      const t = ns(S0, nsec);
      await w.write(
        tf,
        t,
        cdr('tf2_msgs/msg/TFMessage', {
          transforms: [edge('odom', 'base_link', nsec, [f, 0, 0], [0, 0, 0, 1])],
        }),
      );
      await w.write(
        img,
        t,
        cdr('sensor_msgs/msg/CompressedImage', {
          header: header(S0, nsec, 'fisheye_optical'),
          format: 'jpeg',
          data,
        }),
      );
      await w.write(info, t, cameraInfo(S0, nsec, 'fisheye_optical', 'equidistant', [0.1, 0.01, 0, 0]));
    }
  } finally {
    await w.close();
  }
}

/** One confirmed track per camera frame, in the lower half of the image (on the ground ahead). */
const trackStage = oneTrackStage({ x1: 4, y1: 7, x2: 10, y2: 11 });

describe('a calibration that cannot project: the note gives the real reason', () => {
  it("a fisheye's equidistant model is named, not fx or fy 0", async () => {
    const input = join(dir, 'fisheye.mcap');
    await fisheyeBag(input);
    const s = await replay({
      input,
      output: join(dir, 'fisheye.out.mcap'),
      stages: [trackStage, createFuseStage()],
    });
    expect(s.perception).toMatchObject({ worldObjects: 0 });
    expect(s.issueKinds).toEqual({ 'bad-calibration': 5 });
    expect(s.badCalibrations).toEqual([
      {
        cameraId: 'fisheye_optical',
        why: "unsupported distortion model 'equidistant' with coefficients [0.1, 0.01, 0, 0] — supported: plumb_bob, rational_polynomial, or none with zero D",
      },
    ]);
    const notes = replayNotes(s).filter((n) => n.startsWith('no world objects'));
    expect(notes).toEqual([
      "no world objects: 5 camera frames had a calibration that cannot project (fisheye_optical: unsupported distortion model 'equidistant' with coefficients [0.1, 0.01, 0, 0] — supported: plumb_bob, rational_polynomial, or none with zero D): calibrate the camera (a model Viper supports), or --no-fuse",
    ]);
    expect(notes[0]).not.toMatch(/fx or fy 0/);
    expect(summaryLines(s)).toContain(
      "    bad-calibration: fisheye_optical: unsupported distortion model 'equidistant' with coefficients [0.1, 0.01, 0, 0] — supported: plumb_bob, rational_polynomial, or none with zero D",
    );
  });
});
