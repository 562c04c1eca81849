export { CLASS_GROUPS, CLASS_SIZE_PRIORS, footprintOffsetM } from './priors.ts';
export {
  DEFAULT_MEASURE,
  emptyMeasureNotes,
  type GroundMeasurement,
  type MeasureConfig,
  type MeasureNotes,
  measureTrack,
  RANGE_CUES,
  type RangeCue,
  SIDEWALK_CLASSES,
} from './measure.ts';
export {
  mahalanobis2,
  type WorldState,
  worldInitiate,
  worldInnovation,
  worldPredict,
  worldUpdate,
} from './worldKalman.ts';
export {
  createWorldTracker,
  DEFAULT_WORLD_TRACKER,
  type WorldTracker,
  type WorldTrackerConfig,
} from './worldTracker.ts';
export { createFuseStage, type FuseStageOptions } from './stage.ts';
export { createTrails, objectsToSceneUpdate } from './scene.ts';
