/** KITTI DontCare regions, applied as TrackEval's kitti_2d_box applies its crowd ignore regions. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intersectionOverArea, preprocessKitti, readKitti } from '../../src/eval/index.ts';
import { viper } from '../testing/cli.ts';

/** One KITTI line: frame, id, type and box (3D fields as the devkit's placeholders), optional score. */
const line = (frame: number, id: number, type: string, b: [number, number, number, number], score?: number) =>
  `${frame} ${id} ${type} 0 0 -10 ${b.join(' ')} -1 -1 -1 -1000 -1000 -1000 -10${score === undefined ? '' : ` ${score}`}`;

// Frame 0: a DontCare region over x 100–200; a car inside it (labelled) and one outside.
const GT = [
  line(0, -1, 'DontCare', [100, 100, 200, 200]),
  line(0, 1, 'Car', [120, 120, 160, 160]),
  line(0, 2, 'Car', [300, 100, 360, 160]),
].join('\n');
const TR = [
  line(0, 10, 'Car', [121, 121, 161, 161], 0.9), // on the labelled car inside the region: a true positive, kept
  line(0, 11, 'Car', [150, 170, 190, 198], 0.8), // unmatched, all inside the region: removed
  line(0, 12, 'Car', [180, 100, 240, 140], 0.7), // unmatched, a third inside: a false positive, kept
  line(0, 13, 'Car', [301, 101, 361, 161], 0.9), // the car outside: kept
].join('\n');

describe('KITTI DontCare regions', () => {
  it('removes unmatched tracker boxes more than half inside a region; keeps matches; regions are not ground truth', () => {
    const p = preprocessKitti(readKitti(GT), readKitti(TR));
    expect(p.gt.map((r) => r.id)).toEqual([1, 2]);
    expect(p.tr.map((r) => r.id)).toEqual([10, 12, 13]);
    expect(p.removedTracker).toBe(1);
  });

  it('matches per class: a box of another class is not saved by overlapping a car', () => {
    const tr = line(0, 20, 'Pedestrian', [121, 121, 161, 161], 0.9);
    expect(preprocessKitti(readKitti(GT), readKitti(tr)).tr).toEqual([]);
  });

  it('intersection over area is in [0, 1], 1 for a box inside the region', () => {
    const box = fc
      .tuple(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 1, max: 200 }),
      )
      .map(([x, y, s]) => ({ x1: x, y1: y, x2: x + s, y2: y + s }));
    fc.assert(
      fc.property(box, box, (a, r) => {
        const v = intersectionOverArea(a, r);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-12);
        const outer = { x1: a.x1 - 1, y1: a.y1 - 1, x2: a.x2 + 1, y2: a.y2 + 1 };
        expect(intersectionOverArea(a, outer)).toBe(1);
      }),
    );
  });

  it('viper eval --format kitti: the removed box is neither a false positive nor unexplained', () => {
    const dir = mkdtempSync(join(tmpdir(), 'viper-kitti-'));
    writeFileSync(join(dir, 'gt.txt'), `${GT}\n`);
    writeFileSync(join(dir, 'tr.txt'), `${TR}\n`);
    const r = viper([
      'eval',
      join(dir, 'tr.txt'),
      '--gt',
      join(dir, 'gt.txt'),
      '--format',
      'kitti',
      '--json',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.tracking.overall.CLEAR.CLR_FP).toBe(1);
    expect(report.tracking.overall.CLEAR.CLR_FN).toBe(0);
    expect(report.tracking.overall.CLEAR.CLR_TP).toBe(2);
    expect(report.notes.join('\n')).toMatch(/DontCare regions: 1 unmatched tracker boxes on them removed/);
  });
});
