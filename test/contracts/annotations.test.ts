import { PointsAnnotationType } from '@foxglove/schemas';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  boxOutline,
  formatDetectionLabel,
  formatTrackLabel,
  parseDetectionLabel,
  parseTrackLabel,
} from '../../src/contracts/annotations.ts';
import { VIPER_CLASSES } from '../../src/contracts/classes.ts';

describe('track labels', () => {
  it('read back what they write: id, class and score to two decimals', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.constantFrom(...VIPER_CLASSES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (id, cls, score) => {
          const back = parseTrackLabel(formatTrackLabel(id, cls, score));
          expect(back).toEqual({ id, cls, score: Number(score.toFixed(2)) });
        },
      ),
    );
  });

  it('a detection label is not a track; an id past 2^53 stays its digits', () => {
    expect(parseTrackLabel('car 0.87')).toBeNull();
    expect(parseTrackLabel('#9007199254740993 car')).toEqual({ id: '9007199254740993', cls: 'car' });
  });

  it('outline: the four corners clockwise from top-left, unfilled', () => {
    const o = boxOutline({ x1: 1, y1: 2, x2: 5, y2: 7 }, { sec: 0, nsec: 0 }, { r: 1, g: 0, b: 0, a: 1 }, 2);
    expect(o.points).toEqual([
      { x: 1, y: 2 },
      { x: 5, y: 2 },
      { x: 5, y: 7 },
      { x: 1, y: 7 },
    ]);
    expect(o.fill_color.a).toBe(0);
    expect(o.type).toBe(PointsAnnotationType.LINE_LOOP);
  });
});

describe('detection labels', () => {
  it('read back what formatDetectionLabel writes, and nothing of a track label', () => {
    expect(parseDetectionLabel(formatDetectionLabel('car', 0.8712))).toEqual({ cls: 'car', score: 0.87 });
    expect(parseDetectionLabel('pedestrian 1.00')).toEqual({ cls: 'pedestrian', score: 1 });
    for (const other of ['#12 car 0.87', 'car', '', 'car high', '#car 0.5'])
      expect(parseDetectionLabel(other)).toBeNull();
  });
});
