/** Don't-care ground truth (size range and `ignore` rows): TrackEval-style removal before scoring. */
import { describe, expect, it } from 'vitest';
import type { Box2D } from '../../src/contracts/geometry.ts';
import type { GroundTruthMessage } from '../../src/contracts/perception.ts';
import { applyDontCare, dontCareFrame, isDontCare } from '../../src/eval/dontCare.ts';
import { applyBevDontCare, type BevRow, evaluateBev } from '../../src/eval/bev.ts';
import { averagePrecision, evaluateRows, type TrackRow } from '../../src/eval/index.ts';
import { match2D } from '../../src/eval/scenarios/frameMatch.ts';
import { metricTable } from '../../src/eval/scenarios/metricTable.ts';
import type { RunData, TrackObs } from '../../src/eval/scenarios/readRun.ts';

/** A box `h` px tall (10 wide) with its left edge at x. */
const b = (x: number, h = 40): Box2D => ({ x1: x, y1: 0, x2: x + 10, y2: h });
const row = (frame: number, id: number | string, box: Box2D, extra: Partial<TrackRow> = {}): TrackRow => ({
  frame,
  id,
  box,
  camera: 'cam',
  ...extra,
});

describe('dontCareFrame', () => {
  it('removes a tracker box matched to don’t-care ground truth and keeps one matched to real ground truth', () => {
    const r = dontCareFrame([b(0), b(100, 6)], [false, true], [b(100, 6), b(0)]);
    expect(r.keep).toEqual([false, true]);
    expect(r.matchedGt).toEqual([1, 0]);
  });

  it('removes unmatched boxes under the minimum height only; a short box on real ground truth stays', () => {
    // gt 0 is 8 px tall (in range); the 7 px box overlaps it with IoU 7/8 and is kept.
    const r = dontCareFrame([b(0, 8)], [false], [b(0, 7), b(200, 7), b(300, 40)], { minHeightPx: 8 });
    expect(r.keep).toEqual([true, false, true]);
  });

  it('matches optimally and needs IoU ≥ threshold (TrackEval’s Hungarian step)', () => {
    // The tracker box overlaps the don't-care box with IoU 0.25 only: not matched, so it stays (an FP).
    const r = dontCareFrame([b(0, 6)], [true], [{ x1: 0, y1: 0, x2: 10, y2: 24 }], { threshold: 0.5 });
    expect(r.keep).toEqual([true]);
    expect(r.matchedGt).toEqual([null]);
  });
});

describe('applyDontCare and evaluateRows', () => {
  // Two frames of one camera: a tall object tracked perfectly, and a 6 px tall one that the tracker misses
  // in frame 0 and follows (with its own id) in frame 1; plus a short unmatched tracker box in frame 1.
  const gt = [row(0, 'A', b(0)), row(0, 'S', b(100, 6)), row(1, 'A', b(0)), row(1, 'S', b(100, 6))];
  const tr = [row(0, 7, b(0)), row(1, 7, b(0)), row(1, 9, b(100, 6)), row(1, 11, b(400, 5))];

  it('is the identity without a minimum height or ignore rows', () => {
    const r = applyDontCare(gt, tr);
    expect(r).toMatchObject({ removedGt: 0, removedTracker: 0 });
    expect(r.gt).toEqual(gt);
    expect(r.tr).toEqual(tr);
  });

  it('drops the short ground truth, the track on it and the short unmatched box', () => {
    const r = applyDontCare(gt, tr, { minHeightPx: 8 });
    expect(r.gt.map((x) => x.id)).toEqual(['A', 'A']);
    expect(r.tr.map((x) => x.id)).toEqual([7, 7]);
    expect(r).toMatchObject({ removedGt: 2, removedTracker: 2 });
  });

  it('honours `ignore` rows whatever their size', () => {
    const marked = gt.map((x) => (x.id === 'S' ? { ...x, box: b(100), ignore: true } : x));
    const t = tr.map((x) => (x.id === 9 ? { ...x, box: b(100) } : x));
    const r = applyDontCare(marked, t);
    expect(r.gt.map((x) => x.id)).toEqual(['A', 'A']);
    expect(r.tr.map((x) => x.id)).toEqual([7, 7, 11]); // no size rule: the 5 px box stays
    expect(isDontCare({ box: b(0), ignore: true })).toBe(true);
    expect(isDontCare({ box: b(0, 7) }, 8)).toBe(true);
    expect(isDontCare({ box: b(0, 8) }, 8)).toBe(false);
  });

  it('scores every box without the size range, and only the tall object with it', () => {
    const all = evaluateRows(gt, tr).overall;
    expect(all.CLEAR).toMatchObject({ CLR_TP: 3, CLR_FN: 1, CLR_FP: 1 });
    expect(all.Identity.IDF1).toBeLessThan(1);
    const ranged = evaluateRows(gt, tr, { minHeightPx: 8 });
    expect(ranged.overall.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FN: 0, CLR_FP: 0, IDSW: 0 });
    expect(ranged.overall.Identity.IDF1).toBe(1);
    expect(ranged.overall.HOTA.HOTA).toBeCloseTo(1, 12);
    expect(ranged.perCamera.cam!.Count).toMatchObject({ GT_Dets: 2, Dets: 2 });
  });

  it('applies the rule per evaluated sequence: a class never absorbs another class’s track', () => {
    const g = [row(0, 'S', b(100, 6), { cls: 'pedestrian' }), row(0, 'C', b(0), { cls: 'car' })];
    const t = [row(0, 3, b(100, 10), { cls: 'car' }), row(0, 4, b(0), { cls: 'car' })];
    const r = evaluateRows(g, t, { minHeightPx: 8 });
    // Overall (classes together) the car box on the short pedestrian is removed; within "car" it is an FP.
    expect(r.overall.CLEAR).toMatchObject({ CLR_TP: 1, CLR_FP: 0 });
    expect(r.perClass.car!.CLEAR).toMatchObject({ CLR_TP: 1, CLR_FP: 1 });
  });
});

