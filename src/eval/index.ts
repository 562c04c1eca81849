/** Public surface of the evaluator: tracking and detection metrics, and tracking file formats. */
export { type Assignment, type CostMatrix, linearSumAssignment, matrix } from './assignment.ts';
export { type ClearOptions, type ClearResult, clearMot, combineClear } from './clear.ts';
export { applyDontCare, type DontCareOptions, dontCareFrame, isDontCare } from './dontCare.ts';
export {
  type Breakdown,
  combineSequences,
  type EvaluateOptions,
  evaluateRows,
  evaluateSequence,
  PassMismatch,
  type RowsOptions,
  type SequenceMetrics,
  TrackingScorer,
} from './evaluate.ts';
export { type MotRow, readMotChallenge, writeMotChallenge } from '../io/index.ts';
export { motRowsToTrackRows, trackRowsToMotRows } from './formats/motchallenge.ts';
export { combineHota, HOTA_ALPHAS, HOTA_CURVE_FIELDS, type HotaResult, hota } from './hota.ts';
export { combineIdentity, type IdentityOptions, type IdentityResult, identity } from './identity.ts';
export { type SequenceOptions, sequenceFromRows, type TrackRow } from './rows.ts';
export {
  type BevPoint,
  centreDistanceSimilarity,
  type CountResult,
  type EvalFrame,
  type EvalSequence,
  type Id,
  trackEvalIouMatrix,
  type PreparedSequence,
  prepareSequence,
  type SimilarityFn,
} from './sequence.ts';
export {
  type ApOptions,
  type ApResult,
  averagePrecision,
  trackRowsAp,
  ApAccumulator,
  apBoxes,
  COCO_IOU_THRESHOLDS,
  type ClassAp,
  type GtBox,
  type ScoredBox,
} from './ap.ts';
export { precisionRecallSvg } from './prPlot.ts';
export {
  type AmotaOptions,
  type AmotaResult,
  amota,
  type BevOptions,
  type BevRow,
  BevScorer,
  type ClassAmota,
  evaluateBev,
} from './bev.ts';
export { type KittiRow, kittiRowsToTrackRows, readKitti, writeKitti } from './formats/kitti.ts';
export { intersectionOverArea, preprocessKitti } from './formats/kittiPreprocess.ts';
export {
  annotationsToRows,
  type DetectionRow,
  groundTruthToBev,
  groundTruthToRows,
  objectsToBev,
  StampIndex,
} from './fromMessages.ts';
export { type EvalReport, formatReport, type RunFigures, RunSummary } from './report.ts';
export {
  MOT_CLASSES,
  type MotBenchmark,
  motGtClass,
  preprocessMotChallenge,
} from './formats/motPreprocess.ts';
export { averageClasses } from './classAverage.ts';
export { type IdSwitch, idSwitches } from './switches.ts';
