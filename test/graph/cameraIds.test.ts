/**
 * Camera ids in replay when topic names and frame_ids disagree: a camera whose topic name is not its frame_id
 * (`/cam_front/image` carrying `cam_front_optical`, ROS's `/camera/color/image_raw/compressed`) was kept as a
 * phantom camera missing from every rig frame; a camera recorded on two topics gave two frames per stamp, whose
 * results (two annotations at one log time) `viper eval` refuses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraFrame } from '../../src/contracts/camera.ts';
import { toFoxgloveTime } from '../../src/contracts/time.ts';
import { replay } from '../../src/graph/replay.ts';
import { oneBoxStage } from '../testing/stages.ts';
import { RigAligner } from '../../src/graph/RigAligner.ts';
import { RecordingReader, RecordingWriter } from '../../src/io/index.ts';
import { testJpeg } from '../testing/recordings.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-camera-ids-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const T0 = 1_700_000_000_000_000_000n;
const FRAMES = 5;

/** Each channel's topic and the frame_ids of the images it carries at every stamp (100 ms apart). */
async function record(path: string, channels: { topic: string; frames: string[] }[]): Promise<void> {
  const w = await RecordingWriter.create(path);
  try {
    const ids: number[] = [];
    for (const c of channels)
      ids.push(await w.addChannel(c.topic, { kind: 'foxglove', name: 'foxglove.CompressedImage' }));
    for (let i = 0; i < FRAMES; i++) {
      const t = T0 + BigInt(i) * 100_000_000n;
      for (const [k, c] of channels.entries()) {
        for (const frame_id of c.frames) {
          const data = await testJpeg(i + k, 64, 48);
          await w.writeObject(ids[k]!, t, { timestamp: toFoxgloveTime(t), frame_id, format: 'jpeg', data });
        }
      }
    }
  } finally {
    await w.close();
  }
}

/** Per topic, its messages' log times. */
async function logTimes(path: string): Promise<Map<string, bigint[]>> {
  const reader = await RecordingReader.open(path);
  const out = new Map<string, bigint[]>();
  for await (const m of reader.messages())
    out.set(m.channel.topic, [...(out.get(m.channel.topic) ?? []), m.logTimeNs]);
  await reader.close();
  return out;
}

async function metricsMissing(path: string): Promise<string[][]> {
  const reader = await RecordingReader.open(path);
  const out: string[][] = [];
  for await (const m of reader.messages({ topics: ['/perception/metrics'] }))
    out.push((JSON.parse(new TextDecoder().decode(m.data)) as { missing: string[] }).missing);
  await reader.close();
  return out;
}

const paths = {
  optical: join(dir, 'optical.mcap'),
  ros: join(dir, 'ros.mcap'),
  twoTopics: join(dir, 'two-topics.mcap'),
  multiplexed: join(dir, 'multiplexed.mcap'),
};

beforeAll(async () => {
  await record(paths.optical, [
    { topic: '/cam_front/image', frames: ['cam_front_optical'] },
    { topic: '/cam_back/image', frames: ['cam_back_optical'] },
  ]);
  await record(paths.ros, [
    { topic: '/camera/color/image_raw/compressed', frames: ['camera_color_optical_frame'] },
  ]);
  await record(paths.twoTopics, [
    { topic: '/cam/image', frames: ['cam'] },
    { topic: '/cam/image_rect', frames: ['cam'] },
  ]);
  await record(paths.multiplexed, [{ topic: '/images', frames: ['cam_a', 'cam_b', 'cam_c'] }]);
});

describe('replay: camera ids from frame_ids, not topic names', () => {
  it('reports no phantom camera for a topic whose frames carry another frame_id', async () => {
    const out = join(dir, 'optical.out.mcap');
    const s = await replay({ input: paths.optical, output: out, stages: [oneBoxStage] });
    expect(s.cameras).toEqual(['cam_back_optical', 'cam_front_optical']);
    expect(s.missing).toEqual({});
    expect(s.rigFrames).toBe(FRAMES);
    expect(await metricsMissing(out)).toEqual(Array.from({ length: FRAMES }, () => []));

    const ros = await replay({ input: paths.ros, output: join(dir, 'ros.out.mcap'), stages: [oneBoxStage] });
    expect(ros.cameras).toEqual(['camera_color_optical_frame']);
    expect(ros.missing).toEqual({});
  });

  it('keeps one rig frame per stamp for cameras multiplexed on one topic', async () => {
    const s = await replay({
      input: paths.multiplexed,
      output: join(dir, 'mux.out.mcap'),
      stages: [oneBoxStage],
    });
    expect(s.cameras).toEqual(['cam_a', 'cam_b', 'cam_c']);
    expect(s.rigFrames).toBe(FRAMES);
    expect(s.missing).toEqual({});
  });

  it('perceives a camera recorded on two topics once per stamp and counts the copies', async () => {
    const out = join(dir, 'two-topics.out.mcap');
    const s = await replay({ input: paths.twoTopics, output: out, stages: [oneBoxStage] });
    expect(s.cameras).toEqual(['cam']);
    expect(s.rigFrames).toBe(FRAMES);
    expect(s.cameraFrames).toBe(FRAMES);
    expect(s.missing).toEqual({});
    expect(s.issueKinds).toEqual({ 'duplicate-frame': FRAMES });
    const times = await logTimes(out);
    // Both topics passed through; one annotations message per stamp (what `viper eval` needs).
    expect(times.get('/cam/image')).toHaveLength(FRAMES);
    expect(times.get('/cam/image_rect')).toHaveLength(FRAMES);
    const ann = times.get('/perception/cam/annotations')!;
    expect(ann).toHaveLength(FRAMES);
    expect(new Set(ann).size).toBe(FRAMES);
  });
});

describe('RigAligner.resolveGuess', () => {
  const frame = (cameraId: string, tMs: number): CameraFrame => ({
    feedId: 'f',
    cameraId,
    tNs: BigInt(tMs) * 1_000_000n,
    image: { encoding: 'jpeg', width: 0, height: 0, data: new Uint8Array() },
    calibration: null,
    transforms: [],
  });

  it('a wrong guess still holds the first rig frame open, is never missing and then leaves', () => {
    const a = new RigAligner('f', { cameras: ['images'], toleranceNs: 20_000_000n });
    a.resolveGuess('images', 'cam_a');
    expect(a.push(frame('cam_a', 0))).toEqual({});
    expect(a.push(frame('cam_b', 0))).toEqual({});
    const first = a.push(frame('cam_a', 100)).closedBefore!;
    expect(first.frames.map((f) => f.cameraId)).toEqual(['cam_a', 'cam_b']);
    expect(first.missing).toEqual([]);
    expect(a.rigCameras).toEqual(['cam_a', 'cam_b']);
    expect(a.push(frame('cam_b', 100)).closedAfter?.missing).toEqual([]);
  });

  it('keeps a guess that is also a camera of another topic', () => {
    const a = new RigAligner('f', { cameras: ['a', 'b'], toleranceNs: 20_000_000n });
    a.resolveGuess('a', 'b'); // topic /a/image carries frame_id b …
    a.push(frame('b', 0));
    a.resolveGuess('b', 'a'); // … and /b/image carries a
    expect(a.push(frame('a', 0)).closedAfter?.missing).toEqual([]);
    expect([...a.rigCameras].sort()).toEqual(['a', 'b']);
  });
});
