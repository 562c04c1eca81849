/**
 * Reading for `viper eval` on a results MCAP (evalMcap.ts scores what this reads). First a scan of both files
 * (`readResults`, `readGroundTruth`): their checks, the stamps that hold tracks, objects and ground truth, run
 * figures, and what a damaged file (`--recover`) left; no rows are kept. Then `readFrames`, once per scoring pass:
 * both files' messages again, stamp by stamp, as rows. Memory stays with a stamp's rows, not the file's.
 */
import { notWholeRun, replayMetadata } from './interrupted.ts';
import { InputError, RecordingError } from '../contracts/errors.ts';
import { topics } from '../contracts/topics.ts';
import { compareNs } from '../contracts/time.ts';
import {
  annotationsToRows,
  type BevRow,
  type DetectionRow,
  groundTruthToBev,
  groundTruthToRows,
  objectsToBev,
  RunSummary,
  type TrackRow,
} from '../eval/index.ts';
import { GroundTruthMatch } from '../eval/groundTruthMatch.ts';
import { type RecordedMessage, RecordingReader } from '../io/index.ts';
import { parseGroundTruth } from '../contracts/perception.ts';

/**
 * What reading a damaged file (`--recover`) leaves for scoring: notes for the report, and the stamp before which
 * scoring stops (the last, maybe partial, stamp of the earliest-ending damaged file).
 */
export class Damage {
  readonly notes: string[] = [];
  cutNs: bigint | undefined;
  /** Log-time ranges of damaged chunks read past: what was there is lost, so it is not scored. */
  readonly gaps: { startNs: bigint; endNs: bigint }[] = [];

  salvaged(reader: RecordingReader, path: string, lastNs: bigint | undefined): void {
    const r = reader.recovery();
    if (!r.damaged) return;
    if (r.gaps) {
      this.gaps.push(...r.gaps);
      this.notes.push(
        `${path} is damaged (${r.reason}): ${r.bytesLost} bytes lost; the stamps of the chunks skipped are not scored`,
      );
    } else
      this.notes.push(
        `${path} is damaged (${r.reason}): ${r.bytesLost} bytes lost, scored up to where it ends`,
      );
    if (lastNs !== undefined && (this.cutNs === undefined || lastNs < this.cutNs)) this.cutNs = lastNs;
  }

  /** A stamp inside a skipped chunk's range. */
  inGap(stampNs: bigint): boolean {
    return this.gaps.some((g) => stampNs >= g.startNs && stampNs <= g.endNs);
  }
}

/** `eval --from / --to`: seconds after the first message scored in the results file (`toS` exclusive). */
export interface ScoreWindow {
  fromS: number;
  toS: number;
}

/** A window as log times (both inclusive), and the results file's whole span for messages. */
export interface LogWindow {
  startNs: bigint;
  endNs: bigint;
  spanS: number;
}

export interface ResultsRead {
  /** The log times scored, with `--from / --to`. */
  window?: LogWindow;
  /** Stamps of every scored message, in reading order. */
  stamps: Set<bigint>;
  /** Stamps holding tracks, with the cameras they are in. */
  trackStamps: Map<bigint, string[]>;
  /** Stamps holding plain detections (no track ids: `replay --tracker none`), with their cameras. */
  detectionStamps: Map<bigint, string[]>;
  /** Stamps holding fused objects. */
  objectStamps: Set<bigint>;
  /** The run figures of `/perception/metrics`, and how many messages gave them. */
  run: RunSummary;
  unlabelled: number;
  /** Of those, the plain detections ("car 0.87"): what a replay without a tracker writes. */
  detections: number;
  /** The ground truth the results passed through (with a separate --gt), to check it is that recording. */
  passedGt: GroundTruthMatch;
  endNs: bigint | undefined;
  /** Results that are no whole run (Ctrl-C, an error halfway, no usable image), in notWholeRun's words. */
  interrupted: string | undefined;
  /** The file is results of viper replay (its `viper` metadata), whatever it holds. */
  replayed: boolean;
}

export interface GroundTruthRead {
  /** Stamps of ground-truth messages (one with no actors is ground truth too: nothing there). */
  gtStamps: Set<bigint>;
  /** The cameras the ground truth names. */
  gtCameras: Set<string>;
  /** Some message said ground truth exists only at its stamps (`GroundTruthMessage.keyFramesOnly`). */
  keyFramesOnly: boolean;
  endNs: bigint | undefined;
}

const ANNOTATIONS = /^\/perception\/(.+)\/annotations$/;

