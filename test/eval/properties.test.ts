/** Invariants of the tracking metrics on random sequences (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Box2D } from '../../src/contracts/geometry.ts';
import {
  combineSequences,
  type EvalSequence,
  evaluateSequence,
  type Id,
  identity,
} from '../../src/eval/index.ts';

const boxArb = fc
  .record({
    x: fc.integer({ min: 0, max: 60 }),
    y: fc.integer({ min: 0, max: 60 }),
    w: fc.integer({ min: 5, max: 30 }),
    h: fc.integer({ min: 5, max: 30 }),
  })
  .map(({ x, y, w, h }): Box2D => ({ x1: x, y1: y, x2: x + w, y2: y + h }));
const objArb = fc.record({ id: fc.integer({ min: 1, max: 6 }), box: boxArb });
const frameArb = fc.record({
  gt: fc.uniqueArray(objArb, { selector: (o) => o.id, maxLength: 5 }),
  tr: fc.uniqueArray(objArb, { selector: (o) => o.id, maxLength: 5 }),
});
const seqArb = fc.array(frameArb, { minLength: 1, maxLength: 8 }).map(
  (frames): EvalSequence => ({
    frames: frames.map((f) => ({
      gtIds: f.gt.map((o) => o.id),
      gtBoxes: f.gt.map((o) => o.box),
      trIds: f.tr.map((o) => o.id),
      trBoxes: f.tr.map((o) => o.box),
    })),
  }),
);

function relabel(s: EvalSequence, g: (id: Id) => Id, t: (id: Id) => Id): EvalSequence {
  return { frames: s.frames.map((f) => ({ ...f, gtIds: f.gtIds.map(g), trIds: f.trIds.map(t) })) };
}

describe('tracking metric properties', () => {
  it('are invariant to relabelling ids (numbers to other numbers or strings)', () => {
    fc.assert(
      fc.property(seqArb, fc.integer({ min: 1, max: 97 }), (s, k) => {
        const a = evaluateSequence(s);
        const b = evaluateSequence(
          relabel(
            s,
            (id) => `gt-${(id as number) * k + 11}`,
            (id) => (id as number) * 31 + k,
          ),
        );
        expect(b).toEqual(a);
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it('give MOTA = IDF1 = HOTA = 1 for a tracker that reproduces the ground truth', () => {
    // Objects in separate 100 px columns, present in random frames; the tracker copies them under other ids.
    const presence = fc.array(fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), {
      minLength: 1,
      maxLength: 10,
    });
    fc.assert(
      fc.property(presence, fc.array(boxArb, { minLength: 4, maxLength: 4 }), (pres, boxes) => {
        const frames = pres.map((row) => {
          const ids = row.flatMap((on, k) => (on ? [k] : []));
          const bx = ids.map((k) => ({
            ...boxes[k]!,
            x1: boxes[k]!.x1 + 100 * k,
            x2: boxes[k]!.x2 + 100 * k,
          }));
          return { gtIds: ids, gtBoxes: bx, trIds: ids.map((k) => `t${k}`), trBoxes: bx };
        });
        const m = evaluateSequence({ frames });
        if (m.Count.GT_Dets === 0) return;
        expect(m.CLEAR.MOTA).toBe(1);
        expect(m.CLEAR.IDSW).toBe(0); // Frag may count: TrackEval fragments a gt that leaves and returns
        expect(m.Identity.IDF1).toBe(1);
        expect(m.HOTA.HOTA).toBeCloseTo(1, 12);
      }),
      { numRuns: 150, seed: 8 },
    );
  });

  it('keep counts consistent and scores in range', () => {
    fc.assert(
      fc.property(seqArb, (s) => {
        const m = evaluateSequence(s);
        const c = m.CLEAR;
        if (m.Count.Dets > 0 && m.Count.GT_Dets > 0) {
          expect(c.CLR_TP + c.CLR_FN).toBe(m.Count.GT_Dets);
          expect(c.CLR_TP + c.CLR_FP).toBe(m.Count.Dets);
          expect(c.MT + c.PT + c.ML).toBe(m.Count.GT_IDs);
        }
        expect(c.MOTA).toBeLessThanOrEqual(1);
        expect(c.IDSW).toBeLessThanOrEqual(c.CLR_TP);
        expect(m.Identity.IDTP).toBeLessThanOrEqual(Math.min(m.Count.Dets, m.Count.GT_Dets));
        for (const f of ['HOTA', 'DetA', 'AssA', 'LocA', 'AssRe', 'AssPr'] as const) {
          for (const v of m.HOTA.curves[f]) expect(v >= 0 && v <= 1 + 1e-12).toBe(true);
        }
        const tp = m.HOTA.curves.HOTA_TP;
        for (let a = 1; a < tp.length; a++) expect(tp[a]!).toBeLessThanOrEqual(tp[a - 1]!);
      }),
      { numRuns: 150, seed: 9 },
    );
  });

  it('IDF1 is symmetric: swapping ground truth and tracker swaps IDP and IDR', () => {
    fc.assert(
      fc.property(seqArb, (s) => {
        const swapped: EvalSequence = {
          frames: s.frames.map((f) => ({
            gtIds: f.trIds,
            gtBoxes: f.trBoxes!,
            trIds: f.gtIds,
            trBoxes: f.gtBoxes!,
          })),
        };
        const a = identity(s);
        const b = identity(swapped);
        expect(b.IDTP).toBe(a.IDTP);
        expect(b.IDF1).toBeCloseTo(a.IDF1, 12);
        expect(b.IDP).toBeCloseTo(a.IDR, 12);
      }),
      { numRuns: 150, seed: 10 },
    );
  });

  it('combining one sequence changes nothing; combining splits sums the counts', () => {
    fc.assert(
      fc.property(seqArb, seqArb, (s1, s2) => {
        const a = evaluateSequence(s1);
        const b = evaluateSequence(s2);
        const one = combineSequences([a]);
        expect(one.Identity).toEqual(a.Identity);
        const both = combineSequences([a, b]);
        expect(both.CLEAR.CLR_TP).toBe(a.CLEAR.CLR_TP + b.CLEAR.CLR_TP);
        expect(both.Identity.IDTP).toBe(a.Identity.IDTP + b.Identity.IDTP);
        expect(both.HOTA.curves.HOTA_TP[0]).toBe(a.HOTA.curves.HOTA_TP[0]! + b.HOTA.curves.HOTA_TP[0]!);
      }),
      { numRuns: 100, seed: 11 },
    );
  });
});
