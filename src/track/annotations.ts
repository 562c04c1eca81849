/** Render 2D tracks as a foxglove.ImageAnnotations message (plain object, Foxglove field names). */
import type { ImageAnnotations } from '@foxglove/schemas';
import { CONFIRMED_THICKNESS, boxOutline, formatTrackLabel } from '../contracts/annotations.ts';
import type { Track2D } from '../contracts/perception.ts';
import { type TimeNs, toFoxgloveTime } from '../contracts/time.ts';
import { colorForTrack } from './colors.ts';

/**
 * One closed outline per track (colour stable per camera and track id) and a label "#id class score" above it. Tracks of
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
    const color = colorForTrack(cameraId, t.trackId);
    out.points.push(boxOutline(t.box, timestamp, color, t.state === 'confirmed' ? CONFIRMED_THICKNESS : 1));
    out.texts.push({
      timestamp,
      position: { x: t.box.x1, y: Math.max(0, t.box.y1 - 4) },
      text: formatTrackLabel(t.trackId, t.cls, t.score),
      font_size: 14,
      text_color: { r: 1, g: 1, b: 1, a: 1 },
      background_color: { ...color, a: 0.7 },
    });
  }
  return out;
}
