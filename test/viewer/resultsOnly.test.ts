/**
 * The viewer's data layer on a results file written with `replay --results-only` (no images): each annotated
 * camera is still a camera (no image topic), with its calibration (by topic name, or by the frame_id replay named
 * it by) and its mount, and every frame has its boxes. Files are uncompressed: no WebAssembly decompressor needed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { secToNs, toFoxgloveTime } from '../../src/contracts/time.ts';
import { replay } from '../../src/graph/replay.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { copyRecording, testJpeg, writeRigRecording } from '../testing/recordings.ts';
import { oneTrackStage } from '../testing/stages.ts';
import { fileReadable } from './fixtures.ts';
import { openRecording } from './viewerRecording.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-viewer-results-only-'));
const T = secToNs(1000);
const stage = () => oneTrackStage({ x1: 10, y1: 8, x2: 30, y2: 40 });

/** A rig recording with a static mount of cam_front (base_link → cam_front). */
async function rigWithMount(path: string): Promise<void> {
  const plain = join(dir, 'plain.mcap');
  await writeRigRecording(plain, { cameras: ['cam_front', 'cam_back'], frames: 6, width: 64, height: 48 });
  await copyRecording(plain, path, 64 * 1024, undefined, undefined, async (w) => {
    const ch = await w.addChannel('/tf_static', { kind: 'foxglove', name: 'foxglove.FrameTransforms' });
    await w.writeObject(ch, T, {
      transforms: [
        {
          timestamp: toFoxgloveTime(T),
          parent_frame_id: 'base_link',
          child_frame_id: 'cam_front',
          translation: { x: 1.5, y: 0, z: 1.5 },
          rotation: { x: -0.5, y: 0.5, z: -0.5, w: 0.5 },
        },
      ],
    });
  });
}

/** A camera whose topics say `camera` and whose frame_id says `cam_optical` (replay names it by the frame_id). */
async function frameIdCamera(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { compression: 'none' });
  const img = await w.addChannel('/camera/image', { kind: 'foxglove', name: 'foxglove.CompressedImage' });
  const cal = await w.addChannel('/camera/calibration', {
    kind: 'foxglove',
    name: 'foxglove.CameraCalibration',
  });
  for (let i = 0; i < 4; i++) {
    const t = T + BigInt(i) * 100_000_000n;
    const timestamp = toFoxgloveTime(t);
    if (i === 0)
      await w.writeObject(cal, t, {
        timestamp,
        frame_id: 'cam_optical',
        width: 80,
        height: 40,
        distortion_model: '',
        D: [],
        K: [40, 0, 40, 0, 40, 20, 0, 0, 1],
        R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
        P: [40, 0, 40, 0, 0, 40, 20, 0, 0, 0, 1, 0],
      });
    await w.writeObject(img, t, {
      timestamp,
      frame_id: 'cam_optical',
      data: await testJpeg(i, 80, 40),
      format: 'jpeg',
    });
  }
  await w.close();
}

let results: string;
beforeAll(async () => {
  const input = join(dir, 'rig.mcap');
  await rigWithMount(input);
  results = join(dir, 'rig.results.mcap');
  await replay({ input, output: results, stages: [stage()], resultsOnly: true, compression: 'none' });
});

describe('the viewer on a results-only file', () => {
  it('finds each annotated camera, with its calibration and mount, though the file has no image', async () => {
    const rec = await openRecording(fileReadable(results), 'rig.results.mcap');
    const cams = new Map(rec.cameras.map((c) => [c.id, c]));
    expect([...cams.keys()].sort()).toEqual(['cam_back', 'cam_front']);
    for (const c of cams.values()) {
      expect(c.imageTopic).toBeNull();
      expect(c.annotationsTopic).toBe(`/perception/${c.id}/annotations`);
      expect(c.calibrationTopic).toBe(`/${c.id}/calibration`);
      expect(c.intrinsics).toMatchObject({ width: 64, height: 48 });
    }
    expect(cams.get('cam_front')!.mount).toMatchObject({ parent: 'base_link', child: 'cam_front' });
    expect(rec.frameTimes).toHaveLength(6);
  });

  it('gives every frame its boxes and no image', async () => {
    const rec = await openRecording(fileReadable(results), 'rig.results.mcap');
    for (let i = 0; i < rec.frameTimes.length; i++) {
      const f = await rec.readFrame(i);
      expect(f.images.size).toBe(0);
      for (const cam of ['cam_front', 'cam_back'])
        expect(f.boxes.get(cam), `frame ${i} ${cam}`).toEqual([
          expect.objectContaining({ x1: 10, y1: 8, x2: 30, y2: 40, trackId: 1 }),
        ]);
    }
  });

  it("finds the calibration of a camera named by its frame_id through that calibration's frame_id", async () => {
    const input = join(dir, 'frame-id.mcap');
    await frameIdCamera(input);
    const out = join(dir, 'frame-id.results.mcap');
    await replay({ input, output: out, stages: [stage()], resultsOnly: true, compression: 'none' });
    const rec = await openRecording(fileReadable(out), 'frame-id.results.mcap');
    expect(rec.cameras).toEqual([
      expect.objectContaining({
        id: 'cam_optical',
        imageTopic: null,
        calibrationTopic: '/camera/calibration',
        intrinsics: expect.objectContaining({ width: 80, height: 40 }),
      }),
    ]);
  });
});

