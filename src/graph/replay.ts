/**
 * Deterministic replay: recording → RxJS perception graph → results MCAP.
 *
 *   pullSource ─▶ interpret + assemble camera frames ─▶ align rig ─▶ batchRigs ─▶ stages (pipelined) ─▶ sink
 *
 * The source pulls only while the ordered writer has room, so memory is bounded for any file size. Every input
 * message is passed through to the output, and each rig frame's outputs follow the inputs read before it closed,
 * so the output bytes depend on the input and the config only — not on batch size, queue size or speed.
 */
import { fingerprintJson } from '../contracts/imagesFingerprint.ts';
import { concatMap, defaultIfEmpty, from, lastValueFrom, mergeMap, type Observable, tap } from 'rxjs';
import { RecordingError, ViperError } from '../contracts/errors.ts';
import type { TimeNs } from '../contracts/time.ts';
import { DetectStopped } from '../detect/shared.ts';
import { type RecordingReader, RecordingWriter } from '../io/index.ts';
import type { RecordedMessage } from '../io/types.ts';
import { batchRigs } from './batchRigs.ts';
import { undecodableTopics } from './interpret.ts';
import { feedName, openChecked } from './openRecording.ts';
import { OrderedWriter } from './OrderedWriter.ts';
import { createPacer } from './pacer.ts';
import { Gate, type PullControl, pullSource } from './pullSource.ts';
import { type LiveMirror, ResultsSink } from './ResultsSink.ts';
import { keptInResultsOnly } from './resultsOnly.ts';
import { countIssue, noUsableImage, type PendingRig, RigIntake } from './rigIntake.ts';
import { emptyResult, type RigResult, type Stage } from './stage.ts';
import { StagePipeline } from './stagePipeline.ts';
import { RigLatency, summarize } from './replaySummary.ts';

export interface ReplayOptions {
  input: string;
  output: string;
  stages: Stage[];
  /** Items queued for writing before the source waits (default 64). */
  queueSize?: number;
  /** Rig frames per stage batch (default 6). */
  maxBatch?: number;
  /** Log-time window of one batch (default 1 s). */
  batchWindowNs?: TimeNs;
  /** Camera alignment tolerance (default 20 ms). */
  alignToleranceNs?: TimeNs;
  /**
   * How long (log time) frames wait to be put back in stamp order before they are aligned, so that a camera
   * received up to this much later than the others still joins its rig frames (default 300 ms; see LagBuffer).
   */
  maxCameraLagNs?: TimeNs;
  /** Chunk compression of the results file (default zstd). */
  compression?: 'zstd' | 'lz4' | 'none';
  /**
   * Write only the perception outputs and the small inputs needed to use them (calibrations, transforms, ground
   * truth), not the images (`replay --results-only`, resultsOnly.ts).
   */
  resultsOnly?: boolean;
  /** `input` already opened by `openChecked` (replay closes it); opened here when absent. */
  reader?: RecordingReader;
  /** Salvage the intact part of a damaged recording. */
  recover?: boolean;
  /** Playback speed (× log time) for live viewing; undefined = as fast as possible. Never changes the output. */
  speed?: number;
  /** Mirror every written message to a live server (`replay --serve`). */
  live?: LiveMirror;
  /** Facts recorded in the results file's `viper` metadata (model, tracker, …). */
  metadata?: Record<string, string>;
  /** Called once the input is open, with its summary (for progress totals). */
  onStart?: (s: { messageCount: number; startNs: TimeNs; endNs: TimeNs }) => void;
  /** Called once the results file is created (from then on a failure leaves it finalized and readable). */
  onOutput?: () => void;
  /**
   * Called once the results file is finalized: `failed` when it was marked so (an error stopped the run, or no
   * image could be used). Not called where finalizing failed too (a full disk).
   */
  onFinalized?: (failed: boolean) => void;
  /**
   * Called after each message read and after each one written, for progress display. What the user waits on is
   * the work done (`messagesDone`: input messages through the graph and into the results, with the rig frames
   * whose results are written); reading runs ahead of it by the queue (`queueSize`).
   */
  onProgress?: (p: ReplayProgress) => void;
  /** Set `stopped` to end the replay early (SIGINT); the output is still finalized. */
  control?: PullControl;
}

