/**
 * YOLOX-Nano (../shared/models) on real frames of ../shared/data/vtest (768×576 JPEGs, a fixed street camera).
 * The reference boxes below come from a first run and were kept only after drawing them onto the frames (sharp +
 * SVG) and seeing each one sit tightly around one walking person; a sign post it also called a person (0001,
 * x 31–48) and the person it missed behind the sign (0100, x ≈ 430) are left out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CameraFrame } from '../../src/contracts/camera.ts';
import type { Box2D, Detection } from '../../src/contracts/index.ts';
import { Detector } from '../../src/detect/index.ts';
import { describeShared, repoRoot, shared } from '../shared.ts';
import { frame } from './frames.ts';

/** People seen in the frames (original pixels, x1 y1 x2 y2), to within a few pixels. */
const PEOPLE: Record<string, [number, number, number, number][]> = {
  '0001': [
    [253, 220, 283, 308], // dark coat, left of the lamp post
    [503, 158, 530, 232], // walking towards the camera, top centre
    [643, 240, 684, 323], // black clothes, right
  ],
  '0100': [
    [343, 197, 369, 274],
    [378, 178, 408, 255],
    [492, 148, 517, 220], // the pair, left one
    [516, 151, 538, 220], // the pair, right one
    [586, 156, 618, 240],
  ],
  // Read by eye off a 50 px grid drawn over the frame, before looking at any detection.
  '0150': [
    [590, 228, 636, 320], // dark jacket, walking right of centre
    [388, 195, 417, 280], // left of the sign
    [73, 88, 92, 128], // far, on the grass at the top left
  ],
};

/** Frames 1, 10, 20, …, 190. */
const SAMPLE = Array.from({ length: 20 }, (_, i) => String(Math.max(1, i * 10)).padStart(4, '0'));
const load = (name: string): CameraFrame =>
  frame('cam', readFileSync(shared('data', 'vtest', `${name}.jpg`)), 'jpeg');

function iou(a: Box2D, b: [number, number, number, number]): number {
  const iw = Math.min(a.x2, b[2]) - Math.max(a.x1, b[0]);
  const ih = Math.min(a.y2, b[3]) - Math.max(a.y1, b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / ((a.x2 - a.x1) * (a.y2 - a.y1) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

describeShared('YOLOX-Nano on vtest', () => {
  let det: Detector;
  let frames: CameraFrame[];
  let first: Detection[][];
  beforeAll(async () => {
    det = await Detector.open({
      model: join(repoRoot, 'models', 'cards', 'yolox_nano.json'),
      threads: 2,
      maxBatch: 6,
    });
    frames = SAMPLE.map(load);
    first = (await det.detect(frames)).map((r) => r.detections);
  });
  afterAll(async () => det?.close());

  it('runs on CPU by default with the card of the shared model', () => {
    expect(det.executionProvider).toBe('cpu');
    expect(det.fixedBatch).toBe(1);
    expect(det.card.modelPath).toBe(shared('models', 'yolox_nano.onnx'));
  });

  it('finds people on most frames', () => {
    const withPeople = first.filter((dets) => dets.some((d) => d.cls === 'pedestrian' && d.score >= 0.5));
    expect(withPeople.length).toBeGreaterThanOrEqual(18);
    for (const dets of first) {
      for (const d of dets) {
        expect(d.box.x1).toBeGreaterThanOrEqual(0);
        expect(d.box.x2).toBeLessThanOrEqual(768);
        expect(d.box.y2).toBeLessThanOrEqual(576);
      }
    }
  });

  it('puts the boxes where the people are', () => {
    for (const [name, people] of Object.entries(PEOPLE)) {
      expect(SAMPLE).toContain(name);
      const dets = first[SAMPLE.indexOf(name)] ?? [];
      for (const p of people) {
        const best = Math.max(0, ...dets.filter((d) => d.cls === 'pedestrian').map((d) => iou(d.box, p)));
        expect(best, `frame ${name} person at ${p.join(',')}`).toBeGreaterThan(0.7);
      }
    }
    // The parked white van at the top right is a road vehicle.
    const van = (first[0] ?? []).filter(
      (d) => (d.cls === 'truck' || d.cls === 'car') && iou(d.box, [651, 42, 726, 99]) > 0.7,
    );
    expect(van.length).toBeGreaterThan(0);
  });

  it('gives identical detections run to run and for maxBatch 1, 3 and 6', async () => {
    expect((await det.detect(frames.slice(6, 16))).map((r) => r.detections)).toEqual(first.slice(6, 16));
    const rig = frames.slice(0, 6);
    for (const maxBatch of [1, 3]) {
      const other = await Detector.open({ model: det.card.cardPath, threads: 2, maxBatch });
      try {
        expect((await other.detect(rig)).map((r) => r.detections)).toEqual(first.slice(0, 6));
      } finally {
        await other.close();
      }
    }
  });
});
