/** CLEAR, Identity and HOTA on small sequences computed by hand. */
import { describe, expect, it } from 'vitest';
import { clearMot, evaluateSequence, HOTA_ALPHAS, hota, identity } from '../../src/eval/index.ts';
import { box, frame, seq } from './builders.ts';

const A = box(0);
const B = box(100);

describe('perfect tracker', () => {
  const s = seq(
    frame(
      [
        [1, A],
        [2, B],
      ],
      [
        [7, A],
        [8, B],
      ],
    ),
    frame(
      [
        [1, A],
        [2, B],
      ],
      [
        [7, A],
        [8, B],
      ],
    ),
    frame(
      [
        [1, A],
        [2, B],
      ],
      [
        [7, A],
        [8, B],
      ],
    ),
  );
  it('scores 1 everywhere', () => {
    const m = evaluateSequence(s);
    expect(m.CLEAR).toMatchObject({
      MOTA: 1,
      MOTP: 1,
      IDSW: 0,
      Frag: 0,
      MT: 2,
      PT: 0,
      ML: 0,
      CLR_FP: 0,
      CLR_FN: 0,
    });
    expect(m.Identity).toMatchObject({ IDF1: 1, IDP: 1, IDR: 1, IDTP: 6 });
    expect(m.HOTA.curves.HOTA).toEqual(HOTA_ALPHAS.map(() => 1));
    expect(m.HOTA).toMatchObject({ HOTA: 1, DetA: 1, AssA: 1, LocA: 1 });
    expect(m.Count).toEqual({ Dets: 6, GT_Dets: 6, IDs: 2, GT_IDs: 2 });
  });
});

describe('one id switch (tracker id 1 → 2 half-way)', () => {
  const s = seq(
    frame([[1, A]], [[1, A]]),
    frame([[1, A]], [[1, A]]),
    frame([[1, A]], [[2, A]]),
    frame([[1, A]], [[2, A]]),
  );
  it('counts the switch in MOTA', () => {
    const c = clearMot(s);
    expect(c).toMatchObject({ CLR_TP: 4, IDSW: 1, Frag: 0, MT: 1 });
    expect(c.MOTA).toBeCloseTo(0.75, 12);
  });
  it('halves IDF1: the best single mapping covers 2 of 4 frames', () => {
    expect(identity(s)).toMatchObject({ IDTP: 2, IDFN: 2, IDFP: 2, IDF1: 0.5 });
  });
  it('gives AssA 1/2 so HOTA √½', () => {
    // Each (gt, tracker) pair shares 2 frames: A = 2 / (4 + 2 − 2) = 1/2.
    const h = hota(s);
    expect(h.DetA).toBeCloseTo(1, 12);
    expect(h.AssA).toBeCloseTo(0.5, 12);
    expect(h.HOTA).toBeCloseTo(Math.SQRT1_2, 12);
  });
});

describe('one missed frame (the tracker outputs a false positive elsewhere instead)', () => {
  const far = box(500);
  const s = seq(
    frame([[1, A]], [[5, A]]),
    frame([[1, A]], [[5, A]]),
    frame([[1, A]], [[9, far]]),
    frame([[1, A]], [[5, A]]),
    frame([[1, A]], [[5, A]]),
  );
  it('is one FN, one FP, one fragmentation; 80% tracked is PT for TrackEval, MT for py-motmetrics', () => {
    const c = clearMot(s);
    expect(c).toMatchObject({ CLR_TP: 4, CLR_FN: 1, CLR_FP: 1, IDSW: 0, Frag: 1, MT: 0, PT: 1 });
    expect(c.MOTA).toBeCloseTo(0.6, 12);
    expect(clearMot(s, { convention: 'motmetrics' })).toMatchObject({ CLR_FN: 1, Frag: 1, MT: 1, PT: 0 });
  });
  it('IDF1 = 4 / 5 and HOTA = √(⅔ · 0.8)', () => {
    expect(identity(s)).toMatchObject({ IDTP: 4, IDFN: 1, IDFP: 1 });
    expect(identity(s).IDF1).toBeCloseTo(0.8, 12);
    const h = hota(s);
    expect(h.DetA).toBeCloseTo(2 / 3, 12); // 4 / (4 + 1 + 1)
    expect(h.AssA).toBeCloseTo(0.8, 12); // 4 / (5 + 4 − 4)
    expect(h.HOTA).toBeCloseTo(Math.sqrt((2 / 3) * 0.8), 12);
  });
});

describe('swapped ids', () => {
  const s = seq(
    frame(
      [
        [1, A],
        [2, B],
      ],
      [
        [1, A],
        [2, B],
      ],
    ),
    frame(
      [
        [1, A],
        [2, B],
      ],
      [
        [1, A],
        [2, B],
      ],
    ),
    frame(
      [
        [1, A],
        [2, B],
      ],
      [
        [1, B],
        [2, A],
      ],
    ),
    frame(
      [
        [1, A],
        [2, B],
      ],
      [
        [1, B],
        [2, A],
      ],
    ),
  );
  it('is two switches, IDF1 ½, AssA ⅓', () => {
    const m = evaluateSequence(s);
    expect(m.CLEAR).toMatchObject({ CLR_TP: 8, IDSW: 2 });
    expect(m.CLEAR.MOTA).toBeCloseTo(0.75, 12);
    expect(m.Identity).toMatchObject({ IDTP: 4, IDF1: 0.5 });
    expect(m.HOTA.AssA).toBeCloseTo(1 / 3, 12); // 2 / (4 + 4 − 2) per pair
    expect(m.HOTA.HOTA).toBeCloseTo(Math.sqrt(1 / 3), 12);
  });
});

