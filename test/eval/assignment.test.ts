import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Assignment, type CostMatrix, linearSumAssignment, matrix } from '../../src/eval/assignment.ts';

/** Sum of `cost` over an assignment. */
function assignmentCost(cost: CostMatrix, a: Assignment): number {
  let s = 0;
  for (let k = 0; k < a.rows.length; k++) s += cost.data[a.rows[k]! * cost.cols + a.cols[k]!]!;
  return s;
}

/** Best cost over every injective map of the smaller side into the larger (brute force). */
function bruteForce(m: number[][], maximize: boolean): number {
  const rows = m.length;
  const cols = m[0]!.length;
  const small = Math.min(rows, cols);
  let best = maximize ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  const used = new Array<boolean>(Math.max(rows, cols)).fill(false);
  const rec = (k: number, acc: number) => {
    if (k === small) {
      best = maximize ? Math.max(best, acc) : Math.min(best, acc);
      return;
    }
    for (let c = 0; c < used.length; c++) {
      if (used[c]) continue;
      used[c] = true;
      rec(k + 1, acc + (rows <= cols ? m[k]![c]! : m[c]![k]!));
      used[c] = false;
    }
  };
  rec(0, 0);
  return best;
}

describe('linearSumAssignment', () => {
  it('solves a 3×3 by hand', () => {
    const a = linearSumAssignment(
      matrix([
        [4, 1, 3],
        [2, 0, 5],
        [3, 2, 2],
      ]),
    );
    expect(a).toEqual({ rows: [0, 1, 2], cols: [1, 0, 2] });
  });

  it('handles wide, tall, maximize and empty', () => {
    expect(linearSumAssignment(matrix([[5, 1, 3]]))).toEqual({ rows: [0], cols: [1] });
    expect(linearSumAssignment(matrix([[5], [1], [3]]))).toEqual({ rows: [1], cols: [0] });
    expect(linearSumAssignment(matrix([[5, 1, 3]]), true)).toEqual({ rows: [0], cols: [0] });
    const tall = linearSumAssignment(
      matrix([
        [1, 9],
        [9, 9],
        [9, 2],
      ]),
    );
    expect(tall).toEqual({ rows: [0, 2], cols: [0, 1] });
    expect(linearSumAssignment(matrix([]))).toEqual({ rows: [], cols: [] });
    expect(linearSumAssignment({ rows: 2, cols: 0, data: [] })).toEqual({ rows: [], cols: [] });
  });

  it('rejects non-finite costs and bad shapes', () => {
    expect(() => linearSumAssignment(matrix([[1, Number.NaN]]))).toThrow(/not finite/);
    expect(() => linearSumAssignment({ rows: 2, cols: 2, data: [1, 2, 3] })).toThrow(/expected 4/);
  });

  it('is optimal against brute force on random rectangular matrices', () => {
    const mat = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 })).chain(([r, c]) =>
      fc.array(
        fc.array(fc.oneof(fc.integer({ min: -20, max: 20 }), fc.double({ min: -5, max: 5, noNaN: true })), {
          minLength: c,
          maxLength: c,
        }),
        {
          minLength: r,
          maxLength: r,
        },
      ),
    );
    fc.assert(
      fc.property(mat, fc.boolean(), (m, maximize) => {
        const cm = matrix(m);
        const a = linearSumAssignment(cm, maximize);
        expect(a.rows.length).toBe(Math.min(cm.rows, cm.cols));
        expect(new Set(a.rows).size).toBe(a.rows.length);
        expect(new Set(a.cols).size).toBe(a.cols.length);
        expect(a.rows).toEqual([...a.rows].sort((x, y) => x - y));
        expect(assignmentCost(cm, a)).toBeCloseTo(bruteForce(m, maximize), 9);
      }),
      { numRuns: 400, seed: 42 },
    );
  });
});
