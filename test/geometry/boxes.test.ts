import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Box2D } from '../../src/contracts/geometry.ts';
import { boxToXyah, giou, iou, iouMatrix, xyahToBox } from '../../src/geometry/box2d.ts';
import { box3DCorners, clipPolygonToRect, convexHull } from '../../src/geometry/box3d.ts';

const box = fc
  .record({
    x: fc.double({ min: -100, max: 100, noNaN: true }),
    y: fc.double({ min: -100, max: 100, noNaN: true }),
    w: fc.double({ min: 0.5, max: 80, noNaN: true }),
    h: fc.double({ min: 0.5, max: 80, noNaN: true }),
  })
  .map(({ x, y, w, h }): Box2D => ({ x1: x, y1: y, x2: x + w, y2: y + h }));

describe('2D box overlap', () => {
  it('matches closed-form cases', () => {
    const a = { x1: 0, y1: 0, x2: 10, y2: 10 };
    expect(iou(a, a)).toBe(1);
    expect(iou(a, { x1: 5, y1: 0, x2: 15, y2: 10 })).toBeCloseTo(50 / 150, 12);
    expect(iou(a, { x1: 20, y1: 0, x2: 30, y2: 10 })).toBe(0);
    // cython_bbox's +1 convention: 11×11 boxes overlapping 6×11.
    expect(iou(a, { x1: 5, y1: 0, x2: 15, y2: 10 }, 1)).toBeCloseTo(66 / (121 + 121 - 66), 12);
    // GIoU of disjoint boxes: enclosing box 30×10, union 200 → −1/3.
    expect(giou(a, { x1: 20, y1: 0, x2: 30, y2: 10 })).toBeCloseTo(0 - 100 / 300, 12);
    expect(giou(a, a)).toBe(1);
  });

  it('IoU is symmetric, in [0,1], GIoU ≤ IoU and in [−1,1] (property)', () => {
    fc.assert(
      fc.property(box, box, (a, b) => {
        const i = iou(a, b);
        expect(i).toBeGreaterThanOrEqual(0);
        expect(i).toBeLessThanOrEqual(1 + 1e-12);
        expect(iou(b, a)).toBeCloseTo(i, 12);
        const g = giou(a, b);
        expect(g).toBeLessThanOrEqual(i + 1e-12);
        expect(g).toBeGreaterThanOrEqual(-1 - 1e-12);
        expect(iouMatrix([a], [b])[0]).toBe(i);
      }),
      { numRuns: 300, seed: 4 },
    );
  });

  it('xyah round-trips', () => {
    fc.assert(
      fc.property(box, (b) => {
        const r = xyahToBox(...boxToXyah(b));
        for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(r[k]).toBeCloseTo(b[k], 9);
      }),
      { numRuns: 100, seed: 5 },
    );
  });
});

describe('3D box corners and polygon clipping', () => {
  it('places corners by yaw (closed form)', () => {
    const c = box3DCorners({ center: [10, 0, 1], size: [4, 2, 2], yaw: Math.PI / 2 });
    // Heading +y: front-left corner is at +2 along y and −1 along x (left of +y is −x).
    expect(c[0]![0]).toBeCloseTo(9, 12);
    expect(c[0]![1]).toBeCloseTo(2, 12);
    expect(c[0]![2]).toBeCloseTo(0, 12);
    expect(c[6]![2]).toBeCloseTo(2, 12);
  });

  it('clips a convex hull to a rectangle', () => {
    const hull = convexHull([
      [-5, 5],
      [5, -5],
      [15, 5],
      [5, 15],
      [5, 5],
    ]);
    expect(hull).toHaveLength(4);
    const clipped = clipPolygonToRect(hull, 0, 0, 10, 10);
    const xs = clipped.map((p) => p[0]);
    const ys = clipped.map((p) => p[1]);
    expect([Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)]).toEqual([0, 0, 10, 10]);
    expect(clipPolygonToRect(hull, 20, 20, 30, 30)).toEqual([]);
  });
});
