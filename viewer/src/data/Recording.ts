/**
 * An opened recording or results MCAP: its cameras, its frame clock and random access to one frame's messages.
 * Reads through McapIndexedReader (summary + chunk indexes), so opening touches a few KB and each frame reads
 * only the chunks around its stamp: memory stays flat for any file size. The chunks read last are kept
 * (ChunkCache, at most 32 MiB), so stepping or playing through a chunk fetches it once.
 *
 * A results file written with `replay --results-only` can be opened with its recording beside it (`viper view
 * results.mcap --images recording.mcap`, or both files picked or dropped together): the cameras without images in
 * the results take their images from the recording, read through its own index by the images' stamps.
 */
import type { McapIndexedReader, McapTypes } from '@mcap/core';
import type { GroundTruthMessage } from '../../../src/contracts/perception.ts';
import { compareRigOrder } from '../../../src/contracts/rigOrder.ts';
import { topics } from '../../../src/contracts/topics.ts';
import { makeDecoder, makeStampDecoder, type Decoder } from '../mcap/decoders.ts';
import { openIndexed, topicsOf } from '../mcap/openIndexed.ts';
import { addImagelessCameras, findCameras, nameByFrameId } from './cameraNames.ts';
import { imageLags, LAG_JITTER_NS } from './imageClock.ts';
import { borrowImages, checkPictures, checkSpan, viperRecord } from './lentImages.ts';
import { Trails } from './trails.ts';
import { readLogTimes } from '../mcap/messageIndex.ts';
import {
  annotationsToBoxes,
  calibrationFromMsg,
  groundTruthFromMsg,
  imageFromMsg,
  imageStampNs,
  objectsFromMsg,
  sceneUpdateToObjects,
  transformsFromMsg,
  type CameraBox,
  type CameraImage,
  type CameraIntrinsics,
  type ShownObjects,
  type Tf,
} from './normalize.ts';

export interface CameraInfo {
  id: string;
  /** null: the file has no images of this camera, only its results (`replay --results-only`). */
  imageTopic: string | null;
  annotationsTopic: string | null;
  calibrationTopic: string | null;
  intrinsics: CameraIntrinsics | null;
  /** base_link → camera optical frame, when the file has it. */
  mount: Tf | null;
  /** Its images are read from the recording opened beside a results-only file. */
  imageFromBeside?: boolean;
}

export interface FrameData {
  index: number;
  tNs: bigint;
  images: Map<string, CameraImage>;
  /** Perception boxes per camera (absent key: no annotations for that camera in this frame). */
  boxes: Map<string, CameraBox[]>;
  gt: GroundTruthMessage | null;
  objects: ShownObjects | null;
  /** odom → base_link at this frame. */
  ego: Tf | null;
  /** Object id → recent positions (odom), oldest first, ending at this frame. */
  trails: Map<number, [number, number, number][]>;
}

const STATICS_WINDOW_NS = 2_000_000_000n;
const EGO = 'base_link';

export class Recording {
  readonly cameras: CameraInfo[];
  readonly frameTimes: bigint[];
  readonly hasGroundTruth: boolean;
  readonly hasObjects: boolean;
  /** Anything for the 3D view beyond the ego: world objects (or their SceneUpdate) or ground truth. */
  readonly hasWorld: boolean;
  /**
   * A results file written with `replay --results-only` (its `viper` metadata says `resultsOnly: 'true'`): it has
   * no images by design, its recording has them.
   */
  readonly resultsOnly: boolean;
  /** The images come from the recording opened beside the results (`open`'s `images`). */
  readonly imagesBeside: boolean;
  /** Image topics read from `imageReader` rather than `reader`. */
  private readonly besideTopics = new Set<string>();
  /** Channel problems (undecodable schemas), shown to the user. */
  readonly warnings: string[] = [];
  private moreWarnings = 0;
  private readonly decoders = new Map<string, Decoder>();
  private readonly stampDecoders = new Map<string, Decoder>();
  /**
   * Image topics whose messages are matched to a frame by their own stamp (else log time): every camera's, when
   * the frame clock is annotations, which replay logs at the stamp of the image they were computed on.
   */
  private readonly stampedImageTopics: Set<string>;
  /** Per stamped image topic, how long after its stamp its first image was logged (measured at open). */
  private readonly imageLagNs = new Map<string, bigint>();
  private readonly schemaNames = new Map<string, string>();
  private lastEgo: Tf | null = null;
  private readonly trails = new Trails();

