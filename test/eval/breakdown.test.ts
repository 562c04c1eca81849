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
  it('spans the frames of both inputs, holds those with rows and keeps row order', () => {
    const s = sequenceFromRows([r(3, 1, 0, '', 'car')], [r(5, 9, 0, '', 'car'), r(5, 8, 50, '', 'car')]);
    expect(s.frames).toHaveLength(2);
    expect(s.frameNumbers).toEqual([3, 5]);
    expect(s.frameCount).toBe(3);
    expect(s.frames[1]!.trIds).toEqual([9, 8]);
  });
  it('scores frames numbered up to 10⁸ as the same rows numbered from 1, at the cost of the rows', () => {
    // Empty frames change no metric (CLEAR, HOTA, Identity), so a file whose numbers jump far costs what its
    // rows cost; only CLR_Frames, the frames in range, tells the two apart.
    const gt: TrackRow[] = [];
    const tr: TrackRow[] = [];
    for (let f = 1; f <= 40; f++) {
      gt.push(r(f, 1, f, '', 'car'), r(f, 2, 200 - f, '', 'car'));
      // the tracker swaps ids half way and misses frames 10–14 of object 2
      tr.push(r(f, f < 20 ? 7 : 8, f + 1, '', 'car'));
      if (f < 10 || f > 14) tr.push(r(f, f < 20 ? 8 : 7, 201 - f, '', 'car'));
    }
    const far = (rows: TrackRow[]) =>
      rows.map((x) => ({ ...x, frame: x.frame > 20 ? x.frame + 1e8 : x.frame }));
    const near = evaluateRows(gt, tr, { firstFrame: 1 });
    const farOff = evaluateRows(far(gt), far(tr), { firstFrame: 1 });
    expect(near.overall.CLEAR.IDSW).toBe(2);
    expect(farOff.overall.CLEAR.CLR_Frames).toBe(40 + 1e8);
    const { CLR_Frames: _a, FP_per_frame: _b, ...a } = near.overall.CLEAR;
    const { CLR_Frames: _c, FP_per_frame: _d, ...b } = farOff.overall.CLEAR;
    expect(b).toEqual(a);
    expect(farOff.overall.HOTA).toEqual(near.overall.HOTA);
    expect(farOff.overall.Identity).toEqual(near.overall.Identity);
  });
  it('rejects rows outside an explicit range', () => {
    expect(() => sequenceFromRows([r(9, 1, 0, '', 'car')], [], { firstFrame: 1, lastFrame: 5 })).toThrow(
      /frame 9/,
    );
  });
});