describe('a results-only file opened with its recording beside it', () => {
  /** An uncompressed rig recording of `cameras`, and its results-only file. */
  async function pair(name: string, cameras: string[]): Promise<{ rec: string; res: string }> {
    const rec = join(dir, `${name}.mcap`);
    await writeRigRecording(rec, { cameras, frames: 6, width: 64, height: 48, compression: 'none' });
    const res = join(dir, `${name}.results.mcap`);
    await replay({ input: rec, output: res, stages: [stage()], resultsOnly: true, compression: 'none' });
    return { rec, res };
  }

  const open = (res: string, rec: string) =>
    openRecording(fileReadable(res), basename(res), { source: fileReadable(rec), name: basename(rec) });

  it('shows each camera the image of the recording its boxes were computed on', async () => {
    const { rec, res } = await pair('lend', ['cam_front', 'cam_back']);
    const paired = await open(res, rec);
    const whole = await openRecording(fileReadable(rec), basename(rec));
    expect(paired.imagesBeside).toBe(true);
    expect(paired.name).toBe('lend.results.mcap + images of lend.mcap');
    expect(paired.cameras.map((c) => [c.id, c.imageTopic])).toEqual([
      ['cam_front', '/cam_front/image'],
      ['cam_back', '/cam_back/image'],
    ]);
    expect(paired.frameTimes).toHaveLength(6);
    for (let i = 0; i < paired.frameTimes.length; i++) {
      const [f, g] = [await paired.readFrame(i), await whole.readFrame(i)];
      for (const cam of ['cam_front', 'cam_back']) {
        expect(f.images.get(cam), `frame ${i} ${cam}`).toEqual(g.images.get(cam));
        expect(f.boxes.get(cam)).toEqual([expect.objectContaining({ x1: 10, y1: 8, x2: 30, y2: 40 })]);
      }
    }
    expect(paired.warnings).toEqual([]);
  });

  it('lends the images of the cameras the recording has, and refuses one with none of them', async () => {
    const { rec, res } = await pair('three', ['cam_front', 'cam_back', 'cam_left']);
    const { rec: other } = await pair('other', ['cam_front']);
    const partial = await open(res, other);
    expect(partial.cameras.map((c) => [c.id, c.imageTopic])).toEqual([
      ['cam_front', '/cam_front/image'],
      ['cam_back', null],
      ['cam_left', null],
    ]);
    const { rec: elsewhere } = await pair('elsewhere', ['cam_x']);
    await expect(open(res, elsewhere)).rejects.toThrow(
      "elsewhere.mcap has no images of three.results.mcap's cameras (cam_front, cam_back, cam_left; it has cam_x)",
    );
    await expect(open(rec, rec)).rejects.toThrow('three.mcap has images of its own');
  });

  it('pairs a camera replay named by its frame_id with its topic in the recording (a ROS bag: /camera/image_raw)', async () => {
    const rec = join(dir, 'fid-pair.mcap');
    await frameIdCamera(rec);
    const res = join(dir, 'fid-pair.results.mcap');
    await replay({ input: rec, output: res, stages: [stage()], resultsOnly: true, compression: 'none' });
    const paired = await open(res, rec);
    expect(paired.cameras.map((c) => [c.id, c.imageTopic])).toEqual([['cam_optical', '/camera/image']]);
    const f = await paired.readFrame(2);
    expect(f.images.get('cam_optical')).toBeDefined();
    expect(f.boxes.get('cam_optical')).toHaveLength(1);
  });

  it('refuses a recording of the same cameras and log times with other pictures', async () => {
    const { res } = await pair('pictures', ['cam_front']);
    const rec = join(dir, 'pictures.other.mcap');
    await writeRigRecording(rec, {
      cameras: ['cam_front'],
      frames: 6,
      width: 80,
      height: 48,
      compression: 'none',
    });
    await expect(open(res, rec)).rejects.toThrow(
      /^pictures\.other\.mcap is not the recording pictures\.results\.mcap was made from: the images of cam_front differ from those the results were made from \(fingerprint [0-9a-f]{32}, the results' [0-9a-f]{32}\)$/,
    );
  });

  it('refuses a recording of other log times: not the one the results were made from', async () => {
    const { res } = await pair('span', ['cam_front']);
    // The same camera an hour later: a recording the results were not made from.
    const rec = join(dir, 'span.later.mcap');
    await writeRigRecording(rec, { cameras: ['cam_front'], frames: 6, compression: 'none', startSec: 4600 });
    await expect(open(res, rec)).rejects.toThrow(
      /span\.later\.mcap \(log time 4600\.000–4600\.500 s\) does not overlap span\.results\.mcap \(1000\.000–1000\.500 s\)/,
    );
  });
});