  private constructor(
    readonly name: string,
    private readonly reader: McapIndexedReader,
    /** The recording whose images a results-only file's cameras show (`open`'s `images`), or null. */
    private readonly imageReader: McapIndexedReader | null,
    cameras: CameraInfo[],
    frameTimes: bigint[],
    present: Set<string>,
    clockIsAnnotations: boolean,
    resultsOnly: boolean,
  ) {
    this.cameras = cameras;
    this.resultsOnly = resultsOnly;
    this.imagesBeside = imageReader !== null;
    if (imageReader)
      for (const c of cameras) if (c.imageTopic && c.imageFromBeside) this.besideTopics.add(c.imageTopic);
    this.stampedImageTopics = new Set(
      clockIsAnnotations ? cameras.flatMap((c) => (c.imageTopic ? [c.imageTopic] : [])) : [],
    );
    this.frameTimes = frameTimes;
    this.hasGroundTruth = present.has(topics.groundTruthObjects);
    this.hasObjects = present.has(topics.objects);
    this.hasWorld = this.hasObjects || this.hasGroundTruth || present.has(topics.scene);
  }

  /**
   * Open a recording or results file; `images`: the recording a results-only file was made from, whose images are
   * drawn under its boxes (refused, with the reason, when it has none of the results' cameras or another time span).
   */
  static async open(
    source: McapTypes.IReadable,
    name: string,
    images?: { source: McapTypes.IReadable; name: string },
  ): Promise<Recording> {
    const { reader, readable } = await openIndexed(source, name);
    const byTopic = topicsOf(reader);
    const cameras = findCameras(reader, byTopic);
    await nameByFrameId(reader, cameras, byTopic);
    await addImagelessCameras(reader, cameras, byTopic);
    cameras.sort((a, b) => compareRigOrder(a.id, b.id));
    const borrowed = images ? await borrowImages(name, byTopic, cameras, images) : null;
    // The frame clock: the annotations topic with the most frames (a camera that drops out must not hide the
    // other cameras' frames), else the image topic with the most, else ground truth or objects.
    const annotated = cameras.flatMap((c) => (c.annotationsTopic ? [c.annotationsTopic] : []));
    const candidates = annotated.length
      ? annotated
      : cameras.length
        ? cameras.flatMap((c) => (c.imageTopic ? [c.imageTopic] : []))
        : [topics.groundTruthObjects, topics.objects].filter((t) => byTopic.has(t)).slice(0, 1);
    if (candidates.length === 0)
      throw new Error(`${name} has no camera images, annotations, ground truth or objects to show`);
    const ids = candidates.map((t) => byTopic.get(t)!.id);
    const times = await readLogTimes(reader, readable, new Set(ids));
    let clock = 0;
    for (let k = 1; k < ids.length; k++)
      if ((times.get(ids[k]!)?.length ?? 0) > (times.get(ids[clock]!)?.length ?? 0)) clock = k;
    const frameTimes = times.get(ids[clock]!) ?? [];
    if (frameTimes.length === 0) {
      if (reader.chunkIndexes.some((c) => c.messageIndexLength === 0n && c.messageEndTime !== 0n))
        throw new Error(`${name} has no message indexes (an unindexed MCAP); re-write it with an index`);
      throw new Error(`${name}: topic ${candidates[clock]} has no messages`);
    }

    if (borrowed) {
      checkSpan(borrowed, frameTimes, name);
      await checkPictures(borrowed, reader, cameras, name);
    }
    const rec = new Recording(
      borrowed ? `${name} + images of ${images!.name}` : name,
      reader,
      borrowed?.reader ?? null,
      cameras,
      frameTimes,
      new Set(byTopic.keys()),
      annotated.length > 0,
      (await viperRecord(reader, 'resultsOnly')) === 'true',
    );
    await rec.measureImageLags();
    await rec.readStatics();
    return rec;
  }

