/** The detect stage: batching across rigs and feeds, routing back, determinism, annotations. */
import { afterAll, describe, expect, it } from 'vitest';
import type { CameraFrame, RigFrame } from '../../src/contracts/camera.ts';
import { createDetectStage, Detector, detectionsToImageAnnotations } from '../../src/detect/index.ts';
import { emptyResult } from '../../src/graph/stage.ts';
import { frame, uniformRgb } from './frames.ts';
import { buildTinyModel, tempDir, writeModelWithCard } from './tinyModel.ts';

const dir = tempDir();
const CLASSES = ['person', 'car', 'bus'];
const rowLen = 5 + CLASSES.length;
// Six boxes whose positions and scores move with the frame's brightness, so each frame has its own answer.
const c: number[] = [];
const m: number[] = [];
for (let i = 0; i < 6; i++) {
  c.push(
    8 + 8 * i,
    10 + 5 * i,
    6 + i,
    8,
    0.35 + 0.1 * i,
    i % 3 === 0 ? 1 : 0,
    i % 3 === 1 ? 1 : 0,
    i % 3 === 2 ? 1 : 0,
  );
  m.push(3 * i - 7, 11 - 2 * i, 2, 1, i % 2 === 0 ? 0.5 : -0.3, 0, 0, 0);
}
const model = buildTinyModel({ batch: 'batch', width: 64, height: 64, outDims: [6, rowLen], c, m });
const modelPath = writeModelWithCard(dir, 'rig', model, {
  input: {
    name: 'images',
    width: 64,
    height: 64,
    colorOrder: 'rgb',
    scale: 1 / 255,
    letterbox: { padValue: 0 },
  },
  output: { name: 'output', layout: 'viper' },
  classes: CLASSES,
  classMap: { person: 'pedestrian', car: 'car', bus: 'bus' },
  thresholds: { score: 0.3, iou: 0.5 },
});
const opened: Detector[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});
async function open(maxBatch: number, worker = true) {
  const d = await Detector.open({ model: modelPath, threads: 1, maxBatch, worker });
  opened.push(d);
  return d;
}

/** Two feeds × three rig frames × three cameras; feed B's cam_2 of its second frame is a corrupt JPEG. */
function rigs(): RigFrame[] {
  const out: RigFrame[] = [];
  let k = 0;
  for (const feedId of ['A', 'B']) {
    for (let seq = 0; seq < 3; seq++) {
      const frames: CameraFrame[] = ['cam_0', 'cam_1', 'cam_2'].map((cam) => {
        k++;
        if (feedId === 'B' && seq === 1 && cam === 'cam_2')
          return frame(cam, new Uint8Array([0xff, 0xd8, 0xff, 0]), 'jpeg', 0, 0, feedId);
        return { ...uniformRgb(cam, 96, 64, (k * 37) % 256), feedId };
      });
      out.push({ feedId, tNs: BigInt(seq) * 100_000_000n, seq, frames, missing: [] });
    }
  }
  return out;
}

