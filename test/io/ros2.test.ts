import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingError } from '../../src/contracts/errors.ts';
import {
  RecordingReader,
  RecordingWriter,
  calibrationToFoxglove,
  decodeFoxglove,
  encodeFoxglove,
  imageToFoxglove,
  transformsToFoxglove,
  foxgloveCalibrationToCalibration,
  foxgloveCompressedImageToImage,
  foxgloveFrameTransformsToTransforms,
  foxgloveRawImageToImage,
  foxgloveStampNs,
  ros2CameraInfoToCalibration,
  ros2CompressedImageToImage,
  ros2ImageToImage,
  ros2TfToTransforms,
  rosFrameId,
  rosHeaderStampNs,
  unreadRawEncoding,
} from '../../src/io/index.ts';
import type { Decoded } from '../../src/io/index.ts';
import { isCalibrationSchema, isImageSchema, schemaKind } from '../../src/contracts/schemaKinds.ts';
import { tempDir } from './helpers.ts';
import { ROS2_DEFINITIONS, cdr, header } from './rosFixtures.ts';

const dir = tempDir('ros2');
const enc = new TextEncoder();

const K = [525, 0, 319.5, 0, 525, 239.5, 0, 0, 1];
const MESSAGES: [string, string, Record<string, unknown>][] = [
  [
    '/cam/image/compressed',
    'sensor_msgs/msg/CompressedImage',
    {
      header: header(100, 5, 'cam_optical'),
      format: 'rgb8; jpeg compressed bgr8',
      data: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]),
    },
  ],
  [
    '/cam/image_raw',
    'sensor_msgs/msg/Image',
    // 2×2 bgr8 with rows padded to 8 bytes (step 8 > 6).
    {
      header: header(100, 6, 'cam_optical'),
      height: 2,
      width: 2,
      encoding: 'bgr8',
      is_bigendian: 0,
      step: 8,
      data: new Uint8Array([1, 2, 3, 4, 5, 6, 0, 0, 7, 8, 9, 10, 11, 12, 0, 0]),
    },
  ],
  [
    '/cam/camera_info',
    'sensor_msgs/msg/CameraInfo',
    {
      header: header(100, 7, 'cam_optical'),
      height: 480,
      width: 640,
      distortion_model: 'plumb_bob',
      d: [-0.25, 0.07, 0.001, 0.0005, 0],
      k: K,
      r: [0, 0, 0, 0, 0, 0, 0, 0, 0],
      p: [525, 0, 319.5, 0, 0, 525, 239.5, 0, 0, 0, 1, 0],
      binning_x: 0,
      binning_y: 0,
      roi: { x_offset: 0, y_offset: 0, height: 0, width: 0, do_rectify: false },
    },
  ],
  [
    '/tf',
    'tf2_msgs/msg/TFMessage',
    {
      transforms: [
        {
          header: header(100, 8, 'odom'),
          child_frame_id: 'base_link',
          transform: {
            translation: { x: 1, y: 2, z: 0 },
            rotation: { x: 0, y: 0, z: Math.SQRT1_2, w: Math.SQRT1_2 },
          },
        },
        {
          header: header(100, 8, 'base_link'),
          child_frame_id: 'cam_optical',
          transform: {
            translation: { x: 1.5, y: 0, z: 1.2 },
            rotation: { x: -0.5, y: 0.5, z: -0.5, w: 0.5 },
          },
        },
      ],
    },
  ],
];

async function writeRosFile(path: string): Promise<void> {
  const w = await RecordingWriter.create(path, { profile: 'ros2' });
  let t = 100_000_000_000n;
  for (const [topic, type, msg] of MESSAGES) {
    const id = await w.addChannel(topic, {
      kind: 'raw',
      name: type,
      encoding: 'ros2msg',
      data: enc.encode(ROS2_DEFINITIONS[type]),
      messageEncoding: 'cdr',
    });
    await w.write(id, t++, cdr(type, msg));
  }
  await w.close();
}

