/**
 * Builds small results MCAPs for the viewer tests with the production writer (src/io RecordingWriter): six
 * cameras with JPEG images (sharp), calibration, /tf (ego pose + camera mounts), per-camera ImageAnnotations,
 * /perception/objects with 100 world objects, and /ground_truth/objects. The boxes are laid out so each frame's
 * expected metrics are known exactly (see EXPECTED), and one id switch happens at SWITCH_FRAME on cam_front.
 */
import { readFileSync } from 'node:fs';
import type { McapTypes } from '@mcap/core';
import sharp from 'sharp';
import type { GroundTruthMessage, ObjectsMessage, WorldObject } from '../../src/contracts/perception.ts';
import type { ViperClass } from '../../src/contracts/classes.ts';
import { RecordingWriter } from '../../src/io/index.ts';
import { tracksToImageAnnotations } from '../../src/track/annotations.ts';

export const CAMERAS = [
  'cam_front',
  'cam_front_left',
  'cam_front_right',
  'cam_back',
  'cam_back_left',
  'cam_back_right',
];
const YAW_DEG: Record<string, number> = {
  cam_front: 0,
  cam_front_left: 60,
  cam_front_right: -60,
  cam_back: 180,
  cam_back_left: 120,
  cam_back_right: -120,
};
export const T0 = 1_700_000_000_000_000_000n;
export const FRAME_NS = 100_000_000n;
export const SWITCH_FRAME = 15;
const OBJECTS = 100;
const CLASSES = ['car', 'truck', 'bus', 'pedestrian', 'cyclist', 'motorcycle'] as const;

/** Per frame: cam_front has 3 TP, 1 FP (track 9), 1 FN (actor a4); every other camera 2 TP. */
export const EXPECTED = { tp: 3 + 5 * 2, fp: 1, fn: 1, frontTp: 3, frontFp: 1, frontFn: 1 };

interface FixtureOptions {
  frames?: number;
  width?: number;
  height?: number;
  groundTruth?: boolean;
  /** false: a simulator recording (images, calibration, tf, ground truth) without annotations or objects. */
  perception?: boolean;
  compression?: 'zstd' | 'lz4' | 'none';
  chunkSize?: number;
  /** A camera whose CompressedImage bytes are not a JPEG (a recording damaged inside its messages). */
  undecodableCamera?: string;
  /**
   * Milliseconds from an image's stamp to its log time (all cameras, or per camera): a real ROS 2 bag logs an
   * image when it arrives, tens of ms after its header stamp, while the results stay at the stamps.
   */
  imageLagMs?: number | Record<string, number>;
  /** Cameras whose images carry no stamp (a zero `timestamp`): only their log time says when they were taken. */
  unstampedCameras?: string[];
  /**
   * Seconds the images' stamps are behind their log time, on another clock (a simulator's sim time), while the
   * results are at the log times, as replay writes such a camera's.
   */
  imageClockBehindS?: number;
  /** Paint frame k's marker into each image (see FRAME_MARKER), so a test can tell which frame's image is shown. */
  frameMarker?: boolean;
}

/**
 * The frame marker: a white square in the sky at x = x0 + k·step (frame k mod `slots`), y ∈ [y, y + size), where
 * no box or label of `layout` is drawn.
 */
const FRAME_MARKER = { x0: 8, step: 20, y: 2, size: 12, slots: 24 };

/**
 * The frame index whose marker an RGB(A) picture shows, from its top rows (`channels` 3 or 4, `width` px wide, the
 * fixture's 640 px layout scaled to it): null when no slot is white. Reads the middle of each slot.
 */
export function frameOfMarker(data: ArrayLike<number>, width: number, channels: number): number | null {
  const s = width / 640;
  const y = Math.round((FRAME_MARKER.y + FRAME_MARKER.size / 2) * s);
  const lit: number[] = [];
  for (let k = 0; k < FRAME_MARKER.slots; k++) {
    const x = Math.round((FRAME_MARKER.x0 + k * FRAME_MARKER.step + FRAME_MARKER.size / 2) * s);
    const o = (y * width + x) * channels;
    if (data[o]! > 220 && data[o + 1]! > 220 && data[o + 2]! > 220) lit.push(k);
  }
  return lit.length === 1 ? lit[0]! : null;
}

interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** The 2D layout of one camera at frame k (pixels), as fractions of the image so any size works. */
export function layout(camera: string, k: number, w: number, h: number) {
  const dx = (k * 2 * w) / 640;
  const B = (fx1: number, fy1: number, fx2: number, fy2: number): Box => ({
    x1: fx1 * w + dx,
    y1: fy1 * h,
    x2: fx2 * w + dx,
    y2: fy2 * h,
  });
  if (camera === 'cam_front') {
    const gt = [
      { id: 'a1', cls: 'car' as const, box: B(0.05, 0.45, 0.25, 0.75) },
      { id: 'a2', cls: 'truck' as const, box: B(0.3, 0.35, 0.5, 0.75) },
      { id: 'a3', cls: 'pedestrian' as const, box: B(0.55, 0.4, 0.62, 0.7) },
      { id: 'a4', cls: 'car' as const, box: B(0.7, 0.5, 0.78, 0.6) },
    ];
    const jitter = (b: Box): Box => ({ x1: b.x1 + 2, y1: b.y1 + 1, x2: b.x2 - 1, y2: b.y2 + 2 });
    const preds = [
      { trackId: 1, cls: 'car', box: jitter(gt[0]!.box) },
      { trackId: k < SWITCH_FRAME ? 2 : 7, cls: 'truck', box: jitter(gt[1]!.box) },
      { trackId: 3, cls: 'pedestrian', box: jitter(gt[2]!.box) },
      { trackId: 9, cls: 'car', box: B(0.82, 0.1, 0.95, 0.3) },
    ];
    return { gt, preds };
  }
  const base = CAMERAS.indexOf(camera) * 10;
  const gt = [
    { id: `${camera}-g1`, cls: 'car' as const, box: B(0.1, 0.4, 0.35, 0.7) },
    { id: `${camera}-g2`, cls: 'bus' as const, box: B(0.5, 0.3, 0.8, 0.75) },
  ];
  const preds = gt.map((g, i) => ({ trackId: base + 20 + i, cls: g.cls as string, box: { ...g.box } }));
  return { gt, preds };
}

const CLASS_RGB: Record<string, [number, number, number]> = {
  car: [200, 60, 60],
  truck: [60, 160, 60],
  bus: [60, 90, 200],
  pedestrian: [220, 200, 60],
  cyclist: [200, 60, 200],
  motorcycle: [60, 200, 200],
};

async function renderJpeg(
  camera: string,
  k: number,
  w: number,
  h: number,
  marker = false,
): Promise<Uint8Array> {
  const px = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    const sky = y < h * 0.45;
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      px[o] = sky ? 110 : 70;
      px[o + 1] = sky ? 140 : 72;
      px[o + 2] = sky ? 180 : 76;
    }
  }
  for (const g of layout(camera, k, w, h).gt) {
    const c = CLASS_RGB[g.cls]!;
    for (let y = Math.max(0, Math.round(g.box.y1)); y < Math.min(h, Math.round(g.box.y2)); y++) {
      for (let x = Math.max(0, Math.round(g.box.x1)); x < Math.min(w, Math.round(g.box.x2)); x++) {
        const o = (y * w + x) * 3;
        px[o] = c[0];
        px[o + 1] = c[1];
        px[o + 2] = c[2];
      }
    }
  }
  if (marker) {
    const s = w / 640;
    const x0 = Math.round((FRAME_MARKER.x0 + (k % FRAME_MARKER.slots) * FRAME_MARKER.step) * s);
    const y0 = Math.round(FRAME_MARKER.y * s);
    const size = Math.round(FRAME_MARKER.size * s);
    for (let y = y0; y < y0 + size; y++) px.fill(255, (y * w + x0) * 3, (y * w + x0 + size) * 3);
  }
  return new Uint8Array(
    await sharp(px, { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 70 })
      .toBuffer(),
  );
}

/** base_link → optical frame: optical z forward, x right, y down; then yaw about base_link z. */
function mountQuat(yawDeg: number): { x: number; y: number; z: number; w: number } {
  const qo = [-0.5, 0.5, -0.5, 0.5]; // FLU ← optical
  const half = (yawDeg * Math.PI) / 360;
  const qy = [0, 0, Math.sin(half), Math.cos(half)];
  // qy ⊗ qo
  const [x1, y1, z1, w1] = qy as [number, number, number, number];
  const [x2, y2, z2, w2] = qo as [number, number, number, number];
  return {
    x: w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
    y: w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
    z: w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    w: w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
  };
}

