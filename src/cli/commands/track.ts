import type { Command } from 'commander';
import { ConfigError, EXIT_INTERRUPTED } from '../../contracts/errors.ts';
import { loadParams } from '../../graph/params.ts';
import { readMotChallenge, readTextInput } from '../../io/index.ts';
import { writeOutputFile } from '../../io/outputFile.ts';
import { formatMotTracks, lastMotFrame, MotRunCollector, trackMotFrames } from '../../track/index.ts';
import { parseTrackerConfig, type TrackerConfig } from '../../track/config.ts';
import { checkOutputPaths } from '../paths.ts';
import { numberArg } from '../args.ts';
import { createProgress } from '../progress.ts';
import { action, onInterrupt, printJson } from '../run.ts';

interface TrackOptions {
  output: string;
  frameRate?: string;
  params?: string;
  tracker: string;
  trackThresh?: string;
  lowThresh?: string;
  matchThresh?: string;
  trackBuffer?: string;
  mot20?: boolean;
  giou?: boolean;
  minBoxArea: string;
  aspectRatioThresh?: string;
  minHits?: string;
  maxAge?: string;
  json?: boolean;
  progress: boolean;
}

/** An optional number option (the tracker's config schema checks its range). */
function num(name: string, v: string | undefined): number | undefined {
  return v === undefined ? undefined : numberArg(`--${name}`, v);
}

/**
 * Why detections gave no track, when they did not: a file of tracker output (scores −1) or of scores on another
 * scale would otherwise give an empty track file and exit 0 without a word.
 */
function noTrackNotes(
  rows: readonly { conf: number }[],
  run: { boxes: number; filtered: number },
  given: Partial<TrackerConfig>,
): string[] {
  if (run.boxes > 0 || rows.length === 0) return [];
  // The tracker did report boxes: the output filters removed them, not the thresholds.
  if (run.filtered > 0) {
    return [
      `no track box written: --min-box-area or --aspect-ratio-thresh removed all ${run.filtered} of the tracker's boxes`,
    ];
  }
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    lo = Math.min(lo, r.conf);
    hi = Math.max(hi, r.conf);
  }
  const c = parseTrackerConfig(given);
  const birth =
    c.kind !== 'sort'
      ? `ByteTrack starts a track only from a detection scoring at least --track-thresh + 0.1 (${+(c.trackThresh + c.newTrackMargin).toFixed(3)} here)`
      : hi < c.sortScoreThresh
        ? `SORT drops detections scoring under its score threshold (sortScoreThresh ${c.sortScoreThresh}, set with --params; a score of -1, "none" in MOTChallenge files, is under it)`
        : `SORT reports a track after --min-hits matched frames (${c.minHits} here)`;
  return [
    `no track from ${rows.length} detections (scores ${lo} to ${hi}): ${birth}; is this a detection file (column 7 the detector's score in 0–1)?`,
  ];
}

/** Options of the other tracker are refused, not ignored (SORT gave the same tracks with --giou or --mot20). */
function checkApplies(o: TrackOptions): void {
  const only: Record<string, [string, unknown][]> = {
    bytetrack: [
      ['--track-thresh', o.trackThresh],
      ['--low-thresh', o.lowThresh],
      ['--match-thresh', o.matchThresh],
      ['--track-buffer', o.trackBuffer],
      ['--mot20', o.mot20],
      ['--giou', o.giou],
    ],
    sort: [
      ['--min-hits', o.minHits],
      ['--max-age', o.maxAge],
    ],
  };
  for (const [kind, opts] of Object.entries(only)) {
    if (kind === o.tracker) continue;
    const given = opts.filter(([, v]) => v !== undefined).map(([f]) => f);
    if (given.length > 0)
      throw new ConfigError({
        what: `${given.join(', ')} ${given.length === 1 ? 'is a' : 'are'} ${kind === 'bytetrack' ? 'ByteTrack' : 'SORT'} setting${given.length === 1 ? '' : 's'}, and the tracker is '${o.tracker}'`,
        where: given[0]!,
        hint: `use --tracker ${kind} with ${given.length === 1 ? 'it' : 'them'}, or leave ${given.length === 1 ? 'it' : 'them'} out`,
      });
  }
}

