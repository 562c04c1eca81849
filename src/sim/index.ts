/** The simulator's public surface. What is not exported here is internal to src/sim. */
export {
  Scenario,
  type ScenarioInput,
  CameraSpec,
  Actor,
  Behaviour,
  MapSpec,
  Road,
  StaticObject,
  Waypoint,
} from './scenario/schema.ts';
export {
  Expect,
  EventExpectation,
  MetricExpectation,
  MetricName,
  METRIC_NAMES,
  EVENT_TYPES,
} from './scenario/expect.ts';
export {
  loadScenario,
  scenarioFromText,
  scenarioFromValue,
  scenarioJsonSchema,
  type LoadedScenario,
} from './scenario/load.ts';
export {
  buildWorld,
  agentsAt,
  egoStateAt,
  type World,
  type AgentState,
  type EgoState,
  CLASS_SIZE,
} from './world/world.ts';
export { buildRig, calibrationOf, mountTransform, type RigCamera } from './rig.ts';
export {
  createRenderer,
  renderFrame,
  type Renderer,
  type RenderedFrame,
  type CameraImage,
} from './render/renderer.ts';
export { pixelBoxes, groundTruthMessage } from './groundTruth.ts';
export { simulateFrames, frameCount, inDropout, type SimFrame } from './simulate.ts';
export { recordScenario, encodeJpeg, jpegCameraFrames, rgbOf, type RecordResult } from './record.ts';
export { DatasetWriter, splitFor, type Split } from './dataset.ts';
export { mosaicPng } from './mosaic.ts';
