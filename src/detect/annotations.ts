/**
 * Detections → foxglove.ImageAnnotations (plain object, Foxglove field names): one LINE_LOOP rectangle per
 * detection, outlined in its class colour, and a "class score" label at its top-left corner.
 */
import type { Color, ImageAnnotations, PointsAnnotation, TextAnnotation } from '@foxglove/schemas';
import { boxOutline, formatDetectionLabel } from '../contracts/annotations.ts';
import type { ViperClass } from '../contracts/classes.ts';
import type { Detection } from '../contracts/perception.ts';
import { type TimeNs, toFoxgloveTime } from '../contracts/time.ts';

/** Outline colour per class (RGBA 0–1), chosen to stay apart on road scenes. */
export const CLASS_COLORS: Record<ViperClass, Color> = {
  car: { r: 0.12, g: 0.56, b: 1, a: 1 },
  truck: { r: 0.58, g: 0.4, b: 0.74, a: 1 },
  bus: { r: 1, g: 0.6, b: 0, a: 1 },
  pedestrian: { r: 1, g: 0.2, b: 0.2, a: 1 },
  cyclist: { r: 0.2, g: 0.8, b: 0.2, a: 1 },
  motorcycle: { r: 1, g: 0.9, b: 0.1, a: 1 },
};

const LABEL_BG: Color = { r: 0, g: 0, b: 0, a: 0.6 };
const WHITE: Color = { r: 1, g: 1, b: 1, a: 1 };
/** Outline width and label size, in image pixels. */
const THICKNESS_PX = 2;
const FONT_SIZE_PX = 12;

/**
 * Annotations for one camera image: detections of other cameras are left out.
 * @example detectionsToImageAnnotations(dets, 1_700_000_000_000_000_000n, 'cam_front')
 */
export function detectionsToImageAnnotations(
  dets: readonly Detection[],
  tNs: TimeNs,
  cameraId: string,
): ImageAnnotations {
  const timestamp = toFoxgloveTime(tNs);
  const points: PointsAnnotation[] = [];
  const texts: TextAnnotation[] = [];
  for (const d of dets) {
    if (d.cameraId !== cameraId) continue;
    points.push(boxOutline(d.box, timestamp, CLASS_COLORS[d.cls], THICKNESS_PX));
    texts.push({
      timestamp,
      position: { x: d.box.x1, y: d.box.y1 },
      text: formatDetectionLabel(d.cls, d.score),
      font_size: FONT_SIZE_PX,
      text_color: WHITE,
      background_color: LABEL_BG,
    });
  }
  return { timestamp, circles: [], points, texts };
}
