/**
 * Letterbox geometry (pure): fit an image into the model's input keeping its aspect ratio, and map boxes back.
 * The resized image is newW × newH at (padX, padY) inside the inW × inH input; the rest is padding.
 */

export interface Letterbox {
  /** Original image size, pixels. */
  srcW: number;
  srcH: number;
  /** Resized image size inside the input, pixels. */
  newW: number;
  newH: number;
  /** Offset of the resized image in the input, pixels. */
  padX: number;
  padY: number;
}

/**
 * @example letterbox(768, 576, 416, 416, 'top-left') → { newW: 416, newH: 312, padX: 0, padY: 0, … }
 */
export function letterbox(
  srcW: number,
  srcH: number,
  inW: number,
  inH: number,
  align: 'top-left' | 'center',
): Letterbox {
  const r = Math.min(inW / srcW, inH / srcH);
  const newW = Math.min(inW, Math.max(1, Math.round(srcW * r)));
  const newH = Math.min(inH, Math.max(1, Math.round(srcH * r)));
  const padX = align === 'center' ? Math.floor((inW - newW) / 2) : 0;
  const padY = align === 'center' ? Math.floor((inH - newH) / 2) : 0;
  return { srcW, srcH, newW, newH, padX, padY };
}

/**
 * Map a box from input (letterboxed) pixels to original image pixels, clipped to the image.
 * Returns null when nothing of the box is left inside the image.
 */
export function unletterboxBox(
  lb: Letterbox,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
): { x1: number; y1: number; x2: number; y2: number } | null {
  // Separate x/y factors: rounding newW/newH makes them differ by up to half a pixel over the image.
  const sx = lb.srcW / lb.newW;
  const sy = lb.srcH / lb.newH;
  const bx1 = clamp((x1 - lb.padX) * sx, 0, lb.srcW);
  const by1 = clamp((y1 - lb.padY) * sy, 0, lb.srcH);
  const bx2 = clamp((x2 - lb.padX) * sx, 0, lb.srcW);
  const by2 = clamp((y2 - lb.padY) * sy, 0, lb.srcH);
  if (!(bx2 > bx1 && by2 > by1)) return null;
  return { x1: bx1, y1: by1, x2: bx2, y2: by2 };
}

// Not oracle.ts's clamp: that one keeps −0 (−0 < 0 is false) and favours `lo` when lo > hi; this one gives +0 and `hi`.
function clamp(v: number, lo: number, hi: number): number {
  return Math.min(Math.max(v, lo), hi);
}
