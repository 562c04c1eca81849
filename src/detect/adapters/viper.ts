/**
 * The "viper" head, for Viper's own bundled models: [N, 5 + C] per image (rows first), boxes already decoded.
 * Row: cx, cy, w, h in input pixels, objectness, C class probabilities (sigmoid applied).
 * Score = objectness × best class probability. Any anchor-free or anchor-based detector can be exported to it
 * by folding its box decoding into the graph.
 */
import type { Candidate } from '../nms.ts';
import { type Adapter, argmaxClass } from './types.ts';

export const decodeViper: Adapter = (data, dims, p) => {
  const n = dims[0] ?? 0;
  const rowLen = 5 + p.numClasses;
  const out: Candidate[] = [];
  for (let i = 0; i < n; i++) {
    const base = i * rowLen;
    const obj = data[base + 4] ?? 0;
    if (obj < p.scoreThreshold) continue;
    const { classIndex, classScore } = argmaxClass(data, base + 5, 1, p.numClasses);
    const score = obj * classScore;
    if (score < p.scoreThreshold || !p.keep[classIndex]) continue;
    const cx = data[base] ?? 0;
    const cy = data[base + 1] ?? 0;
    const w = data[base + 2] ?? 0;
    const h = data[base + 3] ?? 0;
    out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classIndex });
  }
  return out;
};
