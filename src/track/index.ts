export { assign, type AssignResult } from './assignment.ts';
export {
  BYTETRACK_KALMAN,
  type KalmanParams,
  type KalmanState,
  kalmanGatingDistance,
  kalmanInitiate,
  kalmanPredict,
  kalmanUpdate,
  kalmanWarp,
} from './kalman.ts';
export { maxTimeLost, parseTrackerConfig, TrackerConfig } from './config.ts';
export { createTracker, type Tracker } from './tracker.ts';
export { formatMotTrack, formatMotTracks, motToDetections, pyRoundStr } from './mot.ts';
export {
  MotRunCollector,
  type MotRunOptions,
  type MotRunResult,
  lastMotFrame,
  trackMotFrames,
  trackMotSequence,
} from './motRun.ts';
export { createTrackStage, type TrackStageOptions } from './stage.ts';
export { tracksToImageAnnotations } from './annotations.ts';
export { colorForId, colorForTrack, type Rgba } from './colors.ts';
