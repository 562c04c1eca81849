/**
 * How boxes are drawn in foxglove.ImageAnnotations, and how a track is written into its label: the contract
 * between the stages that write `/perception/<camera>/annotations` and eval and the suite, which read tracks back
 * from it. One closed outline per box; a track's label is "#id class score" and a confirmed track's outline is
 * thicker (tentative tracks are drawn too, so Foxglove shows them, but are not scored).
 */
import type { Color, PointsAnnotation, Time } from '@foxglove/schemas';
import type { Box2D } from './geometry.ts';

/** Outline thickness of a confirmed track; tentative ones are drawn at 1. */
export const CONFIRMED_THICKNESS = 2;

/** foxglove.PointsAnnotationType.LINE_LOOP (the enum's value, so this module needs only the schemas' types). */
const LINE_LOOP = 2 as PointsAnnotation['type'];
const TRANSPARENT: Color = { r: 0, g: 0, b: 0, a: 0 };

/** A box as a closed outline (corners clockwise from top-left), unfilled. */
export function boxOutline(box: Box2D, timestamp: Time, color: Color, thickness: number): PointsAnnotation {
  const { x1, y1, x2, y2 } = box;
  return {
    timestamp,
    type: LINE_LOOP,
    points: [
      { x: x1, y: y1 },
      { x: x2, y: y1 },
      { x: x2, y: y2 },
      { x: x1, y: y2 },
    ],
    outline_color: color,
    outline_colors: [],
    fill_color: TRANSPARENT,
    thickness,
  };
}

/** "#12 car 0.87": a track's label. */
export function formatTrackLabel(trackId: number, cls: string, score: number): string {
  return `#${trackId} ${cls} ${score.toFixed(2)}`;
}

/** "car 0.87": a detection's label (replay with --tracker none: boxes without track ids). */
export function formatDetectionLabel(cls: string, score: number): string {
  return `${cls} ${score.toFixed(2)}`;
}

const DETECTION_LABEL = /^([^\s#]\S*)\s+(-?[\d.]+(?:e-?\d+)?)$/;

/** A detection's label read back; null for any other (a track's "#12 car 0.87", an empty one). */
export function parseDetectionLabel(label: string): { cls: string; score: number } | null {
  const m = DETECTION_LABEL.exec(label.trim());
  if (!m) return null;
  const score = Number(m[2]);
  return Number.isFinite(score) ? { cls: m[1]!, score } : null;
}

const TRACK_LABEL = /^#(\d+)\s+(\S+)(?:\s+(-?[\d.]+(?:e-?\d+)?))?/;

/**
 * A track's label read back: its id (past 2⁵³ neighbouring ids would read as one number and two tracks merge,
 * so such an id stays its digits), class and score if written; null for a label that is not a track's (a plain
 * detection's "car 0.87").
 */
export function parseTrackLabel(label: string): { id: number | string; cls: string; score?: number } | null {
  const m = TRACK_LABEL.exec(label);
  if (!m) return null;
  const n = Number(m[1]);
  const out: { id: number | string; cls: string; score?: number } = {
    id: Number.isSafeInteger(n) ? n : m[1]!,
    cls: m[2]!,
  };
  if (m[3] !== undefined) out.score = Number(m[3]);
  return out;
}
