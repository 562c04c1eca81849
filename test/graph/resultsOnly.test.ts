/**
 * `replay --results-only` (resultsOnly.ts): the results file keeps the perception outputs, calibrations,
 * transforms and ground truth and leaves the images and other passthrough out; what it keeps is what a full
 * replay writes, message for message; its bytes are deterministic; the summary counts what was left out; a live
 * mirror still gets the images.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { toFoxgloveTime } from '../../src/contracts/time.ts';
import { replay } from '../../src/graph/replay.ts';
import type { LiveMirror } from '../../src/graph/ResultsSink.ts';
import { recordingImagesFingerprint } from '../../src/cli/pairImages.ts';
import { keptInResultsOnly } from '../../src/graph/resultsOnly.ts';
import { RecordingReader } from '../../src/io/index.ts';
import { copyRecording, viperMetadata, writeRigRecording } from '../testing/recordings.ts';
import { oneTrackStage } from '../testing/stages.ts';

const dir = mkdtempSync(join(tmpdir(), 'viper-results-only-'));
const input = join(dir, 'rig.mcap');
const T = 1_000_000_000_000n;

beforeAll(async () => {
  const plain = join(dir, 'plain.mcap');
  await writeRigRecording(plain, { cameras: ['cam_front', 'cam_back'], frames: 12 });
  // Beside the rig: a static mount, ground truth, a video and a topic Viper does not know.
  await copyRecording(plain, input, 64 * 1024, undefined, undefined, async (w) => {
    const tfStatic = await w.addChannel('/tf_static', { kind: 'foxglove', name: 'foxglove.FrameTransforms' });
    await w.writeObject(tfStatic, T, {
      transforms: [
        {
          timestamp: toFoxgloveTime(T),
          parent_frame_id: 'base_link',
          child_frame_id: 'cam_front',
          translation: { x: 1, y: 0, z: 1.5 },
          rotation: { x: -0.5, y: 0.5, z: -0.5, w: 0.5 },
        },
      ],
    });
    const gt = await w.addChannel('/ground_truth/objects', {
      kind: 'json',
      name: 'viper.GroundTruth',
      jsonSchema: { type: 'object' },
    });
    const video = await w.addChannel('/cam_front/video', {
      kind: 'foxglove',
      name: 'foxglove.CompressedVideo',
    });
    const gps = await w.addChannel('/gps', {
      kind: 'json',
      name: 'acme.Fix',
      jsonSchema: { type: 'object' },
    });
    for (let i = 0; i < 3; i++) {
      const t = T + BigInt(i) * 100_000_000n;
      await w.writeObject(gt, t, { stampNs: String(t), actors: [] });
      await w.writeObject(video, t, {
        timestamp: toFoxgloveTime(t),
        frame_id: 'cam_front',
        data: new Uint8Array(1000).fill(i),
        format: 'h264',
      });
      await w.writeObject(gps, t, { lat: 48.1, lon: 11.5 });
    }
  });
});

const stage = () => oneTrackStage({ x1: 10, y1: 10, x2: 30, y2: 40 });

/** Every message of a file as topic, log time and bytes, in file order. */
async function messagesOf(path: string): Promise<{ topic: string; t: bigint; data: string }[]> {
  const r = await RecordingReader.open(path);
  const out: { topic: string; t: bigint; data: string }[] = [];
  for await (const m of r.messages())
    out.push({ topic: m.channel.topic, t: m.logTimeNs, data: Buffer.from(m.data).toString('base64') });
  await r.close();
  return out;
}

describe('keptInResultsOnly', () => {
  it('keeps results, ground-truth objects, calibrations and transforms; leaves images, video and the unknown out', () => {
    const kept: [string, string][] = [
      ['/perception/cam_front/annotations', 'foxglove.ImageAnnotations'],
      ['/perception/metrics', 'viper.RigMetrics'],
      ['/ground_truth/objects', 'viper.GroundTruth'],
      ['/cam_front/calibration', 'foxglove.CameraCalibration'],
      ['/front/camera_info', 'sensor_msgs/msg/CameraInfo'],
      ['/tf', 'foxglove.FrameTransforms'],
      ['/tf_static', 'tf2_msgs/msg/TFMessage'],
      ['/mount', 'foxglove.FrameTransform'],
    ];
    const dropped: [string, string][] = [
      // Ground truth's 3D cubes: no Viper reader uses them (Foxglove shows them from the recording).
      ['/ground_truth/scene', 'foxglove.SceneUpdate'],
      ['/cam_front/image', 'foxglove.CompressedImage'],
      ['/cam_front/raw', 'foxglove.RawImage'],
      ['/front/image_raw', 'sensor_msgs/msg/Image'],
      ['/front/image_raw/compressed', 'sensor_msgs/CompressedImage'],
      ['/cam_front/video', 'foxglove.CompressedVideo'],
      ['/lidar', 'foxglove.PointCloud'],
      ['/gps', 'acme.Fix'],
    ];
    for (const [topic, schema] of kept) expect(keptInResultsOnly(topic, schema), topic).toBe(true);
    for (const [topic, schema] of dropped) expect(keptInResultsOnly(topic, schema), topic).toBe(false);
  });
});

