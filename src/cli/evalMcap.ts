/**
 * `viper eval` on a results MCAP (src/cli/commands/eval.ts parses the options): tracks from
 * `/perception/<camera>/annotations`, fused objects from `/perception/objects`, run figures from
 * `/perception/metrics`, ground truth from `/ground_truth/objects`; rows meet by log time. Also the detection AP of
 * scored track boxes, shared with text files.
 */
import { basename } from 'node:path';
import { ConfigError, InputError, RecordingError } from '../contracts/errors.ts';
import { compareNs } from '../contracts/time.ts';
import {
  ApAccumulator,
  type ApResult,
  apBoxes,
  BevScorer,
  type EvalReport,
  precisionRecallSvg,
  PassMismatch,
  StampIndex,
  TrackingScorer,
} from '../eval/index.ts';
import { writeOutputFile } from '../io/outputFile.ts';
import { sameFile } from './paths.ts';
import {
  Damage,
  type GroundTruthRead,
  type LogWindow,
  OutOfOrder,
  readFrames,
  readGroundTruth,
  readResults,
  type ResultsRead,
  type ScoreWindow,
} from './evalMcapRead.ts';

export type ClearOpts = { threshold: number; convention: 'trackeval' | 'motmetrics'; minHeightPx: number };

export async function evalMcap(
  resultsPath: string,
  gtPath: string,
  opts: ClearOpts & { minVisibility: number; matchDistanceM: number; window?: ScoreWindow },
  switches: boolean,
  plot: string | undefined,
  recover: boolean,
): Promise<EvalReport> {
  const damage = new Damage();
  // A results file passes its input's ground truth through: kept to check that --gt is that recording.
  const separateGt = !sameFile(gtPath, resultsPath);
  const res = await readResults(resultsPath, separateGt, recover, damage, opts.window);
  if (res.window && res.stamps.size === 0) {
    const w = opts.window!;
    throw new InputError({
      what: `no results ${Number.isFinite(w.toS) ? `between ${w.fromS} and ${w.toS} s` : `from ${w.fromS} s on`} after the first scored message (the file spans ${res.window.spanS.toFixed(1)} s)`,
      where: resultsPath,
      hint: 'pick --from / --to inside the recording',
    });
  }
  const gt = await readGroundTruth(gtPath, recover, separateGt, res.passedGt, damage, res.window);
  checkSameRecording(res, resultsPath, gtPath);

  // Every stamp of a scored message, numbered into frames up to a damaged file's cut; with ground truth at key
  // frames only (a dataset's annotated frames), only those stamps.
  const stamps = [...res.stamps, ...gt.gtStamps];
  const cut = damage.cutNs;
  const intact = (s: bigint) => (cut === undefined || s < cut) && !damage.inGap(s);
  const scored = (s: bigint) => intact(s) && (!gt.keyFramesOnly || gt.gtStamps.has(s));
  const index = new StampIndex();
  for (const s of stamps) if (scored(s)) index.add(s);
  const notes = damage.notes;
  if (res.window) {
    const w = opts.window!;
    notes.push(
      `scored ${w.fromS}–${Number.isFinite(w.toS) ? w.toS : res.window.spanS.toFixed(1)} s after the results' first scored message (--from / --to): tracks and ids crossing its ends are cut there`,
    );
  }
  if (gt.keyFramesOnly) {
    const between = [...res.stamps].filter((s) => !gt.gtStamps.has(s)).length;
    notes.push(
      `ground truth at annotated key frames only: scored at its ${gt.gtStamps.size} stamps${between > 0 ? `, the results' ${between} other stamps not scored` : ''}`,
    );
  }
  const resultsEnd = res.endNs;
  const gtEnd = gt.endNs;
  const resultsEndEarly = resultsEnd !== undefined && gtEnd !== undefined && gtEnd > resultsEnd;
  if (resultsEndEarly && cut === undefined) {
    // An interrupted replay: say why the later ground truth counts as missed.
    const s = (ns: bigint) => (Number(ns - (stamps[0] ?? 0n)) / 1e9).toFixed(1);
    notes.push(
      `the results end at ${s(resultsEnd)} s and the ground truth at ${s(gtEnd)} s: what lies after is scored as missed (${res.interrupted ?? 'an interrupted replay?'})`,
    );
  }
  if (res.interrupted !== undefined && !resultsEndEarly) {
    // The results' own stamps (`stamps` joins them with the ground truth's, unsorted).
    let lo: bigint | undefined;
    let hi: bigint | undefined;
    for (const t of res.stamps) {
      if (lo === undefined || t < lo) lo = t;
      if (hi === undefined || t > hi) hi = t;
    }
    const span =
      lo !== undefined && hi !== undefined && hi > lo ? ` (${(Number(hi - lo) / 1e9).toFixed(1)} s)` : '';
    notes.push(`${res.interrupted}; scored over what it holds${span}`);
  }
  if (cut !== undefined) {
    const scored =
      index.size > 0 ? ` (${Number(index.stampOf(index.size - 1) - index.stampOf(0)) / 1e9} s)` : '';
    notes.push(`scored ${index.size} stamps${scored}, before the last stamp of the damaged file`);
  }
  // Against every track the damage left, not only those at key frames: results of another recording had all been
  // dropped as between key frames, and were refused as holding no tracks.
  const hasTracks = [...res.trackStamps.keys()].some(scored);
  // Results without tracks but with detections (`replay --tracker none`): the detector is scored, for AP.
  const detectionsOnly = !hasTracks && [...res.detectionStamps.keys()].some(scored);
  const boxStamps = detectionsOnly ? res.detectionStamps : res.trackStamps;
  const intactTracks = new Map([...boxStamps].filter(([s]) => intact(s)));
  checkOverlap(intactTracks, gt, resultsPath, gtPath, notes, detectionsOnly ? 'detection' : 'track');
  if (detectionsOnly)
    notes.push(
      `no tracks: the ${res.detections} detections (boxes without track ids: --tracker none) are scored for AP only`,
    );
  else if (res.unlabelled > 0)
    notes.push(`${res.unlabelled} annotation outlines without a '#id' track label were not scored as tracks`);

  // Scored in two passes over both files, stamp by stamp (HOTA's alignment and IDF1's counts need every frame
  // before a frame's assignment): what is kept grows with ids and id pairs, not with the recording's length.
  const hasObjects = [...res.objectStamps].some(scored);
  const score = (buffered: boolean) =>
    scorePasses(resultsPath, gtPath, separateGt, { ...opts, recover, buffered }, res.window, scored, index, {
      tracks: hasTracks,
      detections: detectionsOnly,
      objects: hasObjects,
      switches,
      curves: plot !== undefined,
    });
  let scorers: Scorers;
  try {
    scorers = await score(false);
  } catch (err) {
    if (!(err instanceof OutOfOrder)) throw err;
    // The reader could not restore log-time order (an unindexed or damaged file far out of order): every stamp's
    // rows held instead, as before streaming, so the score is right and memory grows with the file.
    notes.push(
      `messages out of log-time order beyond the reader's window (${err.message}): scored with every stamp held in memory`,
    );
    scorers = await score(true);
  }
  const { tracking, ap, bev } = scorers;

  const report: EvalReport = { results: resultsPath, groundTruth: gtPath, format: 'mcap', notes };
  if (tracking) {
    report.tracking = tracking.breakdown();
    if (switches) {
      report.idSwitches = tracking.idSwitches().map((w) => ({
        ...w,
        timeS: Number(index.stampOf(w.frame) - index.stampOf(0)) / 1e9,
      }));
    }
    report.detection = await detectionAp(ap!.result(), plot, resultsPath);
  } else {
    if (ap) report.detection = await detectionAp(ap.result(), plot, resultsPath);
    else notes.push('no tracks on /perception/<camera>/annotations: 2D tracking not scored');
  }
  if (bev) report.bev = { metrics: bev.metrics(), amota: bev.amota() };
  if (!report.tracking && !report.bev && !report.detection) {
    // A recording that was never replayed, or a replay without a tracker: a report of nothing would read as
    // a pass to a script that only checks the exit code.
    throw new ConfigError({
      what: `nothing to score: no tracks on /perception/<camera>/annotations and no /perception/objects${res.unlabelled > 0 ? ` (${res.unlabelled} detections without track ids)` : ''}`,
      where: resultsPath,
      hint: res.replayed
        ? 'these results of viper replay hold no boxes: it ran with --detector none, read no camera frame, or found nothing (its summary said which)'
        : `replay it with a tracker first: viper replay ${resultsPath} -o ${resultsPath.replace(/\.mcap$/i, '')}.results.mcap`,
    });
  }
  if (res.run.size > 0) report.run = res.run.figures();
  return report;
}

