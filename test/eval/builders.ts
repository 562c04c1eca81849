/** Builders for small hand-made sequences: 10×10 boxes on a line, one frame per call. */
import type { Box2D } from '../../src/contracts/geometry.ts';
import type { EvalFrame, EvalSequence, Id } from '../../src/eval/index.ts';

/** A 10×10 box whose left edge is at `x` (boxes 100 apart never overlap). */
export function box(x: number, width = 10): Box2D {
  return { x1: x, y1: 0, x2: x + width, y2: 10 };
}

/** One frame from `[id, box]` pairs for ground truth and tracker. */
export function frame(gt: [Id, Box2D][], tr: [Id, Box2D][]): EvalFrame {
  return {
    gtIds: gt.map((g) => g[0]),
    gtBoxes: gt.map((g) => g[1]),
    trIds: tr.map((t) => t[0]),
    trBoxes: tr.map((t) => t[1]),
  };
}

export function seq(...frames: EvalFrame[]): EvalSequence {
  return { frames };
}
