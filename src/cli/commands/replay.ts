import { plural } from '../words.ts';
import { parseTiles, type TileGrid } from '../../detect/tiles.ts';
import { existsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Command } from 'commander';
import {
  ConfigError,
  EXIT_INTERRUPTED,
  RecordingError,
  ViperError,
  withHintAdded,
} from '../../contracts/errors.ts';
import { frames as FRAMES } from '../../contracts/topics.ts';
import { withRecoverHint } from '../../io/index.ts';
import { openChecked } from '../../graph/openRecording.ts';
import { replay } from '../../graph/replay.ts';
import { parseProviders } from '../../detect/session.ts';
import { buildStages, type StageOptions } from '../../graph/buildStages.ts';
import { loadParams, type PerceptionParams, setsNothing } from '../../graph/params.ts';
import { makeDirs } from '../../io/makeDirs.ts';
import { FEEDS_AT_ONCE } from '../../graph/replayFeeds.ts';
import { LiveServer } from '../../live/index.ts';
import { frameArg, intArg, numberArg, unitArg } from '../args.ts';
import { checkOutputPaths, modelInputs } from '../paths.ts';
import { rerunWithRecover, withDamageHint } from '../recover.ts';
import { action, onInterrupt, printJson } from '../run.ts';
import { createProgress } from '../progress.ts';
import { feedInputs } from '../feedInputs.ts';
import { replayFeedsCommand } from '../replayFeeds.ts';
import { printSummary, summaryJson } from '../replaySummary.ts';

