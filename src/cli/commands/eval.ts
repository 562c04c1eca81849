/**
 * `viper eval <results> [--gt <file>]`: score tracking results against ground truth.
 * - MCAP: tracks from `/perception/<camera>/annotations`, fused objects from `/perception/objects`, run figures
 *   from `/perception/metrics`; ground truth from `/ground_truth/objects` of `--gt` (default: the results file,
 *   which passes its inputs through). Rows meet by log time.
 * - Text: MOTChallenge or KITTI tracking files (`--gt` required), e.g. to score another tracker's output.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { ConfigError, ViperError } from '../../contracts/errors.ts';
import { topics } from '../../contracts/topics.ts';
import {
  amota,
  annotationsToRows,
  trackRowsAp,
  type ApResult,
  type BevRow,
  type EvalReport,
  evaluateBev,
  evaluateRows,
  formatReport,
  groundTruthToBev,
  groundTruthToRows,
  idSwitches,
  kittiRowsToTrackRows,
  motRowsToTrackRows,
  numberFrames,
  objectsToBev,
  precisionRecallSvg,
  parseGroundTruth,
  readKitti,
  readMotChallenge,
  StampIndex,
  type MotBenchmark,
  preprocessMotChallenge,
  type Stamped,
  summarizeRun,
  type TrackRow,
} from '../../eval/index.ts';
import { DEFAULT_SCORE } from '../../eval/scenarios/index.ts';
import { RecordingReader } from '../../io/index.ts';
import { rerunWithRecover, withDamageHint } from '../recover.ts';
import { refuseOutputOverInput, sameFile } from '../paths.ts';
import { action, printJson } from '../run.ts';

interface EvalOptions {
  gt?: string;
  format?: string;
  iou: string;
  convention: string;
  minVisibility?: string;
  minHeight?: string;
  matchDistance: string;
  benchmark?: string;
  switches?: boolean;
  prPlot?: string;
  recover?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  program
    .command('eval')
    .description('score tracking results against ground truth: HOTA, CLEAR MOT, IDF1, AP, BEV AMOTA')
    .argument('<results>', 'results.mcap from viper replay, or a MOTChallenge / KITTI tracking text file')
    .option(
      '--gt <file>',
      'ground truth: a recording with /ground_truth/objects (default: the results file) or a text file',
    )
    .option('--format <fmt>', 'text files: mot | kitti (default: mcap for .mcap, else mot)')
    .option('--iou <t>', 'IoU a CLEAR / Identity match needs', String(DEFAULT_SCORE.iou))
    .option('--convention <c>', 'CLEAR matching: trackeval | motmetrics', 'trackeval')
    .option(
      '--min-visibility <f>',
      `MCAP ground truth: leave out boxes less visible than this, and from BEV actors no camera sees this well (0–1; default ${DEFAULT_SCORE.minVisibility}, as the scenario suite scores)`,
    )
    .option(
      '--min-height <px>',
      `ground truth shorter than this (px) is don't-care, with the tracks on it (TrackEval's rule; 0: off; default ${DEFAULT_SCORE.minHeightPx} for MCAP, as the scenario suite scores, 0 for text files)`,
    )
    .option(
      '--match-distance <m>',
      'BEV: centres at most this far apart match (metres)',
      String(DEFAULT_SCORE.matchDistanceM),
    )
    .option(
      '--benchmark <name>',
      'MOT text files: apply MOT15 | MOT16 | MOT17 | MOT20 ground-truth preprocessing',
    )
    .option(
      '--switches',
      'list every 2D identity switch: camera, frame (MCAP: stamp rank and seconds after the first scored stamp), object, track before → after',
    )
    .option(
      '--pr-plot <file.svg>',
      'also draw the detection precision–recall curves per class (IoU 0.5, scored boxes) as an SVG',
    )
    .option(
      '--recover',
      'MCAP: score the intact part of a damaged results or ground-truth file (up to where it ends) and say what was lost',
    )
    .option('--json', 'print the full report as JSON')
    .action(
      action(
        withDamageHint(rerunWithRecover('score'), async (results: string, o: EvalOptions) => {
          const format = o.format ?? (results.endsWith('.mcap') ? 'mcap' : 'mot');
          if (format !== 'mcap' && format !== 'mot' && format !== 'kitti') {
            throw new ConfigError({
              what: `--format '${format}'`,
              where: 'viper eval',
              hint: 'use mot or kitti',
            });
          }
          const iou = unit('iou', o.iou);
          // MCAP results are scored as `viper scenarios run` scores them; text files count every row (MOTChallenge).
          const mcap = format === 'mcap';
          const minVisibility = unit(
            'min-visibility',
            o.minVisibility ?? String(mcap ? DEFAULT_SCORE.minVisibility : 0),
          );
          const matchDistanceM = Number(o.matchDistance);
          if (!(matchDistanceM > 0)) {
            throw new ConfigError({
              what: `--match-distance '${o.matchDistance}' is not a positive number`,
              where: 'viper eval',
            });
          }
          if (o.convention !== 'trackeval' && o.convention !== 'motmetrics') {
            throw new ConfigError({
              what: `--convention '${o.convention}'`,
              where: 'viper eval',
              hint: 'trackeval or motmetrics',
            });
          }
          const minHeightPx = Number(o.minHeight ?? (mcap ? DEFAULT_SCORE.minHeightPx : 0));
          if (!(minHeightPx >= 0)) {
            throw new ConfigError({
              what: `--min-height '${o.minHeight}' is not a number ≥ 0`,
              where: 'viper eval',
            });
          }
          const opts: ClearOpts = { threshold: iou, convention: o.convention, minHeightPx };
          const switches = o.switches === true;
          const plot = o.prPlot;
          if (plot === '')
            throw new ConfigError({ what: '--pr-plot needs a file name', where: 'viper eval' });
          refuseOutputOverInput([results, o.gt], [{ path: plot, flag: '--pr-plot' }]);
          const report =
            format === 'mcap'
              ? await evalMcap(
                  results,
                  o.gt ?? results,
                  { ...opts, minVisibility, matchDistanceM },
                  switches,
                  plot,
                  o.recover === true,
                )
              : await evalText(results, o.gt, format, opts, benchmarkOf(o.benchmark, format), switches, plot);
          if (plot !== undefined && !report.detection) {
            throw new ConfigError({
              what: '--pr-plot: the results have no scored boxes to draw curves from',
              where: results,
            });
          }
          if (o.json) printJson(report);
          else process.stdout.write(formatReport(report));
          return 0;
        }),
      ),
    );
}

function benchmarkOf(b: string | undefined, format: string): MotBenchmark | undefined {
  if (b === undefined) return undefined;
  if (format !== 'mot' || !['MOT15', 'MOT16', 'MOT17', 'MOT20'].includes(b)) {
    throw new ConfigError({
      what: `--benchmark '${b}'`,
      where: 'viper eval',
      hint: 'MOT15, MOT16, MOT17 or MOT20, with MOT text files',
    });
  }
  return b as MotBenchmark;
}

function unit(name: string, v: string): number {
  const x = Number(v);
  if (!(x >= 0 && x <= 1))
    throw new ConfigError({ what: `--${name} '${v}' is not in [0, 1]`, where: 'viper eval' });
  return x;
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new ViperError('input', {
      what: `cannot read ${path}: ${(err as Error).message}`,
      where: 'viper eval',
    });
  }
}

type ClearOpts = { threshold: number; convention: 'trackeval' | 'motmetrics'; minHeightPx: number };

async function evalText(
  results: string,
  gt: string | undefined,
  format: 'mot' | 'kitti',
  opts: ClearOpts,
  benchmark: MotBenchmark | undefined,
  switches: boolean,
  plot: string | undefined,
) {
  if (!gt) throw new ConfigError({ what: 'text results need --gt <ground-truth file>', where: 'viper eval' });
  // Parse errors name the file as well as the line and field.
  const parse = <R>(path: string, f: () => R): R => {
    try {
      return f();
    } catch (err) {
      if (err instanceof ViperError) {
        throw new ViperError('input', {
          what: err.what,
          where: `${path}: ${err.where}`,
          ...(err.hint ? { hint: err.hint } : {}),
        });
      }
      throw err;
    }
  };
  const gtText = await readText(gt);
  const trText = await readText(results);
  const notes: string[] = [];
  let gtRows: TrackRow[];
  let trRows: TrackRow[];
  if (format === 'kitti') {
    gtRows = kittiRowsToTrackRows(parse(gt, () => readKitti(gtText)));
    trRows = kittiRowsToTrackRows(parse(results, () => readKitti(trText)));
  } else {
    const g = parse(gt, () => readMotChallenge(gtText));
    const t = parse(results, () => readMotChallenge(trText));
    if (benchmark) {
      const p = preprocessMotChallenge(g, t, benchmark);
      gtRows = p.gt;
      trRows = p.tr;
      notes.push(`${benchmark} preprocessing: ${p.removedTracker} tracker boxes on distractors removed`);
    } else {
      gtRows = motRowsToTrackRows(g);
      trRows = motRowsToTrackRows(t);
    }
  }
  // MOTChallenge numbers frames from 1; score every frame from there even if the first ones are empty.
  const range = format === 'mot' ? { firstFrame: 1 } : { firstFrame: 0 };
  const report: EvalReport = {
    results,
    groundTruth: gt,
    format,
    tracking: evaluateRows(gtRows, trRows, { ...opts, ...range }),
    notes,
  };
  if (switches) report.idSwitches = idSwitches(gtRows, trRows, { ...opts, ...range });
  if (trRows.some((r) => r.score !== undefined && r.score >= 0))
    report.detection = await detectionAp(gtRows, trRows, opts.minHeightPx, plot, results);
  return report;
}

async function evalMcap(
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

  // With --recover, a damaged file is read up to its damage; scoring stops before its last (maybe partial) stamp.
  let cutNs: bigint | undefined;
  const salvaged = (reader: RecordingReader, path: string, lastNs: bigint | undefined) => {
    const r = reader.recovery();
    if (!r.damaged) return;
    notes.push(`${path} is damaged (${r.reason}): ${r.bytesLost} bytes lost, scored up to where it ends`);
    if (lastNs !== undefined && (cutNs === undefined || lastNs < cutNs)) cutNs = lastNs;
  };
  let lastNs: bigint | undefined;
  const results = await RecordingReader.open(resultsPath, { recover });
  try {
    const channels = results
      .channels()
      .filter(
        (c) => annotationTopic.test(c.topic) || c.topic === topics.objects || c.topic === topics.metrics,
      );
    for await (const m of results.messages({ topics: channels.map((c) => c.topic) })) {
      const msg = results.decoder(m.channel.id)(m.data);
      const where = `${resultsPath} ${m.channel.topic} @ ${m.logTimeNs}`;
      if (lastNs === undefined || m.logTimeNs > lastNs) lastNs = m.logTimeNs;
      const cam = annotationTopic.exec(m.channel.topic)?.[1];
      if (cam !== undefined) {
        const r = annotationsToRows(msg, cam);
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
  } finally {
    await results.close();
  }

  let gt2d: Stamped<TrackRow>[] = [];
  let gtBev: Stamped<BevRow>[] = [];
  lastNs = undefined;
  const gtReader = await RecordingReader.open(gtPath, { recover });
  try {
    const ch = gtReader.channels().find((c) => c.topic === topics.groundTruthObjects);
    if (!ch) {
      throw new ViperError('input', {
        what: `no ${topics.groundTruthObjects} topic`,
        where: gtPath,
        hint: 'pass the simulated recording with --gt <recording.mcap>',
      });
    }
    for await (const m of gtReader.messages({ topics: [topics.groundTruthObjects] })) {
      const gt = parseGroundTruth(gtReader.decoder(m.channel.id)(m.data), `${gtPath} @ ${m.logTimeNs}`);
      if (lastNs === undefined || m.logTimeNs > lastNs) lastNs = m.logTimeNs;
      stamps.push(m.logTimeNs);
      for (const row of groundTruthToRows(gt, opts.minVisibility)) gt2d.push({ stampNs: m.logTimeNs, row });
      for (const row of groundTruthToBev(gt, opts.minVisibility, opts.minHeightPx))
        gtBev.push({ stampNs: m.logTimeNs, row });
    }
    // The results file read again as ground truth (the default) is damaged once, not twice.
    if (!sameFile(gtPath, resultsPath)) salvaged(gtReader, gtPath, lastNs);
  } finally {
    await gtReader.close();
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
  const gtStamps = new Set(gt2d.map((r) => r.stampNs));
  const orphan = new Set(tracks.filter((r) => !gtStamps.has(r.stampNs)).map((r) => r.stampNs)).size;
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

/** Detection AP of the scored track boxes; with `plot`, also their precision–recall curves as an SVG there. */
async function detectionAp(
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
  try {
    await writeFile(plot, precisionRecallSvg(ap.perClass, `${basename(results)}: detection AP50 per class`));
  } catch (err) {
    // Node's text without the path it repeats: "ENOENT: no such file or directory".
    throw new ViperError('input', {
      what: `cannot write ${plot}: ${(err as Error).message.split(',')[0]}`,
      where: '--pr-plot',
    });
  }
  // The curves went to the plot; the report keeps its usual shape.
  for (const c of Object.values(ap.perClass)) delete c.curve50;
  return ap;
}