  /** Each stamped camera topic's logging lag; topics without stamps or on another clock go by log time. */
  private async measureImageLags(): Promise<void> {
    const lags = new Map<string, bigint>();
    for (const [reader, own] of this.byReader(this.stampedImageTopics))
      for (const [t, lag] of await imageLags(reader, own, (ch, msg) => this.imageStamp(reader, ch, msg)))
        lags.set(t, lag);
    for (const topic of [...this.stampedImageTopics]) {
      const lag = lags.get(topic);
      if (lag === undefined) this.stampedImageTopics.delete(topic);
      else this.imageLagNs.set(topic, lag);
    }
  }

  /** The file a topic is read from: the recording beside the results for the images it lends, else the file. */
  private readerOf(topic: string): McapIndexedReader {
    return this.besideTopics.has(topic) ? this.imageReader! : this.reader;
  }

  /** `topics` split by the file each is read from. */
  private byReader(topics: Iterable<string>): Map<McapIndexedReader, string[]> {
    const out = new Map<McapIndexedReader, string[]>();
    for (const t of topics) {
      const r = this.readerOf(t);
      out.set(r, [...(out.get(r) ?? []), t]);
    }
    return out;
  }

  private decoderFor(reader: McapIndexedReader, ch: McapTypes.Channel): Decoder | null {
    let d = this.decoders.get(ch.topic);
    if (d) return d;
    const schema = reader.schemasById.get(ch.schemaId);
    const made = makeDecoder(ch.messageEncoding, schema);
    if (made instanceof Error) {
      this.warnings.push(`${ch.topic}: ${made.message}`);
      d = () => ({});
    } else d = made;
    this.decoders.set(ch.topic, d);
    this.schemaNames.set(ch.topic, schema?.name ?? '');
    return d;
  }

  /** An image's stamp (imageStampNs), read without decoding its pixels; null when it has none or does not decode. */
  private imageStamp(
    reader: McapIndexedReader,
    ch: McapTypes.Channel,
    msg: McapTypes.Message,
  ): bigint | null {
    let d = this.stampDecoders.get(ch.topic);
    if (!d) {
      const made = makeStampDecoder(ch.messageEncoding, reader.schemasById.get(ch.schemaId));
      d = made instanceof Error ? () => ({}) : made;
      this.stampDecoders.set(ch.topic, d);
    }
    try {
      return imageStampNs(d(msg.data));
    } catch {
      return null; // the whole message is decoded if it is shown, and says why it does not decode
    }
  }

  /** A message that does not decode is met again at every visit of its frame: keep the first few, count the rest. */
  private warn(line: string): void {
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(line);
    else this.warnings[MAX_WARNINGS] = `… and ${++this.moreWarnings} more`;
  }

  /** A message of `reader` (channel ids are per file), decoded. */
  private decode(msg: McapTypes.Message, reader = this.reader): Record<string, unknown> | null {
    const ch = reader.channelsById.get(msg.channelId);
    if (!ch) return null;
    try {
      return this.decoderFor(reader, ch)!(msg.data);
    } catch (err) {
      this.warn(`${ch.topic} @${msg.logTime}: ${(err as Error).message}`);
      return null;
    }
  }

