/** What a camera without images in the file shows (a results file written with `replay --results-only`). */
export const NO_IMAGES_NOTE = 'no images in this file (results only): open its recording with it in Foxglove';
