/** The io layer's public surface: MCAP reading/writing, message codecs and tracking text files. What is not exported here is internal. */
export type * from './types.ts';
export { RecordingReader } from './mcap/RecordingReader.ts';
export { isDamageError, withRecoverHint } from './mcap/damage.ts';
export type { OpenOptions } from './mcap/RecordingReader.ts';
export type { MetadataRecord, SchemaRecord } from './mcap/inspectFile.ts';
export { RecordingWriter, encodeJson, unfinishedOutputs } from './mcap/RecordingWriter.ts';
export {
  VIPER_FOXGLOVE_SCHEMAS,
  decodeFoxglove,
  encodeFoxglove,
  foxgloveSchemaData,
  foxgloveSchemaName,
} from './codecs/foxglove.ts';
export { foxgloveJsonSchema } from './codecs/jsonSchema.ts';
export { createDecoder } from './codecs/decode.ts';
export type { Decoder } from './codecs/decode.ts';
export {
  ros2CameraInfoToCalibration,
  ros2CompressedImageToImage,
  ros2ImageToImage,
  ros2TfStampsNs,
  ros2TfToTransforms,
  rosFrameId,
  rosHeaderStampNs,
} from './codecs/ros2.ts';
export {
  calibrationToFoxglove,
  foxgloveCalibrationToCalibration,
  foxgloveCompressedImageToImage,
  foxgloveFrameTransformToTransform,
  foxgloveFrameTransformsToTransforms,
  foxgloveRawImageToImage,
  foxgloveStampNs,
  imageToFoxglove,
  transformsToFoxglove,
} from './codecs/foxgloveToViper.ts';
export { stampToNs, unreadRawEncoding } from './codecs/image.ts';
export { decimal, FrameIds, lineErrors, readTextInput, type TextReadOptions } from './text/lines.ts';
export { type MotRow, readMotChallenge, writeMotChallenge } from './text/motchallenge.ts';
