/**
 * The stage interface (a contract, in src/contracts/stage.ts, so that detect/track/fuse implement it without
 * importing the graph).
 */

export { emptyResult, type RigResult, type Stage } from '../contracts/stage.ts';