describe('replay --results-only', () => {
  it('writes what a full replay writes less the images and other passthrough, message for message', async () => {
    const full = join(dir, 'full.mcap');
    const only = join(dir, 'only.mcap');
    await replay({ input, output: full, stages: [stage()] });
    const s = await replay({ input, output: only, stages: [stage()], resultsOnly: true });
    const fullMsgs = await messagesOf(full);
    const onlyMsgs = await messagesOf(only);
    const leftOut = ['/cam_back/image', '/cam_front/image', '/cam_front/video', '/gps'];
    expect(onlyMsgs).toEqual(fullMsgs.filter((m) => !leftOut.includes(m.topic)));
    const topicsKept = [...new Set(onlyMsgs.map((m) => m.topic))].sort();
    expect(topicsKept).toEqual([
      '/cam_back/calibration',
      '/cam_front/calibration',
      '/ground_truth/objects',
      '/perception/cam_back/annotations',
      '/perception/cam_front/annotations',
      '/perception/metrics',
      '/tf',
      '/tf_static',
    ]);
    const imageBytes = fullMsgs.filter((m) => leftOut.includes(m.topic));
    expect(s.leftOut).toEqual({
      topics: leftOut,
      messages: imageBytes.length,
      bytes: imageBytes.reduce((a, m) => a + Buffer.from(m.data, 'base64').length, 0),
    });
    expect(s.messagesWritten).toBe(onlyMsgs.length);
    // The file says what it is; a full one does not carry the key at all (its bytes are as before).
    expect((await viperMetadata(only)).resultsOnly).toBe('true');
    expect((await viperMetadata(full)).resultsOnly).toBeUndefined();
    // And which images it left out, so they can be paired with it again (view --images): the recording's own.
    const reader = await RecordingReader.open(input);
    const own = await recordingImagesFingerprint(reader);
    await reader.close();
    expect(Object.keys(own)).toEqual(['/cam_back/image', '/cam_front/image']);
    for (const d of Object.values(own)) expect(d).toMatch(/^[0-9a-f]{32}$/);
    expect(JSON.parse((await viperMetadata(only)).imagesFingerprint!)).toEqual(own);
    expect((await viperMetadata(full)).imagesFingerprint).toBeUndefined();
  });

  it('gives the same bytes twice, at any batch size', async () => {
    const a = join(dir, 'det-a.mcap');
    const b = join(dir, 'det-b.mcap');
    await replay({ input, output: a, stages: [stage()], resultsOnly: true });
    await replay({ input, output: b, stages: [stage()], resultsOnly: true, maxBatch: 1, queueSize: 2 });
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('a copy of a results file (no stages) keeps the record of how its results were made', async () => {
    const made = { detector: 'oracle', tracker: 'bytetrack' };
    const full = join(dir, 'made-full.mcap');
    const only = join(dir, 'made-only.mcap');
    const copy = join(dir, 'made-copy.mcap');
    await replay({ input, output: full, stages: [stage()], metadata: made });
    await replay({ input, output: only, stages: [stage()], metadata: made, resultsOnly: true });
    // As `replay <results> --detector none --results-only` runs it: a copy that shrinks results already made.
    const none = { detector: 'none', tracker: 'none', fuse: 'false' };
    await replay({ input: full, output: copy, stages: [], metadata: none, resultsOnly: true });
    expect(await viperMetadata(copy)).toEqual(await viperMetadata(only));
    expect((await viperMetadata(copy)).detector).toBe('oracle');
  });

  it('still streams the images to a live mirror', async () => {
    const streamed = new Map<number, string>();
    const counts = new Map<string, number>();
    let next = 0;
    const live: LiveMirror = {
      addSpecChannel(topic) {
        streamed.set(next, topic);
        return next++;
      },
      publish(id) {
        const topic = streamed.get(id)!;
        counts.set(topic, (counts.get(topic) ?? 0) + 1);
      },
      advance() {},
    };
    const out = join(dir, 'live.mcap');
    await replay({ input, output: out, stages: [stage()], resultsOnly: true, live });
    expect(counts.get('/cam_front/image')).toBe(12);
    expect(counts.get('/perception/cam_front/annotations')).toBe(12);
    expect((await messagesOf(out)).some((m) => m.topic === '/cam_front/image')).toBe(false);
  });
});
