/**
 * The stage interface (a contract, in src/contracts/stage.ts, so that detect/track/fuse implement it without
 * importing the graph) and the graph's identity stage.
 */
import type { Stage } from '../contracts/stage.ts';

export { emptyResult, type FrameIssue, type RigResult, type Stage } from '../contracts/stage.ts';

/** The pass-through stage: changes nothing; the graph's identity element. */
export const passThroughStage: Stage = {
  name: 'pass-through',
  process: async (batch) => batch,
};