describe('ROS 2 CDR decoding and conversion', () => {
  it('decodes the four camera-rig message types from an MCAP file and converts them to Viper types', async () => {
    const path = join(dir, 'ros2.mcap');
    await writeRosFile(path);
    const r = await RecordingReader.open(path);
    const decoded: Record<string, Decoded> = {};
    for await (const m of r.messages()) decoded[m.channel.schemaName] = r.decoder(m.channel.id)(m.data);
    await r.close();

    const ci = decoded['sensor_msgs/msg/CompressedImage'] as Decoded;
    expect(rosHeaderStampNs(ci)).toBe(100_000_000_005n);
    expect(ros2CompressedImageToImage(ci)).toEqual({
      encoding: 'jpeg',
      width: 0,
      height: 0,
      data: new Uint8Array([0xff, 0xd8, 0xff, 0xe0]),
    });

    const img = ros2ImageToImage(decoded['sensor_msgs/msg/Image'] as Decoded);
    expect(img).toEqual({
      encoding: 'bgr8',
      width: 2,
      height: 2,
      data: new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]),
    });

    const cal = ros2CameraInfoToCalibration(decoded['sensor_msgs/msg/CameraInfo'] as Decoded);
    expect(cal).toEqual({
      frameId: 'cam_optical',
      width: 640,
      height: 480,
      distortionModel: 'plumb_bob',
      D: [-0.25, 0.07, 0.001, 0.0005, 0],
      K,
      R: [1, 0, 0, 0, 1, 0, 0, 0, 1], // unset R reads as identity
      P: [525, 0, 319.5, 0, 0, 525, 239.5, 0, 0, 0, 1, 0],
    });

    expect(ros2TfToTransforms(decoded['tf2_msgs/msg/TFMessage'] as Decoded)).toEqual([
      {
        parent: 'odom',
        child: 'base_link',
        translation: [1, 2, 0],
        rotation: [0, 0, Math.SQRT1_2, Math.SQRT1_2],
      },
      {
        parent: 'base_link',
        child: 'cam_optical',
        translation: [1.5, 0, 1.2],
        rotation: [-0.5, 0.5, -0.5, 0.5],
      },
    ]);
  });

  it("reads frame ids as tf2 does, without a leading slash (ROS 1 bags' '/cam_front')", () => {
    const tf = {
      transforms: [{ header: { frame_id: '/base_link' }, child_frame_id: '//cam_front', transform: {} }],
    };
    expect(ros2TfToTransforms(tf).map((t) => [t.parent, t.child])).toEqual([['base_link', 'cam_front']]);
    expect(rosFrameId({ header: { frame_id: '/cam_front' } })).toBe('cam_front');
  });

  it('maps schema names (old-style too) to what they are', () => {
    expect(schemaKind('sensor_msgs/msg/Image')).toEqual({ kind: 'rawImage', ros: true });
    expect(schemaKind('sensor_msgs/CompressedImage')).toEqual({ kind: 'image', ros: true });
    expect(schemaKind('tf2_msgs/TFMessage')).toEqual({ kind: 'tf', ros: true });
    expect(schemaKind('foxglove.FrameTransform')).toEqual({ kind: 'tfSingle', ros: false });
    expect(schemaKind('std_msgs/msg/String')).toBeUndefined();
    // A recording's schema named like a property every object has is none of Viper's (it had been { kind: Object }).
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'a/constructor'])
      expect(schemaKind(name), name).toBeUndefined();
    expect(isImageSchema('sensor_msgs/Image') && isImageSchema('foxglove.RawImage')).toBe(true);
    expect(isImageSchema('foxglove.CameraCalibration')).toBe(false);
    expect(
      isCalibrationSchema('sensor_msgs/CameraInfo') && isCalibrationSchema('foxglove.CameraCalibration'),
    ).toBe(true);
  });

  it('reads rgba8 and bgra8 as rgb8 and bgr8, alpha dropped (padded rows and a big-endian flag too)', () => {
    const h = header(1, 0, 'c');
    // 2×2, rows padded to 12 bytes; alpha 7 everywhere.
    const data = new Uint8Array([1, 2, 3, 7, 4, 5, 6, 7, 0, 0, 0, 0, 8, 9, 10, 7, 11, 12, 13, 7, 0, 0, 0, 0]);
    const msg = { header: h, width: 2, height: 2, step: 12, data, is_bigendian: 1 };
    const pixels = new Uint8Array([1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13]);
    expect(ros2ImageToImage({ ...msg, encoding: 'rgba8' })).toEqual({
      encoding: 'rgb8',
      width: 2,
      height: 2,
      data: pixels,
    });
    expect(ros2ImageToImage({ ...msg, encoding: 'bgra8' })).toEqual({
      encoding: 'bgr8',
      width: 2,
      height: 2,
      data: pixels,
    });
    expect(
      foxgloveRawImageToImage({ frame_id: 'c', width: 2, height: 2, encoding: 'rgba8', step: 12, data })
        .encoding,
    ).toBe('rgb8');
  });

  it('says which raw encodings are no camera: depth images, 16-bit grey, encodings it does not read', () => {
    for (const e of ['rgb8', 'bgr8', 'mono8', 'rgba8', 'bgra8']) expect(unreadRawEncoding(e)).toBeUndefined();
    expect(unreadRawEncoding('16UC1')).toBe('16UC1: a depth image, not a camera');
    expect(unreadRawEncoding('32FC1')).toBe('32FC1: a depth image, not a camera');
    expect(unreadRawEncoding('mono16')).toMatch(/^mono16: 16-bit grey .*not a camera/);
    expect(unreadRawEncoding('bayer_rggb8')).toMatch(/'bayer_rggb8' is not one Viper reads/);
    expect(unreadRawEncoding('constructor')).toMatch(/not one Viper reads/);
  });

  it('refuses unsupported images with RecordingError', () => {
    const h = header(1, 0, 'c');
    expect(() =>
      ros2ImageToImage({
        header: h,
        width: 1,
        height: 1,
        encoding: 'bayer_rggb8',
        step: 1,
        data: new Uint8Array(1),
      }),
    ).toThrow(/unsupported raw image encoding 'bayer_rggb8'/);
    expect(() =>
      ros2ImageToImage({
        header: h,
        width: 4,
        height: 4,
        encoding: 'rgb8',
        step: 12,
        data: new Uint8Array(10),
      }),
    ).toThrow(RecordingError);
    expect(() => ros2CompressedImageToImage({ header: h, format: 'tiff', data: new Uint8Array(1) })).toThrow(
      /unsupported compressed image format/,
    );
    expect(() => ros2CameraInfoToCalibration({ header: h, width: 0, height: 0, k: [] })).toThrow(
      /invalid camera calibration/,
    );
  });
});

