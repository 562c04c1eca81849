import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  kalmanGatingDistance,
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  kalmanWarp,
} from '../../src/track/kalman.ts';

const at = (a: Float64Array, i: number, j: number) => a[i * 8 + j]!;

describe('ByteTrack Kalman filter', () => {
  // z = [cx, cy, a, h] = [100, 200, 0.5, 100]; σp h = 5, σv h = 0.625.
  const s0 = kalmanInitiate([100, 200, 0.5, 100]);

  it('gating distance: squared Mahalanobis distance in S = H P Hᵀ + R, by hand', () => {
    // Initial P is diagonal: var(cx) = (2·5)² = 100, R_cx = 5² = 25, so S_cx = 125; var(h) likewise 125.
    expect(kalmanGatingDistance(s0, [100, 200, 0.5, 100])).toBe(0);
    expect(kalmanGatingDistance(s0, [100 + Math.sqrt(125), 200, 0.5, 100])).toBeCloseTo(1, 12);
    expect(kalmanGatingDistance(s0, [100, 200 + 2 * Math.sqrt(125), 0.5, 100], undefined, true)).toBeCloseTo(
      4,
      12,
    );
    const d = kalmanGatingDistance(s0, [100 + Math.sqrt(125), 200, 0.5, 100 + Math.sqrt(125)]);
    expect(d).toBeCloseTo(2, 12);
    // After a prediction the position uncertainty has grown: the same offset is a smaller distance.
    const p = kalmanPredict(s0);
    expect(kalmanGatingDistance(p, [100 + Math.sqrt(125), 200, 0.5, 100])).toBeLessThan(1);
  });

  it('initiates with the reference covariance', () => {
    expect(Array.from(s0.mean)).toEqual([100, 200, 0.5, 100, 0, 0, 0, 0]);
    expect(at(s0.cov, 0, 0)).toBeCloseTo(100, 12); // (2·5)²
    expect(at(s0.cov, 2, 2)).toBeCloseTo(1e-4, 15); // (1e-2)²
    expect(at(s0.cov, 4, 4)).toBeCloseTo(39.0625, 12); // (10·0.625)²
    expect(at(s0.cov, 6, 6)).toBeCloseTo(1e-10, 20);
    expect(at(s0.cov, 0, 4)).toBe(0);
  });

  it('predicts by hand: P = F P Fᵀ + Q', () => {
    const s1 = kalmanPredict(s0);
    expect(at(s1.cov, 0, 0)).toBeCloseTo(100 + 39.0625 + 25, 10);
    expect(at(s1.cov, 0, 4)).toBeCloseTo(39.0625, 10);
    expect(at(s1.cov, 4, 0)).toBeCloseTo(39.0625, 10);
    expect(at(s1.cov, 4, 4)).toBeCloseTo(39.0625 + 0.390625, 10);
    expect(at(s1.cov, 2, 2)).toBeCloseTo(2e-4 + 1e-10, 15);
    const moving = { mean: Float64Array.of(10, 20, 1, 50, 2, -3, 0, 1), cov: s0.cov };
    expect(Array.from(kalmanPredict(moving).mean)).toEqual([12, 17, 1, 51, 2, -3, 0, 1]);
  });

  it('updates by hand (the x block is decoupled): K = P/(P + R)', () => {
    const s1 = kalmanPredict(s0);
    const s2 = kalmanUpdate(s1, [110, 200, 0.5, 100]);
    const P = 164.0625;
    const S = P + 25;
    expect(s2.mean[0]).toBeCloseTo(100 + (10 * P) / S, 10);
    expect(s2.mean[4]).toBeCloseTo((10 * 39.0625) / S, 10);
    expect(s2.mean[1]).toBeCloseTo(200, 10);
    expect(at(s2.cov, 0, 0)).toBeCloseTo((P * 25) / S, 10);
    expect(at(s2.cov, 4, 4)).toBeCloseTo(39.453125 - (39.0625 * 39.0625) / S, 10);
  });

  it('keeps covariance symmetric and shrinks it on update (property)', () => {
    const box = fc.record({
      cx: fc.double({ min: 0, max: 2000, noNaN: true }),
      cy: fc.double({ min: 0, max: 1000, noNaN: true }),
      a: fc.double({ min: 0.2, max: 3, noNaN: true }),
      h: fc.double({ min: 5, max: 600, noNaN: true }),
    });
    fc.assert(
      fc.property(box, box, (b1, b2) => {
        const p = kalmanPredict(kalmanInitiate([b1.cx, b1.cy, b1.a, b1.h]));
        const u = kalmanUpdate(p, [b2.cx, b2.cy, b2.a, b2.h]);
        for (let i = 0; i < 8; i++) {
          expect(at(u.cov, i, i)).toBeLessThanOrEqual(at(p.cov, i, i) * (1 + 1e-12));
          expect(at(u.cov, i, i)).toBeGreaterThan(0);
          for (let j = 0; j < 8; j++) expect(at(u.cov, i, j)).toBeCloseTo(at(u.cov, j, i), 6);
        }
        // A measurement equal to the prediction leaves the mean unchanged.
        const same = kalmanUpdate(p, [b1.cx, b1.cy, b1.a, b1.h]);
        for (let i = 0; i < 8; i++) expect(same.mean[i]).toBeCloseTo(p.mean[i]!, 8);
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it('warps the state by a camera-motion affine', () => {
    const s = { mean: Float64Array.of(100, 50, 0.5, 40, 2, 1, 0, 0), cov: s0.cov };
    const w = kalmanWarp(s, [1, 0, 5, 0, 1, -3]); // pure translation
    expect(Array.from(w.mean)).toEqual([105, 47, 0.5, 40, 2, 1, 0, 0]);
    expect(Array.from(w.cov)).toEqual(Array.from(s0.cov));
    const r = kalmanWarp(s, [0, -1, 0, 1, 0, 0]); // 90° rotation
    expect(r.mean[0]).toBeCloseTo(-50, 12);
    expect(r.mean[1]).toBeCloseTo(100, 12);
    expect(r.mean[4]).toBeCloseTo(-1, 12);
    expect(r.mean[5]).toBeCloseTo(2, 12);
  });
});
