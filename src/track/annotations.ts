/** Render 2D tracks as a foxglove.ImageAnnotations message (plain object, Foxglove field names). */
import { type ImageAnnotations, PointsAnnotationType } from '@foxglove/schemas';
import type { Track2D } from '../contracts/perception.ts';
import { type TimeNs, toFoxgloveTime } from '../contracts/time.ts';
import { colorForId } from './colors.ts';

/**
 * One closed outline per track (colour stable per track id) and a label "#id class score" above it. Tracks of
 * other cameras than `cameraId` are skipped.
 * Example: `writer.write(topics.annotations(cam), tNs, tracksToImageAnnotations(tracks, tNs, cam))`.
 */
export function tracksToImageAnnotations(
  tracks: readonly Track2D[],
  tNs: TimeNs,
  cameraId: string,
): ImageAnnotations {
  const timestamp = toFoxgloveTime(tNs);
  const out: ImageAnnotations = { timestamp, circles: [], points: [], texts: [] };
  for (const t of tracks) {
    if (t.cameraId !== cameraId) continue;
    const color = colorForId(t.trackId);
    const { x1, y1, x2, y2 } = t.box;
    out.points.push({
      timestamp,
      type: PointsAnnotationType.LINE_LOOP,
      points: [
        { x: x1, y: y1 },
        { x: x2, y: y1 },
        { x: x2, y: y2 },
        { x: x1, y: y2 },
      ],
      outline_color: color,
      outline_colors: [],
      fill_color: { r: 0, g: 0, b: 0, a: 0 },
      thickness: t.state === 'confirmed' ? 2 : 1,
    });
    out.texts.push({
      timestamp,
      position: { x: x1, y: Math.max(0, y1 - 4) },
      text: `#${t.trackId} ${t.cls} ${t.score.toFixed(2)}`,
      font_size: 14,
      text_color: { r: 1, g: 1, b: 1, a: 1 },
      background_color: { ...color, a: 0.7 },
    });
  }
  return out;
}