describe('Foxglove → Viper conversion', () => {
  it('converts images, calibration and transforms', () => {
    const ts = { sec: 3, nsec: 4 };
    expect(foxgloveStampNs({ timestamp: ts })).toBe(3_000_000_004n);
    expect(foxgloveStampNs({ timestamp: { sec: 0, nsec: 0 } })).toBeUndefined();
    expect(
      foxgloveCompressedImageToImage({
        timestamp: ts,
        frame_id: 'c',
        format: 'png',
        data: new Uint8Array([1]),
      }).encoding,
    ).toBe('png');
    expect(
      foxgloveRawImageToImage({
        timestamp: ts,
        frame_id: 'c',
        width: 2,
        height: 1,
        encoding: 'mono8',
        step: 4,
        data: new Uint8Array([9, 8, 0, 0]),
      }),
    ).toEqual({ encoding: 'mono8', width: 2, height: 1, data: new Uint8Array([9, 8]) });
    const cal = foxgloveCalibrationToCalibration({
      timestamp: ts,
      frame_id: 'c',
      width: 4,
      height: 3,
      distortion_model: '',
      D: [],
      K,
      R: [],
      P: [],
    });
    expect(cal.P).toEqual([525, 0, 319.5, 0, 0, 525, 239.5, 0, 0, 0, 1, 0]); // P from K when unset
    expect(
      foxgloveFrameTransformsToTransforms({
        transforms: [
          {
            timestamp: ts,
            parent_frame_id: 'a',
            child_frame_id: 'b',
            translation: { x: 1, y: 2, z: 3 },
            rotation: { x: 0, y: 0, z: 0, w: 0 },
          },
        ],
      }),
    ).toEqual([{ parent: 'a', child: 'b', translation: [1, 2, 3], rotation: [0, 0, 0, 1] }]);
  });

  it('Viper → Foxglove → bytes → Viper is the identity for images, calibration and transforms', () => {
    const tNs = 1_700_000_000_123_456_789n;
    const raw = { encoding: 'rgb8' as const, width: 2, height: 1, data: new Uint8Array([1, 2, 3, 4, 5, 6]) };
    const rawOut = imageToFoxglove(raw, 'cam', tNs);
    expect(rawOut.schema).toBe('RawImage');
    const rawBack = decodeFoxglove(rawOut.schema, encodeFoxglove(rawOut.schema, rawOut.message));
    expect(foxgloveRawImageToImage(rawBack)).toEqual(raw);
    expect(foxgloveStampNs(rawBack)).toBe(tNs);
    const jpeg = { encoding: 'jpeg' as const, width: 0, height: 0, data: new Uint8Array([0xff, 0xd8]) };
    const jpegOut = imageToFoxglove(jpeg, 'cam', tNs);
    expect(
      foxgloveCompressedImageToImage(
        decodeFoxglove(jpegOut.schema, encodeFoxglove(jpegOut.schema, jpegOut.message)),
      ),
    ).toEqual(jpeg);
    const cal = {
      frameId: 'cam',
      width: 640,
      height: 480,
      distortionModel: 'plumb_bob',
      D: [0.1, 0, 0, 0, 0],
      K,
      R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
      P: [525, 0, 319.5, 0, 0, 525, 239.5, 0, 0, 0, 1, 0],
    };
    const calBytes = encodeFoxglove('CameraCalibration', calibrationToFoxglove(cal, tNs));
    expect(foxgloveCalibrationToCalibration(decodeFoxglove('CameraCalibration', calBytes))).toEqual(cal);
    const tfs = [
      {
        parent: 'odom',
        child: 'base_link',
        translation: [1, 2, 3] as [number, number, number],
        rotation: [0, 0, 0, 1] as [number, number, number, number],
      },
    ];
    const tfBytes = encodeFoxglove('FrameTransforms', transformsToFoxglove(tfs, tNs));
    expect(foxgloveFrameTransformsToTransforms(decodeFoxglove('FrameTransforms', tfBytes))).toEqual(tfs);
  });
});
