/**
 * Where a box's label goes on its camera image: above the box when it fits, else inside its top; moved in from the
 * image's edges (a label at the right edge had been cut to "#3 ca…"), and off the labels already placed in this
 * image (a neighbour's label had hidden "#2 pe…" under "#1 pedestrian"). Pure, so it is tested without a canvas.
 */

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

const overlaps = (a: Rect, b: Rect) =>
  a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * The label's rectangle (w × h) for a box whose top-left corner is (x1, y1), inside a canvas of width × height,
 * avoiding `placed` where a nearby row is free (else where it first wanted to go). Adds it to `placed`.
 */
export function placeLabel(
  x1: number,
  y1: number,
  w: number,
  h: number,
  canvas: { width: number; height: number },
  placed: Rect[],
): Rect {
  const x = Math.max(0, Math.min(x1, canvas.width - w));
  const above = y1 - h >= 0 ? y1 - h : y1;
  const clampY = (y: number) => Math.max(0, Math.min(y, canvas.height - h));
  // Rows tried in turn: the preferred one, then one and two label heights up and down.
  let best: Rect = { x, y: clampY(above), w, h };
  for (const dy of [0, -h, h, -2 * h, 2 * h]) {
    const r = { x, y: clampY(above + dy), w, h };
    if (!placed.some((p) => overlaps(p, r))) {
      best = r;
      break;
    }
  }
  placed.push(best);
  return best;
}
