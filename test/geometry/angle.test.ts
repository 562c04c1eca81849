import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { wrapAngle, wrapAngleMinusPiIncluded } from '../../src/geometry/angle.ts';

const PI = Math.PI;
const angle = fc.double({ min: -100, max: 100, noNaN: true });
const inRange = fc.double({ min: -PI, max: PI, noNaN: true });

/** a − b is a multiple of 2π (up to rounding in the wrap). */
function congruent(a: number, b: number): void {
  const k = (a - b) / (2 * PI);
  expect(Math.abs(k - Math.round(k))).toBeLessThan(1e-9);
}

describe('wrapAngle: (−π, π]', () => {
  it('matches closed-form cases', () => {
    expect(wrapAngle(PI)).toBe(PI);
    expect(wrapAngle(-PI)).toBe(PI);
    expect(wrapAngle(0)).toBe(0);
    expect(wrapAngle(3 * PI)).toBeCloseTo(PI, 12);
    expect(wrapAngle(PI / 2 + 2 * PI)).toBeCloseTo(PI / 2, 12);
    expect(wrapAngle(-PI / 2 - 4 * PI)).toBeCloseTo(-PI / 2, 12);
  });

  it('lands in (−π, π], congruent mod 2π, idempotent (property)', () => {
    fc.assert(
      fc.property(angle, (a) => {
        const w = wrapAngle(a);
        expect(w).toBeGreaterThan(-PI);
        expect(w).toBeLessThanOrEqual(PI);
        congruent(w, a);
        expect(wrapAngle(w)).toBe(w);
      }),
      { numRuns: 500, seed: 11 },
    );
  });

  it('returns in-range angles bit for bit (property)', () => {
    fc.assert(
      fc.property(inRange, (a) => {
        if (a > -PI) expect(Object.is(wrapAngle(a), a)).toBe(true);
      }),
      { numRuns: 300, seed: 12 },
    );
  });
});

describe('wrapAngleMinusPiIncluded: [−π, π)', () => {
  it('matches closed-form cases', () => {
    expect(wrapAngleMinusPiIncluded(-PI)).toBe(-PI);
    expect(wrapAngleMinusPiIncluded(PI)).toBe(-PI);
    expect(wrapAngleMinusPiIncluded(0)).toBe(0);
    expect(wrapAngleMinusPiIncluded(PI / 2 + 2 * PI)).toBeCloseTo(PI / 2, 12);
    expect(wrapAngleMinusPiIncluded(-PI / 2 - 4 * PI)).toBeCloseTo(-PI / 2, 12);
  });

  it('lands in [−π, π], congruent mod 2π, close to wrapAngle away from ±π (property)', () => {
    fc.assert(
      fc.property(angle, (a) => {
        const w = wrapAngleMinusPiIncluded(a);
        expect(w).toBeGreaterThanOrEqual(-PI);
        // ((a + π) mod 2π) − π can round up to π itself for a just below an odd multiple of π.
        expect(w).toBeLessThanOrEqual(PI);
        congruent(w, a);
        const v = wrapAngle(a);
        if (Math.abs(Math.abs(v) - PI) > 1e-9) expect(w).toBeCloseTo(v, 9);
      }),
      { numRuns: 500, seed: 13 },
    );
  });
});
