/**
 * Exact decoding: for each output layout a tiny ONNX model with a known output runs through onnxruntime-node,
 * the adapter, NMS and the letterbox inverse; every box is checked.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Detection } from '../../src/contracts/perception.ts';
import { Detector } from '../../src/detect/index.ts';
import { uniformRgb } from './frames.ts';
import { buildTinyModel, tempDir, writeModelWithCard } from './tinyModel.ts';

const dir = tempDir();
const opened: Detector[] = [];
afterAll(async () => {
  for (const d of opened) await d.close();
});

const CLASSES = ['person', 'car', 'tree'];
const baseCard = (layout: string, extra: Record<string, unknown> = {}) => ({
  input: {
    name: 'images',
    width: 64,
    height: 64,
    colorOrder: 'rgb',
    scale: 1 / 255,
    letterbox: { align: 'center', padValue: 0 },
  },
  output: { name: 'output', layout, ...extra },
  classes: CLASSES,
  classMap: { person: 'pedestrian', car: 'car' },
  thresholds: { score: 0.3, iou: 0.45, maxDetections: 100 },
});

async function open(name: string, model: Uint8Array, card: Record<string, unknown>, maxBatch = 8) {
  const path = writeModelWithCard(dir, name, model, card);
  const det = await Detector.open({ model: path, threads: 1, maxBatch });
  opened.push(det);
  return det;
}

function rounded(dets: Detection[]) {
  return dets.map((d) => ({
    cls: d.cls,
    score: Number(d.score.toFixed(5)),
    box: [d.box.x1, d.box.y1, d.box.x2, d.box.y2].map((v) => Number(v.toFixed(3))),
  }));
}

describe('yolov8 layout [4+C, N]', () => {
  // Anchors (input pixels): cx, cy, w, h, person, car, tree.
  const anchors = [
    [32, 32, 20, 10, 0.9, 0.1, 0], // person 0.9, kept
    [33, 32, 20, 10, 0.8, 0, 0], // person 0.8, IoU 0.9 with the first → suppressed
    [32, 32, 20, 10, 0.1, 0.7, 0], // car 0.7 on the same box: another class, kept
    [10, 20, 8, 8, 0.2, 0, 0], // below the score threshold
    [50, 40, 10, 10, 0, 0, 0.95], // tree: unmapped, dropped
    [60, 45, 16, 12, 0.5, 0, 0], // person crossing the right edge: clipped
  ];
  const n = anchors.length;
  const rows = 4 + CLASSES.length;
  const c = new Float32Array(rows * n);
  const m = new Float32Array(rows * n);
  anchors.forEach((a, i) => {
    a.forEach((v, r) => {
      c[r * n + i] = v;
    });
    m[i] = 8; // a white frame moves every centre 8 input px right
  });
  const model = buildTinyModel({ batch: 'batch', width: 64, height: 64, outDims: [rows, n], c, m });

  it('decodes, suppresses, maps classes and undoes the letterbox, per frame of a batch', async () => {
    const det = await open('v8', model, baseCard('yolov8'));
    expect(det.fixedBatch).toBeNull();
    // 128×64 → scale 0.5, 64×32 centred: padY = 16; original = (x·2, (y − 16)·2).
    const [black, white] = await det.detect([uniformRgb('a', 128, 64, 0), uniformRgb('b', 128, 64, 255)]);
    expect(black?.error).toBeUndefined();
    expect(rounded(black?.detections ?? [])).toEqual([
      { cls: 'pedestrian', score: 0.9, box: [44, 22, 84, 42] },
      { cls: 'car', score: 0.7, box: [44, 22, 84, 42] },
      { cls: 'pedestrian', score: 0.5, box: [104, 46, 128, 64] },
    ]);
    expect(rounded(white?.detections ?? [])).toEqual([
      { cls: 'pedestrian', score: 0.9, box: [60, 22, 100, 42] },
      { cls: 'car', score: 0.7, box: [60, 22, 100, 42] },
      { cls: 'pedestrian', score: 0.5, box: [120, 46, 128, 64] },
    ]);
    expect(black?.detections.every((d) => d.cameraId === 'a')).toBe(true);
    expect(white?.detections.every((d) => d.cameraId === 'b')).toBe(true);
    expect(det.stats).toEqual({ frames: 2, decodeErrors: 0, runs: 1 });
  });
});

describe('yolox grid layout [A, 5+C]', () => {
  // 64×64 input, strides 8/16/32 → 8×8 + 4×4 + 2×2 = 84 rows.
  const rowLen = 5 + CLASSES.length;
  const c = new Float32Array(84 * rowLen);
  const m = new Float32Array(84 * rowLen);
  const setRow = (row: number, v: number[]) => c.set(v, row * rowLen);
  // stride 16, gx=1, gy=2 → row 64 + 2·4 + 1: centre (24, 40), size (2·16, 1·16), score 0.9 × 0.8 person.
  setRow(73, [0.5, 0.5, Math.log(2), 0, 0.9, 0.8, 0.2, 0]);
  m[73 * rowLen] = 1; // white frame: dx + 1 → centre x + 16
  // stride 8, gx=3, gy=5 → row 43: centre (24, 40), size (4·8, 2·8): same box, score 0.7 → suppressed.
  setRow(43, [0, 0, Math.log(4), Math.log(2), 1, 0.7, 0, 0]);
  // stride 32, gx=1, gy=1 → row 80 + 3: centre (32, 32), size (16, 32), 0.5 × 0.9 car.
  setRow(83, [0, 0, Math.log(0.5), 0, 0.5, 0, 0.9, 0]);
  // Low objectness: dropped however high the class score.
  setRow(10, [0, 0, 0, 0, 0.2, 1, 0, 0]);
  const model = buildTinyModel({ batch: 1, width: 64, height: 64, outDims: [84, rowLen], c, m });

  it('decodes grid rows with their strides; fixed batch 1 runs once per frame', async () => {
    const det = await open('yx', model, baseCard('yolox', { strides: [8, 16, 32] }));
    expect(det.fixedBatch).toBe(1);
    const res = await det.detect([uniformRgb('a', 64, 64, 0), uniformRgb('b', 64, 64, 255)]);
    expect(rounded(res[0]?.detections ?? [])).toEqual([
      { cls: 'pedestrian', score: 0.72, box: [8, 32, 40, 48] },
      { cls: 'car', score: 0.45, box: [24, 16, 40, 48] },
    ]);
    expect(rounded(res[1]?.detections ?? [])).toEqual([
      { cls: 'pedestrian', score: 0.72, box: [24, 32, 56, 48] },
      // moved 16 px away, the stride-8 box overlaps by IoU 1/3 < 0.45 and survives
      { cls: 'pedestrian', score: 0.7, box: [8, 32, 40, 48] },
      { cls: 'car', score: 0.45, box: [24, 16, 40, 48] },
    ]);
    expect(det.stats.runs).toBe(2);
  });
});

describe('viper head [N, 5+C]', () => {
  const rows = [
    [20, 20, 10, 20, 0.9, 0.2, 0.9, 0], // car 0.81
    [22, 20, 10, 20, 0.9, 0.2, 0.8, 0], // car 0.72, IoU 0.67 → suppressed
    [40, 40, 8, 8, 0.6, 1, 0, 0], // person 0.6
    [40, 40, 8, 8, 0.25, 1, 0, 0], // objectness below threshold
  ];
  const rowLen = 5 + CLASSES.length;
  const c = Float32Array.from(rows.flat());
  const m = new Float32Array(rows.length * rowLen);
  m[2 * rowLen + 4] = -0.5; // white frame: the person's objectness drops to 0.1
  const model = buildTinyModel({ batch: 'n', width: 64, height: 64, outDims: [rows.length, rowLen], c, m });

  it('decodes pre-decoded boxes with objectness × class', async () => {
    const det = await open('vp', model, baseCard('viper'));
    const res = await det.detect([uniformRgb('a', 64, 64, 0), uniformRgb('b', 64, 64, 255)]);
    expect(rounded(res[0]?.detections ?? [])).toEqual([
      { cls: 'car', score: 0.81, box: [15, 10, 25, 30] },
      { cls: 'pedestrian', score: 0.6, box: [36, 36, 44, 44] },
    ]);
    expect(rounded(res[1]?.detections ?? [])).toEqual([{ cls: 'car', score: 0.81, box: [15, 10, 25, 30] }]);
  });
});