describe('createDetectStage', () => {
  it('fills detections per camera, routes them to their rig, and reports decode issues', async () => {
    const det = await open(4);
    const stage = createDetectStage(det);
    const batch = rigs().map(emptyResult);
    const out = await stage.process(batch);
    expect(out).toHaveLength(6);
    expect(batch[0]?.detections.size).toBe(0); // input results untouched
    out.forEach((r, i) => {
      expect(r.rig).toBe(batch[i]?.rig);
      const broken = r.rig.feedId === 'B' && r.rig.seq === 1;
      expect([...r.detections.keys()]).toEqual(broken ? ['cam_0', 'cam_1'] : ['cam_0', 'cam_1', 'cam_2']);
      for (const [cam, dets] of r.detections) for (const d of dets) expect(d.cameraId).toBe(cam);
      expect(r.issues.map((x) => [x.cameraId, x.kind])).toEqual(broken ? [['cam_2', 'decode']] : []);
    });
    // Each frame's answer is its own: same brightness → same detections, and they differ across frames.
    const direct = await det.detect([out[2]?.rig.frames[1] as CameraFrame]);
    expect(out[2]?.detections.get('cam_1')).toEqual(direct[0]?.detections);
    expect(out[0]?.detections.get('cam_0')).not.toEqual(out[0]?.detections.get('cam_1'));
    expect(stage.describe?.()).toMatchObject({
      executionProvider: 'cpu',
      frames: 18 + 1,
      decodeErrors: 1,
      runs: 5 + 1,
    });
  });

  it('gives the same detections for maxBatch 1, 3 and 6, in a worker or not', async () => {
    const results = [];
    for (const maxBatch of [1, 3, 6]) {
      const det = await open(maxBatch);
      const out = await createDetectStage(det).process(rigs().map(emptyResult));
      results.push(out.map((r) => ({ dets: [...r.detections.entries()], issues: r.issues })));
      expect(det.stats.runs).toBe(Math.ceil(18 / maxBatch) - (maxBatch === 1 ? 1 : 0));
    }
    // …and with the session on the main thread instead of a worker.
    const inProcess = await createDetectStage(await open(4, false)).process(rigs().map(emptyResult));
    results.push(inProcess.map((r) => ({ dets: [...r.detections.entries()], issues: r.issues })));
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    expect(results[3]).toEqual(results[0]);
    expect(results[0]?.flatMap((r) => r.dets.flatMap(([, d]) => d)).length).toBeGreaterThan(17);
  });

  it('with keepPixels passes each decoded frame on at the letterbox size, and not without', async () => {
    const det = await open(8);
    const [plain] = await createDetectStage(det).process(rigs().slice(0, 1).map(emptyResult));
    expect(plain?.pixels).toBeUndefined();
    const out = await createDetectStage(det, { keepPixels: true }).process(
      rigs().slice(3, 5).map(emptyResult),
    );
    // 96×64 frames in a 64×64 letterbox: 64×43 pixels, scale 2/3; the corrupt frame has none.
    expect([...(out[1]?.pixels?.keys() ?? [])]).toEqual(['cam_0', 'cam_1']);
    const px = out[0]?.pixels?.get('cam_2');
    expect(px).toMatchObject({ width: 64, height: 43, scale: 64 / 96 });
    expect(px?.data).toHaveLength(64 * 43 * 3);
    // uniformRgb's grey level survives the resize (the 5th frame of feed B's first rig: k = 12).
    expect(px?.data[3 * (20 * 64 + 30)]).toBe((12 * 37) % 256);
  });

  it('says when a frame is not the size its calibration is for (its 3D would be off, silently)', async () => {
    const det = await open(8);
    const calibration = (width: number, height: number) => ({
      frameId: 'cam_0',
      width,
      height,
      distortionModel: 'plumb_bob',
      D: [0, 0, 0, 0, 0],
      K: [50, 0, width / 2, 0, 50, height / 2, 0, 0, 1],
      R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      P: [50, 0, width / 2, 0, 0, 50, height / 2, 0, 0, 0, 1, 0],
    });
    const rig = (width: number, height: number): RigFrame => ({
      feedId: 'A',
      tNs: 0n,
      seq: 0,
      frames: [{ ...uniformRgb('cam_0', 96, 64, 90), calibration: calibration(width, height) }],
      missing: [],
    });
    const [fits, off] = await createDetectStage(det).process([rig(96, 64), rig(192, 128)].map(emptyResult));
    expect(fits?.issues).toEqual([]);
    expect(off?.issues).toEqual([
      {
        cameraId: 'cam_0',
        kind: 'calibration-size',
        message:
          'image 96×64, calibration 192×128: the calibration is used as it is, so this camera’s 3D positions are off',
      },
    ]);
  });

  it('restricts detection to the cameras asked for', async () => {
    const det = await open(8);
    const out = await createDetectStage(det, { cameras: ['cam_1'] }).process(
      rigs().slice(0, 2).map(emptyResult),
    );
    expect(out.map((r) => [...r.detections.keys()])).toEqual([['cam_1'], ['cam_1']]);
  });
});

describe('detectionsToImageAnnotations', () => {
  it('draws one LINE_LOOP rectangle and one label per detection of that camera', () => {
    const dets = [
      { cameraId: 'cam_0', box: { x1: 1, y1: 2, x2: 30, y2: 40 }, score: 0.876, cls: 'pedestrian' as const },
      { cameraId: 'cam_1', box: { x1: 5, y1: 5, x2: 9, y2: 9 }, score: 0.5, cls: 'car' as const },
      { cameraId: 'cam_0', box: { x1: 50, y1: 60, x2: 70, y2: 80 }, score: 0.4, cls: 'car' as const },
    ];
    const a = detectionsToImageAnnotations(dets, 1_700_000_001_500_000_000n, 'cam_0');
    expect(a.timestamp).toEqual({ sec: 1_700_000_001, nsec: 500_000_000 });
    expect(a.circles).toEqual([]);
    expect(a.points).toHaveLength(2);
    expect(a.points[0]).toMatchObject({
      timestamp: { sec: 1_700_000_001, nsec: 500_000_000 },
      type: 2,
      points: [
        { x: 1, y: 2 },
        { x: 30, y: 2 },
        { x: 30, y: 40 },
        { x: 1, y: 40 },
      ],
      fill_color: { a: 0 },
    });
    expect(a.points[0]?.outline_color).not.toEqual(a.points[1]?.outline_color);
    expect(a.texts.map((t) => [t.text, t.position])).toEqual([
      ['pedestrian 0.88', { x: 1, y: 2 }],
      ['car 0.40', { x: 50, y: 60 }],
    ]);
  });
});