/** Tracks, fused objects and run figures of a results file (and the ground truth it passed through). */
export async function readResults(
  resultsPath: string,
  separateGt: boolean,
  recover: boolean,
  damage: Damage,
  window?: ScoreWindow,
): Promise<ResultsRead> {
  const out: ResultsRead = {
    stamps: new Set(),
    trackStamps: new Map(),
    detectionStamps: new Map(),
    objectStamps: new Set(),
    run: new RunSummary(),
    unlabelled: 0,
    detections: 0,
    passedGt: new GroundTruthMatch(),
    endNs: undefined,
    interrupted: undefined,
    replayed: false,
  };
  const lastAnnotation = new Map<string, bigint>();
  const results = await RecordingReader.open(resultsPath, { recover });
  try {
    const meta = await replayMetadata(results);
    out.interrupted = await notWholeRun(results);
    out.replayed = meta !== undefined;
    const channels = results
      .channels()
      .filter(
        (c) =>
          ANNOTATIONS.test(c.topic) ||
          c.topic === topics.objects ||
          c.topic === topics.metrics ||
          (separateGt && c.topic === topics.groundTruthObjects),
      );
    // Tracks are read from ImageAnnotations only: another schema on such a topic would score as no tracks at all.
    for (const c of channels) {
      if (ANNOTATIONS.test(c.topic) && !/ImageAnnotations$/.test(c.schemaName)) {
        throw new InputError({
          what: `${c.topic} carries ${c.schemaName || 'schemaless messages'}, not foxglove.ImageAnnotations`,
          where: resultsPath,
          hint: 'eval reads tracks as foxglove.ImageAnnotations on /perception/<camera>/annotations (viper replay writes them)',
        });
      }
    }
    const read = channels.map((c) => c.topic);
    // The anchor counts the ground truth the results carry even when --gt is another file (read from there).
    const scored = results.channels().some((c) => c.topic === topics.groundTruthObjects)
      ? [...new Set([...read, topics.groundTruthObjects])]
      : read;
    if (window) out.window = await logWindow(results, scored, window);
    const range = out.window ? { startNs: out.window.startNs, endNs: out.window.endNs } : {};
    for await (const m of results.messages({ topics: read, ...range })) {
      const msg = results.decode(m);
      const where = `${resultsPath} ${m.channel.topic} @ ${m.logTimeNs}`;
      if (m.channel.topic === topics.groundTruthObjects) {
        out.passedGt.hold(m.logTimeNs, msg);
        continue;
      }
      if (out.endNs === undefined || m.logTimeNs > out.endNs) out.endNs = m.logTimeNs;
      const cam = ANNOTATIONS.exec(m.channel.topic)?.[1];
      if (cam !== undefined) {
        // Messages come in log-time order: a second one at a camera's stamp follows the first on that topic.
        if (lastAnnotation.get(m.channel.topic) === m.logTimeNs) {
          // Rows meet by log time: a second message at the same stamp would be merged with the first.
          throw new InputError({
            what: `two ${m.channel.topic} messages at the same log time`,
            where,
            hint: 'tracks need one annotations message per camera and stamp, each with its own log time',
          });
        }
        lastAnnotation.set(m.channel.topic, m.logTimeNs);
        const r = annotationsToRows(msg, cam, where);
        checkUniqueIds(r.rows, (row) => `track #${row.id}`, where);
        out.unlabelled += r.unlabelled;
        out.detections += r.detections.length;
        out.stamps.add(m.logTimeNs);
        if (r.rows.length > 0) addCamera(out.trackStamps, m.logTimeNs, cam);
        if (r.detections.length > 0) addCamera(out.detectionStamps, m.logTimeNs, cam);
      } else if (m.channel.topic === topics.objects) {
        const o = objectsToBev(msg, where);
        out.stamps.add(m.logTimeNs);
        if (o.rows.length > 0) out.objectStamps.add(m.logTimeNs);
      } else {
        out.run.add(msg);
      }
    }
    damage.salvaged(results, resultsPath, out.endNs);
    const d = results.recovery();
    if (d.damaged && out.endNs === undefined) {
      // Otherwise the messages below would blame a missing topic or a missing replay for what the damage ate.
      throw new RecordingError({
        what: `nothing intact to score before the damage (${d.reason})`,
        where: resultsPath,
        hint: 'the results were lost with the damaged part: replay the recording again',
      });
    }
  } finally {
    await results.close();
  }
  return out;
}

function addCamera(stamps: Map<bigint, string[]>, stampNs: bigint, cam: string): void {
  const cams = stamps.get(stampNs);
  if (cams) cams.push(cam);
  else stamps.set(stampNs, [cam]);
}