export function register(program: Command): void {
  program
    .command('replay')
    .description(
      'replay a recording (or several at once, as feeds) through the perception graph and write results MCAPs',
    )
    .argument(
      '[inputs...]',
      'recording (.mcap): Foxglove or ROS 2 (CDR) images, calibrations, /tf; several are replayed at once as ' +
        'separate feeds around one detector, each into <output>/<name>.results.mcap. A folder of .mcap files ' +
        '(not a rosbag2 bag) gives its files, sorted, as feeds (not *.results.mcap: earlier outputs). A feed is named after its file (cam.mcap: cam); ' +
        'files of one name in different folders by the shortest end of their paths that differs, joined with _ ' +
        '(siteA/cam.mcap, siteB/cam.mcap: siteA_cam, siteB_cam)',
    )
    .requiredOption(
      '-o, --output <file>',
      'results MCAP to write (inputs passed through + perception outputs; --results-only: without the images); a folder with several inputs, a folder of them or --feeds-from',
    )
    .option('--model <card|onnx>', 'detector: a model card JSON or an .onnx with a sibling card')
    .option('--detector <kind>', 'model (the bundled one, or --model) | oracle | none (default: model)')
    .option(
      '--ep <list>',
      'execution providers in order of preference: cpu,cuda,tensorrt,webgpu',
      // Checked here, whatever the detector, so a typo is reported even where no model is loaded.
      (v) => {
        parseProviders([v]);
        return v;
      },
      'cpu',
    )
    .option(
      '--threads <n>',
      'ONNX Runtime intra-op threads (default: one per physical core, at most CPUs - 1)',
      // Bounded: 100000 created threads until memory ran out, minutes before anything was written.
      (v) => intArg('--threads', v, 1024),
    )
    .option(
      '--tiles <CxR>',
      'also detect on COLSxROWS overlapping tiles of each frame at the model input size (e.g. 2x1): small objects in large images are found, at 1 + COLS×ROWS model runs per frame',
      (v) => parseTiles(v),
    )
    .option('--tracker <kind>', 'bytetrack | sort | none', 'bytetrack')
    .option('--no-fuse', 'skip multi-camera fusion into world objects')
    .option(
      '--no-appearance',
      'track pedestrians without their colour: faster (the track stage decodes no image), more id switches in crowds',
    )
    .option('--track-thresh <s>', 'ByteTrack high-score threshold τ_high (default 0.5)', (v) =>
      unitArg('--track-thresh', v),
    )
    .option(
      '--birth-thresh <s>',
      "score a detection needs to start a track (default: the model card's birthThresh, 0.5 for the bundled model; else τ_high + 0.1, ByteTrack's rule)",
      (v) => unitArg('--birth-thresh', v),
    )
    .option(
      '--range-cue <cue>',
      'fusion range: mixed (default: pedestrians combined, other classes ground) | ground (flat-ground point) | ' +
        'combined (with the class-height range for every class; for real, uneven roads)',
    )
    .option(
      '--world-frame <frame>',
      "fusion's fixed frame, where world objects are tracked: a /tf frame above the vehicle's (default: odom; a bag's map or world)",
      (v) => frameArg('--world-frame', v),
    )
    .option(
      '--ego-frame <frame>',
      "fusion's vehicle frame, whose z = 0 plane is the road, between the world frame and the cameras (default: base_link; a bag's base_footprint)",
      (v) => frameArg('--ego-frame', v),
    )
    .option(
      '--params <file>',
      'tracker and fusion parameters (YAML or JSON; `viper params` prints the defaults to start from); the options above override it',
    )
    .option(
      '--batch-size <n>',
      'rig frames per stage batch (default: 6; 1 with --speed, so paced results go out as each rig frame is done, not in bursts); a batch holds its decoded frames, so memory grows with it',
      (v) => intArg('--batch-size', v, 1000),
    )
    .option(
      '--queue-size <n>',
      'messages queued for writing before reading pauses',
      (v) => intArg('--queue-size', v, 10_000),
      64,
    )
    .option(
      '--batch-window-ms <ms>',
      'log-time window of one batch',
      (v) => intArg('--batch-window-ms', v, 60_000),
      1000,
    )
    .option(
      '--align-tolerance-ms <ms>',
      'camera alignment tolerance',
      (v) => intArg('--align-tolerance-ms', v, 1000),
      20,
    )
    .option(
      '--max-camera-lag-ms <ms>',
      'frames wait this long (log time) to be put back in stamp order, so a camera received up to this late still joins its rig frames; 0: no wait',
      (v) => intArg('--max-camera-lag-ms', v, 10_000, 0),
      300,
    )
    .option(
      '--feeds-at-once <n>',
      'with several recordings: how many replay at the same time (the others wait their turn; bounds memory)',
      (v) => intArg('--feeds-at-once', v),
      FEEDS_AT_ONCE,
    )
    .option(
      '--feeds-from <list>',
      'recordings to replay as feeds, read from a text file: one path a line (relative to the list; blank lines and # comments skipped), for more feeds than a command line holds',
    )
    .option(
      '--results-only',
      'write only the perception outputs (/perception/…) and the small inputs that place them: calibrations, /tf, /tf_static, ground-truth objects; ' +
        'not the images (nor other topics Viper does not read, e.g. video): a fraction of the size. Open the input and the results file ' +
        'together in Foxglove to see the annotations over the images; eval, compare and export read it as they read a full one; ' +
        '--serve still streams the images',
    )
    .option('--compression <kind>', 'chunk compression of the results file: zstd | lz4 | none', 'zstd')
    .option('--recover', 'replay the intact part of a damaged recording and report what was lost')
    .option(
      '--serve [port]',
      'stream results live over the Foxglove WebSocket protocol (127.0.0.1:8765; port 0 picks a free one) while the replay runs; it stops with the replay, so pace it with --speed 1 to watch',
    )
    .option(
      '--speed <x>',
      'pace playback at x × log time (e.g. 1 for real time with --serve); output is identical at any speed',
    )
    .option('--host <addr>', 'address the --serve server binds (default: 127.0.0.1)')
    .option(
      '--wait-for-client',
      'with --serve: start the replay only once a client (Foxglove) has connected, so it sees the run from the start',
    )
    .option('--json', 'print the summary as JSON')
    .option('--no-progress', 'no progress bar')
    .action(
      action(
        withDamageHint(rerunWithRecover('replay'), async (args: string[], o: Record<string, unknown>) => {
          const { inputs, asFeeds, notes: inputNotes } = feedInputs(args, o.feedsFrom as string | undefined);
          for (const n of inputNotes) process.stderr.write(`note: ${n}\n`);
          // As feeds, a missing one fails its own feed (replayFeeds), as any bad recording does.
          for (const input of asFeeds ? [] : inputs) {
            if (!existsSync(input)) {
              throw new RecordingError({ what: 'file not found', where: input, hint: 'check the path' });
            }
          }
          if (o.waitForClient && o.serve === undefined)
            throw new ConfigError({
              what: '--wait-for-client waits for a client of the live server, and --serve was not given',
              where: '--wait-for-client',
              hint: 'add --serve [port]',
            });
          if (o.host !== undefined && o.serve === undefined)
            throw new ConfigError({
              what: '--host is the address of the live server, and --serve was not given',
              where: '--host',
              hint: 'add --serve [port] to stream the replay, or leave --host out',
            });
          // Paced (watched) replays release each rig frame as it is done: six at a time came out as bursts.
          const batchSize = (o.batchSize as number | undefined) ?? (o.speed !== undefined ? 1 : 6);
          // The same frame twice: every lookup succeeds, and fusion would track in the moving vehicle's frame.
          if (o.worldFrame !== undefined && o.worldFrame === (o.egoFrame ?? FRAMES.ego))
            throw new ConfigError({
              what: `--world-frame ${o.worldFrame} is the vehicle's frame (${o.egoFrame === undefined ? 'the default --ego-frame' : '--ego-frame'}): objects would be tracked as it moves`,
              where: '--world-frame',
              hint: "name the recording's fixed frame (odom, map), above the vehicle's in /tf",
            });
          const stageOpts: StageOptions = {
            model: o.model as string | undefined,
            detector: o.detector as StageOptions['detector'],
            ep: parseProviders([String(o.ep)]),
            threads: o.threads as number | undefined,
            tiles: o.tiles as TileGrid | undefined,
            tracker: String(o.tracker) as StageOptions['tracker'],
            fuse: o.fuse !== false,
            maxBatch: batchSize,
            trackThresh: o.trackThresh as number | undefined,
            birthThresh: o.birthThresh as number | undefined,
            appearance: o.appearance !== false,
            rangeCue: o.rangeCue as StageOptions['rangeCue'],
            worldFrame: o.worldFrame as string | undefined,
            egoFrame: o.egoFrame as string | undefined,
            recover: o.recover === true,
            ...(await paramsOption(o.params as string | undefined)),
          };
          const common = {
            queueSize: o.queueSize as number,
            maxBatch: batchSize,
            batchWindowNs: BigInt(o.batchWindowMs as number) * 1_000_000n,
            alignToleranceNs: BigInt(o.alignToleranceMs as number) * 1_000_000n,
            maxCameraLagNs: BigInt(o.maxCameraLagMs as number) * 1_000_000n,
            recover: o.recover === true,
            compression: parseCompression(String(o.compression)),
            resultsOnly: o.resultsOnly === true,
          };
          if (asFeeds) return replayFeedsCommand(inputs, o, stageOpts, common);
          const input = inputs[0]!;
          checkOutputPaths(
            [input, o.params as string | undefined, ...(await modelInputs(o.model as string | undefined))],
            [{ path: o.output as string, flag: '-o' }],
          );
          const reader = await openChecked(input, o.recover === true, stageOpts.detector !== 'none');
          // The results' folder is made, as simulate -o makes a recording's (the quick tour writes into out/).
          await makeDirs(dirname(o.output as string), '-o').catch(async (err: unknown) => {
            await reader.close();
            throw err;
          });
          // The server binds before the model loads: a port in use is said at once, not seconds later.
          const live = await startLive(o).catch(async (err: unknown) => {
            await reader.close();
            throw err;
          });
          const { stages, metadata, notes } = await buildStages(stageOpts, input).catch(
            async (err: unknown) => {
              await reader.close();
              await live?.close();
              throw err;
            },
          );
          for (const n of notes) process.stderr.write(`${n}\n`);
          const control = { stopped: false };
          const dispose = onInterrupt((sig) => {
            process.stderr.write(`\n${sig}: stopping, finalizing ${o.output as string}\n`);
            control.stopped = true;
          });
          if (live && o.waitForClient) {
            process.stderr.write('live: waiting for a client to connect (Ctrl-C to stop)\n');
            // Polled: the wall clock only paces this wait, it never reaches the results.
            while (live.stats().served === 0 && !control.stopped)
              await new Promise((r) => setTimeout(r, 100));
          }
          // Stopped before anyone connected: the results file is still written (finalized, no messages).
          const stoppedWaiting = live !== undefined && o.waitForClient === true && control.stopped;
          if (stoppedWaiting)
            process.stderr.write(
              `live: stopped before a client connected: nothing was replayed; ${o.output as string} is finalized with no messages\n`,
            );
          let progress: ReturnType<typeof createProgress> | undefined;
          let total = 0;
          let markedFailed = false;
          try {
            const summary = await replay({
              input,
              reader,
              output: o.output as string,
              onFinalized: (failed) => {
                markedFailed = failed;
              },
              stages,
              ...common,
              metadata,
              control,
              live,
              speed: o.speed === undefined ? undefined : numberArg('--speed', String(o.speed), { above: 0 }),
              onStart: (s) => {
                total = s.messageCount;
                progress = createProgress(
                  'replay',
                  total,
                  'msgs',
                  o.progress !== false && o.json !== true && !stoppedWaiting,
                );
              },
              onProgress: (p) => progress?.update(p.messagesDone, `${p.rigFramesDone} rig frames`),
            });
            const rigs = `${summary.rigFrames} rig frames`;
            if (summary.interrupted) progress?.stop(rigs);
            else progress?.finish(rigs);
            // Clients get what is queued for them before the summary (which then has the final live counts).
            await live?.close();
            const liveSummary = live ? live.stats() : undefined;
            if (o.json) printJson({ ...summaryJson(summary), ...(liveSummary ? { live: liveSummary } : {}) });
            else {
              printSummary(summary);
              if (liveSummary) process.stdout.write(`${liveLine(liveSummary, summary.notStreamed ?? [])}\n`);
            }
            return summary.interrupted ? EXIT_INTERRUPTED : 0;
          } catch (err) {
            throw markedFailed ? withResultsSoFar(err, o.output as string) : err;
          } finally {
            dispose();
            await live?.close();
          }
        }),
      ),
    );
}

