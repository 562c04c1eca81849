/**
 * Glue between a frame and the pure metrics: per camera, the annotation boxes against the ground-truth boxes of
 * that camera, greedy IoU ≥ 0.5, and id switches against the running history. Scored as `viper eval` scores by
 * default, so the panel's counts can be set beside its report: ground truth under 25 % visible is left out, and
 * ground truth under 8 px tall is don't-care (a box on it is neither a hit nor a false positive, and it is no
 * miss). Every actor with a visible part is still drawn.
 */
import type { GroundTruthMessage } from '../../../src/contracts/perception.ts';
import type { CameraBox } from '../data/normalize.ts';
import { idSwitches, matchGreedy, type FrameMetrics, type IdSwitch } from '../state/metrics.ts';

export interface CameraMetrics extends FrameMetrics {
  camera: string;
  gt: { id: string; x1: number; y1: number; x2: number; y2: number }[];
  switches: IdSwitch[];
  /** Whether the boxes carry track ids (without them, detections only, there are no id switches to count). */
  tracked: boolean;
}

const IOU_THRESHOLD = 0.5;
/** `viper eval`'s defaults (DEFAULT_SCORE in src/eval/scenarios/metricTable.ts; a test holds them equal). */
export const MIN_VISIBILITY = 0.25;
export const MIN_HEIGHT_PX = 8;

/** `history` maps camera → (actor id → last track id); returns the updated copy. */
export function computeFrameMetrics(
  frame: { gt: GroundTruthMessage | null; boxes: ReadonlyMap<string, CameraBox[]> },
  cameras: string[],
  history: Map<string, Map<string, number>>,
): { perCamera: Map<string, CameraMetrics>; history: Map<string, Map<string, number>> } {
  const perCamera = new Map<string, CameraMetrics>();
  const nextHistory = new Map(history);
  if (!frame.gt) return { perCamera, history: nextHistory };
  for (const cam of cameras) {
    const views = frame.gt.actors.flatMap((a) =>
      a.cameras
        .filter((v) => v.cameraId === cam && v.visibleFraction > 0)
        .map((v) => ({ id: a.id, visible: v.visibleFraction, ...v.box })),
    );
    const gt = views.map(({ visible: _, ...g }) => g);
    const scored = views.filter((g) => g.visible >= MIN_VISIBILITY);
    const preds = frame.boxes.get(cam) ?? [];
    const m = withDontCare(
      matchGreedy(preds, scored, IOU_THRESHOLD),
      scored.map((g) => g.y2 - g.y1 < MIN_HEIGHT_PX),
      preds.map((p) => p.y2 - p.y1 < MIN_HEIGHT_PX),
    );
    const sw = idSwitches(
      history.get(cam) ?? new Map(),
      m.matches,
      preds.map((p) => p.trackId),
      scored.map((g) => g.id),
    );
    nextHistory.set(cam, sw.history);
    perCamera.set(cam, {
      ...m,
      camera: cam,
      gt,
      switches: sw.switches,
      tracked: preds.some((p) => p.trackId !== null),
    });
  }
  return { perCamera, history: nextHistory };
}

/**
 * Eval's don't-care rule: matches to don't-care ground truth dropped with their boxes (no FP), don't-care ground
 * truth no FN, and unmatched boxes below the size range no FP either (TrackEval's rule for tracker boxes).
 */
function withDontCare(
  m: FrameMetrics,
  dontCareGt: readonly boolean[],
  tooSmall: readonly boolean[],
): FrameMetrics {
  const matches = m.matches.filter((x) => !dontCareGt[x.gt]);
  const unmatchedGt = m.unmatchedGt.filter((g) => !dontCareGt[g]);
  const unmatchedPred = m.unmatchedPred.filter((p) => !tooSmall[p]);
  return {
    ...m,
    tp: matches.length,
    fp: unmatchedPred.length,
    fn: unmatchedGt.length,
    matches,
    unmatchedGt,
    unmatchedPred,
  };
}
