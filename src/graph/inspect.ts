/**
 * `viper inspect`: what a recording holds — topics with schemas, encodings and counts, time span, and the
 * cameras found (image topics, their frame ids and encodings, and whether a calibration matches each), and the
 * image and calibration topics it cannot take as a camera's. Reads the summary, then only the first message of
 * each image and calibration topic.
 */
import type { TimeNs } from '../contracts/time.ts';
import { nsToSec } from '../contracts/time.ts';
import { type MetadataRecord, RecordingReader } from '../io/index.ts';
import { schemaKind } from '../contracts/schemaKinds.ts';
import { decodeProblem, interpretMessage } from './interpret.ts';
import { compareText } from '../contracts/compareText.ts';

export interface InspectReport {
  path: string;
  sizeBytes: number;
  indexed: boolean;
  /** Streamed because the summary the footer points at could not be used (damaged). */
  summaryUnusable?: boolean;
  profile: string;
  library: string;
  messageCount: number;
  startNs: TimeNs;
  endNs: TimeNs;
  durationS: number;
  compression: string[];
  topics: {
    topic: string;
    schemaName: string;
    schemaEncoding: string;
    messageEncoding: string;
    count: number;
    /** Why Viper cannot decode this topic's messages (an unknown encoding or a broken schema); absent when it can. */
    undecodable?: string;
  }[];
  cameras: {
    cameraId: string;
    topic: string;
    encoding: string;
    frames: number;
    rateHz: number;
    calibration: {
      topic: string;
      width: number;
      height: number;
      fx: number;
      fy: number;
      distortionModel: string;
    } | null;
  }[];
  /**
   * Image and calibration topics whose first message Viper cannot take as a camera's: a depth image (16UC1,
   * 32FC1), 16-bit grey, a raw encoding it does not read, a message that does not convert. Replay copies them
   * through without perceiving them.
   */
  unread: { topic: string; why: string }[];
  /**
   * Cameras recorded on more than one topic (image_transport's `image_raw` and `image_raw/compressed` of one
   * frame_id): replay perceives each stamp's frame once, from the topic read first, and copies the other through
   * (issue `duplicate-frame`). `perceived`: the topic read first at the camera's first stamp (log time, then topic).
   */
  sameCamera: { cameraId: string; topics: string[]; perceived: string }[];
  /** Metadata records: a results file's run settings (`viper`), a scenario's name, an import's source. */
  metadata: MetadataRecord[];
  recovery?: { damaged: boolean; reason?: string; bytesLost: number };
}