import type { PerceptionCounts, ReplaySummary } from './summaryTypes.ts';

export type { ReplaySummary };

export interface ReplayProgress {
  /** Messages read from the input, and rig frames closed as of the last one. */
  messagesRead: number;
  rigFrames: number;
  /** Input messages written to the results (or left out as an earlier run's results): the work done. */
  messagesDone: number;
  /** Rig frames whose results are written. */
  rigFramesDone: number;
}

/**
 * Batches in the stages at once: two let the detector decode one batch while the other's inference and the
 * tracker run; more would only hold more frames in memory on the cores there are.
 */
const PIPELINE_DEPTH = 2;

export async function replay(opts: ReplayOptions): Promise<ReplaySummary> {
  const { reader, writer, startNs } = await openInputOutput(opts);
  const sink = new ResultsSink(writer, reader, opts.live, opts.stages.length > 0, opts.resultsOnly === true);
  const queueSize = Math.max(1, opts.queueSize ?? 64);
  const control = opts.control ?? { stopped: false };
  const latency = new RigLatency();
  const counts: PerceptionCounts = { detections: 0, trackBoxes: 0, worldObjects: 0 };
  let read = { messagesRead: 0, rigFrames: 0 };
  let messagesDone = 0;
  let rigFramesDone = 0;
  const progress = opts.onProgress
    ? () => opts.onProgress!({ ...read, messagesDone, rigFramesDone })
    : () => undefined;
  const ordered = new OrderedWriter<RecordedMessage, RigResult>(
    async (m) => {
      await sink.writeInput(m);
      messagesDone++;
      progress();
    },
    async (r) => {
      await sink.writeRig(r);
      latency.written(r.rig.seq);
      for (const d of r.detections.values()) counts.detections += d.length;
      for (const t of r.tracks.values()) counts.trackBoxes += t.length;
      counts.worldObjects += r.objects?.length ?? 0;
      rigFramesDone++;
      progress();
    },
    () => gate.notify(),
  );
  const intake = new RigIntake(feedName(opts.input), sink, reader, ordered, {
    alignToleranceNs: opts.alignToleranceNs,
    maxCameraLagNs: opts.maxCameraLagNs,
    onProgress: (p) => {
      read = p;
      progress();
    },
    onClose: (rig) => latency.closed(rig.seq),
  });
  // Read on while the writer has room, or while a partly filled batch still needs input to close; after a write
  // failure, read once more so that the graph stops on it (below) rather than waiting for room for ever.
  const gate = new Gate(() => ordered.failed || ordered.pending < queueSize || intake.inBatcher > 0);
  // Whether Ctrl-C cut the input short: what the file's metadata and the summary both say. Not `control.stopped`
  // read at the end: with many feeds it is set for all of them, also for those that had read their input whole.
  const cut = { value: false };
  const rigs$ = readRigs(reader, gate, control, opts.speed, intake, ordered, () => {
    cut.value = true;
  });
  const stagePipeline = new StagePipeline(opts.stages);
  const pipeline$ = runStages(rigs$, intake, gate, stagePipeline, ordered, opts);
  const failure = await runToEnd(
    pipeline$,
    ordered,
    stagePipeline,
    sink,
    opts,
    cut,
    () =>
      nothingIntact(reader, intake.stats.messagesRead, opts.input) ??
      (opts.stages.length > 0 ? noUsableImage(intake.stats, opts.input) : undefined),
  );
  const recovery = reader.recovery();
  // Left out of a results-only file, a topic Viper cannot decode is not "copied through".
  const copiedUndecoded = undecodableTopics(
    reader,
    (ch) => !opts.resultsOnly || keptInResultsOnly(ch.topic, ch.schemaName),
  );
  const indexedCount = reader.summary().indexed ? reader.summary().messageCount : undefined;
  await reader.close();
  if (failure) throw failure;
  return summarize(opts, sink, intake, {
    indexedCount,
    startNs,
    interrupted: cut.value,
    rigFramesDone,
    latencyMs: latency.percentiles(),
    counts,
    recovery,
    copiedUndecoded,
  });
}

