/**
 * The one table of the message schemas Viper reads and what each is: replay's interpreter, inspect, eval, the
 * results writer and the viewer all ask here, so a schema added to it is read everywhere alike.
 */
export type SchemaKind = 'image' | 'rawImage' | 'calibration' | 'tf' | 'tfSingle';

// Maps, not object literals: a schema a recording names `constructor` or `toString` is not one of these.
const FOXGLOVE: ReadonlyMap<string, SchemaKind> = new Map([
  ['foxglove.CompressedImage', 'image'],
  ['foxglove.RawImage', 'rawImage'],
  ['foxglove.CameraCalibration', 'calibration'],
  ['foxglove.FrameTransforms', 'tf'],
  ['foxglove.FrameTransform', 'tfSingle'],
]);
const ROS2: ReadonlyMap<string, SchemaKind> = new Map([
  ['sensor_msgs/msg/CompressedImage', 'image'],
  ['sensor_msgs/msg/Image', 'rawImage'],
  ['sensor_msgs/msg/CameraInfo', 'calibration'],
  ['tf2_msgs/msg/TFMessage', 'tf'],
]);

/** `test_msgs/BasicTypes` (ROS 1 style, found in older rosbag2 files) → `test_msgs/msg/BasicTypes`. */
export function normalizeRosType(name: string): string {
  const parts = name.split('/');
  return parts.length === 2 ? `${parts[0]}/msg/${parts[1]}` : name;
}

/** What a schema is to Viper (and whether it is ROS 2's), or undefined for one it passes through. */
export function schemaKind(schemaName: string): { kind: SchemaKind; ros: boolean } | undefined {
  const f = FOXGLOVE.get(schemaName);
  if (f) return { kind: f, ros: false };
  const r = ROS2.get(normalizeRosType(schemaName));
  return r ? { kind: r, ros: true } : undefined;
}

/** Image schemas Viper reads: Foxglove's and ROS 2's (also the older names without `/msg/`). */
export function isImageSchema(schemaName: string): boolean {
  const k = schemaKind(schemaName)?.kind;
  return k === 'image' || k === 'rawImage';
}

/** Calibration schemas Viper reads: foxglove.CameraCalibration and sensor_msgs CameraInfo. */
export function isCalibrationSchema(schemaName: string): boolean {
  return schemaKind(schemaName)?.kind === 'calibration';
}
