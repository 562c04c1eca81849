/**
 * Ultralytics YOLOv8 / YOLO11 detect head: [4 + C, N] per image (channels first): cx, cy, w, h in input
 * pixels, then C class scores (sigmoid applied, no objectness). Score = best class score.
 */
import type { Candidate } from '../nms.ts';
import { type Adapter, argmaxClass } from './types.ts';

export const decodeYolov8: Adapter = (data, dims, p) => {
  const n = dims[1] ?? 0;
  const out: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const { classIndex, classScore } = argmaxClass(data, 4 * n + i, n, p.numClasses);
    if (classScore < p.scoreThreshold || !p.keep[classIndex]) continue;
    const cx = data[i] ?? 0;
    const cy = data[n + i] ?? 0;
    const w = data[2 * n + i] ?? 0;
    const h = data[3 * n + i] ?? 0;
    out.push({
      x1: cx - w / 2,
      y1: cy - h / 2,
      x2: cx + w / 2,
      y2: cy + h / 2,
      score: classScore,
      classIndex,
    });
  }
  return out;
};