function worldObjects(k: number): WorldObject[] {
  const t = k * 0.1;
  const out: WorldObject[] = [];
  for (let i = 0; i < OBJECTS; i++) {
    const row = Math.floor(i / 10);
    const col = i % 10;
    const vx = col % 2 === 0 ? 6 : -4;
    const cls = CLASSES[i % CLASSES.length]!;
    const size: [number, number, number] =
      cls === 'pedestrian' ? [0.6, 0.6, 1.7] : cls === 'bus' ? [11, 2.5, 3.2] : [4.4, 1.8, 1.5];
    out.push({
      id: i + 1,
      cls,
      frameId: 'odom',
      box: {
        center: [-40 + row * 10 + vx * t, -25 + col * 5.5, size[2] / 2],
        size,
        yaw: vx > 0 ? 0 : Math.PI,
      },
      velocity: [vx, 0, 0],
      positionCovariance: [0.1, 0, 0, 0.1],
      sources: [],
    });
  }
  return out;
}

function groundTruth(k: number, tNs: bigint, w: number, h: number): GroundTruthMessage {
  const actors: GroundTruthMessage['actors'] = [];
  for (const cam of CAMERAS) {
    for (const g of layout(cam, k, w, h).gt) {
      const box3 = {
        center: [10 + actors.length * 3, 4, 0.8] as [number, number, number],
        size: [4.4, 1.8, 1.6] as [number, number, number],
        yaw: 0,
      };
      actors.push({
        id: g.id,
        cls: g.cls,
        boxWorld: { ...box3, center: [box3.center[0] + k * 0.5, box3.center[1], box3.center[2]] },
        boxEgo: box3,
        velocity: [5, 0, 0],
        cameras: [{ cameraId: cam, box: g.box, visibleFraction: 0.9 }],
      });
    }
  }
  return { stampNs: tNs.toString(), actors };
}

/** Write a fixture file; returns its path. */
export async function writeFixture(path: string, opts: FixtureOptions = {}): Promise<string> {
  const frames = opts.frames ?? 30;
  const w = opts.width ?? 640;
  const h = opts.height ?? 360;
  const writer = await RecordingWriter.create(path, {
    compression: opts.compression ?? 'zstd',
    chunkSize: opts.chunkSize ?? 512 * 1024,
  });
  const perception = opts.perception !== false;
  const ch = {
    tf: await writer.addChannel('/tf', { kind: 'foxglove', name: 'FrameTransforms' }),
    objects: !perception
      ? -1
      : await writer.addChannel('/perception/objects', {
          kind: 'json',
          name: 'viper.Objects',
          jsonSchema: {
            type: 'object',
            properties: { stampNs: { type: 'string' }, objects: { type: 'array' } },
          },
        }),
    gt:
      opts.groundTruth === false
        ? -1
        : await writer.addChannel('/ground_truth/objects', {
            kind: 'json',
            name: 'viper.GroundTruth',
            jsonSchema: {
              type: 'object',
              properties: { stampNs: { type: 'string' }, actors: { type: 'array' } },
            },
          }),
    image: new Map<string, number>(),
    calib: new Map<string, number>(),
    ann: new Map<string, number>(),
  };
  for (const cam of CAMERAS) {
    ch.image.set(
      cam,
      await writer.addChannel(`/${cam}/image`, { kind: 'foxglove', name: 'CompressedImage' }),
    );
    ch.calib.set(
      cam,
      await writer.addChannel(`/${cam}/calibration`, { kind: 'foxglove', name: 'CameraCalibration' }),
    );
    if (perception) {
      ch.ann.set(
        cam,
        await writer.addChannel(`/perception/${cam}/annotations`, {
          kind: 'foxglove',
          name: 'ImageAnnotations',
        }),
      );
    }
  }
  const f = w / 2; // 90° horizontal field of view
  for (let k = 0; k < frames; k++) {
    const tNs = T0 + BigInt(k) * FRAME_NS;
    const stamp = { sec: Number(tNs / 1_000_000_000n), nsec: Number(tNs % 1_000_000_000n) };
    const transforms = [
      {
        timestamp: stamp,
        parent_frame_id: 'odom',
        child_frame_id: 'base_link',
        translation: { x: k * 0.5, y: 0, z: 0 },
        rotation: { x: 0, y: 0, z: 0, w: 1 },
      },
      ...CAMERAS.map((cam) => ({
        timestamp: stamp,
        parent_frame_id: 'base_link',
        child_frame_id: cam,
        translation: {
          x: 1.5 * Math.cos((YAW_DEG[cam]! * Math.PI) / 180),
          y: 0.9 * Math.sin((YAW_DEG[cam]! * Math.PI) / 180),
          z: 1.6,
        },
        rotation: mountQuat(YAW_DEG[cam]!),
      })),
    ];
    await writer.writeObject(ch.tf, tNs, { transforms });
    for (const cam of CAMERAS) {
      // Cameras fire a little after the rig stamp, as real ones do.
      const camT = tNs + BigInt(CAMERAS.indexOf(cam)) * 1_000_000n;
      const camStamp = { sec: Number(camT / 1_000_000_000n), nsec: Number(camT % 1_000_000_000n) };
      await writer.writeObject(ch.calib.get(cam)!, camT, {
        timestamp: camStamp,
        frame_id: cam,
        width: w,
        height: h,
        distortion_model: 'plumb_bob',
        D: [0, 0, 0, 0, 0],
        K: [f, 0, w / 2, 0, f, h / 2, 0, 0, 1],
        R: [1, 0, 0, 0, 1, 0, 0, 0, 1],
        P: [f, 0, w / 2, 0, 0, f, h / 2, 0, 0, 0, 1, 0],
      });
      const lagMs = typeof opts.imageLagMs === 'number' ? opts.imageLagMs : (opts.imageLagMs?.[cam] ?? 0);
      await writer.writeObject(ch.image.get(cam)!, camT + BigInt(Math.round(lagMs * 1e6)), {
        timestamp: opts.unstampedCameras?.includes(cam)
          ? { sec: 0, nsec: 0 }
          : { ...camStamp, sec: camStamp.sec - (opts.imageClockBehindS ?? 0) },
        frame_id: cam,
        format: 'jpeg',
        data:
          cam === opts.undecodableCamera
            ? new Uint8Array(512).fill(7)
            : await renderJpeg(cam, k, w, h, opts.frameMarker),
      });
      const { preds } = layout(cam, k, w, h);
      if (!perception) continue;
      // Labelled as viper replay labels its tracks ("#12 car 0.90"), by the same function.
      const tracks = preds.map((p) => ({
        cameraId: cam,
        trackId: p.trackId,
        cls: p.cls as ViperClass,
        score: 0.9,
        box: p.box,
        state: 'confirmed' as const,
        age: k,
      }));
      await writer.writeObject(ch.ann.get(cam)!, tNs, tracksToImageAnnotations(tracks, tNs, cam));
    }
    const objects: ObjectsMessage = { stampNs: tNs.toString(), feedId: 'fixture', objects: worldObjects(k) };
    if (ch.objects >= 0) await writer.writeObject(ch.objects, tNs, objects);
    if (ch.gt >= 0) await writer.writeObject(ch.gt, tNs, groundTruth(k, tNs, w, h));
  }
  await writer.close();
  return path;
}

