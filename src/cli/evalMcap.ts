/**
 * `viper eval` on a results MCAP (src/cli/commands/eval.ts parses the options): tracks from
 * `/perception/<camera>/annotations`, fused objects from `/perception/objects`, run figures from
 * `/perception/metrics`, ground truth from `/ground_truth/objects`; rows meet by log time. Also the detection AP of
 * scored track boxes, shared with text files.
 */
import { basename } from 'node:path';
import { ConfigError, InputError, RecordingError } from '../contracts/errors.ts';
import { compareNs } from '../contracts/time.ts';
import { topics } from '../contracts/topics.ts';
import {
  amota,
  annotationsToRows,
  trackRowsAp,
  type ApResult,
  type BevRow,
  type EvalReport,
  evaluateBev,
  evaluateRows,
  groundTruthToBev,
  groundTruthToRows,
  idSwitches,
  numberFrames,
  objectsToBev,
  precisionRecallSvg,
  parseGroundTruth,
  StampIndex,
  type Stamped,
  summarizeRun,
  type TrackRow,
} from '../eval/index.ts';
import { RecordingReader } from '../io/index.ts';
import { writeOutputFile } from '../io/outputFile.ts';
import { sameFile } from './paths.ts';
import { GroundTruthMatch } from '../eval/groundTruthMatch.ts';

export type ClearOpts = { threshold: number; convention: 'trackeval' | 'motmetrics'; minHeightPx: number };

