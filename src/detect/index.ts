/** Public surface of the detection stage (see README.md). */
export {
  type Adapter,
  adapters,
  type DecodeParams,
  expectedOutputDims,
  yoloxAnchorCount,
} from './adapters/index.ts';
export { CLASS_COLORS, detectionsToImageAnnotations } from './annotations.ts';
export { classTable, loadModelCard, type ModelCard, ModelCardSchema, type OutputLayout } from './card.ts';
export { Detector, type DetectorOptions, type DetectorStats, type FrameDetections } from './Detector.ts';
export { type Letterbox, letterbox, unletterboxBox } from './letterbox.ts';
export { type Candidate, compareCandidates, iou, nms } from './nms.ts';
export { buildPreprocessModel } from './preGraph.ts';
export { decodeLetterboxed, FrameDecodeError, type Letterboxed, writeInputTensor } from './preprocess.ts';
export { EXECUTION_PROVIDERS, type ExecutionProvider, parseProviders } from './session.ts';
export { type DetectorLike, SharedDetector } from './shared.ts';
export { createDetectStage, type DetectStageOptions } from './stage.ts';
