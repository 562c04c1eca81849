import { expect, it } from 'vitest';
import { evaluateRows, formatReport, type TrackRow, trackRowsAp } from '../../src/eval/index.ts';

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

it('keeps a space between columns when a value is wider than its column (MOTA of −1000 %)', () => {
  const gt: TrackRow[] = [{ frame: 1, id: 1, box: { x1: 0, y1: 0, x2: 10, y2: 20 }, camera: 'c' }];
  // One object, eleven false positives far from it: MOTA = 1 − (1 + 11) / 1 = −1100 %.
  const tr: TrackRow[] = Array.from({ length: 11 }, (_, i) => ({
    frame: 1,
    id: i + 1,
    box: { x1: 100 + 20 * i, y1: 0, x2: 110 + 20 * i, y2: 20 },
    camera: 'c',
  }));
  const text = formatReport({
    results: 'r',
    groundTruth: 'g',
    format: 'mot',
    notes: [],
    tracking: evaluateRows(gt, tr),
  });
  const overall = text.split('\n').find((l) => l.trim().startsWith('overall'))!;
  const cols = overall.trim().split(/\s+/);
  expect(cols[4]).toBe('-1100.0');
  expect(cols).toHaveLength(11);
});

it('labels the AP row of boxes without a class (MOTChallenge text), as the rows of named classes are', () => {
  // MOTChallenge rows as motRowsToTrackRows gives them: no class, the confidence as score.
  const gt: TrackRow[] = [1, 2].map((frame) => ({ frame, id: 1, box: { x1: 10, y1: 10, x2: 30, y2: 50 } }));
  const tr: TrackRow[] = gt.map((r) => ({ ...r, id: 5, score: 0.9 }));
  const named: TrackRow[] = gt.map((r) => ({ ...r, cls: 'car' }));
  const rowOf = (g: TrackRow[], t: TrackRow[]) =>
    formatReport({
      results: 'r',
      groundTruth: 'g',
      format: 'mot',
      notes: [],
      tracking: evaluateRows(g, t),
      detection: trackRowsAp(g, t),
    })
      .split('\n')
      .find((l) => l.endsWith('(2 gt, 2 boxes)'))!;
  const unnamed = rowOf(gt, tr);
  expect(unnamed).toMatch(/^ {2}\(no class\) {4}AP {2}100\.0 {2}AP50/);
  // In the column of a class name.
  const car = rowOf(
    named,
    tr.map((r) => ({ ...r, cls: 'car' })),
  );
  expect(car).toMatch(/^ {2}car {11}AP/);
  expect(unnamed.indexOf('AP')).toBe(car.indexOf('AP'));
});