/**
 * Open (and check) the input unless given, then create the output. No output to finalize yet, but the stages (a
 * detector and its threads, a shared detector's lease) and the input are this call's to close if it cannot start.
 */
async function openInputOutput(
  opts: ReplayOptions,
): Promise<{ reader: RecordingReader; writer: RecordingWriter; startNs: TimeNs }> {
  let reader: RecordingReader;
  try {
    reader = opts.reader ?? (await openChecked(opts.input, opts.recover ?? false, opts.stages.length > 0));
  } catch (err) {
    await closeStages(opts.stages);
    throw err;
  }
  const summaryIn = reader.summary();
  opts.onStart?.(summaryIn);
  let writer: RecordingWriter;
  try {
    writer = await RecordingWriter.create(opts.output, { compression: opts.compression ?? 'zstd' });
  } catch (err) {
    await closeStages(opts.stages);
    await reader.close();
    throw err;
  }
  opts.onOutput?.();
  return { reader, writer, startNs: summaryIn.startNs };
}

async function closeStages(stages: readonly Stage[]): Promise<void> {
  for (const s of stages) await s.close?.().catch(() => undefined);
}

/**
 * The read side of the graph: the source pulls while the gate is open, each message goes through the intake, and
 * once the input ends, whatever the intake still holds follows.
 */
function readRigs(
  reader: RecordingReader,
  gate: Gate,
  control: PullControl,
  speed: number | undefined,
  intake: RigIntake,
  ordered: OrderedWriter<RecordedMessage, RigResult>,
  onCut: () => void,
): Observable<PendingRig> {
  const rigs$: Observable<PendingRig> = pullSource(
    reader.messages(),
    gate,
    control,
    speed ? createPacer(speed, control) : undefined,
    onCut,
  ).pipe(
    mergeMap((m) => {
      if (ordered.failed) throw new WriteFailed();
      return intake.read(m);
    }),
  );
  return concatWithTail(rigs$, () => from(intake.flush()));
}

/**
 * The stage side of the graph: rig frames in batches through the stages (PIPELINE_DEPTH batches at once), each
 * result into its slot, then written in order. Emits each batch's length (0 when there was none).
 */
function runStages(
  rigs$: Observable<PendingRig>,
  intake: RigIntake,
  gate: Gate,
  stagePipeline: StagePipeline,
  ordered: OrderedWriter<RecordedMessage, RigResult>,
  opts: ReplayOptions,
): Observable<number> {
  return rigs$.pipe(
    batchRigs<PendingRig>(
      { maxBatch: opts.maxBatch ?? 6, windowNs: opts.batchWindowNs ?? 1_000_000_000n },
      (p) => p.rig.tNs,
    ),
    tap((batch) => {
      intake.inBatcher -= batch.length;
      gate.notify();
    }),
    mergeMap(
      (batch) =>
        // Filled in the promise, not the stream: a batch that leaves the stages after another one has failed or
        // been stopped still gets its results written (runToEnd drains once the stages are settled).
        from(
          stagePipeline.run(batch.map((p) => emptyResult(p.rig))).then((results) => {
            results.forEach((r, i) => {
              for (const issue of r.issues) {
                countIssue(intake.stats, issue.kind);
                // Why a calibration cannot project (an unsupported distortion model, fx or fy 0), per camera.
                if (issue.kind === 'bad-calibration' && !intake.stats.badCalibrations.has(issue.cameraId))
                  intake.stats.badCalibrations.set(issue.cameraId, issue.message);
                // Which frame (a count alone left the user to find the corrupt JPEG): the first five, as bad messages.
                if (issue.kind === 'decode') {
                  const f = r.rig.frames.find((x) => x.cameraId === issue.cameraId);
                  const line = `${issue.cameraId} image at log time ${f?.tNs ?? r.rig.tNs} ns: ${issue.message}`;
                  intake.stats.firstImageFailure ??= line;
                  if (intake.stats.badMessages.length < 5) intake.stats.badMessages.push(line);
                }
              }
              batch[i]!.slot.fill(r);
            });
            ordered.drain();
            return results.length;
          }),
        ),
      PIPELINE_DEPTH,
    ),
    defaultIfEmpty(0),
  );
}

