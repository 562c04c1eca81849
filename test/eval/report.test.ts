import { expect, it } from 'vitest';
import { evaluateRows, formatReport, type TrackRow } from '../../src/eval/index.ts';

it('the text report keeps its 2D table in columns whatever the camera names', () => {
  const rows = (camera: string, x: number): TrackRow[] =>
    [1, 2, 3].map((frame) => ({
      frame,
      id: `${camera}-1`,
      box: { x1: x, y1: 0, x2: x + 10, y2: 20 },
      cls: 'car',
      camera,
    }));
  const gt = [...rows('cam_front', 0), ...rows('cam_front_right_wide', 50)];
  const tracking = evaluateRows(gt, gt);
  const text = formatReport({
    results: 'r.mcap',
    groundTruth: 'r.mcap',
    format: 'mcap',
    notes: [],
    tracking,
  });
  const table = text.split('\n').slice(3, 7);
  expect(table.map((l) => l.split(/\s+/)[1])).toEqual(['overall', 'cam', 'cam', 'car']);
  // Every row ends at the same column as the header (numbers right-aligned under their titles).
  const header = text.split('\n')[2]!;
  for (const l of table) expect(l.length, l).toBe(header.length);
});
