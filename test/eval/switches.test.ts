/** The id-switch listing agrees with CLEAR MOT's IDSW count and names the tracks on both sides. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRows, idSwitches, type TrackRow } from '../../src/eval/index.ts';
import { box } from './builders.ts';

const r = (
  frame: number,
  id: number | string,
  x: number,
  camera = 'front',
  cls = 'pedestrian',
): TrackRow => ({
  frame,
  id,
  box: box(x),
  camera,
  cls,
});

describe('idSwitches', () => {
  it('lists a swap between two objects with the track before and after, per camera', () => {
    // Objects A (x 0) and B (x 100); the tracker swaps its ids 5 and 6 in frame 2, and camera "left" has one
    // object that changes track after a gap.
    const gt = [0, 1, 2, 3]
      .flatMap((f) => [r(f, 'A', 0), r(f, 'B', 100)])
      .concat([r(0, 'C', 0, 'left'), r(3, 'C', 0, 'left')]);
    const tr = [0, 1].flatMap((f) => [r(f, 5, 0), r(f, 6, 100)]);
    tr.push(...[2, 3].flatMap((f) => [r(f, 6, 0), r(f, 5, 100)]), r(0, 7, 0, 'left'), r(3, 8, 0, 'left'));
    const list = idSwitches(gt, tr);
    expect(list.map(({ camera, frame, gtId, from, to }) => [camera, frame, gtId, from, to])).toEqual([
      ['front', 2, 'A', 5, 6],
      ['front', 2, 'B', 6, 5],
      ['left', 3, 'C', 7, 8],
    ]);
    expect(list[0]).toMatchObject({ cls: 'pedestrian', gtBox: box(0) });
    // A's new track was B's until frame 1 (a takeover); C's is new. (An object back on its own earlier track:
    // the next test.)
    expect(list.map((w) => w.toBefore)).toEqual([
      { gtId: 'B', frame: 1 },
      { gtId: 'A', frame: 1 },
      undefined,
    ]);
    expect(list.length).toBe(evaluateRows(gt, tr).overall.CLEAR.IDSW);
  });

  it('names an object’s return to its own earlier track', () => {
    // A on track 5, then 6 for frames 2–3, then 5 again in frame 4.
    const gt = [0, 1, 2, 3, 4].map((f) => r(f, 'A', 0));
    const tr = [0, 1, 4].map((f) => r(f, 5, 0)).concat([2, 3].map((f) => r(f, 6, 0)));
    const list = idSwitches(gt, tr);
    expect(list.map(({ frame, from, to, toBefore }) => [frame, from, to, toBefore])).toEqual([
      [2, 5, 6, undefined],
      [4, 6, 5, { gtId: 'A', frame: 1 }],
    ]);
  });

  it('counts what CLEAR MOT counts on random sequences (both conventions, don’t-care boxes, a size range)', () => {
    const row = fc.record({
      frame: fc.integer({ min: 0, max: 6 }),
      id: fc.integer({ min: 1, max: 4 }),
      x: fc.integer({ min: 0, max: 30 }),
      h: fc.integer({ min: 4, max: 14 }),
      camera: fc.constantFrom('a', 'b'),
    });
    type Row = { frame: number; id: number; x: number; h: number; camera: string };
    const dedupe = (rows: Row[]) => [
      ...new Map(rows.map((x) => [`${x.camera}/${x.frame}/${x.id}`, x])).values(),
    ];
    fc.assert(
      fc.property(fc.array(row, { maxLength: 40 }), fc.array(row, { maxLength: 40 }), (g, t) => {
        const row = (x: Row) => ({ ...r(x.frame, x.id, x.x, x.camera), box: { ...box(x.x), y2: x.h } });
        const gt = dedupe(g).map((x) => ({ ...row(x), ignore: x.x > 27 }));
        const tr = dedupe(t).map(row);
        for (const convention of ['trackeval', 'motmetrics'] as const) {
          for (const minHeightPx of [0, 8]) {
            const opts = { convention, minHeightPx, firstFrame: 0, lastFrame: 6 };
            expect(idSwitches(gt, tr, opts).length).toBe(evaluateRows(gt, tr, opts).overall.CLEAR.IDSW);
          }
        }
      }),
    );
  });
});
