import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { iou } from '../../src/geometry/box2d.ts';
import { type Box2, idSwitches, matchGreedy } from '../../viewer/src/state/metrics.ts';

const box = fc
  .record({
    x: fc.integer({ min: 0, max: 200 }),
    y: fc.integer({ min: 0, max: 200 }),
    w: fc.integer({ min: 1, max: 80 }),
    h: fc.integer({ min: 1, max: 80 }),
  })
  .map(({ x, y, w, h }): Box2 => ({ x1: x, y1: y, x2: x + w, y2: y + h }));

/** Largest number of pairs with IoU ≥ thr, by brute force (small inputs only). */
function bestCount(pred: Box2[], gt: Box2[], thr: number): number {
  const go = (p: number, used: Set<number>): number => {
    if (p === pred.length) return 0;
    let best = go(p + 1, used);
    for (let g = 0; g < gt.length; g++) {
      if (used.has(g) || iou(pred[p]!, gt[g]!) < thr) continue;
      used.add(g);
      best = Math.max(best, 1 + go(p + 1, used));
      used.delete(g);
    }
    return best;
  };
  return go(0, new Set());
}

describe('iou', () => {
  test('symmetric, in [0, 1], 1 with itself', () => {
    fc.assert(
      fc.property(box, box, (a, b) => {
        const v = iou(a, b);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(v).toBeCloseTo(iou(b, a), 12);
        expect(iou(a, a)).toBeCloseTo(1, 12);
      }),
    );
  });
  test('known value', () => {
    expect(iou({ x1: 0, y1: 0, x2: 2, y2: 2 }, { x1: 1, y1: 0, x2: 3, y2: 2 })).toBeCloseTo(2 / 6, 12);
    expect(iou({ x1: 0, y1: 0, x2: 1, y2: 1 }, { x1: 1, y1: 1, x2: 2, y2: 2 })).toBe(0);
  });
});

describe('matchGreedy', () => {
  test('counts add up, matches are one-to-one and above the threshold, never more than the optimum', () => {
    fc.assert(
      fc.property(fc.array(box, { maxLength: 6 }), fc.array(box, { maxLength: 6 }), (pred, gt) => {
        const m = matchGreedy(pred, gt, 0.5);
        expect(m.tp + m.fp).toBe(pred.length);
        expect(m.tp + m.fn).toBe(gt.length);
        expect(new Set(m.matches.map((x) => x.pred)).size).toBe(m.tp);
        expect(new Set(m.matches.map((x) => x.gt)).size).toBe(m.tp);
        for (const x of m.matches) expect(iou(pred[x.pred]!, gt[x.gt]!)).toBeGreaterThanOrEqual(0.5);
        expect(m.tp).toBeLessThanOrEqual(bestCount(pred, gt, 0.5));
      }),
    );
  });
  test('empty inputs', () => {
    expect(matchGreedy([], [])).toMatchObject({ tp: 0, fp: 0, fn: 0 });
    expect(matchGreedy([{ x1: 0, y1: 0, x2: 1, y2: 1 }], [])).toMatchObject({ tp: 0, fp: 1, fn: 0 });
  });
  test('prefers the higher IoU partner', () => {
    const gt = [{ x1: 0, y1: 0, x2: 10, y2: 10 }];
    const pred = [
      { x1: 2, y1: 0, x2: 12, y2: 10 },
      { x1: 0, y1: 0, x2: 10, y2: 11 },
    ];
    expect(matchGreedy(pred, gt).matches).toEqual([{ pred: 1, gt: 0, iou: expect.closeTo(100 / 110, 9) }]);
  });
});

describe('idSwitches', () => {
  test('reports a change of track for the same actor and updates the history', () => {
    const r1 = idSwitches(new Map(), [{ pred: 0, gt: 0, iou: 0.9 }], [3], ['a']);
    expect(r1.switches).toEqual([]);
    const r2 = idSwitches(r1.history, [{ pred: 0, gt: 0, iou: 0.9 }], [7], ['a']);
    expect(r2.switches).toEqual([{ gtId: 'a', fromTrack: 3, toTrack: 7, pred: 0 }]);
    expect(r2.history.get('a')).toBe(7);
    expect(r1.history.get('a')).toBe(3); // inputs are not mutated
    expect(idSwitches(r2.history, [{ pred: 0, gt: 0, iou: 0.9 }], [null], ['a']).switches).toEqual([]);
  });
});
