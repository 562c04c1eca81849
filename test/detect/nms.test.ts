import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Candidate, compareCandidates, iou, nms } from '../../src/detect/nms.ts';

const candidate = fc
  .record({
    x: fc.integer({ min: 0, max: 200 }),
    y: fc.integer({ min: 0, max: 200 }),
    w: fc.integer({ min: 1, max: 80 }),
    h: fc.integer({ min: 1, max: 80 }),
    score: fc.integer({ min: 0, max: 20 }).map((s) => s / 20),
    classIndex: fc.integer({ min: 0, max: 2 }),
  })
  .map(
    ({ x, y, w, h, score, classIndex }): Candidate => ({
      x1: x,
      y1: y,
      x2: x + w,
      y2: y + h,
      score,
      classIndex,
    }),
  );
const opts = fc.record({
  scoreThreshold: fc.integer({ min: 0, max: 10 }).map((s) => s / 10),
  iouThreshold: fc.integer({ min: 0, max: 10 }).map((s) => s / 10),
  maxDetections: fc.integer({ min: 1, max: 50 }),
});

describe('iou', () => {
  it('is symmetric, in [0, 1], and 1 with itself', () => {
    fc.assert(
      fc.property(candidate, candidate, (a, b) => {
        const v = iou(a, b);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1);
        expect(v).toBe(iou(b, a));
        expect(iou(a, a)).toBe(1);
      }),
    );
  });
  it('matches a hand value', () => {
    const a = { x1: 0, y1: 0, x2: 2, y2: 2, score: 1, classIndex: 0 };
    const b = { x1: 1, y1: 0, x2: 3, y2: 2, score: 1, classIndex: 0 };
    expect(iou(a, b)).toBeCloseTo(2 / 6, 12);
  });
});

describe('nms', () => {
  it('keeps a subset, best first, above the score threshold, at most maxDetections', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 40 }), opts, (cands, o) => {
        const kept = nms(cands, o);
        expect(kept.length).toBeLessThanOrEqual(o.maxDetections);
        for (const k of kept) {
          expect(cands).toContain(k);
          expect(k.score).toBeGreaterThanOrEqual(o.scoreThreshold);
        }
        for (let i = 1; i < kept.length; i++) {
          expect(compareCandidates(kept[i - 1] as Candidate, kept[i] as Candidate)).toBeLessThanOrEqual(0);
        }
      }),
    );
  });

  it('leaves no two kept boxes of one class overlapping above the threshold; classes never suppress each other', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 40 }), opts, (cands, o) => {
        const kept = nms(cands, o);
        for (const a of kept) {
          for (const b of kept) {
            if (a !== b && a.classIndex === b.classIndex)
              expect(iou(a, b)).toBeLessThanOrEqual(o.iouThreshold);
          }
        }
        // Per-class NMS on each class alone gives the same boxes (before the maxDetections cut).
        const all = nms(cands, { ...o, maxDetections: 1000 });
        for (const cls of [0, 1, 2]) {
          const alone = nms(
            cands.filter((c) => c.classIndex === cls),
            { ...o, maxDetections: 1000 },
          );
          expect(all.filter((c) => c.classIndex === cls)).toEqual(alone);
        }
      }),
    );
  });

  it('class-agnostic: no two kept boxes of any classes overlap above the threshold; each dropped one had a reason', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 40 }), opts, (cands, o) => {
        const kept = nms(cands, { ...o, classAgnostic: true, maxDetections: 1000 });
        for (const a of kept)
          for (const b of kept) if (a !== b) expect(iou(a, b)).toBeLessThanOrEqual(o.iouThreshold);
        for (const c of cands) {
          if (c.score < o.scoreThreshold || kept.includes(c)) continue;
          // Dropped: a kept box of any class, at least as good, overlaps it above the threshold.
          expect(kept.some((k) => compareCandidates(k, c) <= 0 && iou(k, c) > o.iouThreshold)).toBe(true);
        }
      }),
    );
  });

  it('with groupOf, classes mapped to one group suppress each other and no others (COCO car and truck → car)', () => {
    const groupOf = [0, 0, 1]; // model classes 0 and 1 are one Viper class, 2 another
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 40 }), opts, (cands, o) => {
        const kept = nms(cands, { ...o, groupOf, maxDetections: 1000 });
        const g = (c: Candidate) => groupOf[c.classIndex];
        for (const a of kept)
          for (const b of kept)
            if (a !== b && g(a) === g(b)) expect(iou(a, b)).toBeLessThanOrEqual(o.iouThreshold);
        for (const c of cands) {
          if (c.score < o.scoreThreshold || kept.includes(c)) continue;
          expect(
            kept.some((k) => g(k) === g(c) && compareCandidates(k, c) <= 0 && iou(k, c) > o.iouThreshold),
          ).toBe(true);
        }
      }),
    );
    const car = { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.8, classIndex: 0 };
    const truck = { ...car, x2: 10.5, score: 0.7, classIndex: 1 };
    const bus = { ...car, score: 0.6, classIndex: 2 };
    const o = { scoreThreshold: 0.3, iouThreshold: 0.45, maxDetections: 10 };
    expect(nms([car, truck, bus], { ...o, groupOf })).toEqual([car, bus]);
    expect(nms([car, truck, bus], o)).toEqual([car, truck, bus]);
  });

  it('suppresses each dropped box with a kept, better-or-equal box of its class', () => {
    fc.assert(
      fc.property(fc.array(candidate, { maxLength: 40 }), opts, (cands, o) => {
        const kept = nms(cands, { ...o, maxDetections: 1000 });
        for (const c of cands) {
          if (c.score < o.scoreThreshold || kept.includes(c)) continue;
          const by = kept.find(
            (k) =>
              k.classIndex === c.classIndex && iou(k, c) > o.iouThreshold && compareCandidates(k, c) <= 0,
          );
          expect(by).toBeDefined();
        }
      }),
    );
  });

  it('depends only on the contents of the input, not its order', () => {
    fc.assert(
      fc.property(
        fc
          .array(candidate, { maxLength: 30 })
          .chain((a) =>
            fc.tuple(fc.constant(a), fc.shuffledSubarray(a, { minLength: a.length, maxLength: a.length })),
          ),
        opts,
        ([a, b], o) => {
          expect(nms(a, o)).toEqual(nms(b, o));
        },
      ),
    );
  });

  it('handles the empty input', () => {
    expect(nms([], { scoreThreshold: 0, iouThreshold: 0.5, maxDetections: 10 })).toEqual([]);
  });
});
