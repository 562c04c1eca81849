/** The three layouts are one decoder seen three ways: converting a tensor between layouts keeps its candidates. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { adapters, type DecodeParams, yoloxAnchorCount } from '../../src/detect/adapters/index.ts';
import type { Candidate } from '../../src/detect/nms.ts';

const C = 3;
const base: DecodeParams = {
  inputW: 32,
  inputH: 32,
  numClasses: C,
  strides: [8, 16],
  scoreThreshold: 0.3,
  keep: [true, true, false],
};
const prob = fc.integer({ min: 0, max: 100 }).map((v) => v / 100);

/** Same candidates, boxes equal to float32 precision (the two layouts round at different steps). */
function expectSame(a: Candidate[], b: Candidate[]): void {
  expect(a.map((c) => [c.classIndex, c.score])).toEqual(b.map((c) => [c.classIndex, c.score]));
  a.forEach((c, i) => {
    const d = b[i] as Candidate;
    for (const k of ['x1', 'y1', 'x2', 'y2'] as const) expect(Math.abs(c[k] - d[k])).toBeLessThan(1e-3);
  });
}

describe('adapters', () => {
  it('yolox grid rows decode like viper rows holding the decoded boxes', () => {
    const a = yoloxAnchorCount(32, 32, [8, 16]); // 16 + 4
    const row = fc.tuple(
      prob,
      prob,
      fc.double({ min: -2, max: 2, noNaN: true }),
      fc.double({ min: -2, max: 2, noNaN: true }),
      prob,
      prob,
      prob,
      prob,
    );
    fc.assert(
      fc.property(fc.array(row, { minLength: a, maxLength: a }), (rows) => {
        const yolox = Float32Array.from(rows.flat());
        const viper = new Float32Array(yolox.length);
        let r = 0;
        for (const s of [8, 16]) {
          for (let gy = 0; gy < 32 / s; gy++) {
            for (let gx = 0; gx < 32 / s; gx++, r++) {
              const [dx, dy, lw, lh, ...rest] = rows[r] as [number, number, number, number, ...number[]];
              viper.set([(dx + gx) * s, (dy + gy) * s, Math.exp(lw) * s, Math.exp(lh) * s, ...rest], r * 8);
            }
          }
        }
        expectSame(adapters.yolox(yolox, [a, 8], base), adapters.viper(viper, [a, 8], base));
      }),
    );
  });

  it('yolov8 columns decode like viper rows with objectness 1', () => {
    const col = fc.tuple(
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 1, max: 16 }),
      fc.integer({ min: 1, max: 16 }),
      prob,
      prob,
      prob,
    );
    fc.assert(
      fc.property(fc.array(col, { minLength: 1, maxLength: 30 }), (cols) => {
        const n = cols.length;
        const v8 = new Float32Array((4 + C) * n);
        for (const [i, c] of cols.entries()) for (const [k, v] of c.entries()) v8[k * n + i] = v;
        const viper = Float32Array.from(cols.flatMap(([cx, cy, w, h, ...cls]) => [cx, cy, w, h, 1, ...cls]));
        expect(adapters.yolov8(v8, [4 + C, n], base)).toEqual(adapters.viper(viper, [n, 5 + C], base));
      }),
    );
  });

  it('skips rows below the score threshold and rows whose best class is unmapped', () => {
    const rows = Float32Array.from([
      10, 10, 4, 4, 1, 0.2, 0.1, 0.9, 10, 10, 4, 4, 0.5, 0.5, 0, 0, 10, 10, 4, 4, 0.9, 0.1, 0.8, 0.7,
    ]);
    expect(adapters.viper(rows, [3, 8], base)).toEqual([
      { x1: 8, y1: 8, x2: 12, y2: 12, score: expect.closeTo(0.72, 6), classIndex: 1 },
    ]);
  });
});