export async function inspectRecording(
  path: string,
  opts: { recover?: boolean } = {},
): Promise<InspectReport> {
  const reader = await RecordingReader.open(path, { recover: opts.recover ?? false });
  try {
    const s = reader.summary();
    // With --recover every message is read once: a damaged chunk is found only by reading it, and the index
    // still counts the messages it held, so the counts shown are those read, not those indexed.
    const read = new Map<string, number>();
    /** Per topic, the first and last log time read (a damaged file's rates are over what was recovered). */
    const spans = new Map<string, Span>();
    if (opts.recover) {
      for await (const m of reader.messages()) {
        read.set(m.channel.topic, (read.get(m.channel.topic) ?? 0) + 1);
        const sp = spans.get(m.channel.topic);
        spans.set(m.channel.topic, widen(sp, [m.logTimeNs, m.logTimeNs]));
      }
    }
    const damaged = reader.recovery().damaged;
    const countOf = (topic: string, indexed: number | undefined) =>
      damaged ? (read.get(topic) ?? 0) : (indexed ?? 0);
    const topics = s.channels
      .map((c) => {
        const undecodable = decodeProblem(reader, c.id);
        return {
          topic: c.topic,
          schemaName: c.schemaName,
          schemaEncoding: c.schemaEncoding,
          messageEncoding: c.messageEncoding,
          count: countOf(c.topic, c.messageCount),
          ...(undecodable === undefined ? {} : { undecodable }),
        };
      })
      .sort((a, b) => compareText(a.topic, b.topic));
    const durationS = s.messageCount > 0 ? nsToSec(s.endNs - s.startNs) : 0;
    // What was read of a damaged file: its span, not the one its summary (or the streamed file) claims.
    const readSpan = damaged ? [...spans.values()].reduce<Span | undefined>(widen, undefined) : undefined;
    // Damaged chunks read past: their time holds no frames, so it is not part of a camera's rate.
    const gaps = reader.recovery().gaps ?? [];
    const framedS = (sp: Span) =>
      nsToSec(sp[1] - sp[0]) -
      gaps.reduce((a, g) => {
        const lo = g.startNs > sp[0] ? g.startNs : sp[0];
        const hi = g.endNs < sp[1] ? g.endNs : sp[1];
        return a + (hi > lo ? nsToSec(hi - lo) : 0);
      }, 0);
    const cameras: InspectReport['cameras'] = [];
    const unread: InspectReport['unread'] = [];
    /** Per image topic, the log time of its first message: which of a camera's topics replay reads first. */
    const firstLogNs = new Map<string, bigint>();
    const calibrations = new Map<string, NonNullable<InspectReport['cameras'][number]['calibration']>>();
    for (const ch of s.channels) {
      const k = schemaKind(ch.schemaName);
      if (!k || (k.kind !== 'image' && k.kind !== 'rawImage' && k.kind !== 'calibration')) continue;
      if (decodeProblem(reader, ch.id) !== undefined) continue; // listed with its topic
      const first = await reader.firstMessage([ch.topic]);
      if (!first) continue;
      const it = interpretMessage(first, reader);
      if (it.kind === 'notCamera') unread.push({ topic: ch.topic, why: it.why });
      else if (it.kind === 'bad') unread.push({ topic: ch.topic, why: `first message: ${it.message}` });
      else if (it.kind === 'calibration') {
        const c = it.calibration;
        calibrations.set(c.frameId, {
          topic: ch.topic,
          width: c.width,
          height: c.height,
          fx: c.K[0]!,
          fy: c.K[4]!,
          distortionModel: c.distortionModel,
        });
      } else if (it.kind === 'image') {
        firstLogNs.set(ch.topic, first.logTimeNs);
        const frames = countOf(ch.topic, ch.messageCount);
        // The camera's own span, first frame to last: the file's (a /tf recorded for longer) made it slower.
        const sp = spans.get(ch.topic);
        const own = damaged ? undefined : await reader.topicSpan(ch.topic, first.logTimeNs);
        const spanS = damaged ? (sp ? framedS(sp) : 0) : own ? nsToSec(own.endNs - own.startNs) : 0;
        // A raw image read as another encoding (rgba8 as rgb8, its alpha dropped) is shown as recorded.
        const recorded =
          k.kind === 'rawImage' ? String(reader.decoder(ch.id)(first.data).encoding) : undefined;
        cameras.push({
          cameraId: it.cameraId,
          topic: ch.topic,
          encoding:
            recorded === undefined || recorded === it.image.encoding
              ? it.image.encoding
              : `${recorded} read as ${it.image.encoding}`,
          frames,
          rateHz: frames > 1 && spanS > 0 ? (frames - 1) / spanS : 0,
          calibration: null,
        });
      }
    }
    for (const cam of cameras) cam.calibration = calibrations.get(cam.cameraId) ?? null;
    cameras.sort((a, b) => compareText(a.cameraId, b.cameraId) || compareText(a.topic, b.topic));
    const report: InspectReport = {
      path: reader.path, // the file read, also when given a rosbag2 folder
      sizeBytes: s.sizeBytes,
      indexed: s.indexed,
      ...(s.summaryUnusable ? { summaryUnusable: true } : {}),
      profile: s.profile,
      library: s.library,
      messageCount: damaged ? [...read.values()].reduce((a, b) => a + b, 0) : s.messageCount,
      startNs: readSpan ? readSpan[0] : s.startNs,
      endNs: readSpan ? readSpan[1] : s.endNs,
      durationS: readSpan ? nsToSec(readSpan[1] - readSpan[0]) : damaged ? 0 : durationS,
      compression: s.compression,
      topics,
      cameras,
      sameCamera: sameCamera(cameras, firstLogNs),
      unread: unread.sort((a, b) => compareText(a.topic, b.topic)),
      metadata: await reader.metadata(),
    };
    const rec = reader.recovery();
    if (rec.damaged) report.recovery = { damaged: true, reason: rec.reason, bytesLost: rec.bytesLost };
    return report;
  } finally {
    await reader.close();
  }
}

/** Cameras on several topics, and the topic whose first frame replay reads first (log time, then topic). */
function sameCamera(
  cameras: InspectReport['cameras'],
  firstLogNs: ReadonlyMap<string, bigint>,
): InspectReport['sameCamera'] {
  const byId = new Map<string, string[]>();
  for (const c of cameras) byId.set(c.cameraId, [...(byId.get(c.cameraId) ?? []), c.topic]);
  const out: InspectReport['sameCamera'] = [];
  for (const [cameraId, topics] of byId) {
    if (topics.length < 2) continue;
    const readFirst = [...topics].sort((a, b) => {
      const ta = firstLogNs.get(a) ?? 0n;
      const tb = firstLogNs.get(b) ?? 0n;
      return ta !== tb ? (ta < tb ? -1 : 1) : a < b ? -1 : a > b ? 1 : 0;
    });
    out.push({ cameraId, topics: [...topics].sort(), perceived: readFirst[0]! });
  }
  return out;
}

/** A log-time range [first, last], ns. */
type Span = [bigint, bigint];

/** The smallest span holding both (`a` absent: `b`). */
function widen(a: Span | undefined, b: Span): Span {
  return a ? [a[0] < b[0] ? a[0] : b[0], a[1] > b[1] ? a[1] : b[1]] : b;
}