/** The ground truth's stamps and cameras; compares it with what the results passed through. */
export async function readGroundTruth(
  gtPath: string,
  recover: boolean,
  separateGt: boolean,
  passedGt: GroundTruthMatch,
  damage: Damage,
  window?: LogWindow,
): Promise<GroundTruthRead> {
  const out: GroundTruthRead = {
    gtStamps: new Set(),
    gtCameras: new Set(),
    keyFramesOnly: false,
    endNs: undefined,
  };
  const gtReader = await RecordingReader.open(gtPath, { recover });
  try {
    const ch = gtReader.channels().find((c) => c.topic === topics.groundTruthObjects);
    if (!ch) {
      throw new InputError({
        what: `no ${topics.groundTruthObjects} topic`,
        where: gtPath,
        hint: 'a simulated recording carries it: pass that with --gt <recording.mcap>; for real images, `viper export` the tracks as MOTChallenge text and score them against your labels (viper eval <camera>.txt --gt labels.txt)',
      });
    }
    const range = window ? { startNs: window.startNs, endNs: window.endNs } : {};
    for await (const m of gtReader.messages({ topics: [topics.groundTruthObjects], ...range })) {
      const raw = gtReader.decode(m);
      // Only the stamps the results reached: an interrupted replay's results end early.
      if (passedGt.has(m.logTimeNs)) passedGt.compare(m.logTimeNs, raw);
      const gtWhere = `${gtPath} ${topics.groundTruthObjects} @ ${m.logTimeNs}`;
      const gt = parseGroundTruth(raw, gtWhere);
      if (out.gtStamps.has(m.logTimeNs)) {
        // Rows meet by log time: a second message at the same stamp would be merged with the first.
        throw new InputError({
          what: `two ${topics.groundTruthObjects} messages at the same log time`,
          where: gtWhere,
          hint: 'ground truth needs one message per stamp, each with its own log time',
        });
      }
      out.gtStamps.add(m.logTimeNs);
      if (gt.keyFramesOnly) out.keyFramesOnly = true;
      for (const a of gt.actors) for (const v of a.cameras) out.gtCameras.add(v.cameraId);
      checkUniqueIds(
        gt.actors.flatMap((a) => a.cameras.map((v) => ({ id: a.id, camera: v.cameraId }))),
        (r) => `actor ${r.id}`,
        gtWhere,
      );
      if (out.endNs === undefined || m.logTimeNs > out.endNs) out.endNs = m.logTimeNs;
    }
    // The results file read again as ground truth (the default) is damaged once, not twice.
    if (separateGt) damage.salvaged(gtReader, gtPath, out.endNs);
  } finally {
    await gtReader.close();
  }
  if (out.gtStamps.size === 0) {
    throw new InputError({
      what: `no messages on ${topics.groundTruthObjects}${damage.cutNs !== undefined ? ' before the damage' : ''}`,
      where: gtPath,
      hint: 'pass a recording with ground truth (viper simulate writes it) with --gt',
    });
  }
  return out;
}

/** One scored stamp's rows: 2D ground truth, tracks and plain detections, BEV ground truth and fused objects. */
interface FrameRows {
  stampNs: bigint;
  gt: Omit<TrackRow, 'frame'>[];
  tracks: Omit<TrackRow, 'frame'>[];
  detections: DetectionRow[];
  gtBev: Omit<BevRow, 'frame'>[];
  objects: Omit<BevRow, 'frame'>[];
}

/**
 * A stamp met again after a later one: the reader's bounded reorder window (an unindexed or damaged file is read
 * streamed) could not put the messages in log-time order, so a stamp's rows would be split into two frames.
 */
export class OutOfOrder extends Error {}

/**
 * The rows of every stamp `scored` accepts, stamps increasing, read again from files the scan has checked: tracks
 * and objects from the results file, ground truth from `gtPath` (the same file, or another read alongside). Within a
 * stamp rows keep the files' order (canonical: log time, topic, sequence), as the scan read them. Stamp by stamp,
 * throwing OutOfOrder where the messages are not in log-time order; `buffered`: every stamp's rows held, then
 * yielded sorted (memory grows with the file, for files whose order the reader cannot restore).
 */
