/**
 * `viper eval <results> [--gt <file>]`: score tracking results against ground truth.
 * - MCAP: tracks from `/perception/<camera>/annotations`, fused objects from `/perception/objects`, run figures
 *   from `/perception/metrics`; ground truth from `/ground_truth/objects` of `--gt` (default: the results file,
 *   which passes its inputs through). Rows meet by log time.
 * - Text: MOTChallenge or KITTI tracking files (`--gt` required), e.g. to score another tracker's output.
 */
import { closeSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readTextInput } from '../../io/index.ts';
import type { Command } from 'commander';
import { ConfigError, InputError } from '../../contracts/errors.ts';
import {
  type EvalReport,
  evaluateRows,
  formatReport,
  idSwitches,
  preprocessKitti,
  trackRowsAp,
  motRowsToTrackRows,
  readKitti,
  readMotChallenge,
  type MotBenchmark,
  preprocessMotChallenge,
  type TrackRow,
} from '../../eval/index.ts';
import { DEFAULT_SCORE } from '../../eval/scenarios/index.ts';
import { type ClearOpts, detectionAp, evalMcap } from '../evalMcap.ts';
import { rerunWithRecover, withDamageHint } from '../recover.ts';
import { numberArg, unitArg } from '../args.ts';
import { checkOutputPaths } from '../paths.ts';
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
  from?: string;
  to?: string;
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
      `ground truth shorter than this (px) is don't-care, with the tracks on it (TrackEval's rule; 0: off; default ${DEFAULT_SCORE.minHeightPx} for MCAP, as the scenario suite scores, 0 for text files); MCAP world (BEV) scores too: an actor no camera sees at least this tall is don't-care there`,
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
    .option(
      '--from <s>',
      'MCAP: score only from this many seconds after the first message scored (tracks, objects, ground truth) in the results file: a stretch of a long drive, scored as a sequence of its own',
    )
    .option('--to <s>', 'MCAP: score only up to (not including) this many seconds after it')
    .option('--json', 'print the full report as JSON')
    .action(
      action(
        withDamageHint(rerunWithRecover('score'), async (results: string, o: EvalOptions) => {
          const format = o.format ?? (isRecording(results) ? 'mcap' : 'mot');
          if (format !== 'mcap' && format !== 'mot' && format !== 'kitti') {
            throw new ConfigError({
              what: `--format '${format}'`,
              where: 'viper eval',
              hint: 'use mot or kitti',
            });
          }
          // `--format kitti` on a results MCAP was told it needed --gt, not that --format is for text files.
          if (format !== 'mcap' && isRecording(results)) {
            throw new ConfigError({
              what: `--format ${format} is for text files, and ${results} is an MCAP recording`,
              where: '--format',
              hint: 'leave --format out: an MCAP results file is scored against the recording it was replayed from',
            });
          }
          // Both sides are read as the results are: a recording against text (or text against a recording) would
          // fail on the other's first bytes, naming the wrong problem.
          if (o.gt !== undefined && (format === 'mcap') !== isRecording(o.gt)) {
            throw new ConfigError({
              what: `the results are ${format === 'mcap' ? 'an MCAP file' : `${format} text`} and --gt ${o.gt} is ${format === 'mcap' ? 'not' : 'an MCAP recording'}`,
              where: 'viper eval',
              hint:
                format === 'mcap'
                  ? 'score a results file against the recording it was replayed from (its default --gt), or export its tracks (viper export) and score that text against text labels'
                  : 'text tracks are scored against text labels; an MCAP results file against its recording',
            });
          }
          // Above 0: at 0, boxes that do not touch matched (an IDF1 of 100 for two boxes 500 px apart).
          const iou = numberArg('--iou', o.iou, { above: 0, max: 1 });
          // MCAP results are scored as `viper scenarios run` scores them; text files count every row (MOTChallenge).
          const mcap = format === 'mcap';
          const minVisibility = unitArg(
            '--min-visibility',
            o.minVisibility ?? String(mcap ? DEFAULT_SCORE.minVisibility : 0),
          );
          const matchDistanceM = numberArg('--match-distance', o.matchDistance, { above: 0 });
          if (o.convention !== 'trackeval' && o.convention !== 'motmetrics') {
            throw new ConfigError({
              what: `--convention '${o.convention}'`,
              where: 'viper eval',
              hint: 'trackeval or motmetrics',
            });
          }
          const minHeightPx = numberArg(
            '--min-height',
            o.minHeight ?? String(mcap ? DEFAULT_SCORE.minHeightPx : 0),
            { min: 0 },
          );
          const opts: ClearOpts = { threshold: iou, convention: o.convention, minHeightPx };
          const switches = o.switches === true;
          const plot = o.prPlot;
          // Options of one format only are refused with the other, not ignored.
          const benchmark = benchmarkOf(o.benchmark, format);
          if (o.recover && format !== 'mcap')
            throw new ConfigError({
              what: `--recover reads damaged MCAP files; ${results} is read as ${format} text`,
              where: 'viper eval',
            });
          const window = windowOf(o, format);
          checkOutputPaths(
            [results, o.gt],
            [{ path: plot, flag: '--pr-plot', allowStream: true, example: 'pr.svg' }],
          );
          const report =
            format === 'mcap'
              ? await evalMcap(
                  results,
                  o.gt ?? results,
                  { ...opts, minVisibility, matchDistanceM, ...(window ? { window } : {}) },
                  switches,
                  plot,
                  o.recover === true,
                )
              : await evalText(results, o.gt, format, opts, benchmark, switches, plot);
          if (plot !== undefined && !report.detection) {
            throw new ConfigError({
              what: '--pr-plot: the results have no scored boxes to draw curves from',
              where: results,
            });
          }
          if (o.json) printJson(report);
          else {
            process.stdout.write(formatReport(report));
            if (plot !== undefined) process.stdout.write(`wrote ${plot}\n`);
          }
          return 0;
        }),
      ),
    );
}