export async function evalMcap(
  resultsPath: string,
  gtPath: string,
  opts: ClearOpts & { minVisibility: number; matchDistanceM: number },
  switches: boolean,
  plot: string | undefined,
  recover: boolean,
): Promise<EvalReport> {
  // Every stamp of a scored message, numbered into frames once a damaged file's cut is known.
  const stamps: bigint[] = [];
  let tracks: Stamped<TrackRow>[] = [];
  let objects: Stamped<BevRow>[] = [];
  const runMessages: Record<string, unknown>[] = [];
  const notes: string[] = [];
  let unlabelled = 0;
  const annotationTopic = /^\/perception\/(.+)\/annotations$/;
  const annotationStamps = new Set<string>();

  // With --recover, a damaged file is read up to its damage; scoring stops before its last (maybe partial) stamp.
  let cutNs: bigint | undefined;
  const salvaged = (reader: RecordingReader, path: string, lastNs: bigint | undefined) => {
    const r = reader.recovery();
    if (!r.damaged) return;
    notes.push(`${path} is damaged (${r.reason}): ${r.bytesLost} bytes lost, scored up to where it ends`);
    if (lastNs !== undefined && (cutNs === undefined || lastNs < cutNs)) cutNs = lastNs;
  };
  let lastNs: bigint | undefined;
  // A results file passes its input's ground truth through: kept to check that --gt is that recording.
  const separateGt = !sameFile(gtPath, resultsPath);
  const passedGt = new GroundTruthMatch();
  const results = await RecordingReader.open(resultsPath, { recover });
  try {
    const channels = results
      .channels()
      .filter(
        (c) =>
          annotationTopic.test(c.topic) ||
          c.topic === topics.objects ||
          c.topic === topics.metrics ||
          (separateGt && c.topic === topics.groundTruthObjects),
      );
    // Tracks are read from ImageAnnotations only: another schema on such a topic would score as no tracks at all.
    for (const c of channels) {
      if (annotationTopic.test(c.topic) && !/ImageAnnotations$/.test(c.schemaName)) {
        throw new InputError({
          what: `${c.topic} carries ${c.schemaName || 'schemaless messages'}, not foxglove.ImageAnnotations`,
          where: resultsPath,
          hint: 'eval reads tracks as foxglove.ImageAnnotations on /perception/<camera>/annotations (viper replay writes them)',
        });
      }
    }
    for await (const m of results.messages({ topics: channels.map((c) => c.topic) })) {
      const msg = results.decoder(m.channel.id)(m.data);
      const where = `${resultsPath} ${m.channel.topic} @ ${m.logTimeNs}`;
      if (m.channel.topic === topics.groundTruthObjects) {
        passedGt.hold(m.logTimeNs, msg);
        continue;
      }
      if (lastNs === undefined || m.logTimeNs > lastNs) lastNs = m.logTimeNs;
      const cam = annotationTopic.exec(m.channel.topic)?.[1];
      if (cam !== undefined) {
        const key = `${m.channel.topic} @ ${m.logTimeNs}`;
        if (annotationStamps.has(key)) {
          // Rows meet by log time: a second message at the same stamp would be merged with the first.
          throw new InputError({
            what: `two ${m.channel.topic} messages at the same log time`,
            where,
            hint: 'tracks need one annotations message per camera and stamp, each with its own log time',
          });
        }
        annotationStamps.add(key);
        const r = annotationsToRows(msg, cam, where);
        checkUniqueIds(r.rows, (row) => `track #${row.id}`, where);
        unlabelled += r.unlabelled;
        stamps.push(m.logTimeNs);
        for (const row of r.rows) tracks.push({ stampNs: m.logTimeNs, row });
      } else if (m.channel.topic === topics.objects) {
        const o = objectsToBev(msg, where);
        stamps.push(m.logTimeNs);
        for (const row of o.rows) objects.push({ stampNs: m.logTimeNs, row });
      } else {
        runMessages.push(msg);
      }
    }
    salvaged(results, resultsPath, lastNs);
    const damage = results.recovery();
    if (damage.damaged && lastNs === undefined) {
      // Otherwise the messages below would blame a missing topic or a missing replay for what the damage ate.
      throw new RecordingError({
        what: `nothing intact to score before the damage (${damage.reason})`,
        where: resultsPath,
        hint: 'the results were lost with the damaged part: replay the recording again',
      });
    }
  } finally {
    await results.close();
  }

  const resultsEndNs = lastNs;
  let gt2d: Stamped<TrackRow>[] = [];
  let gtBev: Stamped<BevRow>[] = [];
  // Stamps of ground-truth messages (one with no actors is ground truth too: nothing there) and the cameras named.
  const gtStamps = new Set<bigint>();
  const gtCameras = new Set<string>();
  lastNs = undefined;
  const gtReader = await RecordingReader.open(gtPath, { recover });
  try {
    const ch = gtReader.channels().find((c) => c.topic === topics.groundTruthObjects);
    if (!ch) {
      throw new InputError({
        what: `no ${topics.groundTruthObjects} topic`,
        where: gtPath,
        hint: 'pass the simulated recording with --gt <recording.mcap>',
      });
    }
    for await (const m of gtReader.messages({ topics: [topics.groundTruthObjects] })) {
      const raw = gtReader.decoder(m.channel.id)(m.data);
      // Only the stamps the results reached: an interrupted replay's results end early.
      if (passedGt.has(m.logTimeNs)) passedGt.compare(m.logTimeNs, raw);
      const gtWhere = `${gtPath} ${topics.groundTruthObjects} @ ${m.logTimeNs}`;
      const gt = parseGroundTruth(raw, gtWhere);
      if (gtStamps.has(m.logTimeNs)) {
        // Rows meet by log time: a second message at the same stamp would be merged with the first.
        throw new InputError({
          what: `two ${topics.groundTruthObjects} messages at the same log time`,
          where: gtWhere,
          hint: 'ground truth needs one message per stamp, each with its own log time',
        });
      }
      gtStamps.add(m.logTimeNs);
      for (const a of gt.actors) for (const v of a.cameras) gtCameras.add(v.cameraId);
      checkUniqueIds(
        gt.actors.flatMap((a) => a.cameras.map((v) => ({ id: a.id, camera: v.cameraId }))),
        (r) => `actor ${r.id}`,
        gtWhere,
      );
      if (lastNs === undefined || m.logTimeNs > lastNs) lastNs = m.logTimeNs;
      stamps.push(m.logTimeNs);
      for (const row of groundTruthToRows(gt, opts.minVisibility)) gt2d.push({ stampNs: m.logTimeNs, row });
      for (const row of groundTruthToBev(gt, opts.minVisibility, opts.minHeightPx))
        gtBev.push({ stampNs: m.logTimeNs, row });
    }
    // The results file read again as ground truth (the default) is damaged once, not twice.
    if (separateGt) salvaged(gtReader, gtPath, lastNs);
  } finally {
    await gtReader.close();
  }
  if (gtStamps.size === 0) {
    throw new InputError({
      what: `no messages on ${topics.groundTruthObjects}${cutNs !== undefined ? ' before the damage' : ''}`,
      where: gtPath,
      hint: 'pass a recording with ground truth (viper simulate writes it) with --gt',
    });
  }
  const { differs, compared, size } = passedGt;
  if (differs > 0 || (size > 0 && compared === 0)) {
    throw new InputError({
      what: `results were replayed from another recording: their ground truth differs from --gt's at ${differs || size} of ${compared || size} stamps`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from with --gt',
    });
  }
  if (resultsEndNs !== undefined && lastNs !== undefined && cutNs === undefined && lastNs > resultsEndNs) {
    // An interrupted replay: say why the later ground truth counts as missed.
    const s = (ns: bigint) => (Number(ns - (stamps[0] ?? 0n)) / 1e9).toFixed(1);
    notes.push(
      `the results end at ${s(resultsEndNs)} s and the ground truth at ${s(lastNs)} s: what lies after is scored as missed (an interrupted replay?)`,
    );
  }
  const cut = cutNs;
  const kept = <T extends { stampNs: bigint }>(xs: T[]): T[] =>
    cut === undefined ? xs : xs.filter((x) => x.stampNs < cut);
  const index = new StampIndex();
  for (const s of stamps) if (cut === undefined || s < cut) index.add(s);
  if (cut !== undefined) {
    tracks = kept(tracks);
    objects = kept(objects);
    gt2d = kept(gt2d);
    gtBev = kept(gtBev);
    const scored =
      index.size > 0 ? ` (${Number(index.stampOf(index.size - 1) - index.stampOf(0)) / 1e9} s)` : '';
    notes.push(`scored ${index.size} stamps${scored}, before the last stamp of the damaged file`);
  }

  const report: EvalReport = { results: resultsPath, groundTruth: gtPath, format: 'mcap', notes };
  const trackStamps = new Set(tracks.map((r) => r.stampNs));
  const orphan = [...trackStamps].filter((s) => !gtStamps.has(s)).length;
  if (trackStamps.size > 0 && orphan === trackStamps.size) {
    // Nothing would be compared: every track a false positive and every actor a miss, which reads as a score.
    throw new InputError({
      what: `no annotation stamp has ground truth at the same log time (results ${span(trackStamps)}, ground truth ${span(gtStamps)})`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from with --gt',
    });
  }
  const trackCameras = new Set(tracks.map((r) => r.row.camera ?? ''));
  const unseen = [...trackCameras].filter((c) => !gtCameras.has(c)).sort();
  if (trackCameras.size > 0 && gtCameras.size > 0 && unseen.length === trackCameras.size) {
    throw new InputError({
      what: `the results' cameras (${unseen.join(', ')}) and the ground truth's (${[...gtCameras].sort().join(', ')}) have none in common`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from with --gt',
    });
  }
  if (gtCameras.size > 0 && unseen.length > 0)
    notes.push(
      `${unseen.join(', ')}: tracks but no ground truth in that camera (every track there scored as a false positive)`,
    );
  if (orphan > 0)
    notes.push(
      `${orphan} annotation stamps have no ground truth at the same log time (scored as false positives)`,
    );
  if (unlabelled > 0)
    notes.push(`${unlabelled} annotation outlines without a '#id' track label were not scored as tracks`);
  const gtRows = numberFrames(gt2d, index);
  const trRows = numberFrames(tracks, index);
  if (trRows.length > 0) {
    const range = { firstFrame: 0, lastFrame: Math.max(0, index.size - 1) };
    report.tracking = evaluateRows(gtRows, trRows, { ...opts, ...range });
    if (switches) {
      report.idSwitches = idSwitches(gtRows, trRows, { ...opts, ...range }).map((w) => ({
        ...w,
        timeS: Number(index.stampOf(w.frame) - index.stampOf(0)) / 1e9,
      }));
    }
    report.detection = await detectionAp(gtRows, trRows, opts.minHeightPx, plot, resultsPath);
  } else {
    notes.push('no tracks on /perception/<camera>/annotations: 2D tracking not scored');
  }
  if (objects.length > 0) {
    const g = numberFrames(gtBev, index);
    const t = numberFrames(objects, index);
    report.bev = {
      metrics: evaluateBev(g, t, { matchDistanceM: opts.matchDistanceM }),
      amota: amota(g, t, { matchDistanceM: opts.matchDistanceM }),
    };
  }
  if (!report.tracking && !report.bev) {
    // A recording that was never replayed, or a replay without a tracker: a report of nothing would read as
    // a pass to a script that only checks the exit code.
    throw new ConfigError({
      what: `nothing to score: no tracks on /perception/<camera>/annotations and no /perception/objects${unlabelled > 0 ? ` (${unlabelled} detections without track ids)` : ''}`,
      where: resultsPath,
      hint: `replay it with a tracker first: viper replay ${resultsPath} -o ${resultsPath.replace(/\.mcap$/i, '')}.results.mcap`,
    });
  }
  if (runMessages.length > 0) report.run = summarizeRun(runMessages);
  return report;
}

/** First and last of a set of log times, in seconds. */
function span(stamps: Set<bigint>): string {
  const xs = [...stamps].sort(compareNs);
  if (xs.length === 0) return 'none';
  const s = (ns: bigint) => (Number(ns) / 1e9).toFixed(3);
  return `${s(xs[0]!)}–${s(xs[xs.length - 1]!)} s`;
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

/** Detection AP of the scored track boxes; with `plot`, also their precision–recall curves as an SVG there. */
export async function detectionAp(
  gt: TrackRow[],
  tr: TrackRow[],
  minHeightPx: number,
  plot: string | undefined,
  results: string,
): Promise<ApResult> {
  const ap = trackRowsAp(gt, tr, minHeightPx, plot !== undefined);
  if (plot === undefined) return ap;
  if (Object.keys(ap.perClass).length === 0) {
    throw new ConfigError({
      what: '--pr-plot: no class has ground truth to draw a curve for',
      where: results,
    });
  }
  await writeOutputFile(
    plot,
    precisionRecallSvg(ap.perClass, `${basename(results)}: detection AP50 per class`),
    '--pr-plot',
  );
  // The curves went to the plot; the report keeps its usual shape.
  for (const c of Object.values(ap.perClass)) delete c.curve50;
  return ap;
}
