/** BEV tracking with centre-distance matching, and nuScenes-style AMOTA / AMOTP. */
import { describe, expect, it } from 'vitest';
import { type BevRow, amota, evaluateBev } from '../../src/eval/index.ts';

const row = (frame: number, id: number, x: number, y = 0, score?: number, cls = 'car'): BevRow => ({
  frame,
  id,
  x,
  y,
  cls,
  ...(score === undefined ? {} : { score }),
});

describe('evaluateBev', () => {
  it('matches centres within 2 m, not beyond', () => {
    const gt = [row(0, 1, 0), row(0, 2, 50)];
    const tr = [row(0, 7, 1.5), row(0, 8, 52.5)];
    const m = evaluateBev(gt, tr);
    expect(m.CLEAR).toMatchObject({ CLR_TP: 1, CLR_FN: 1, CLR_FP: 1 });
    expect(m.CLEAR.MOTP).toBeCloseTo(1 - 1.5 / 4, 12); // similarity 1 − d / 4
    expect(evaluateBev(gt, tr, { matchDistanceM: 3 }).CLEAR.CLR_TP).toBe(2);
  });
  it('gives 1 for a perfect tracker', () => {
    const gt = [row(0, 1, 0), row(1, 1, 1), row(2, 1, 2)];
    const m = evaluateBev(gt, gt);
    expect([m.CLEAR.MOTA, m.Identity.IDF1, m.HOTA.HOTA]).toEqual([1, 1, 1]);
  });
});

describe('amota', () => {
  it('is 1 with AMOTP 0 for a perfect tracker', () => {
    const gt = [row(0, 1, 0), row(1, 1, 1), row(0, 2, 30), row(1, 2, 31)];
    const r = amota(
      gt,
      gt.map((g) => ({ ...g, score: 0.9 })),
    );
    expect(r.perClass.car).toMatchObject({ AMOTA: 1, AMOTP: 0, numGt: 4 });
    expect(r.AMOTA).toBe(1);
  });

  it('scores unreached recall points as worst: half the objects found → 18 of 40 points', () => {
    // 10 objects in one frame, 5 found exactly. Recall points 0.1 + i·0.9/39 ≤ 0.5 for i = 0 … 17.
    const gt = Array.from({ length: 10 }, (_, k) => row(0, k, 10 * k));
    const tr = gt.slice(0, 5).map((g) => ({ ...g, score: 0.9 }));
    const c = amota(gt, tr).perClass.car!;
    expect(c.AMOTA).toBeCloseTo(18 / 40, 12);
    expect(c.AMOTP).toBeCloseTo((22 * 2) / 40, 12);
    expect(c.scoreThreshold.filter((t) => !Number.isNaN(t))).toHaveLength(18);
  });

  it('sweeps the score: low-scored false positives only hurt the high-recall points', () => {
    // 4 gts found with scores 0.9, 0.8, 0.7, 0.6; 2 false positives scored 0.65.
    const gt = [0, 1, 2, 3].map((k) => row(0, k, 10 * k));
    const tr = [
      ...gt.map((g, k) => ({ ...g, id: 10 + k, score: 0.9 - 0.1 * k })),
      row(0, 50, 200, 0, 0.65),
      row(0, 51, 300, 0, 0.65),
    ];
    const c = amota(gt, tr).perClass.car!;
    // Thresholds above 0.65 see no FP (MOTAR 1); at recall 1 (threshold 0.6) MOTAR = 1 − 2/4.
    expect(c.MOTAR[0]).toBeCloseTo(0.5, 12);
    expect(c.recall[0]).toBe(1);
    expect(c.MOTAR.at(-1)).toBe(1);
    expect(c.AMOTA).toBeGreaterThan(0.5);
    expect(c.AMOTA).toBeLessThan(1);
  });
});