  /** Calibration and camera mounts, from the first messages of their topics (they rarely change). */
  private async readStatics(): Promise<void> {
    const calTopics = this.cameras.flatMap((c) => (c.calibrationTopic ? [c.calibrationTopic] : []));
    const tfTopics = [topics.tf, '/tf_static'].filter((t) =>
      [...this.reader.channelsById.values()].some((c) => c.topic === t),
    );
    const need = new Set(calTopics);
    const mounts = new Map<string, Tf>();
    const camIds = new Set(this.cameras.map((c) => c.id));
    let tfSeen = 0;
    // Look at the first seconds only: opening must not read a long file through when a topic is silent.
    const until = (this.frameTimes[0] ?? 0n) + STATICS_WINDOW_NS;
    for await (const msg of this.reader.readMessages({
      topics: [...calTopics, ...tfTopics],
      endTime: until,
    })) {
      const topic = this.reader.channelsById.get(msg.channelId)?.topic ?? '';
      const dec = this.decode(msg);
      if (!dec) continue;
      if (need.has(topic)) {
        const cam = this.cameras.find((c) => c.calibrationTopic === topic)!;
        cam.intrinsics = calibrationFromMsg(dec);
        need.delete(topic);
      } else if (tfTopics.includes(topic)) {
        tfSeen++;
        for (const tf of transformsFromMsg(dec)) {
          if (tf.parent === EGO && camIds.has(tf.child)) mounts.set(tf.child, tf);
          if (tf.child === EGO && !this.lastEgo) this.lastEgo = tf;
        }
      }
      if (need.size === 0 && (tfSeen >= 4 || tfTopics.length === 0)) break;
    }
    for (const cam of this.cameras) cam.mount = mounts.get(cam.id) ?? null;
  }

