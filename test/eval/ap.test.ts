/** COCO-style AP on cases computed by hand. */
import { describe, expect, it } from 'vitest';
import { averagePrecision, COCO_IOU_THRESHOLDS, type GtBox, type ScoredBox } from '../../src/eval/index.ts';
import { box } from './builders.ts';

const gt = (image: number, x: number, extra: Partial<GtBox> = {}): GtBox => ({
  image,
  cls: 'car',
  box: box(x),
  ...extra,
});
const det = (image: number, x: number, score: number, width = 10): ScoredBox => ({
  image,
  cls: 'car',
  box: box(x, width),
  score,
});

describe('averagePrecision', () => {
  it('uses the 10 COCO thresholds 0.5:0.05:0.95', () => {
    expect(COCO_IOU_THRESHOLDS).toHaveLength(10);
    expect(COCO_IOU_THRESHOLDS[0]).toBe(0.5);
    expect(COCO_IOU_THRESHOLDS[9]).toBe(0.95);
  });

  it('is 1 for an exact detection', () => {
    // COCO divides by tp + fp + spacing(1), so "1" is 1 − 2e-16, as pycocotools reports it.
    const r = averagePrecision([det(0, 0, 0.9)], [gt(0, 0)]);
    expect(r.perClass.car).toMatchObject({ numGt: 1, numDets: 1 });
    for (const v of [r.perClass.car!.AP, r.perClass.car!.AP50, r.perClass.car!.AP75, r.mAP])
      expect(v).toBeCloseTo(1, 12);
  });

  it('is 0.5 when a higher-scored false positive precedes the true positive', () => {
    // rc = [0, 1], pr = [0, ½] → envelope ½ at every recall point.
    const r = averagePrecision([det(0, 500, 0.9), det(0, 0, 0.8)], [gt(0, 0)]);
    expect(r.perClass.car!.AP).toBeCloseTo(0.5, 12);
  });

  it('is 51/101 when half the ground truth is found', () => {
    // Recall 0.5 at precision 1: recall points 0 … 0.50 score 1, the other 50 score 0.
    const r = averagePrecision([det(0, 0, 0.9)], [gt(0, 0), gt(1, 0)]);
    expect(r.perClass.car!.AP).toBeCloseTo(51 / 101, 12);
  });

  it('depends on IoU per threshold: IoU 0.72 is a TP up to 0.7 only', () => {
    const r = averagePrecision([det(0, 0, 0.9, 7.2)], [gt(0, 0)]);
    expect(r.perClass.car!.perThreshold.map((v) => Math.round(v * 1e9) / 1e9)).toEqual([
      1, 1, 1, 1, 1, 0, 0, 0, 0, 0,
    ]);
    expect(r.perClass.car!.AP).toBeCloseTo(0.5, 12);
    expect(r.perClass.car!.AP75).toBe(0);
  });

  it('matches each ground truth once; a duplicate is a false positive', () => {
    // TP then FP: rc = [1, 1], pr = [1, ½] → AP 1.
    expect(averagePrecision([det(0, 0, 0.9), det(0, 0, 0.8)], [gt(0, 0)]).perClass.car!.AP).toBeCloseTo(
      1,
      12,
    );
    const r = averagePrecision([det(0, 1, 0.9), det(0, 0, 0.8)], [gt(0, 0)]);
    // The 0.9 detection (IoU 9/11 ≈ 0.818) takes the gt where IoU allows, the exact one is then an FP.
    for (const v of r.perClass.car!.perThreshold.slice(0, 7)) expect(v).toBeCloseTo(1, 12);
    expect(r.perClass.car!.perThreshold[7]).toBeCloseTo(0.5, 12); // t = 0.85: the 0.9 det is FP, exact one TP
  });

  it('ignores detections on ignored regions', () => {
    const r = averagePrecision([det(0, 500, 0.95), det(0, 0, 0.8)], [gt(0, 0), gt(0, 500, { ignore: true })]);
    expect(r.perClass.car!.numGt).toBe(1);
    expect(r.perClass.car!.AP).toBeCloseTo(1, 12);
  });

  it('keeps maxDets per image, highest scores first', () => {
    const dets = [det(0, 300, 0.99), det(0, 0, 0.5)];
    expect(averagePrecision(dets, [gt(0, 0)], { maxDets: 1 }).perClass.car!.AP).toBe(0);
    expect(averagePrecision(dets, [gt(0, 0)], { maxDets: 2 }).perClass.car!.AP).toBeCloseTo(0.5, 12);
  });

  it('averages classes with ground truth only', () => {
    const r = averagePrecision(
      [det(0, 0, 0.9), { image: 0, cls: 'bus', box: box(200), score: 0.9 }],
      [gt(0, 0), { image: 0, cls: 'pedestrian', box: box(400) }],
    );
    expect(Object.keys(r.perClass).sort()).toEqual(['car', 'pedestrian']);
    expect(r.perClass.pedestrian!.AP).toBe(0);
    expect(r.mAP).toBeCloseTo(0.5, 12);
  });
});
