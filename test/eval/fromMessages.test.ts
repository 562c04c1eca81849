import { describe, expect, it } from 'vitest';
import { annotationsToRows } from '../../src/eval/fromMessages.ts';

const outline = (x1: number, y1: number, x2: number, y2: number) => ({
  points: [
    { x: x1, y: y1 },
    { x: x2, y: y1 },
    { x: x2, y: y2 },
    { x: x1, y: y2 },
  ],
});

describe('annotationsToRows', () => {
  it('reads "#id class score" labels as tracks and counts unlabelled outlines', () => {
    const { rows, unlabelled } = annotationsToRows(
      {
        points: [outline(1, 2, 11, 22), outline(0, 0, 5, 5), outline(3, 4, 6, 8)],
        texts: [{ text: '#7 car 0.91' }, { text: 'car 0.5' }, { text: '#8 pedestrian' }],
      },
      'cam_front',
    );
    expect(rows).toEqual([
      { id: 7, cls: 'car', camera: 'cam_front', box: { x1: 1, y1: 2, x2: 11, y2: 22 }, score: 0.91 },
      { id: 8, cls: 'pedestrian', camera: 'cam_front', box: { x1: 3, y1: 4, x2: 6, y2: 8 } },
    ]);
    expect(unlabelled).toBe(1);
  });

  it('keeps ids past 2^53 apart (as their digits) instead of merging them', () => {
    const { rows } = annotationsToRows(
      {
        points: [outline(0, 0, 1, 1), outline(2, 2, 3, 3)],
        texts: [{ text: '#9007199254740993 car' }, { text: '#9007199254740992 car' }],
      },
      'cam',
    );
    expect(rows.map((r) => r.id)).toEqual(['9007199254740993', '9007199254740992']);
    expect(new Set(rows.map((r) => r.id)).size).toBe(2);
  });
});