describe('localization and the α sweep', () => {
  // IoU of a 10-wide box with one shifted by 2: 8·10 / (200 − 80) = 2/3.
  const s = seq(frame([[1, A]], [[1, box(2)]]), frame([[1, A]], [[1, box(2)]]));
  it('matches only for α ≤ 2/3, LocA is the IoU there', () => {
    const h = hota(s);
    HOTA_ALPHAS.forEach((a, k) => {
      expect(h.curves.HOTA_TP[k], `α ${a}`).toBe(a <= 2 / 3 ? 2 : 0);
      expect(h.curves.LocA[k]).toBeCloseTo(a <= 2 / 3 ? 2 / 3 : 1, 12);
    });
    expect(h.HOTA).toBeCloseTo(13 / 19, 12); // 13 of 19 thresholds at HOTA 1
    expect(clearMot(s).MOTP).toBeCloseTo(2 / 3, 12);
  });
});

describe('conventions that differ between TrackEval and py-motmetrics', () => {
  it('continuation: TrackEval only keeps last frame’s pair, py-motmetrics any earlier one', () => {
    // Frame 2: tracker 1 misses gt 1 (IoU < 0.5). Frame 3: tracker 1 (IoU 2/3) and 2 (IoU 1) both overlap.
    const s = seq(
      frame([[1, A]], [[1, A]]),
      frame([[1, A]], [[1, box(8)]]),
      frame(
        [[1, A]],
        [
          [1, box(2)],
          [2, A],
        ],
      ),
    );
    expect(clearMot(s)).toMatchObject({ IDSW: 1, CLR_TP: 2, CLR_FP: 2 });
    expect(clearMot(s, { convention: 'motmetrics' })).toMatchObject({ IDSW: 0, CLR_TP: 2, CLR_FP: 2 });
  });
  it('a gt absent for a frame fragments its track for TrackEval only', () => {
    const s = seq(
      frame(
        [
          [1, A],
          [2, B],
        ],
        [
          [1, A],
          [2, B],
        ],
      ),
      frame([[2, B]], [[2, B]]),
      frame(
        [
          [1, A],
          [2, B],
        ],
        [
          [1, A],
          [2, B],
        ],
      ),
    );
    expect(clearMot(s).Frag).toBe(1);
    expect(clearMot(s, { convention: 'motmetrics' }).Frag).toBe(0);
  });
  it('a frame with no tracker output keeps the continuation (TrackEval skips it)', () => {
    const s = seq(frame([[1, A]], [[1, A]]), frame([[1, A]], []), frame([[1, A]], [[1, A]]));
    expect(clearMot(s)).toMatchObject({ Frag: 0, CLR_FN: 1 });
    expect(clearMot(s, { convention: 'motmetrics' })).toMatchObject({ Frag: 1, CLR_FN: 1 });
  });
});

describe('empty sides', () => {
  it('no tracker output: all FN, all ML, scores 0 (the reference returns early)', () => {
    const s = seq(
      frame([[1, A]], []),
      frame(
        [
          [1, A],
          [2, B],
        ],
        [],
      ),
    );
    const m = evaluateSequence(s);
    expect(m.CLEAR).toMatchObject({ CLR_FN: 3, ML: 2, MLR: 1, MOTA: 0 });
    expect(m.Identity).toMatchObject({ IDFN: 3, IDF1: 0 });
    expect(m.HOTA).toMatchObject({ HOTA: 0, LocA: 1, HOTA_FN: 3 });
  });
  it('no ground truth: all FP', () => {
    const m = evaluateSequence(seq(frame([], [[1, A]])));
    expect(m.CLEAR).toMatchObject({ CLR_FP: 1, MOTA: 0 });
    expect(m.Identity.IDFP).toBe(1);
    expect(m.HOTA.HOTA_FP).toBe(1);
  });
});

describe('input validation', () => {
  it('rejects duplicate ids and mis-sized similarity', () => {
    expect(() =>
      clearMot(
        seq(
          frame(
            [
              [1, A],
              [1, B],
            ],
            [],
          ),
        ),
      ),
    ).toThrow(/gtIds has id 1 twice/);
    expect(() => clearMot({ frames: [{ gtIds: [1], trIds: [2], similarity: [[0.5, 0.5]] }] })).toThrow(
      /not 1×1/,
    );
    expect(() => clearMot({ frames: [{ gtIds: [1], trIds: [2] }] })).toThrow(/neither boxes nor/);
  });
  it('accepts a given similarity matrix', () => {
    const c = clearMot({ frames: [{ gtIds: ['a'], trIds: ['x'], similarity: [[0.7]] }] });
    expect(c).toMatchObject({ CLR_TP: 1, MOTP: 0.7 });
  });
});