interface Scorers {
  tracking: TrackingScorer | undefined;
  ap: ApAccumulator | undefined;
  bev: BevScorer | undefined;
}

/**
 * Both scoring passes over the files, stamp by stamp. The second must read what the first did (the same stamps and
 * rows): a file replaced in between (a replay writing the same path) is refused rather than scored half old.
 */
async function scorePasses(
  resultsPath: string,
  gtPath: string,
  separateGt: boolean,
  opts: ClearOpts & { minVisibility: number; matchDistanceM: number; recover: boolean; buffered: boolean },
  window: LogWindow | undefined,
  scored: (stampNs: bigint) => boolean,
  index: StampIndex,
  want: { tracks: boolean; detections: boolean; objects: boolean; switches: boolean; curves: boolean },
): Promise<Scorers> {
  const range = { firstFrame: 0, lastFrame: Math.max(0, index.size - 1) };
  const tracking = want.tracks ? new TrackingScorer({ ...opts, ...range }, want.switches) : undefined;
  const ap =
    tracking || want.detections
      ? new ApAccumulator({ minHeightPx: opts.minHeightPx, curves: want.curves })
      : undefined;
  const bev = want.objects ? new BevScorer({ matchDistanceM: opts.matchDistanceM }) : undefined;
  const read: string[] = [];
  // AP needs one pass (its boxes are taken in the first); tracking and BEV two.
  const passes = tracking || bev ? ([1, 2] as const) : ap ? ([1] as const) : [];
  for (const pass of passes) {
    if (tracking) tracking.pass = pass;
    if (bev) bev.pass = pass;
    let frames = 0;
    let rows = 0;
    try {
      for await (const f of readFrames(resultsPath, gtPath, separateGt, opts, window, scored)) {
        const frame = index.frameOf(f.stampNs);
        frames++;
        rows += f.gt.length + f.tracks.length + f.detections.length + f.gtBev.length + f.objects.length;
        const at = <R>(rows: R[]) => rows.map((r) => ({ ...r, frame }));
        if (tracking) {
          const g = at(f.gt);
          const t = at(f.tracks);
          tracking.frame(frame, g, t);
          if (pass === 1) {
            const boxes = apBoxes(g, t);
            ap!.addImages(boxes.dets, boxes.gts);
          }
        } else if (ap && pass === 1) {
          const boxes = apBoxes(at(f.gt), at(f.detections.map((d) => ({ ...d, id: -1 }))));
          ap.addImages(boxes.dets, boxes.gts);
        }
        bev?.frame(frame, f.gtBev, f.objects);
      }
    } catch (err) {
      if (err instanceof PassMismatch) throw changedWhileScored(resultsPath, gtPath, err.message);
      throw err;
    }
    read.push(`${frames} stamps, ${rows} rows`);
  }
  if (read.length === 2 && read[0] !== read[1])
    throw changedWhileScored(resultsPath, gtPath, `read ${read[0]}, then ${read[1]}`);
  return { tracking, ap, bev };
}

