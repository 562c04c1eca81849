/**
 * The viewer's cameras on the results of a ROS bag whose frame_ids start with `/` (`/front_optical`, ROS 1 style):
 * replay names the camera `front_optical` (leading slashes stripped), so the viewer must match its results topic
 * and its calibration by that name; a camera without images says it is results-only only when the file's `viper`
 * metadata says so; and a camera with neither image nor calibration grows its blank canvas to cover its boxes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replay } from '../../src/graph/replay.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import {
  NO_CAMERA_IMAGES_NOTE,
  NO_IMAGES_NOTE,
  NO_SIZE_NOTE,
  noImageNote,
  sizeToCoverBoxes,
} from '../../viewer/src/ui/notes.ts';
import { cameraInfoCdr, cdr, header, rosChannel } from '../io/rosFixtures.ts';
import { testJpeg } from '../testing/recordings.ts';
import { oneTrackStage } from '../testing/stages.ts';
import { fileReadable } from './fixtures.ts';
import { openRecording, type ViewerRecording } from './viewerRecording.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-viewer-ros-imageless-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const S0 = 1_700_000_000;
const W = 64;
const H = 48;
const ns = (nsec: number) => BigInt(S0) * 1_000_000_000n + BigInt(nsec);
/** A box in the real image's pixels, below the 640×360 a canvas without calibration starts at. */
const BOX = { x1: 700, y1: 500, x2: 900, y2: 820 };

/** A ROS 2 bag of one camera on `/front/...` whose images (and CameraInfo, if any) name frame `frameId`. */
async function rosBag(path: string, frameId: string, withInfo: boolean): Promise<void> {
  const w = await RecordingWriter.create(path, { profile: 'ros2' });
  try {
    const img = await rosChannel(w, '/front/image_raw/compressed', 'sensor_msgs/msg/CompressedImage');
    const info = withInfo ? await rosChannel(w, '/front/camera_info', 'sensor_msgs/msg/CameraInfo') : null;
    const data = await testJpeg(0, W, H);
    for (let i = 0; i < 4; i++) {
      const nsec = i * 100_000_000;
      const h = header(S0, nsec, frameId);
      await w.write(
        img,
        ns(nsec),
        cdr('sensor_msgs/msg/CompressedImage', { header: h, format: 'jpeg', data }),
      );
      if (info !== null) await w.write(info, ns(nsec), cameraInfoCdr(h, W, H));
    }
  } finally {
    await w.close();
  }
}

async function results(name: string, resultsOnly: boolean, withInfo = true): Promise<ViewerRecording> {
  const input = join(dir, `${name}.mcap`);
  await rosBag(input, '/front_optical', withInfo);
  const output = join(dir, `${name}.results.mcap`);
  await replay({ input, output, stages: [oneTrackStage(BOX)], resultsOnly, compression: 'none' });
  return openRecording(fileReadable(output), `${name}.results.mcap`);
}

let full: ViewerRecording;
let only: ViewerRecording;
beforeAll(async () => {
  full = await results('full', false);
  only = await results('only', true);
});

describe('a ROS camera whose frame_id starts with a slash', () => {
  it('in a full results file: its image camera takes the name replay gave it, with its boxes (no phantom)', async () => {
    expect(full.cameras).toEqual([
      expect.objectContaining({
        id: 'front_optical',
        imageTopic: '/front/image_raw/compressed',
        annotationsTopic: '/perception/front_optical/annotations',
        calibrationTopic: '/front/camera_info',
      }),
    ]);
    const f = await full.readFrame(0);
    expect(f.images.has('front_optical')).toBe(true);
    expect(f.boxes.get('front_optical')).toEqual([expect.objectContaining({ ...BOX, trackId: 1 })]);
  });

  it('in a results-only file: the camera finds its calibration by its stripped frame_id', () => {
    expect(only.cameras).toEqual([
      expect.objectContaining({
        id: 'front_optical',
        imageTopic: null,
        calibrationTopic: '/front/camera_info',
        intrinsics: expect.objectContaining({ width: W, height: H }),
      }),
    ]);
  });
});

describe('the note of a camera without images', () => {
  it("says results-only only when the file's viper metadata says so", () => {
    expect(full.resultsOnly).toBe(false);
    expect(only.resultsOnly).toBe(true);
    const cam = only.cameras[0]!;
    expect(noImageNote(cam, only.resultsOnly)).toBe(NO_IMAGES_NOTE);
    expect(noImageNote(cam, false)).toBe(NO_CAMERA_IMAGES_NOTE);
    expect(noImageNote({ imageTopic: '/front/image', intrinsics: null }, true)).toBe('no image');
  });

  it('says the image size is unknown when the file has no calibration of the camera', async () => {
    const rec = await results('no-info', true, false);
    expect(rec.cameras).toEqual([
      expect.objectContaining({
        id: 'front_optical',
        imageTopic: null,
        calibrationTopic: null,
        intrinsics: null,
      }),
    ]);
    expect(noImageNote(rec.cameras[0]!, rec.resultsOnly)).toBe(`${NO_IMAGES_NOTE}; ${NO_SIZE_NOTE}`);
    const f = await rec.readFrame(0);
    const size = sizeToCoverBoxes({ width: 640, height: 360 }, f.boxes.get('front_optical') ?? []);
    expect(size).toEqual({ width: 900, height: 820 });
  });
});

describe('the blank canvas of a camera with neither image nor calibration', () => {
  it('grows to cover the boxes drawn, and never shrinks', () => {
    let size = { width: 640, height: 360 };
    size = sizeToCoverBoxes(size, [{ x2: 100, y2: 50 }]);
    expect(size).toEqual({ width: 640, height: 360 });
    size = sizeToCoverBoxes(size, [
      { x2: 300.2, y2: 880.5 },
      { x2: 1590, y2: 200 },
    ]);
    expect(size).toEqual({ width: 1590, height: 881 });
    size = sizeToCoverBoxes(size, [{ x2: 20, y2: 20 }]);
    expect(size).toEqual({ width: 1590, height: 881 });
    expect(sizeToCoverBoxes(size, [{ x2: Number.NaN, y2: Number.POSITIVE_INFINITY }])).toEqual(size);
    // A box far off the image stops at 8192 px a side: a canvas the browser can still allocate.
    expect(sizeToCoverBoxes(size, [{ x2: 1e9, y2: 5000 }])).toEqual({ width: 8192, height: 5000 });
  });
});
