/** Precision–recall curves from averagePrecision ({ curves: true }) and their SVG. */
import { describe, expect, it } from 'vitest';
import { averagePrecision, type GtBox, precisionRecallSvg, type ScoredBox } from '../../src/eval/index.ts';
import { box } from './builders.ts';

/** A seeded LCG, so the random cases are the same every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Random images: ground-truth boxes, detections near some of them (and some nowhere), random scores. */
function randomCase(seed: number): { dets: ScoredBox[]; gts: GtBox[] } {
  const r = rng(seed);
  const dets: ScoredBox[] = [];
  const gts: GtBox[] = [];
  for (let image = 0; image < 8; image++) {
    for (let k = 0; k < 1 + Math.floor(r() * 5); k++) {
      const cls = r() < 0.5 ? 'car' : 'pedestrian';
      const x = k * 40;
      gts.push({ image, cls, box: box(x), ...(r() < 0.1 ? { ignore: true } : {}) });
      if (r() < 0.8) dets.push({ image, cls, box: box(x + Math.floor(r() * 6), 10), score: r() });
      if (r() < 0.3) dets.push({ image, cls, box: box(x + 300), score: r() });
    }
  }
  return { dets, gts };
}

describe('precision–recall curves', () => {
  it('are returned only when asked, the AP figures the same either way', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const { dets, gts } = randomCase(seed);
      const plain = averagePrecision(dets, gts);
      const withCurves = averagePrecision(dets, gts, { curves: true });
      for (const [cls, c] of Object.entries(plain.perClass)) {
        expect(c.curve50).toBeUndefined();
        const { curve50, ...rest } = withCurves.perClass[cls]!;
        expect(rest).toEqual(c);
        // AP50 is the mean of the interpolated precision over the 101 recall points (COCO).
        expect(curve50).toHaveLength(101);
        expect(curve50!.reduce((s, v) => s + v, 0) / 101).toBe(c.AP50);
        // Interpolated precision never rises with recall, and lies in [0, 1].
        for (let k = 1; k < 101; k++) expect(curve50![k]!).toBeLessThanOrEqual(curve50![k - 1]!);
        expect(Math.min(...curve50!)).toBeGreaterThanOrEqual(0);
        expect(Math.max(...curve50!)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('of half the ground truth found at full precision: 1 up to recall 0.5, then 0; drawn so', () => {
    const gts: GtBox[] = [0, 1].map((image) => ({ image, cls: 'car', box: box(0) }));
    const r = averagePrecision([{ image: 0, cls: 'car', box: box(0), score: 0.9 }], gts, { curves: true });
    const curve = r.perClass.car!.curve50!;
    expect(curve.slice(0, 51).every((p) => p > 0.999)).toBe(true);
    expect(curve.slice(51).every((p) => p === 0)).toBe(true);
    // Plot area x 44…390 (recall 0…1), y 28…304 (precision 1…0): flat at the top from recall 0 to the step
    // after the last recall point reached (0.5 → 0.51), and no further.
    const d = /<path d="([^"]+)"/.exec(precisionRecallSvg(r.perClass, 't'))![1]!;
    expect(d.startsWith('M44,28H')).toBe(true);
    expect(d.endsWith('H220.46')).toBe(true);
    expect(d).not.toMatch(/V(?!28)/);
  });

  it('leave a class that was never found without a curve, but in the legend', () => {
    const gts: GtBox[] = [{ image: 0, cls: 'bus', box: box(0) }];
    const r = averagePrecision([{ image: 0, cls: 'bus', box: box(300), score: 0.9 }], gts, { curves: true });
    expect(r.perClass.bus!.curve50!.every((p) => p === 0)).toBe(true);
    const svg = precisionRecallSvg(r.perClass, 't');
    expect(svg).not.toContain('<path');
    expect(svg).toContain('bus  AP50 0.000  (1 boxes)');
  });

  it('plot as an SVG with one step curve and one legend entry per class, the same bytes every time', () => {
    const { dets, gts } = randomCase(7);
    const { perClass } = averagePrecision(dets, gts, { curves: true });
    const svg = precisionRecallSvg(perClass, 'a <test> & more');
    expect(svg).toBe(precisionRecallSvg(perClass, 'a <test> & more'));
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg).toContain('a &lt;test&gt; &amp; more');
    expect(svg.match(/<path d="M/g)).toHaveLength(2);
    for (const [cls, c] of Object.entries(perClass))
      expect(svg).toContain(`${cls}  AP50 ${c.AP50.toFixed(3)}  (${c.numGt} boxes)`);
    // Without curves there is nothing to draw: axes and title only.
    expect(precisionRecallSvg(averagePrecision(dets, gts).perClass, 't')).not.toContain('<path');
  });
});