function changedWhileScored(resultsPath: string, gtPath: string, detail: string): RecordingError {
  return new RecordingError({
    what: `the files changed while they were scored (${detail})`,
    where: sameFile(resultsPath, gtPath) ? resultsPath : `${resultsPath} vs ${gtPath}`,
    hint: 'score them again once nothing is writing them (a replay to the same path?)',
  });
}

/** The results were replayed from the --gt recording: the ground truth they passed through is the same. */
function checkSameRecording(res: ResultsRead, resultsPath: string, gtPath: string): void {
  const { differs, compared, size } = res.passedGt;
  if (differs > 0 || (size > 0 && compared === 0)) {
    throw new InputError({
      what: `results were replayed from another recording: ${compared === 0 ? `none of the ${size} stamps of their ground truth is in --gt's` : `their ground truth differs from --gt's at ${differs} of the ${compared} stamps both hold`}`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from with --gt',
    });
  }
}

/**
 * Tracks and ground truth meet by stamp and camera: none in common is bad input (every track a false positive and
 * every actor a miss would read as a score); some apart are notes.
 */
function checkOverlap(
  tracks: Map<bigint, string[]>,
  gt: GroundTruthRead,
  resultsPath: string,
  gtPath: string,
  notes: string[],
  boxes: 'track' | 'detection' = 'track',
): void {
  const trackStamps = new Set(tracks.keys());
  const orphan = [...trackStamps].filter((s) => !gt.gtStamps.has(s)).length;
  if (trackStamps.size > 0 && orphan === trackStamps.size) {
    throw new InputError({
      what: `no annotation stamp has ground truth at the same log time (results ${span(trackStamps)}, ground truth ${span(gt.gtStamps)})`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from with --gt',
    });
  }
  const trackCameras = new Set([...tracks.values()].flat());
  const unseen = [...trackCameras].filter((c) => !gt.gtCameras.has(c)).sort();
  if (trackCameras.size > 0 && gt.gtCameras.size > 0 && unseen.length === trackCameras.size) {
    throw new InputError({
      what: `the results' cameras (${unseen.join(', ')}) and the ground truth's (${[...gt.gtCameras].sort().join(', ')}) have none in common`,
      where: `${resultsPath} vs ${gtPath}`,
      hint: 'pass the recording these results were replayed from with --gt',
    });
  }
  if (gt.gtCameras.size > 0 && unseen.length > 0)
    notes.push(
      `${unseen.join(', ')}: ${boxes}s but no ground truth in that camera (every ${boxes} there scored as a false positive)`,
    );
  // With ground truth at key frames only, the stamps between are left out (noted above), not false positives.
  if (orphan > 0 && !gt.keyFramesOnly)
    notes.push(
      `${orphan} annotation stamps have no ground truth at the same log time (scored as false positives)`,
    );
}

/** First and last of a set of log times, in seconds. */
function span(stamps: Set<bigint>): string {
  const xs = [...stamps].sort(compareNs);
  if (xs.length === 0) return 'none';
  const s = (ns: bigint) => (Number(ns) / 1e9).toFixed(3);
  return `${s(xs[0]!)}–${s(xs[xs.length - 1]!)} s`;
}

/** Detection AP of the scored track boxes; with `plot`, also their precision–recall curves as an SVG there. */
export async function detectionAp(
  ap: ApResult,
  plot: string | undefined,
  results: string,
): Promise<ApResult> {
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
