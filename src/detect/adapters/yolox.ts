/**
 * YOLOX grid head (Megvii YOLOX export with decode_in_inference=False): [A, 5 + C] per image, rows are grid
 * points of each stride in order, row-major in each grid. Row: dx, dy, log w, log h, objectness, C class
 * scores (sigmoid applied). Centre = ((dx + gx)·s, (dy + gy)·s), size = (e^logw·s, e^logh·s), input pixels;
 * score = objectness × best class score (YOLOX `postprocess`).
 */
import type { Candidate } from '../nms.ts';
import { type Adapter, argmaxClass } from './types.ts';

/** Number of rows a YOLOX head has for an input size and strides. */
export function yoloxAnchorCount(inputW: number, inputH: number, strides: readonly number[]): number {
  let n = 0;
  for (const s of strides) n += Math.floor(inputH / s) * Math.floor(inputW / s);
  return n;
}

export const decodeYolox: Adapter = (data, _dims, p) => {
  const strides = p.strides ?? [];
  const rowLen = 5 + p.numClasses;
  const out: Candidate[] = [];
  let row = 0;
  for (const s of strides) {
    const gh = Math.floor(p.inputH / s);
    const gw = Math.floor(p.inputW / s);
    for (let gy = 0; gy < gh; gy++) {
      for (let gx = 0; gx < gw; gx++, row++) {
        const base = row * rowLen;
        const obj = data[base + 4] ?? 0;
        // score = obj × class score ≤ obj: most rows end here.
        if (obj < p.scoreThreshold) continue;
        const { classIndex, classScore } = argmaxClass(data, base + 5, 1, p.numClasses);
        const score = obj * classScore;
        if (score < p.scoreThreshold || !p.keep[classIndex]) continue;
        const cx = ((data[base] ?? 0) + gx) * s;
        const cy = ((data[base + 1] ?? 0) + gy) * s;
        const w = Math.exp(data[base + 2] ?? 0) * s;
        const h = Math.exp(data[base + 3] ?? 0) * s;
        out.push({ x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, score, classIndex });
      }
    }
  }
  return out;
};
