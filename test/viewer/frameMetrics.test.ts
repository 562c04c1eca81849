/** The metrics panel scores a frame with `viper eval`'s default rules, so its counts can sit beside eval's. */
import { describe, expect, test } from 'vitest';
import { DEFAULT_SCORE } from '../../src/eval/scenarios/metricTable.ts';
import type { CameraBox } from '../../viewer/src/data/normalize.ts';
import { MIN_HEIGHT_PX, MIN_VISIBILITY, computeFrameMetrics } from '../../viewer/src/ui/frameMetrics.ts';

type FrameData = Parameters<typeof computeFrameMetrics>[0];

const box = (x1: number, y1: number, x2: number, y2: number, trackId: number): CameraBox => ({
  x1,
  y1,
  x2,
  y2,
  trackId,
  cls: 'pedestrian',
  label: `#${trackId} pedestrian`,
  color: null,
});

function frame(
  actors: { id: string; visible: number; box: [number, number, number, number] }[],
  preds: CameraBox[],
) {
  return {
    boxes: new Map([['cam', preds]]),
    gt: {
      actors: actors.map((a) => ({
        id: a.id,
        cameras: [
          {
            cameraId: 'cam',
            visibleFraction: a.visible,
            box: { x1: a.box[0], y1: a.box[1], x2: a.box[2], y2: a.box[3] },
          },
        ],
      })),
    },
  } as unknown as FrameData;
}

describe('metrics panel scoring', () => {
  test("uses eval's default visibility and height rules", () => {
    expect(MIN_VISIBILITY).toBe(DEFAULT_SCORE.minVisibility);
    expect(MIN_HEIGHT_PX).toBe(DEFAULT_SCORE.minHeightPx);
  });

  test('hardly visible ground truth is no miss; a box on tiny ground truth is neither a hit nor a false positive', () => {
    const f = frame(
      [
        { id: 'seen', visible: 0.9, box: [0, 0, 20, 40] },
        { id: 'hidden', visible: 0.1, box: [100, 0, 120, 40] }, // under 25 % visible: not scored
        { id: 'tiny', visible: 0.9, box: [200, 0, 204, 6] }, // 6 px tall: don't-care
      ],
      // The last, 6 px tall on nothing, is below the size range: no false positive either (eval's rule).
      [box(0, 0, 20, 40, 1), box(200, 0, 204, 6, 2), box(300, 0, 320, 40, 3), box(400, 0, 404, 6, 4)],
    );
    const m = computeFrameMetrics(f, ['cam'], new Map()).perCamera.get('cam')!;
    expect([m.tp, m.fp, m.fn]).toEqual([1, 1, 0]);
    // All three are drawn.
    expect(m.gt.map((g) => g.id)).toEqual(['seen', 'hidden', 'tiny']);
    expect(m.tracked).toBe(true);
  });

  test('boxes without track ids (detections only) are not tracked: the panel shows n/a for id switches', () => {
    const det = { ...box(0, 0, 20, 40, 1), trackId: null, label: 'pedestrian 0.9' };
    const f = frame([{ id: 'seen', visible: 0.9, box: [0, 0, 20, 40] }], [det]);
    const m = computeFrameMetrics(f, ['cam'], new Map()).perCamera.get('cam')!;
    expect([m.tp, m.tracked]).toEqual([1, false]);
  });
});