export function register(program: Command): void {
  program
    .command('track')
    .description(
      'run the 2D tracker (ByteTrack or SORT) on a MOTChallenge detection file and write MOT tracks',
    )
    .argument('<det.txt>', 'detections: frame,id,x,y,w,h,score,… per line, 1-based frames')
    .requiredOption('-o, --output <tracks.txt>', 'track file to write (frame,id,x,y,w,h,score,-1,-1,-1)')
    .option('--frame-rate <fps>', 'frame rate of the sequence (scales the lost buffer; default 30)')
    .option('--tracker <kind>', 'bytetrack | sort', 'bytetrack')
    .option('--track-thresh <s>', 'ByteTrack high-score threshold (default 0.5)')
    .option('--low-thresh <s>', 'ByteTrack low-score bound of the second association (default 0.1)')
    .option('--match-thresh <c>', 'ByteTrack first-association cost limit on 1 − IoU (default 0.8)')
    .option('--track-buffer <frames>', 'frames a lost track is kept at 30 fps (default 30)')
    .option('--mot20', 'ByteTrack MOT20 mode: no score fusion in the association costs')
    .option('--giou', 'ByteTrack: use 1 − GIoU instead of 1 − IoU as the cost')
    .option('--min-box-area <px2>', 'drop output boxes with w·h ≤ this (ByteTrack demo: 10)', '0')
    .option('--aspect-ratio-thresh <r>', 'drop output boxes with w/h > r (ByteTrack demo: 1.6)')
    .option('--min-hits <n>', 'SORT: hits before a track is reported (default 3)')
    .option('--max-age <frames>', 'SORT: frames without a match before deletion (default 1)')
    .option(
      '--params <file>',
      "any tracker setting from a parameter file's tracker: section (as replay --params; here over the reference's defaults); the options above override it",
    )
    .option('--json', 'print a summary as JSON')
    .option('--no-progress', 'no progress bar on stderr')
    .action(
      action(async (detPath: string, o: TrackOptions) => {
        if (o.tracker !== 'bytetrack' && o.tracker !== 'sort') {
          throw new ConfigError({
            what: `--tracker '${o.tracker}'`,
            where: 'viper track',
            hint: 'use bytetrack or sort',
          });
        }
        checkApplies(o);
        checkOutputPaths(
          [detPath, o.params],
          [{ path: o.output, flag: '-o', allowStream: true, example: 'tracks.txt' }],
        );
        const text = await readTextInput(detPath);
        const rows = readMotChallenge(text, { source: detPath });
        const params = o.params === undefined ? undefined : await loadParams(o.params);
        if (params?.fuse)
          process.stderr.write("note: the parameter file's fuse section is not used by track\n");
        // The file's settings, then the options given (an option left out leaves the file's value).
        const config = {
          ...params?.tracker,
          ...Object.fromEntries(
            Object.entries({
              kind: o.tracker,
              frameRate: num('frame-rate', o.frameRate),
              trackThresh: num('track-thresh', o.trackThresh),
              lowThresh: num('low-thresh', o.lowThresh),
              matchThresh: num('match-thresh', o.matchThresh),
              trackBuffer: num('track-buffer', o.trackBuffer),
              fuseScore: o.mot20 ? false : undefined,
              cost: o.giou ? 'giou' : undefined,
              minHits: num('min-hits', o.minHits),
              maxAge: num('max-age', o.maxAge),
            }).filter(([, v]) => v !== undefined),
          ),
        };
        const start = performance.now();
        const lastFrame = lastMotFrame(rows);
        const bar = createProgress('track', lastFrame, 'frames', o.progress && !o.json);
        const run = new MotRunCollector();
        const stop = { signal: undefined as NodeJS.Signals | undefined };
        const dispose = onInterrupt((signal) => {
          stop.signal = signal;
          process.stderr.write(`${signal}: stopping, writing the frames tracked so far to ${o.output}\n`);
        });
        try {
          let n = 0;
          for (const { frame, tracks, filtered } of trackMotFrames(rows, config, {
            minBoxArea: numberArg('--min-box-area', String(o.minBoxArea), { min: 0 }),
            aspectRatioThresh:
              o.aspectRatioThresh === undefined
                ? undefined
                : numberArg('--aspect-ratio-thresh', o.aspectRatioThresh, { above: 0 }),
          })) {
            run.add(frame, tracks, filtered);
            // Let a Ctrl-C in every so often: the tracker is synchronous, and a signal is only seen between turns.
            if (++n % 256 === 0) {
              bar.update(frame);
              await new Promise((resolve) => setImmediate(resolve));
            }
            if (stop.signal) break;
          }
        } finally {
          dispose();
        }
        if (stop.signal) bar.stop('(interrupted)');
        else bar.finish();
        // Interrupted: the counts are of the frames tracked, not of the whole file.
        const done = stop.signal ? rows.filter((row) => row.frame <= run.framesDone) : rows;
        const r = run.result(stop.signal ? run.framesDone : lastFrame, done.length);
        const elapsedS = (performance.now() - start) / 1000; // display only
        await writeOutputFile(o.output, formatMotTracks(r.perFrame), '-o');
        const summary = {
          input: detPath,
          output: o.output,
          tracker: o.tracker,
          config,
          frames: r.frames,
          detections: r.detections,
          trackBoxes: r.boxes,
          ids: r.ids,
          framesPerSecond: elapsedS > 0 ? Math.round(r.frames / elapsedS) : null,
          interrupted: stop.signal !== undefined,
          notes: noTrackNotes(done, r, config),
        };
        if (o.json) printJson(summary);
        else {
          process.stdout.write(
            `${o.tracker}: ${r.frames} frames${stop.signal ? ` of ${lastFrame} (interrupted)` : ''}, ` +
              `${r.detections} detections → ${r.boxes} track boxes, ${r.ids} ids → ${o.output}\n`,
          );
          for (const n of summary.notes) process.stdout.write(`note: ${n}\n`);
        }
        return stop.signal ? EXIT_INTERRUPTED : 0;
      }),
    );
}