/**
 * A file that is not named .mcap but starts as an MCAP or a rosbag2 SQLite bag: read as a recording, so that its
 * error is about what it is, not `MOTChallenge line 1: field frame is "SQLite"`.
 */
/** An MCAP by name or by its first bytes, or a rosbag2 folder holding MCAP files (read as its file). */
function isRecording(path: string): boolean {
  if (path.endsWith('.mcap') || isBinaryRecording(path)) return true;
  try {
    return statSync(path).isDirectory() && readdirSync(path).some((n) => n.endsWith('.mcap'));
  } catch {
    return false;
  }
}

function isBinaryRecording(path: string): boolean {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = Buffer.alloc(16);
    const n = readSync(fd, head, 0, 16, 0);
    const text = head.subarray(0, n).toString('latin1');
    return text.startsWith('\x89MCAP') || text.startsWith('SQLite format 3\0');
  } catch {
    return false; // unreadable: the text reader says so
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function benchmarkOf(b: string | undefined, format: string): MotBenchmark | undefined {
  if (b === undefined) return undefined;
  if (format !== 'mot' || !['MOT15', 'MOT16', 'MOT17', 'MOT20'].includes(b)) {
    throw new ConfigError({
      what: `--benchmark '${b}'`,
      where: 'viper eval',
      hint: 'MOT15, MOT16, MOT17 or MOT20, with MOT text files (MCAP results are scored as the scenario suite scores them)',
    });
  }
  return b as MotBenchmark;
}

async function evalText(
  results: string,
  gt: string | undefined,
  format: 'mot' | 'kitti',
  opts: ClearOpts,
  benchmark: MotBenchmark | undefined,
  switches: boolean,
  plot: string | undefined,
) {
  // A folder (the one `viper export` wrote) or a wrong path was told it needed --gt: the path is the problem.
  checkTextResults(results);
  if (!gt) throw new ConfigError({ what: 'text results need --gt <ground-truth file>', where: 'viper eval' });
  const gtText = await readTextInput(gt);
  const trText = await readTextInput(results);
  const notes: string[] = [];
  let gtRows: TrackRow[];
  let trRows: TrackRow[];
  if (format === 'kitti') {
    const p = preprocessKitti(
      readKitti(gtText, { uniqueIds: true, source: gt }),
      readKitti(trText, { uniqueIds: true, source: results }),
    );
    gtRows = p.gt;
    trRows = p.tr;
    if (p.removedTracker > 0)
      notes.push(
        `KITTI DontCare regions: ${p.removedTracker} unmatched tracker boxes on them removed (TrackEval's rule)`,
      );
  } else {
    const g = readMotChallenge(gtText, { uniqueIds: true, source: gt });
    const t = readMotChallenge(trText, { uniqueIds: true, source: results });
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
  // No ground truth at all is a wrong file, not a score (every track a false positive read as MOTA −21900 %).
  if (gtRows.length === 0)
    throw new InputError({
      what: `no ground-truth boxes in ${gt}${benchmark ? ` (after ${benchmark} preprocessing)` : ''}`,
      where: 'viper eval --gt',
      hint: 'pass the labels of these frames',
    });
  if (trRows.length === 0) notes.push(`no track boxes in ${results}: every ground-truth box is a miss`);
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
    report.detection = await detectionAp(
      trackRowsAp(gtRows, trRows, opts.minHeightPx, plot !== undefined),
      plot,
      results,
    );
  return report;
}

/** Text results that are not a file: not found, or a folder (its .txt files named as what to pass instead). */
function checkTextResults(results: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(results);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT')
      throw new InputError({ what: 'file not found', where: results, hint: 'check the path', cause: err });
    return; // unreadable: readTextInput says why
  }
  if (!st.isDirectory()) return;
  let texts: string[] = [];
  try {
    texts = readdirSync(results)
      .filter((n) => n.endsWith('.txt'))
      .sort();
  } catch {
    // unreadable folder: the plain hint
  }
  throw new InputError({
    what: 'the results are a folder, not a file',
    where: results,
    hint:
      texts.length > 0
        ? `score one of its files against its labels, e.g. viper eval ${join(results, texts[0]!)} --gt <labels.txt>`
        : 'give a results .mcap, or a MOTChallenge / KITTI tracking text file with --gt <labels>',
  });
}

/** `--from` / `--to` as a window in seconds after the first scored message (MCAP only; from before to). */
function windowOf(o: EvalOptions, format: string): { fromS: number; toS: number } | undefined {
  if (o.from === undefined && o.to === undefined) return undefined;
  if (format !== 'mcap')
    throw new ConfigError({
      what: `--from / --to select log times of an MCAP results file; the results are ${format} text`,
      where: 'viper eval',
      hint: 'cut the text files to the frames wanted instead',
    });
  const fromS = o.from === undefined ? 0 : numberArg('--from', o.from, { min: 0 });
  const toS = o.to === undefined ? Number.POSITIVE_INFINITY : numberArg('--to', o.to, { above: 0 });
  if (!(toS > fromS))
    throw new ConfigError({ what: `--to ${o.to} is not after --from ${o.from ?? 0}`, where: 'viper eval' });
  return { fromS, toS };
}
