/**
 * ROS 2 message definitions as rosbag2 stores them in MCAP (`ros2msg`: the type's .msg text, then each dependency
 * after a `====` line and `MSG: pkg/Type`), CDR payload builders using @foxglove/rosmsg2-serialization, and the
 * channel such payloads are written on (`rosChannel`).
 */
import type { RecordingWriter } from '../../src/io/index.ts';
import { parse } from '@foxglove/rosmsg';
import { MessageWriter } from '@foxglove/rosmsg2-serialization';

const SEP = '================================================================================';
const dep = (name: string, text: string) => `${SEP}\nMSG: ${name}\n${text}`;

const HEADER = dep('std_msgs/Header', 'builtin_interfaces/Time stamp\nstring frame_id');
const TIME = dep('builtin_interfaces/Time', 'int32 sec\nuint32 nanosec');

export const ROS2_DEFINITIONS: Record<string, string> = {
  'sensor_msgs/msg/CompressedImage': [
    'std_msgs/Header header\nstring format\nuint8[] data',
    HEADER,
    TIME,
  ].join('\n'),
  'sensor_msgs/msg/Image': [
    'std_msgs/Header header\nuint32 height\nuint32 width\nstring encoding\nuint8 is_bigendian\nuint32 step\nuint8[] data',
    HEADER,
    TIME,
  ].join('\n'),
  'sensor_msgs/msg/CameraInfo': [
    [
      'std_msgs/Header header',
      'uint32 height',
      'uint32 width',
      'string distortion_model',
      'float64[] d',
      'float64[9] k',
      'float64[9] r',
      'float64[12] p',
      'uint32 binning_x',
      'uint32 binning_y',
      'sensor_msgs/RegionOfInterest roi',
    ].join('\n'),
    HEADER,
    TIME,
    dep(
      'sensor_msgs/RegionOfInterest',
      'uint32 x_offset\nuint32 y_offset\nuint32 height\nuint32 width\nbool do_rectify',
    ),
  ].join('\n'),
  'tf2_msgs/msg/TFMessage': [
    'geometry_msgs/TransformStamped[] transforms',
    dep(
      'geometry_msgs/TransformStamped',
      'std_msgs/Header header\nstring child_frame_id\ngeometry_msgs/Transform transform',
    ),
    HEADER,
    TIME,
    dep('geometry_msgs/Transform', 'geometry_msgs/Vector3 translation\ngeometry_msgs/Quaternion rotation'),
    dep('geometry_msgs/Vector3', 'float64 x\nfloat64 y\nfloat64 z'),
    dep('geometry_msgs/Quaternion', 'float64 x 0\nfloat64 y 0\nfloat64 z 0\nfloat64 w 1'),
  ].join('\n'),
};

export function cdr(type: string, msg: unknown): Uint8Array {
  const text = ROS2_DEFINITIONS[type];
  if (text === undefined) throw new Error(`no fixture definition for ${type}`);
  return new MessageWriter(parse(text, { ros2: true })).writeMessage(msg);
}

export const header = (sec: number, nanosec: number, frame_id: string) => ({
  stamp: { sec, nanosec },
  frame_id,
});

/** A channel of ROS 2 message `type` (CDR, its ros2msg definition as schema) on `topic`. */
export function rosChannel(
  w: { addChannel: RecordingWriter['addChannel'] },
  topic: string,
  type: string,
): Promise<number> {
  return w.addChannel(topic, {
    kind: 'raw',
    name: type,
    encoding: 'ros2msg',
    data: new TextEncoder().encode(ROS2_DEFINITIONS[type]!),
    messageEncoding: 'cdr',
  });
}

/**
 * A CameraInfo payload of a pinhole camera looking down its optical axis: focal length half the image width,
 * principal point at the image centre, no distortion unless given.
 */
export function cameraInfoCdr(
  hdr: ReturnType<typeof header>,
  width: number,
  height: number,
  model = 'plumb_bob',
  d = [0, 0, 0, 0, 0],
): Uint8Array {
  const [f, cx, cy] = [width / 2, width / 2, height / 2];
  return cdr('sensor_msgs/msg/CameraInfo', {
    header: hdr,
    height,
    width,
    distortion_model: model,
    d,
    k: [f, 0, cx, 0, f, cy, 0, 0, 1],
    r: [1, 0, 0, 0, 1, 0, 0, 0, 1],
    p: [f, 0, cx, 0, 0, f, cy, 0, 0, 0, 1, 0],
    binning_x: 0,
    binning_y: 0,
    roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
  });
}
