/**
 * `viper compare` on a camera without ground truth: its scores (HOTA, IDF1) are no figure in either run, whether
 * the run left the camera alone or put false positives on it; its counts are counts (0 switches where a run had
 * no row on the camera).
 */
import { describe, expect, it } from 'vitest';
import { type ComparedFigure, compareReports } from '../../src/cli/commands/compare.ts';
import { type EvalReport, evaluateRows, type TrackRow } from '../../src/eval/index.ts';

const row = (frame: number, id: number, camera: string, x = 10): TrackRow => ({
  frame,
  id,
  camera,
  cls: 'car',
  box: { x1: x, y1: 10, x2: x + 40, y2: 50 },
});

/** Ground truth on cam_front only; the tracks given, as eval would score them. */
function report(tracks: TrackRow[]): EvalReport {
  const gt = [1, 2, 3].map((f) => row(f, 1, 'cam_front'));
  return {
    results: 'x.results.mcap',
    groundTruth: 'x.mcap',
    format: 'mcap',
    tracking: evaluateRows(gt, tracks),
    notes: [],
  };
}

describe('compare: a camera without ground truth', () => {
  it('reads - on both sides for HOTA and IDF1, and compares its switches as counts', () => {
    const front = [1, 2, 3].map((f) => row(f, 7, 'cam_front'));
    // A tracks cam_front only; B also puts a false positive on cam_back, which has no ground truth.
    const a = report(front);
    const b = report([...front, row(1, 9, 'cam_back', 200), row(2, 9, 'cam_back', 200)]);
    expect(Object.keys(a.tracking!.perCamera)).toEqual(['cam_front']);
    // The evaluator's own figure (TrackEval's): false positives alone score 0.
    expect(b.tracking!.perCamera.cam_back!.HOTA.HOTA).toBe(0);
    const figures = new Map(compareReports(a, b).map((f): [string, ComparedFigure] => [f.metric, f]));
    for (const metric of ['cam_back HOTA', 'cam_back IDF1'])
      expect(figures.get(metric), metric).toMatchObject({ a: null, b: null, delta: null, better: null });
    expect(figures.get('cam_back IDSW')).toMatchObject({ a: 0, b: 0, delta: 0, better: '=' });
    // The camera with ground truth is scored as before; B's false positives show in the 2D counts.
    expect(figures.get('cam_front HOTA')).toMatchObject({ a: 1, b: 1 });
    expect(figures.get('2D FP')).toMatchObject({ a: 0, b: 2, better: 'a' });
  });
});