describe('averagePrecision with a minimum height (COCO area range by height)', () => {
  const gts = [
    { image: 0, cls: 'car', box: b(0) },
    { image: 0, cls: 'car', box: b(100, 6) },
  ];
  it('ignores short ground truth and short unmatched detections', () => {
    const dets = [
      { image: 0, cls: 'car', box: b(300, 5), score: 0.95 }, // short, unmatched: ignored
      { image: 0, cls: 'car', box: b(0), score: 0.9 },
    ];
    const plain = averagePrecision(dets, gts);
    expect(plain.perClass.car!.numGt).toBe(2);
    expect(plain.perClass.car!.AP50).toBeLessThan(0.5);
    const ranged = averagePrecision(dets, gts, { minHeightPx: 8 });
    expect(ranged.perClass.car!.numGt).toBe(1);
    expect(ranged.perClass.car!.AP50).toBeCloseTo(1, 12);
  });
  it('still counts a tall unmatched detection as a false positive', () => {
    const dets = [
      { image: 0, cls: 'car', box: b(300), score: 0.95 },
      { image: 0, cls: 'car', box: b(0), score: 0.9 },
    ];
    expect(averagePrecision(dets, gts, { minHeightPx: 8 }).perClass.car!.AP50).toBeCloseTo(0.5, 12);
  });
});

describe('scenario scoring (metricTable, match2D) with the size range', () => {
  // One camera, three frames: actor A (40 px) tracked as #1; actor S (6 px) tracked as #2 in frame 1 only,
  // and as #3 in frame 2 (an "id switch" on a box no scoring counts).
  const view = (id: string, box: Box2D) => ({
    id,
    cls: 'pedestrian' as const,
    cameras: [{ cameraId: 'cam', box, visibleFraction: 1 }],
    boxWorld: { center: [0, 0, 0], size: [1, 1, 1], yaw: 0 },
    boxEgo: { center: [0, 0, 0], size: [1, 1, 1], yaw: 0 },
  });
  const gt = (stamp: number) =>
    ({
      stampNs: String(stamp),
      actors: [view('A', b(0)), view('S', b(100, 6))],
    }) as unknown as GroundTruthMessage;
  const obs = (id: number, box: Box2D): TrackObs => ({
    camera: 'cam',
    id,
    cls: 'pedestrian',
    box,
    confirmed: true,
  });
  const run: RunData = {
    stampsNs: [0n, 1n, 2n],
    gt: [gt(0), gt(1), gt(2)],
    tracks: [[obs(1, b(0))], [obs(1, b(0)), obs(2, b(100, 6))], [obs(1, b(0)), obs(3, b(100, 6))]],
    objects: [[], [], []],
    hasTracks: true,
    hasObjects: false,
    cameras: [],
    runMessages: [],
    unlabelled: 0,
  };

  it('metricTable: the default 8 px range leaves only the tall actor; 0 scores everything', () => {
    const ranged = metricTable(run);
    expect(ranged).toMatchObject({ IDF1: 1, IDSW: 0, FN: 0, FP: 0 });
    const all = metricTable(run, { minHeightPx: 0 });
    expect(all.IDSW).toBe(1);
    expect(all.FN).toBe(1);
    expect(all.IDF1).toBeLessThan(1);
  });

  it('match2D: counts agree with the metrics, and events still see the match on the short actor', () => {
    const m = match2D(run, 0.5, 0.25, 8);
    expect(m.map((f) => [f.tp, f.fp, f.fn, f.idsw])).toEqual([
      [1, 0, 0, 0],
      [1, 0, 0, 0],
      [1, 0, 0, 0],
    ]);
    expect(m[1]!.byCamera.get('cam')!.get('S')!.id).toBe(2);
    const plain = match2D(run, 0.5, 0.25);
    expect(plain.map((f) => [f.tp, f.fn, f.idsw])).toEqual([
      [1, 1, 0],
      [2, 0, 0],
      [2, 0, 1],
    ]);
  });
});

describe('applyBevDontCare / evaluateBev', () => {
  const p = (frame: number, id: number | string, x: number, extra: Partial<BevRow> = {}): BevRow => ({
    frame,
    id,
    x,
    y: 0,
    ...extra,
  });

  it('drops don’t-care ground truth and the objects on it; an object on nothing stays a false positive', () => {
    const gt = [
      p(0, 'a', 0),
      p(0, 'far', 50, { ignore: true }),
      p(1, 'a', 1),
      p(1, 'far', 50, { ignore: true }),
    ];
    const tr = [p(0, 1, 0.5), p(0, 2, 50.5), p(0, 3, 90), p(1, 1, 1.2), p(1, 2, 49.8)];
    const kept = applyBevDontCare(gt, tr, 2);
    expect(kept.gt.map((r) => r.id)).toEqual(['a', 'a']);
    expect(kept.tr.map((r) => `${r.frame}:${r.id}`)).toEqual(['0:1', '0:3', '1:1']);
    const m = evaluateBev(gt, tr, { matchDistanceM: 2 });
    expect(m.CLEAR.CLR_FN).toBe(0);
    expect(m.CLEAR.CLR_FP).toBe(1);
    expect(m.CLEAR.CLR_TP).toBe(2);
  });

  it('changes nothing without don’t-care rows', () => {
    const gt = [p(0, 'a', 0)];
    const tr = [p(0, 1, 5)];
    expect(applyBevDontCare(gt, tr, 2)).toEqual({ gt, tr });
  });
});
