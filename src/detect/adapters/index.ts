/** Output-layout adapters and the shape each layout implies (checked against the model when it is opened). */
import type { OutputLayout } from '../card.ts';
import type { Adapter } from './types.ts';
import { decodeViper } from './viper.ts';
import { decodeYolov8 } from './yolov8.ts';
import { decodeYolox, yoloxAnchorCount } from './yolox.ts';

export type { Adapter, DecodeParams } from './types.ts';
export { yoloxAnchorCount } from './yolox.ts';

export const adapters: Record<OutputLayout, Adapter> = {
  yolox: decodeYolox,
  yolov8: decodeYolov8,
  viper: decodeViper,
};

/**
 * Output shape per image (batch dimension excluded) that a layout implies; null where any size will do
 * (the number of boxes of yolov8 and viper heads).
 */
export function expectedOutputDims(
  layout: OutputLayout,
  inputW: number,
  inputH: number,
  numClasses: number,
  strides: readonly number[] = [],
): (number | null)[] {
  switch (layout) {
    case 'yolox':
      return [yoloxAnchorCount(inputW, inputH, strides), 5 + numClasses];
    case 'yolov8':
      return [4 + numClasses, null];
    case 'viper':
      return [null, 5 + numClasses];
  }
}