  /** Index of the frame whose stamp is nearest to t. */
  private nearestFrame(t: bigint): number {
    const times = this.frameTimes;
    let lo = 0;
    let hi = times.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (times[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 && abs(times[lo - 1]! - t) <= abs(times[lo]! - t) ? lo - 1 : lo;
  }

  /**
   * Everything shown at frame `index`: for each topic the message nearest the frame's stamp within half a frame,
   * by log time, except camera images in a results file: by their own stamp (log time when they have none), as
   * the results were logged at it, so each box is drawn on the image it was computed on. Images are read over the
   * log times their stamps map to: their topic's logging lag (measured at open) later, give or take some jitter.
   * Trails need the objects of the previous TRAIL_FRAMES frames: read once, then kept per frame, so sequential
   * playback reads only the current frame's window.
   */
  async readFrame(index: number): Promise<FrameData> {
    const times = this.frameTimes;
    const t = times[index]!;
    const lowerOf = (i: number) => (i > 0 ? (times[i - 1]! + times[i]!) / 2n + 1n : times[i]! - 50_000_000n);
    const lower = lowerOf(index);
    const upper = index < times.length - 1 ? (t + times[index + 1]!) / 2n : t + 50_000_000n;
    const first = Trails.first(index);
    /** Per topic, the message nearest the frame and when it counts as taken (stamp or log time). */
    const nearest = new Map<string, { msg: McapTypes.Message; at: bigint; reader: McapIndexedReader }>();
    const objectsAt = new Map<number, { dt: bigint; msg: McapTypes.Message }>();
    const objectsOf = (msg: McapTypes.Message) => {
      const j = this.nearestFrame(msg.logTime);
      const dt = abs(msg.logTime - times[j]!);
      const had = objectsAt.get(j);
      if (!had || dt < had.dt) objectsAt.set(j, { dt, msg });
    };
    // After a jump the trail's earlier frames are read for their objects only, not for every topic (images).
    if (this.hasObjects && !this.trails.complete(index) && index > 0) {
      const trail = this.reader.readMessages({
        topics: [topics.objects],
        startTime: lowerOf(first),
        endTime: lower - 1n,
      });
      for await (const msg of trail) objectsOf(msg);
    }
    const stamped = this.stampedImageTopics;
    const take = (topic: string, msg: McapTypes.Message, at: bigint, reader = this.reader) => {
      if (at < lower || at > upper) return;
      if (topic === topics.objects) objectsOf(msg);
      const prev = nearest.get(topic);
      if (!prev || abs(at - t) < abs(prev.at - t)) nearest.set(topic, { msg, at, reader });
    };
    for await (const msg of this.reader.readMessages({ startTime: lower, endTime: upper })) {
      const ch = this.reader.channelsById.get(msg.channelId);
      if (ch && !stamped.has(ch.topic) && !this.besideTopics.has(ch.topic)) take(ch.topic, msg, msg.logTime);
    }
    // Images by their stamps: logged their topic's lag after them (give or take some jitter).
    if (stamped.size > 0) {
      const lags = [...this.imageLagNs.values()];
      const lo = lags.reduce((a, b) => (b < a ? b : a)) - LAG_JITTER_NS;
      const hi = lags.reduce((a, b) => (b > a ? b : a)) + LAG_JITTER_NS;
      const span = { startTime: lower + lo > 0n ? lower + lo : 0n, endTime: upper + hi };
      for (const [reader, own] of this.byReader(stamped)) {
        for await (const msg of reader.readMessages({ topics: own, ...span })) {
          const ch = reader.channelsById.get(msg.channelId);
          if (ch) take(ch.topic, msg, this.imageStamp(reader, ch, msg) ?? msg.logTime, reader);
        }
      }
    }
    // Lent images without stamps on the log's clock: by log time, from the recording beside the results.
    const unstamped = [...this.besideTopics].filter((topic) => !stamped.has(topic));
    if (unstamped.length > 0) {
      const reader = this.imageReader!;
      for await (const msg of reader.readMessages({ topics: unstamped, startTime: lower, endTime: upper })) {
        const ch = reader.channelsById.get(msg.channelId);
        if (ch) take(ch.topic, msg, msg.logTime, reader);
      }
    }
    const get = (topic: string | null) => {
      const m = topic ? nearest.get(topic) : undefined;
      return m ? this.decode(m.msg, m.reader) : null;
    };
    const frame: FrameData = {
      index,
      tNs: t,
      images: new Map(),
      boxes: new Map(),
      gt: null,
      objects: null,
      ego: null,
      trails: new Map(),
    };
    for (const cam of this.cameras) {
      const img = get(cam.imageTopic);
      const image =
        img && cam.imageTopic ? imageFromMsg(this.schemaNames.get(cam.imageTopic) ?? '', img) : null;
      if (image) frame.images.set(cam.id, image);
      const ann = get(cam.annotationsTopic);
      if (ann) frame.boxes.set(cam.id, annotationsToBoxes(ann));
    }
    frame.gt = groundTruthFromMsg(get(topics.groundTruthObjects) ?? {});
    frame.objects = nearest.has(topics.objects) ? objectsFromMsg(get(topics.objects) ?? {}) : null;
    if (!frame.objects && nearest.has(topics.scene)) {
      // Any Foxglove file: fall back to the scene's cubes when there is no viper objects topic.
      frame.objects = {
        stampNs: t.toString(),
        feedId: '',
        objects: sceneUpdateToObjects(get(topics.scene) ?? {}),
      };
    }
    const tf = get(topics.tf);
    if (tf) {
      const ego = transformsFromMsg(tf).find((x) => x.child === EGO);
      if (ego) this.lastEgo = ego;
    }
    frame.ego = this.lastEgo;
    for (const [j, { msg }] of objectsAt) {
      if (this.trails.has(j) && j !== index) continue;
      this.trails.record(j, j === index ? frame.objects : objectsFromMsg(this.decode(msg) ?? {}));
    }
    frame.trails = this.trails.ending(index);
    return frame;
  }
}

const MAX_WARNINGS = 20;

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}