/** A file as the random-access source the viewer's reader takes (what Blob.slice or HTTP Range give it). */
export function fileReadable(path: string): McapTypes.IReadable {
  const buf = readFileSync(path);
  return {
    size: async () => BigInt(buf.length),
    read: async (o, s) => new Uint8Array(buf.buffer, buf.byteOffset + Number(o), Number(s)),
  };
}

/** 0–255 sRGB of a colour with 0–1 components (as the viewer paints it on a canvas). */
export const rgb255 = (c: { r: number; g: number; b: number }): [number, number, number] => [
  Math.round(255 * c.r),
  Math.round(255 * c.g),
  Math.round(255 * c.b),
];

/** sRGB component → linear (three.js keeps instance colours linear). */
export const srgbToLinear = (c: number): number =>
  c < 0.04045 ? c * 0.0773993808 : (c * 0.9478672986 + 0.0521327014) ** 2.4;

/**
 * Page-side expression (window.viper.debug()): per world object drawn in the 3D view, its id, the linear
 * instance colour of its box and the sRGB pixel of its label sprite's background.
 */
export const SCENE_COLORS_JS = `(() => {
  const { scene, frame } = window.viper.debug();
  const a = scene.boxes.instanceColor.array;
  return frame.objects.objects.slice(0, scene.boxes.count).map((o, i) => {
    const px = scene.labelCache.get(o.id).map.image.getContext('2d').getImageData(2, 2, 1, 1).data;
    return { id: o.id, box: [a[3 * i], a[3 * i + 1], a[3 * i + 2]], label: [px[0], px[1], px[2]] };
  });
})()`;
export interface SceneColor {
  id: number;
  box: [number, number, number];
  label: [number, number, number];
}