export async function* readFrames(
  resultsPath: string,
  gtPath: string,
  separateGt: boolean,
  opts: { minVisibility: number; minHeightPx: number; recover: boolean; buffered: boolean },
  window: LogWindow | undefined,
  scored: (stampNs: bigint) => boolean,
): AsyncGenerator<FrameRows> {
  const range = window ? { startNs: window.startNs, endNs: window.endNs } : {};
  const results = await RecordingReader.open(resultsPath, { recover: opts.recover });
  const gtReader = separateGt ? await RecordingReader.open(gtPath, { recover: opts.recover }) : results;
  try {
    const tracked = results
      .channels()
      .map((c) => c.topic)
      .filter((t) => ANNOTATIONS.test(t) || t === topics.objects);
    // (An empty topic list would read every topic.)
    const sources = separateGt
      ? [
          ...(tracked.length > 0 ? [results.messages({ topics: tracked, ...range })] : []),
          gtReader.messages({ topics: [topics.groundTruthObjects], ...range }),
        ]
      : [results.messages({ topics: [...tracked, topics.groundTruthObjects], ...range })];
    const held = new Map<bigint, FrameRows>();
    let frame: FrameRows | undefined;
    for await (const m of mergeByLogTime(sources)) {
      if (!scored(m.logTimeNs)) continue;
      if (opts.buffered) {
        frame = held.get(m.logTimeNs) ?? newFrame(m.logTimeNs);
        held.set(m.logTimeNs, frame);
      } else if (frame && frame.stampNs !== m.logTimeNs) {
        if (m.logTimeNs < frame.stampNs)
          throw new OutOfOrder(`log time ${m.logTimeNs} after ${frame.stampNs}`);
        yield frame;
        frame = undefined;
      }
      frame ??= newFrame(m.logTimeNs);
      const isGt = m.channel.topic === topics.groundTruthObjects;
      const msg = (isGt ? gtReader : results).decode(m);
      const where = `${isGt ? gtPath : resultsPath} ${m.channel.topic} @ ${m.logTimeNs}`;
      const cam = ANNOTATIONS.exec(m.channel.topic)?.[1];
      if (cam !== undefined) {
        const r = annotationsToRows(msg, cam, where);
        frame.tracks.push(...r.rows);
        frame.detections.push(...r.detections);
      } else if (m.channel.topic === topics.objects) frame.objects.push(...objectsToBev(msg, where).rows);
      else {
        const gt = parseGroundTruth(msg, where);
        frame.gt.push(...groundTruthToRows(gt, opts.minVisibility));
        frame.gtBev.push(...groundTruthToBev(gt, opts.minVisibility, opts.minHeightPx));
      }
    }
    if (opts.buffered) yield* [...held.values()].sort((a, b) => compareNs(a.stampNs, b.stampNs));
    else if (frame) yield frame;
  } finally {
    await results.close();
    if (separateGt) await gtReader.close();
  }
}

function newFrame(stampNs: bigint): FrameRows {
  return { stampNs, gt: [], tracks: [], detections: [], gtBev: [], objects: [] };
}

/** Messages of several sources, each in log-time order, as one in log-time order (the first source first on ties). */
async function* mergeByLogTime(sources: AsyncIterable<RecordedMessage>[]): AsyncGenerator<RecordedMessage> {
  const its = sources.map((s) => s[Symbol.asyncIterator]());
  const heads = await Promise.all(its.map((it) => it.next()));
  for (;;) {
    let k = -1;
    for (let i = 0; i < heads.length; i++) {
      const h = heads[i]!;
      if (!h.done && (k < 0 || h.value.logTimeNs < (heads[k]!.value as RecordedMessage).logTimeNs)) k = i;
    }
    if (k < 0) return;
    yield heads[k]!.value as RecordedMessage;
    heads[k] = await its[k]!.next();
  }
}

/**
 * The window as log times, from the first message of what is scored (tracks, objects, run figures, ground truth):
 * the file's own first message may be far earlier (a /tf_static at log time 0 put every window 56 years off).
 */
async function logWindow(reader: RecordingReader, scored: string[], w: ScoreWindow): Promise<LogWindow> {
  const { endNs: last } = reader.summary();
  const first = (await reader.firstMessage(scored))?.logTimeNs ?? reader.summary().startNs;
  const ns = (s: number) => first + BigInt(Math.round(s * 1e9));
  return {
    startNs: ns(w.fromS),
    endNs: Number.isFinite(w.toS) ? ns(w.toS) - 1n : last,
    spanS: Number(last - first) / 1e9,
  };
}

/** Ids must be unique per camera within one message (the scorer matches by id within a frame). */
function checkUniqueIds<R extends { id: string | number; camera?: string | undefined }>(
  rows: readonly R[],
  name: (r: R) => string,
  where: string,
): void {
  const seen = new Set<string>();
  for (const r of rows) {
    const key = `${r.camera ?? ''}\u0000${r.id}`;
    if (seen.has(key)) {
      throw new InputError({
        what: `${name(r)} appears twice in camera ${r.camera ?? '(none)'}`,
        where,
        hint: 'ids must be unique per camera within a message',
      });
    }
    seen.add(key);
  }
}
