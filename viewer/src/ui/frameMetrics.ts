/**
 * Glue between a frame and the pure metrics: per camera, the annotation boxes against the ground-truth boxes of
 * that camera (actors with a visible part), greedy IoU ≥ 0.5, and id switches against the running history.
 */
import type { FrameData } from '../data/Recording.ts';
import { idSwitches, matchGreedy, type FrameMetrics, type IdSwitch } from '../state/metrics.ts';

export interface CameraMetrics extends FrameMetrics {
  camera: string;
  gt: { id: string; x1: number; y1: number; x2: number; y2: number }[];
  switches: IdSwitch[];
}

export const IOU_THRESHOLD = 0.5;

/** `history` maps camera → (actor id → last track id); returns the updated copy. */
export function computeFrameMetrics(
  frame: FrameData,
  cameras: string[],
  history: Map<string, Map<string, number>>,
): { perCamera: Map<string, CameraMetrics>; history: Map<string, Map<string, number>> } {
  const perCamera = new Map<string, CameraMetrics>();
  const nextHistory = new Map(history);
  if (!frame.gt) return { perCamera, history: nextHistory };
  for (const cam of cameras) {
    const gt = frame.gt.actors.flatMap((a) =>
      a.cameras
        .filter((v) => v.cameraId === cam && v.visibleFraction > 0)
        .map((v) => ({ id: a.id, ...v.box })),
    );
    const preds = frame.boxes.get(cam) ?? [];
    const m = matchGreedy(preds, gt, IOU_THRESHOLD);
    const sw = idSwitches(
      history.get(cam) ?? new Map(),
      m.matches,
      preds.map((p) => p.trackId),
      gt.map((g) => g.id),
    );
    nextHistory.set(cam, sw.history);
    perCamera.set(cam, { ...m, camera: cam, gt, switches: sw.switches });
  }
  return { perCamera, history: nextHistory };
}
