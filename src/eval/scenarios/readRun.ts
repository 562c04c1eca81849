/**
 * Reads one run for scoring: the results MCAP of `viper replay` (2D tracks from `/perception/<camera>/annotations`,
 * world objects from `/perception/objects`, run figures from `/perception/metrics`) and the ground truth
 * (`/ground_truth/objects` of the recording, or of the results file, which passes its inputs through).
 * Frames are the ground truth's stamps; results at other stamps are a mismatch, reported as bad input.
 */
import { RecordingError } from '../../contracts/errors.ts';
import type { GroundTruthMessage } from '../../contracts/perception.ts';
import { compareNs } from '../../contracts/time.ts';
import { CONFIRMED_THICKNESS } from '../../contracts/annotations.ts';
import { isImageSchema } from '../../contracts/schemaKinds.ts';
import { cameraFromTopic, topics } from '../../contracts/topics.ts';
import { RecordingReader } from '../../io/index.ts';
import { sameFile } from '../../io/sameFile.ts';
import { parseGroundTruth } from '../../contracts/perception.ts';
import { annotationsToRows, objectsToBev } from '../fromMessages.ts';
import type { TrackRow } from '../rows.ts';
import { GroundTruthMatch } from '../groundTruthMatch.ts';

/** One 2D track box in one camera frame. `confirmed`: drawn as a confirmed track (outline thickness 2). */
export interface TrackObs {
  camera: string;
  id: number;
  cls: string;
  box: TrackRow['box'];
  score?: number;
  confirmed: boolean;
}

/** One fused world object's ground-plane centre (frame `odom`). */
export interface ObjectObs {
  id: number;
  cls: string;
  x: number;
  y: number;
}

/** Everything the scenario checks need, indexed by frame (= rank of the ground-truth stamp). */
export interface RunData {
  stampsNs: bigint[];
  gt: GroundTruthMessage[];
  tracks: TrackObs[][];
  objects: ObjectObs[][];
  hasTracks: boolean;
  hasObjects: boolean;
  /** Decoded `/perception/metrics` messages. */
  runMessages: Record<string, unknown>[];
  /** Annotation outlines without a `#id` label (plain detections), counted. */
  unlabelled: number;
  /** The cameras of the recording (its image topics, in either file), seen or not by any actor. */
  cameras: string[];
}

const ANNOTATIONS = /^\/perception\/(.+)\/annotations$/;

/** Results at stamps the ground truth lacks: above this share the files are taken not to belong together. */
const MAX_ORPHAN_SHARE = 0.05;

/**
 * Read a results file and its ground truth. Throws RecordingError (one line) when the ground truth has no
 * `/ground_truth/objects`, or when the results' stamps do not match the ground truth's (another recording).
 */