/**
 * A replay that failed after finalizing its results marked failed (a damaged chunk met halfway, no usable image):
 * its line says where they are (`failed` and `interrupted` in their metadata: scenarios score and compare refuse
 * them; the earlier file of that name is gone). The damage hint goes first: it is rebuilt from the damage otherwise.
 */
function withResultsSoFar(err: unknown, output: string): unknown {
  const e = withRecoverHint(err, rerunWithRecover('replay'));
  return e instanceof ViperError
    ? withHintAdded(e, `what was written is in ${output}, finalized and marked failed`)
    : e;
}

/** `--serve [port]` (and `--host`): the live server, bound and announced; undefined without --serve. */
async function startLive(o: Record<string, unknown>): Promise<LiveServer | undefined> {
  if (o.serve === undefined) return undefined;
  const port = o.serve === true ? 8765 : intArg('--serve', String(o.serve), 65535, 0);
  const live = await LiveServer.start({ host: o.host === undefined ? undefined : String(o.host), port });
  process.stderr.write(
    `live: Foxglove WebSocket server at ${live.url} (open it in Foxglove: Open connection → Foxglove WebSocket)${o.speed === undefined ? '; without --speed the replay runs as fast as it can and the server stops with it' : ''}\n`,
  );
  return live;
}

/** The live server's account of the run: what reached clients, what a slow one missed, what was not streamed. */
function liveLine(l: ReturnType<LiveServer['stats']>, notStreamed: readonly string[]): string {
  const parts = [`  live: ${plural(l.served, 'client')} served, ${l.sent} messages sent`];
  if (l.dropped > 0) parts.push(`${l.dropped} dropped (a client read more slowly than the replay sent)`);
  if (notStreamed.length > 0)
    parts.push(`not streamed (encodings Foxglove's live protocol cannot carry): ${notStreamed.join(', ')}`);
  return parts.join('; ');
}

/** `--params <file>`, checked; a file that sets nothing is no parameters. */
async function paramsOption(file: string | undefined): Promise<{ params?: PerceptionParams }> {
  if (file === undefined) return {};
  const params = await loadParams(file);
  return setsNothing(params) ? {} : { params };
}

function parseCompression(v: string): 'zstd' | 'lz4' | 'none' {
  if (v === 'zstd' || v === 'lz4' || v === 'none') return v;
  throw new ConfigError({
    what: `unknown compression '${v}'`,
    where: '--compression',
    hint: 'use zstd, lz4 or none',
  });
}
