import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError } from '../../contracts/errors.ts';
import { readMotChallenge } from '../../io/index.ts';
import { formatMotTracks, trackMotSequence } from '../../track/index.ts';
import { checkOutputPaths } from '../paths.ts';
import { action, printJson } from '../run.ts';

interface TrackOptions {
  output: string;
  frameRate: string;
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
}

function num(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const x = Number(v);
  if (!Number.isFinite(x))
    throw new ConfigError({ what: `--${name} '${v}' is not a number`, where: 'viper track' });
  return x;
}

export function register(program: Command): void {
  program
    .command('track')
    .description(
      'run the 2D tracker (ByteTrack or SORT) on a MOTChallenge detection file and write MOT tracks',
    )
    .argument('<det.txt>', 'detections: frame,id,x,y,w,h,score,… per line, 1-based frames')
    .requiredOption('-o, --output <tracks.txt>', 'track file to write (frame,id,x,y,w,h,score,-1,-1,-1)')
    .option('--frame-rate <fps>', 'frame rate of the sequence (scales the lost buffer)', '30')
    .option('--tracker <kind>', 'bytetrack | sort', 'bytetrack')
    .option('--track-thresh <s>', 'ByteTrack high-score threshold (default 0.5)')
    .option('--low-thresh <s>', 'ByteTrack low-score bound of the second association (default 0.1)')
    .option('--match-thresh <c>', 'ByteTrack first-association cost limit on 1 − IoU (default 0.8)')
    .option('--track-buffer <frames>', 'frames a lost track is kept at 30 fps (default 30)')
    .option('--mot20', 'MOT20 mode: no score fusion in the association costs')
    .option('--giou', 'use 1 − GIoU instead of 1 − IoU as the cost')
    .option('--min-box-area <px2>', 'drop output boxes with w·h ≤ this (ByteTrack demo: 10)', '0')
    .option('--aspect-ratio-thresh <r>', 'drop output boxes with w/h > r (ByteTrack demo: 1.6)')
    .option('--min-hits <n>', 'SORT: hits before a track is reported (default 3)')
    .option('--max-age <frames>', 'SORT: frames without a match before deletion (default 1)')
    .option('--json', 'print a summary as JSON')
    .action(
      action(async (detPath: string, o: TrackOptions) => {
        if (o.tracker !== 'bytetrack' && o.tracker !== 'sort') {
          throw new ConfigError({
            what: `--tracker '${o.tracker}'`,
            where: 'viper track',
            hint: 'use bytetrack or sort',
          });
        }
        checkOutputPaths([detPath], [{ path: o.output, flag: '-o', allowStream: true }]);
        let text: string;
        try {
          text = readFileSync(detPath, 'utf8');
        } catch (err) {
          throw new ConfigError({
            what: `cannot read ${detPath}: ${(err as Error).message}`,
            where: 'viper track',
          });
        }
        const rows = readMotChallenge(text, { source: detPath });
        const config = Object.fromEntries(
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
        );
        const start = performance.now();
        const r = trackMotSequence(rows, config, {
          minBoxArea: num('min-box-area', o.minBoxArea),
          aspectRatioThresh: num('aspect-ratio-thresh', o.aspectRatioThresh),
        });
        const elapsedS = (performance.now() - start) / 1000; // display only
        writeFileSync(o.output, formatMotTracks(r.perFrame));
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
        };
        if (o.json) printJson(summary);
        else {
          process.stdout.write(
            `${o.tracker}: ${r.frames} frames, ${r.detections} detections → ${r.boxes} track boxes, ${r.ids} ids → ${o.output}\n`,
          );
        }
        return 0;
      }),
    );
}
