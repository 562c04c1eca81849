/** Per-camera, per-class and overall figures from flat rows. */
import { describe, expect, it } from 'vitest';
import { evaluateRows, sequenceFromRows, type TrackRow } from '../../src/eval/index.ts';
import { box } from './builders.ts';

const r = (frame: number, id: number, x: number, camera: string, cls: string): TrackRow => ({
  frame,
  id,
  box: box(x),
  camera,
  cls,
});

describe('evaluateRows', () => {
  // Camera "front": a car and a pedestrian, both tracked perfectly for 2 frames.
  // Camera "left": a car missed in both frames (the tracker reports nothing there).
  const gt = [
    r(0, 1, 0, 'front', 'car'),
    r(0, 2, 100, 'front', 'pedestrian'),
    r(1, 1, 0, 'front', 'car'),
    r(1, 2, 100, 'front', 'pedestrian'),
    r(0, 1, 0, 'left', 'car'),
    r(1, 1, 0, 'left', 'car'),
  ];
  const tr = [
    r(0, 5, 0, 'front', 'car'),
    r(0, 6, 100, 'front', 'pedestrian'),
    r(1, 5, 0, 'front', 'car'),
    r(1, 6, 100, 'front', 'pedestrian'),
  ];
  const b = evaluateRows(gt, tr);

  it('scores each camera as its own sequence', () => {
    expect(Object.keys(b.perCamera)).toEqual(['front', 'left']);
    expect(b.perCamera.front!.CLEAR.MOTA).toBe(1);
    expect(b.perCamera.left!.CLEAR).toMatchObject({ CLR_FN: 2, MOTA: 0 });
  });

  it('combines cameras into the overall figures', () => {
    expect(b.overall.CLEAR).toMatchObject({ CLR_TP: 4, CLR_FN: 2 });
    expect(b.overall.CLEAR.MOTA).toBeCloseTo(4 / 6, 12);
    expect(b.overall.Identity.IDF1).toBeCloseTo(4 / 5, 12); // 4 / (4 + 0 + 1)
    expect(b.overall.HOTA.DetA).toBeCloseTo(4 / 6, 12);
  });

  it('filters by class across cameras', () => {
    expect(Object.keys(b.perClass)).toEqual(['car', 'pedestrian']);
    expect(b.perClass.car!.CLEAR.MOTA).toBeCloseTo(0.5, 12);
    expect(b.perClass.pedestrian!.CLEAR.MOTA).toBe(1);
  });
});

describe('class average', () => {
  it('averages per-class scores and sums counts', () => {
    const gt = [r(0, 1, 0, 'c', 'car'), r(0, 2, 100, 'c', 'car'), r(0, 3, 200, 'c', 'bus')];
    const tr = [r(0, 1, 0, 'c', 'car'), r(0, 3, 200, 'c', 'bus')];
    const b = evaluateRows(gt, tr);
    // car: MOTA ½, bus: MOTA 1 → class average ¾; overall 2 of 3.
    expect(b.classAveraged.CLEAR.MOTA).toBeCloseTo(0.75, 12);
    expect(b.overall.CLEAR.MOTA).toBeCloseTo(2 / 3, 12);
    expect(b.classAveraged.CLEAR).toMatchObject({ CLR_TP: 2, CLR_FN: 1 });
    expect(b.classAveraged.HOTA.DetA).toBeCloseTo(0.75, 12);
    expect(b.classAveraged.HOTA.curves.HOTA_TP[0]).toBe(2);
    expect(b.classAveraged.Identity.IDF1).toBeCloseTo((2 / 3 + 1) / 2, 12);
  });
});

describe('sequenceFromRows', () => {
  it('spans the frames of both inputs and keeps row order', () => {
    const s = sequenceFromRows([r(3, 1, 0, '', 'car')], [r(5, 9, 0, '', 'car'), r(5, 8, 50, '', 'car')]);
    expect(s.frames).toHaveLength(3);
    expect(s.frames[2]!.trIds).toEqual([9, 8]);
  });
  it('rejects rows outside an explicit range', () => {
    expect(() => sequenceFromRows([r(9, 1, 0, '', 'car')], [], { firstFrame: 1, lastFrame: 5 })).toThrow(
      /frame 9/,
    );
  });
});
