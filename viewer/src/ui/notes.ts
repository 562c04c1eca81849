/** What a camera without images in the file shows (a results file written with `replay --results-only`). */
export const NO_IMAGES_NOTE = 'no images in this file (results only): open it with its recording';

/** What a camera without images shows in a file not written results-only (its annotations only, no image topic). */
export const NO_CAMERA_IMAGES_NOTE = 'no images of this camera in this file';

/** Added to a camera's note when it has neither image nor calibration: its canvas is sized by its boxes. */
export const NO_SIZE_NOTE = 'image size unknown (no calibration in the file)';

/** The note drawn on a camera's canvas when a frame has no image of it. */
export function noImageNote(
  cam: { imageTopic: string | null; intrinsics: unknown },
  resultsOnly: boolean,
): string {
  if (cam.imageTopic !== null) return 'no image';
  const base = resultsOnly ? NO_IMAGES_NOTE : NO_CAMERA_IMAGES_NOTE;
  return cam.intrinsics ? base : `${base}; ${NO_SIZE_NOTE}`;
}

/**
 * The blank canvas of a camera with no image and no calibration: its boxes are in the real image's pixels, which
 * the file does not say, so the canvas grows to cover every box drawn on it (their largest x2 / y2); it never
 * shrinks, so it does not jitter from frame to frame, and stops at 8192 px a side (a box far off the image, a
 * tracker's prediction past an edge, must not make a canvas the browser cannot allocate).
 */
const MAX_SIDE = 8192;

export function sizeToCoverBoxes(
  size: { width: number; height: number },
  boxes: readonly { x2: number; y2: number }[],
): { width: number; height: number } {
  let { width, height } = size;
  for (const b of boxes) {
    if (Number.isFinite(b.x2)) width = Math.max(width, Math.ceil(b.x2));
    if (Number.isFinite(b.y2)) height = Math.max(height, Math.ceil(b.y2));
  }
  return { width: Math.min(width, MAX_SIDE), height: Math.min(height, MAX_SIDE) };
}