export async function readRun(resultsPath: string, gtPath: string = resultsPath): Promise<RunData> {
  const gtByStamp = new Map<bigint, GroundTruthMessage>();
  const cameras = new Set<string>();
  /** The ground truth, to compare with the copy a results file passes through. */
  const match = new GroundTruthMatch();
  const separate = !sameFile(gtPath, resultsPath);
  const gtReader = await RecordingReader.open(gtPath);
  try {
    const ch = gtReader.channels().find((c) => c.topic === topics.groundTruthObjects);
    if (!ch) {
      throw new RecordingError({
        what: separate
          ? `no ${topics.groundTruthObjects} topic: this recording has no ground truth to score against`
          : `no ${topics.groundTruthObjects} topic: these results carry no ground truth to score against`,
        where: gtPath,
        hint: 'pass the simulated recording with --gt <recording.mcap>',
      });
    }
    for (const c of gtReader.channels())
      if (isImageSchema(c.schemaName)) cameras.add(cameraFromTopic(c.topic));
    for await (const m of gtReader.messages({ topics: [topics.groundTruthObjects] })) {
      const raw = gtReader.decode(m);
      if (gtByStamp.has(m.logTimeNs)) {
        // Frames are the ground truth's stamps: a second message at one stamp would replace the first unseen.
        throw new RecordingError({
          what: `two ${topics.groundTruthObjects} messages at the same log time`,
          where: `${gtPath} @ ${m.logTimeNs}`,
          hint: 'ground truth needs one message per stamp, each with its own log time',
        });
      }
      gtByStamp.set(m.logTimeNs, parseGroundTruth(raw, `${gtPath} @ ${m.logTimeNs}`));
      if (separate) match.hold(m.logTimeNs, raw);
    }
  } finally {
    await gtReader.close();
  }
  const stampsNs = [...gtByStamp.keys()].sort(compareNs);
  const frameOf = new Map(stampsNs.map((s, i) => [s, i]));
  const data: RunData = {
    stampsNs,
    gt: stampsNs.map((s) => gtByStamp.get(s)!),
    tracks: stampsNs.map(() => []),
    objects: stampsNs.map(() => []),
    hasTracks: false,
    hasObjects: false,
    runMessages: [],
    unlabelled: 0,
    cameras: [],
  };

  const orphans = new Set<bigint>();
  const seen = new Set<bigint>();
  const results = await RecordingReader.open(resultsPath);
  try {
    for (const c of results.channels())
      if (isImageSchema(c.schemaName)) cameras.add(cameraFromTopic(c.topic));
    const wanted = results
      .channels()
      .map((c) => c.topic)
      .filter(
        (t) =>
          ANNOTATIONS.test(t) ||
          t === topics.objects ||
          t === topics.metrics ||
          (separate && t === topics.groundTruthObjects),
      );
    for await (const m of results.messages({ topics: wanted })) {
      const msg = results.decode(m);
      if (m.channel.topic === topics.groundTruthObjects) {
        // The results pass their input through: its ground truth must be the one we score against.
        match.compare(m.logTimeNs, msg);
        continue;
      }
      if (m.channel.topic === topics.metrics) {
        data.runMessages.push(msg as Record<string, unknown>);
        continue;
      }
      seen.add(m.logTimeNs);
      const k = frameOf.get(m.logTimeNs);
      if (k === undefined) {
        orphans.add(m.logTimeNs);
        continue;
      }
      const cam = ANNOTATIONS.exec(m.channel.topic)?.[1];
      if (cam !== undefined) {
        data.hasTracks = true;
        const where = `${resultsPath} ${m.channel.topic} @ ${m.logTimeNs}`;
        data.tracks[k]!.push(...trackObs(msg as AnnotationsLike, cam, data, where));
      } else {
        data.hasObjects = true;
        const o = objectsToBev(msg, `${resultsPath} ${m.channel.topic} @ ${m.logTimeNs}`);
        for (const r of o.rows) data.objects[k]!.push({ id: Number(r.id), cls: r.cls ?? '', x: r.x, y: r.y });
      }
    }
  } finally {
    await results.close();
  }
  data.cameras = [...cameras].sort();
  if (match.differs > 0) {
    throw new RecordingError({
      what: `results were replayed from another recording: their ground truth differs from this one at ${match.differs} of ${match.compared} stamps`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from with --gt',
    });
  }
  if (seen.size > 0 && orphans.size > MAX_ORPHAN_SHARE * seen.size) {
    throw new RecordingError({
      what: `results and ground truth are from different recordings: ${orphans.size} of ${seen.size} result stamps have no ground truth`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from',
    });
  }
  return data;
}

interface AnnotationsLike {
  points?: { points?: { x: number; y: number }[]; thickness?: number }[];
  texts?: { text?: string }[];
}

/** Tracks of one annotations message, with the confirmed flag `tracksToImageAnnotations` encodes as thickness. */
function trackObs(msg: AnnotationsLike, camera: string, data: RunData, where: string): TrackObs[] {
  const out: TrackObs[] = [];
  const points = msg.points ?? [];
  points.forEach((p, k) => {
    const one = annotationsToRows({ points: [p], texts: [msg.texts?.[k] ?? {}] }, camera, where);
    data.unlabelled += one.unlabelled;
    for (const r of one.rows) {
      const t: TrackObs = {
        camera,
        id: Number(r.id),
        cls: r.cls ?? '',
        box: r.box,
        confirmed: (p.thickness ?? CONFIRMED_THICKNESS) >= CONFIRMED_THICKNESS,
      };
      if (r.score !== undefined) t.score = r.score;
      out.push(t);
    }
  });
  return out;
}
