import { describe, expect, it } from 'vitest';
import { placeLabel, type Rect } from '../../viewer/src/ui/labelPlacement.ts';

const canvas = { width: 640, height: 360 };

describe('camera labels', () => {
  it('go above their box, or inside its top when there is no room above', () => {
    expect(placeLabel(100, 50, 80, 16, canvas, [])).toEqual({ x: 100, y: 34, w: 80, h: 16 });
    expect(placeLabel(100, 5, 80, 16, canvas, [])).toEqual({ x: 100, y: 5, w: 80, h: 16 });
  });

  it('stay inside the image at its right edge (a label there had been cut off)', () => {
    expect(placeLabel(600, 50, 80, 16, canvas, [])).toMatchObject({ x: 560 });
  });

  it('move off a label already placed, and every label stays inside the image', () => {
    const placed: Rect[] = [];
    const a = placeLabel(100, 100, 90, 16, canvas, placed);
    const b = placeLabel(110, 102, 90, 16, canvas, placed);
    expect(b.y + b.h <= a.y || a.y + a.h <= b.y).toBe(true);
    for (let k = 0; k < 40; k++) placeLabel(k * 17, (k * 37) % 360, 70, 16, canvas, placed);
    for (const r of placed) {
      expect(r.x).toBeGreaterThanOrEqual(0);
      expect(r.x + r.w).toBeLessThanOrEqual(canvas.width);
      expect(r.y).toBeGreaterThanOrEqual(0);
      expect(r.y + r.h).toBeLessThanOrEqual(canvas.height);
    }
  });
});