/**
 * Run the graph to its end, then, whatever happened, finalize what was written so the output stays readable.
 * Returns the failure to report, if any.
 */
async function runToEnd(
  pipeline$: Observable<number>,
  ordered: OrderedWriter<RecordedMessage, RigResult>,
  stagePipeline: StagePipeline,
  sink: ResultsSink,
  opts: ReplayOptions,
  cut: { value: boolean },
  /** What makes a run that read its input whole a failure still (nothing perceivable in it). */
  check: () => unknown,
): Promise<unknown> {
  let failure: unknown;
  try {
    await lastValueFrom(pipeline$);
    await ordered.settled();
  } catch (err) {
    // Stopped with frames still waiting for a shared detector: the results end at the last rig frame detected
    // (the writer stops at the first without its results), an interruption, not a failure.
    if (err instanceof DetectStopped) cut.value = true;
    // WriteFailed only stops the graph: the writer's own error, thrown by settled() below, is the one to report.
    else if (!(err instanceof WriteFailed)) failure = err;
  } finally {
    try {
      await ordered.settled();
    } catch (err) {
      failure ??= err;
    }
    // A failed replay closes its stages only once the other batch in flight has left them; what that batch
    // filled is written (up to the first rig frame without results: a stopped one's were never detected).
    await stagePipeline.settled();
    try {
      ordered.drain();
      await ordered.settled();
    } catch (err) {
      failure ??= err;
    }
    await closeStages(opts.stages);
    if (failure === undefined && !cut.value) failure = check();
    try {
      // Said in the file, so a reader of it (inspect, the viewer) can tell where its images went.
      const resultsOnly = sink.leftOut
        ? {
            resultsOnly: 'true',
            imagesLeftOut: sink.leftOut.imagesJson(),
            imagesFingerprint: await fingerprintJson(sink.leftOutImages!),
          }
        : {};
      // A failed replay's results end where it failed: marked as an interrupted one's are, so the commands that
      // judge a whole run (scenarios score, compare) refuse them, with the error that stopped it.
      const failed = failure === undefined ? {} : { failed: oneLine(failure) };
      await sink.close({
        ...opts.metadata,
        ...resultsOnly,
        interrupted: String(cut.value || failure !== undefined),
        ...failed,
      });
      opts.onFinalized?.(failure !== undefined);
    } catch (err) {
      failure ??= err;
    }
  }
  return failure;
}

/**
 * --recover found nothing to replay: a run that wrote an empty copy is not a success. Checked before the copy is
 * finalized, so the copy says so (`failed` in its metadata, as every failed replay's): it had been an empty file
 * marked whole, which export then called a recording never replayed.
 */
function nothingIntact(
  reader: RecordingReader,
  messagesRead: number,
  input: string,
): RecordingError | undefined {
  const recovery = reader.recovery();
  if (!recovery?.damaged || messagesRead > 0) return undefined;
  return new RecordingError({
    what: `nothing intact to replay before the damage (${recovery.reason})`,
    where: input,
    hint: 'the damage starts before the first message, so nothing in this file can be recovered: copy it again from its source',
  });
}

/** What failed and where, on one line (a hint for the command that failed would mislead a reader of the file). */
function oneLine(err: unknown): string {
  const text =
    err instanceof ViperError
      ? `${err.domain}: ${err.brief}`
      : err instanceof Error
        ? err.message
        : String(err);
  return text.replace(/\s*[\r\n]+\s*/g, ' ');
}

/** Stops the graph once the ordered writer has failed (its error is reported, not this). */
class WriteFailed extends Error {}

/** Emit everything from `head`, then, once it completes, whatever `tail()` gives (evaluated late). */
function concatWithTail<T>(head: Observable<T>, tail: () => Observable<T>): Observable<T> {
  return from([0, 1]).pipe(concatMap((i) => (i === 0 ? head : tail())));
}
