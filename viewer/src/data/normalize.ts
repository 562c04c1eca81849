/**
 * Messages normalized on entry into the few shapes the views draw (one place that knows Foxglove field names).
 * Pure functions; unknown or partial messages give empty results rather than exceptions.
 */
import { schemaKind } from '../../../src/contracts/schemaKinds.ts';
import type { GroundTruthMessage, ObjectsMessage, WorldObject } from '../../../src/contracts/perception.ts';
import type { Decoded } from '../mcap/decoders.ts';
import type { Rgba } from '../state/colors.ts';

export interface CameraBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** Track id parsed from the label text "id cls"; null when the label has none. */
  trackId: number | null;
  cls: string;
  label: string;
  /** The annotation's outline_color (what Foxglove draws); null when it has none. */
  color: Rgba | null;
}

/** A world object to draw, with the colour its message gives it (a SceneUpdate cube's), if any. */
export type ShownObject = WorldObject & { color?: Rgba };
/** World objects of one frame: /perception/objects, or the cubes of /perception/scene. */
export interface ShownObjects extends ObjectsMessage {
  objects: ShownObject[];
}

export interface Tf {
  parent: string;
  child: string;
  translation: [number, number, number];
  rotation: [number, number, number, number];
}

export interface CameraIntrinsics {
  frameId: string;
  width: number;
  height: number;
  /** 3×3 row-major. */
  K: number[];
}

export type CameraImage =
  | { kind: 'compressed'; format: string; data: Uint8Array }
  | { kind: 'raw'; encoding: string; width: number; height: number; step: number; data: Uint8Array };

