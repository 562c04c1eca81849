import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { assign } from '../../src/track/assignment.ts';

/** Minimum of Σ(c_ij − L) over all partial matchings using only finite entries with c_ij ≤ L (brute force). */
function bruteForce(cost: number[], rows: number, cols: number, limit: number): number {
  let best = 0;
  const usedCols = new Array<boolean>(cols).fill(false);
  const rec = (i: number, acc: number) => {
    if (i === rows) {
      if (acc < best) best = acc;
      return;
    }
    rec(i + 1, acc); // row i unmatched
    for (let j = 0; j < cols; j++) {
      const c = cost[i * cols + j]!;
      if (usedCols[j] || !Number.isFinite(c) || c > limit) continue;
      usedCols[j] = true;
      rec(i + 1, acc + c - limit);
      usedCols[j] = false;
    }
  };
  rec(0, 0);
  return best;
}

const entry = fc.oneof(
  { weight: 8, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) },
  { weight: 1, arbitrary: fc.constant(Number.POSITIVE_INFINITY) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 4 }).map((k) => k / 4) }, // exact ties
);

const problem = fc
  .record({ rows: fc.integer({ min: 0, max: 6 }), cols: fc.integer({ min: 0, max: 6 }) })
  .chain(({ rows, cols }) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      cost: fc.array(entry, { minLength: rows * cols, maxLength: rows * cols }),
      limit: fc.oneof(fc.double({ min: 0.05, max: 1.2, noNaN: true }), fc.constant(0.5)),
    }),
  );

describe('assign (thresholded linear assignment)', () => {
  it('is optimal against brute force on random rectangular matrices with infeasible entries', () => {
    fc.assert(
      fc.property(problem, ({ rows, cols, cost, limit }) => {
        const r = assign(cost, rows, cols, limit);
        // A valid partial matching: distinct rows and columns, every pair feasible.
        const rs = new Set(r.matches.map((m) => m[0]));
        const cs = new Set(r.matches.map((m) => m[1]));
        expect(rs.size).toBe(r.matches.length);
        expect(cs.size).toBe(r.matches.length);
        let obj = 0;
        for (const [i, j] of r.matches) {
          const c = cost[i * cols + j]!;
          expect(Number.isFinite(c) && c <= limit).toBe(true);
          obj += c - limit;
        }
        expect(r.unmatchedRows.length + r.matches.length).toBe(rows);
        expect(r.unmatchedCols.length + r.matches.length).toBe(cols);
        for (const i of r.unmatchedRows) expect(rs.has(i)).toBe(false);
        for (const j of r.unmatchedCols) expect(cs.has(j)).toBe(false);
        expect(obj).toBeCloseTo(bruteForce(cost, rows, cols, limit), 9);
      }),
      { numRuns: 400, seed: 42 },
    );
  });

  it('without a limit finds a maximum-cardinality minimum-cost matching', () => {
    fc.assert(
      fc.property(problem, ({ rows, cols, cost }) => {
        const finite = cost.map((c) => (Number.isFinite(c) ? c : Infinity));
        const r = assign(finite, rows, cols);
        // Brute force with a huge limit gives the same optimum (cardinality dominates).
        const big = 1e6;
        let obj = 0;
        for (const [i, j] of r.matches) obj += finite[i * cols + j]! - big;
        expect(obj).toBeCloseTo(bruteForce(finite, rows, cols, big), 3);
      }),
      { numRuns: 200, seed: 7 },
    );
  });

  it('handles empty inputs and the documented example', () => {
    expect(assign([], 0, 3, 0.5)).toEqual({ matches: [], unmatchedRows: [], unmatchedCols: [0, 1, 2] });
    expect(assign([], 2, 0, 0.5)).toEqual({ matches: [], unmatchedRows: [0, 1], unmatchedCols: [] });
    expect(assign(Float64Array.of(0.1, 0.9, 0.8, 0.2), 2, 2, 0.5).matches).toEqual([
      [0, 0],
      [1, 1],
    ]);
    // Two matches gain 2·0.5 − 0.9 = 0.1, one match gains only 0.05: the optimum takes both.
    const r = assign([0.45, 0.45, 0.45, 1], 2, 2, 0.5);
    expect(r.matches).toEqual([
      [0, 1],
      [1, 0],
    ]);
  });
});
