import type { Candidate } from '../nms.ts';

/** What an adapter needs besides the tensor: sizes from the card and the pre-NMS filter. */
export interface DecodeParams {
  inputW: number;
  inputH: number;
  numClasses: number;
  /** Grid strides, in output row order (yolox only). */
  strides?: readonly number[];
  /** Candidates scoring below this are skipped before NMS. */
  scoreThreshold: number;
  /** keep[classIndex]: whether the class maps to a Viper class (others are dropped before NMS). */
  keep: readonly boolean[];
}

/**
 * Decode one image's slice of the output tensor into candidates in input (letterboxed) pixels.
 * `dims` is the output shape without the batch dimension.
 */
export type Adapter = (data: Float32Array, dims: readonly number[], p: DecodeParams) => Candidate[];

/** Best class of a row: scores at data[base + k·step] for k < numClasses. */
export function argmaxClass(
  data: Float32Array,
  base: number,
  step: number,
  numClasses: number,
): { classIndex: number; classScore: number } {
  let classIndex = 0;
  let classScore = data[base] ?? 0;
  for (let k = 1; k < numClasses; k++) {
    const v = data[base + k * step] ?? 0;
    if (v > classScore) {
      classScore = v;
      classIndex = k;
    }
  }
  return { classIndex, classScore };
}