type Obj = Record<string, unknown>;
const num = (v: unknown, d = 0): number => (typeof v === 'number' && Number.isFinite(v) ? v : d);
const arr = (v: unknown): Obj[] => (Array.isArray(v) ? (v as Obj[]) : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/** A foxglove.Color ({r, g, b, a} in 0–1; a missing alpha is opaque), or null when it is not one. */
function colorOf(v: unknown): Rgba | null {
  if (typeof v !== 'object' || v === null) return null;
  const c = v as Obj;
  if (![c.r, c.g, c.b].every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  return { r: c.r as number, g: c.g as number, b: c.b as number, a: num(c.a, 1) };
}

/**
 * A box label → its track id and class. `viper replay` writes "#12 car 0.87" for tracks and "car 0.87" for plain
 * detections (`--tracker none`); "12 car" and "car" are read too. The score, a trailing number, is not part of the
 * class: "#12 car 0.87" → {trackId: 12, cls: 'car'}; "car 0.87" → {trackId: null, cls: 'car'}.
 */
export function parseLabel(text: string): { trackId: number | null; cls: string } {
  const m = /^\s*#?(\d+)\s+(.*)$/.exec(text);
  const rest = (m ? m[2]! : text).trim();
  const score = /^(.*\S)\s+[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i.exec(rest);
  return { trackId: m ? Number(m[1]) : null, cls: score ? score[1]! : rest };
}

/** How far (px) a label may sit from its box's top-left corner to be taken as written for it. */
const LABEL_NEAR_PX = 16;

/**
 * Rectangles of a foxglove.ImageAnnotations (points annotations, bounding box of their points) with their labels.
 * Where there is one text per outline, each near its own outline's top-left corner (as `viper replay` writes
 * them, and as eval reads them: `texts[k]` labels `points[k]`), they are paired by index; otherwise (another
 * producer's order) each text goes to the box whose top-left corner is nearest. Nearest alone mislabelled
 * overlapping boxes: a track's label sits 4 px above its box, nearer another box's corner in a crowd.
 */
export function annotationsToBoxes(msg: Decoded): CameraBox[] {
  const points = arr(msg.points);
  const texts = arr(msg.texts);
  const boxes: CameraBox[] = [];
  const boxOfPoint = new Map<number, number>();
  points.forEach((p, k) => {
    const pts = arr(p.points);
    if (pts.length < 2) return;
    let x1 = Infinity;
    let y1 = Infinity;
    let x2 = -Infinity;
    let y2 = -Infinity;
    for (const q of pts) {
      const x = num(q.x);
      const y = num(q.y);
      x1 = Math.min(x1, x);
      y1 = Math.min(y1, y);
      x2 = Math.max(x2, x);
      y2 = Math.max(y2, y);
    }
    const color = colorOf(p.outline_color) ?? colorOf(arr(p.outline_colors)[0]);
    boxOfPoint.set(k, boxes.length);
    boxes.push({ x1, y1, x2, y2, trackId: null, cls: '', label: '', color });
  });
  const posOf = (t: Obj) => {
    const pos = (t.position ?? {}) as Obj;
    return { x: num(pos.x), y: num(pos.y) };
  };
  const label = (b: CameraBox, t: Obj) => {
    const text = str(t.text);
    Object.assign(b, parseLabel(text), { label: text });
  };
  const byIndex =
    texts.length === points.length &&
    texts.every((t, k) => {
      const b = boxOfPoint.get(k);
      if (b === undefined) return false;
      const { x, y } = posOf(t);
      return Math.hypot(boxes[b]!.x1 - x, boxes[b]!.y1 - y) <= LABEL_NEAR_PX;
    });
  if (byIndex) {
    texts.forEach((t, k) => {
      label(boxes[boxOfPoint.get(k)!]!, t);
    });
    return boxes;
  }
  const taken = new Set<number>();
  for (const t of texts) {
    const { x: tx, y: ty } = posOf(t);
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < boxes.length; i++) {
      if (taken.has(i)) continue;
      const b = boxes[i]!;
      const d = (b.x1 - tx) ** 2 + (b.y1 - ty) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best < 0) continue;
    taken.add(best);
    label(boxes[best]!, t);
  }
  return boxes;
}

// Which channels are images and calibrations, and the camera a topic names: as viper replay decides them.
export { isCalibrationSchema, isImageSchema } from '../../../src/contracts/schemaKinds.ts';
export { cameraFromTopic } from '../../../src/contracts/topics.ts';
const isRawImageSchema = (name: string): boolean => schemaKind(name)?.kind === 'rawImage';

/** Foxglove FrameTransforms (or one FrameTransform) and ROS 2 tf2_msgs/TFMessage (TransformStamped[]). */
export function transformsFromMsg(msg: Decoded): Tf[] {
  const list = Array.isArray(msg.transforms) ? arr(msg.transforms) : 'child_frame_id' in msg ? [msg] : [];
  return list.map((t) => {
    // ROS: {header: {frame_id}, child_frame_id, transform: {translation, rotation}}.
    const ros = (t.transform ?? null) as Obj | null;
    const tr = ((ros ?? t).translation ?? {}) as Obj;
    const rot = ((ros ?? t).rotation ?? {}) as Obj;
    return {
      parent: str(t.parent_frame_id ?? t.parentFrameId ?? ((t.header ?? {}) as Obj).frame_id),
      child: str(t.child_frame_id ?? t.childFrameId),
      translation: [num(tr.x), num(tr.y), num(tr.z)],
      rotation: [num(rot.x), num(rot.y), num(rot.z), num(rot.w, 1)],
    };
  });
}

/** A number array, or a typed array (ROS 2 CDR decodes float64[9] as a Float64Array). */
const numbers = (v: unknown): number[] | null =>
  Array.isArray(v)
    ? (v as number[])
    : ArrayBuffer.isView(v) && !(v instanceof DataView)
      ? Array.from(v as unknown as ArrayLike<number>)
      : null;

/** foxglove.CameraCalibration (K) or sensor_msgs/CameraInfo (k, frame_id in the header). */
export function calibrationFromMsg(msg: Decoded): CameraIntrinsics | null {
  const K = numbers(msg.K) ?? numbers(msg.k) ?? [];
  const width = num(msg.width);
  const height = num(msg.height);
  if (K.length !== 9 || width <= 0 || height <= 0) return null;
  const frameId = str(msg.frame_id ?? msg.frameId ?? ((msg.header ?? {}) as Obj).frame_id);
  return { frameId, width, height, K: [...K] };
}

/** foxglove.CompressedImage / RawImage, or sensor_msgs/CompressedImage / Image (same field names). */
export function imageFromMsg(schemaName: string, msg: Decoded): CameraImage | null {
  const data = msg.data instanceof Uint8Array ? msg.data : null;
  if (!data) return null;
  if (schemaName.endsWith('CompressedImage'))
    return { kind: 'compressed', format: str(msg.format) || 'jpeg', data };
  if (isRawImageSchema(schemaName)) {
    return {
      kind: 'raw',
      encoding: str(msg.encoding),
      width: num(msg.width),
      height: num(msg.height),
      step: num(msg.step),
      data,
    };
  }
  return null;
}

/**
 * When an image was taken, in ns, as viper replay reads it: foxglove.CompressedImage / RawImage `timestamp`
 * (`{sec, nsec}` in JSON, `{seconds, nanos}` as protobuf decodes), ROS `header.stamp` (`{sec, nanosec}`, ROS 1
 * `{sec, nsec}`). null when there is none, or it is zero (unset) or before 1970 (replay gives such an image no
 * results): the image is then placed by its log time.
 */
export function imageStampNs(msg: Decoded): bigint | null {
  const stamp = (msg.timestamp ?? ((msg.header ?? {}) as Obj).stamp) as unknown;
  if (typeof stamp !== 'object' || stamp === null) return null;
  const s = stamp as Obj;
  const whole = (v: unknown): bigint | null =>
    typeof v === 'bigint' ? v : typeof v === 'number' && Number.isInteger(v) ? BigInt(v) : null;
  const sec = whole(s.sec ?? s.seconds);
  const nsec = whole(s.nanosec ?? s.nsec ?? s.nanos ?? 0);
  if (sec === null || nsec === null) return null;
  const t = sec * 1_000_000_000n + nsec;
  return t > 0n ? t : null;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isVec3 = (v: unknown): boolean => Array.isArray(v) && v.length === 3 && v.every(isNum);
const isBox3 = (v: unknown): boolean => isObj(v) && isVec3(v.center) && isVec3(v.size) && isNum(v.yaw);
const isBox2 = (v: unknown): boolean => isObj(v) && isNum(v.x1) && isNum(v.y1) && isNum(v.x2) && isNum(v.y2);
const isView = (v: unknown): boolean =>
  isObj(v) && typeof v.cameraId === 'string' && isBox2(v.box) && isNum(v.visibleFraction);
const isActor = (a: unknown): boolean =>
  isObj(a) &&
  (typeof a.id === 'string' || isNum(a.id)) &&
  isBox3(a.boxWorld) &&
  Array.isArray(a.cameras) &&
  a.cameras.every(isView);
const isWorldObject = (o: unknown): boolean => isObj(o) && isNum(o.id) && isBox3(o.box) && isVec3(o.velocity);

/**
 * A viper.GroundTruth message with only the actors the views can draw: one of another shape (a file not written
 * by viper) is left out rather than thrown on half way through a frame.
 */
export function groundTruthFromMsg(msg: Decoded): GroundTruthMessage | null {
  if (typeof msg.stampNs !== 'string' || !Array.isArray(msg.actors)) return null;
  return {
    ...(msg as unknown as GroundTruthMessage),
    actors: msg.actors.filter(isActor) as GroundTruthMessage['actors'],
  };
}

/** A viper.Objects message with only well-formed objects (as groundTruthFromMsg). */
export function objectsFromMsg(msg: Decoded): ObjectsMessage | null {
  if (typeof msg.stampNs !== 'string' || !Array.isArray(msg.objects)) return null;
  return {
    ...(msg as unknown as ObjectsMessage),
    objects: msg.objects.filter(isWorldObject) as ObjectsMessage['objects'],
  };
}

/**
 * Fallback for files without /perception/objects: the cubes of a foxglove.SceneUpdate as world objects (yaw from
 * the orientation, id from the entity id when numeric, else a hash; the cube's colour, as Foxglove draws it).
 * Velocity is unknown (zero).
 */
export function sceneUpdateToObjects(msg: Decoded): ShownObject[] {
  const out: ShownObject[] = [];
  for (const e of arr(msg.entities)) {
    const idText = str(e.id);
    const m = /(\d+)\s*$/.exec(idText);
    const id = m ? Number(m[1]) : hashId(idText);
    for (const c of arr(e.cubes)) {
      const pose = (c.pose ?? {}) as Obj;
      const p = (pose.position ?? {}) as Obj;
      const q = (pose.orientation ?? {}) as Obj;
      const s = (c.size ?? {}) as Obj;
      const [qx, qy, qz, qw] = [num(q.x), num(q.y), num(q.z), num(q.w, 1)];
      const yaw = Math.atan2(2 * (qw * qz + qx * qy), 1 - 2 * (qy * qy + qz * qz));
      const color = colorOf(c.color);
      out.push({
        ...(color ? { color } : {}),
        id,
        cls: 'car',
        frameId: str(e.frame_id ?? e.frameId) || 'odom',
        box: { center: [num(p.x), num(p.y), num(p.z)], size: [num(s.x, 1), num(s.y, 1), num(s.z, 1)], yaw },
        velocity: [0, 0, 0],
        positionCovariance: [0, 0, 0, 0],
        sources: [],
      });
    }
  }
  return out;
}

function hashId(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h % 100000;
}
